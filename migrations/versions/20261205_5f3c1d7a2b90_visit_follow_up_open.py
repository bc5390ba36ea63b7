"""visits: the follow-up date while no later visit has answered it, stored and indexed (issue 19)

Revision ID: 5f3c1d7a2b90
Revises: 8e5ca6a58aca
Create Date: 2026-12-05 15:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "5f3c1d7a2b90"
down_revision = "8e5ca6a58aca"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("visits") as batch_op:
        batch_op.add_column(sa.Column("follow_up_open_on", sa.Date(), nullable=True))
        # Today's follow-ups due read the new index; nothing else read this one.
        batch_op.drop_index("ix_visits_follow_up")
        batch_op.create_index(
            "ix_visits_grid_follow_up_open", ["grid_id", "follow_up_open_on"], unique=False
        )
    from sqlalchemy.orm import Session

    from app.visits.follow_ups import rebuild

    # Two UPDATEs of the visits with a follow-up date, each later visit looked for in an index.
    rebuild(Session(bind=op.get_bind()))


def downgrade():
    with op.batch_alter_table("visits") as batch_op:
        batch_op.drop_index("ix_visits_grid_follow_up_open")
        batch_op.create_index("ix_visits_follow_up", ["grid_id", "follow_up_on"], unique=False)
        batch_op.drop_column("follow_up_open_on")
