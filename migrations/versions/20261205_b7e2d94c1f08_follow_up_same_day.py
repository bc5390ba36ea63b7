"""visits: a follow-up set for the visit's own day is answered by a second visit that day

Revision ID: b7e2d94c1f08
Revises: 5f3c1d7a2b90
Create Date: 2026-12-05 18:10:00

"""

from alembic import op

revision = "b7e2d94c1f08"
down_revision = "5f3c1d7a2b90"
branch_labels = None
depends_on = None


def upgrade():
    # The stored open follow-up dates were computed by the rule that only a visit on a later day
    # answers one: computed again by the rule as it is now (by day, then time, then id).
    from sqlalchemy.orm import Session

    from app.visits.follow_ups import rebuild

    rebuild(Session(bind=op.get_bind()))


def downgrade():
    # Nothing to undo in the schema. The values stay as the newer rule has them: a follow-up
    # answered the same day stays answered.
    pass
