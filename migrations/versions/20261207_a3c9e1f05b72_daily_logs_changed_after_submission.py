"""daily logs: when a record of a submitted day last changed, for the reviewer

A day stays open to the worker's corrections until it is approved, submitted or not. A
change after submitting (a visit moved onto the day, a hazard added) changed the counts the
secretary had read, and nothing said so. Cleared when the day is submitted again.

Revision ID: a3c9e1f05b72
Revises: 6d2b8f0e4a71
Create Date: 2026-12-07 09:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "a3c9e1f05b72"
down_revision = "6d2b8f0e4a71"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("daily_logs") as batch:
        batch.add_column(sa.Column("changed_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("daily_logs") as batch:
        batch.drop_column("changed_at")
