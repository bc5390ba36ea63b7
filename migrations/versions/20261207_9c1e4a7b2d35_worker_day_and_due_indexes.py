"""visits: the worker's index carries the day; requests: an index of due dates by grid (issue 19)

Today's list of the worker's visits and the phone's caseload of recent visits ask for one
worker's visits on or since a day. On the worker's index alone that read every visit the
worker ever logged (5,000 for the large demo's worker; years of them in a real township)
to keep the dozen of the day. (worker_id, visited_on) serves those reads and everything the
old single-column index served.

The requests due soon or overdue in a community's grids read every request of those grids
(2,000 a year in the large demo's community) where the open ones with a date are a hundred:
(grid_id, due_on) is a range of those.

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
    op.create_index("ix_requests_grid_due_on", "requests", ["grid_id", "due_on"])


def downgrade():
    op.drop_index("ix_requests_grid_due_on", table_name="requests")
    op.create_index("ix_visits_worker_id", "visits", ["worker_id"])
    op.drop_index("ix_visits_worker_visited_on", table_name="visits")
