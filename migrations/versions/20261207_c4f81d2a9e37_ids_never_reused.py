"""deletable records: ids never given again on SQLite (AUTOINCREMENT)

SQLite gives a new row the largest id in the table plus one, so once the newest visit was
deleted the next visit took its id, and the audit trail ("visit 812 deleted", then "visit
812 logged") named two visits with one id, as would a phone's outbox or a page kept offline.
AUTOINCREMENT keeps the largest id ever given in sqlite_sequence. SQLite cannot add it to a
table: each is rebuilt (copy, drop, rename), with foreign keys off while it runs and checked
after (migrations/env.py). PostgreSQL's sequences never go back: nothing to do there.

Revision ID: c4f81d2a9e37
Revises: b7d2e6a41c90
Create Date: 2026-12-07 12:30:00

"""

from alembic import op

revision = "c4f81d2a9e37"
down_revision = "b7d2e6a41c90"
branch_labels = None
depends_on = None

# Records a user can delete, and those deleted with them.
TABLES = ("visits", "screenings", "answers", "hazards", "photos", "referrals", "concerns")


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass


def upgrade():
    _rebuild(True)


def downgrade():
    _rebuild(False)
