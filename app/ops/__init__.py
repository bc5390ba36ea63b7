"""Operations on a whole deployment: backup and restore, retention of personal data."""
