"""residents: the day the next visit of the round is due, stored and indexed (issue 19)

Revision ID: 8e5ca6a58aca
Revises: 8d2e6f1a4c57
Create Date: 2026-12-05 12:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "8e5ca6a58aca"
down_revision = "8d2e6f1a4c57"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("residents", sa.Column("next_visit_due_on", sa.Date(), nullable=True))
    op.create_index("ix_residents_grid_next_visit", "residents", ["grid_id", "next_visit_due_on"])
    from sqlalchemy.orm import Session

    from app.rounds.due import rebuild

    # One UPDATE of every resident, each date read from the visits' (resident, day, outcome)
    # index: seconds for 100,000 residents and a million visits.
    rebuild(Session(bind=op.get_bind()))


def downgrade():
    op.drop_index("ix_residents_grid_next_visit", table_name="residents")
    with op.batch_alter_table("residents") as batch_op:
        batch_op.drop_column("next_visit_due_on")
