"""visits: the worker's index carries the day, for a worker's own day (issue 19)

Today's list of the worker's visits and the phone's caseload of recent visits ask for one
worker's visits on or since a day. On the worker's index alone that read every visit the
worker ever logged (5,000 for the large demo's worker; years of them in a real township)
to keep the dozen of the day. (worker_id, visited_on) serves those reads and everything the
old single-column index served.

Revision ID: 9c1e4a7b2d35
Revises: 52dbc33912a4
Create Date: 2026-12-07 06:00:00

"""

from alembic import op

revision = "9c1e4a7b2d35"
down_revision = "52dbc33912a4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_visits_worker_visited_on", "visits", ["worker_id", "visited_on"])
    op.drop_index("ix_visits_worker_id", table_name="visits")


def downgrade():
    op.create_index("ix_visits_worker_id", "visits", ["worker_id"])
    op.drop_index("ix_visits_worker_visited_on", table_name="visits")
