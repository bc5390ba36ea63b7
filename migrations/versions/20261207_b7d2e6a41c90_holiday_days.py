"""holiday days: the year's holiday schedule entered by the administrator

chinese-calendar carries the State Council's schedule only for the years of its last
release; on 1 January a deployment would count the new year's deadlines without holidays
until someone upgraded the package. The administrator enters the published schedule instead.

Revision ID: b7d2e6a41c90
Revises: a3c9e1f05b72
Create Date: 2026-12-07 11:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "b7d2e6a41c90"
down_revision = "a3c9e1f05b72"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "holiday_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("working", sa.Boolean(), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entered_by_id"], ["users.id"], name=op.f("fk_holiday_days_entered_by_id_users")
        ),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_holiday_days")),
    )


def downgrade():
    op.drop_table("holiday_days")
