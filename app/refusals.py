"""The one way a service says no: a refusal with a message in the user's language.

Services raise these and never import Flask; one handler (app/errors.py) rolls the
request back and answers with the form redisplayed, a fragment, or a 409 page.
"""


class Refusal(Exception):
    """A step the app will not take; `message` says why, `field` names the input it is about."""

    status = 409
    kind = "refused"

    def __init__(self, message, field: str | None = None):
        # The message stays lazy until shown: it is read in the language of whoever sees it,
        # and a refusal raised outside a request (CLI, demo loader) needs no locale to exist.
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class Invalid(Refusal):
    """What was typed cannot be saved as it is (a rule beyond one field's validators)."""

    status = 422


class Conflict(Refusal):
    """The record is not in a state that allows the step (someone acted first, a retry)."""


class Locked(Conflict):
    """The record belongs to an approved day: it is locked until the day is reopened."""

    kind = "locked"


class NotAllowed(Refusal):
    """The user's role or scope does not allow the step: answered as 'not found' (404)."""

    status = 404
