"""daily logs: the last reopening of an approved day, with its reason, kept apart from the
comment that the next return writes over

Revision ID: e2a7c4d9b610
Revises: c4f81d2a9e37
Create Date: 2026-12-07 22:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "e2a7c4d9b610"
down_revision = "c4f81d2a9e37"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("daily_logs") as batch:
        batch.add_column(sa.Column("reopened_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("reopened_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reopen_reason", sa.Text(), nullable=False, server_default=""))
        batch.create_foreign_key(
            "fk_daily_logs_reopened_by_id_users", "users", ["reopened_by_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("daily_logs") as batch:
        batch.drop_constraint("fk_daily_logs_reopened_by_id_users", type_="foreignkey")
        batch.drop_column("reopen_reason")
        batch.drop_column("reopened_by_id")
        batch.drop_column("reopened_at")
