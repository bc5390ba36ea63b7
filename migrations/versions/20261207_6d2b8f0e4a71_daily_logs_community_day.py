"""daily logs: the community's index carries the day, for the review queue's page (issue 19)

The review queue shows twenty days, waiting ones first then newest; it read and sorted every
day of the community's history to find them (3,650 a year for ten workers). On
(community_id, day) each half is read newest first only as far as the page reaches.

Revision ID: 6d2b8f0e4a71
Revises: 9c1e4a7b2d35
Create Date: 2026-12-07 07:00:00

"""

from alembic import op

revision = "6d2b8f0e4a71"
down_revision = "9c1e4a7b2d35"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_daily_logs_community_day", "daily_logs", ["community_id", "day"])
    op.drop_index("ix_daily_logs_community_id", table_name="daily_logs")


def downgrade():
    op.create_index("ix_daily_logs_community_id", "daily_logs", ["community_id"])
    op.drop_index("ix_daily_logs_community_day", table_name="daily_logs")
