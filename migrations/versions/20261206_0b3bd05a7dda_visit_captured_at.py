"""visits: when the phone saved a visit that came from its outbox (captured_at), if believed

Revision ID: 0b3bd05a7dda
Revises: b7e2d94c1f08
Create Date: 2026-12-06 01:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0b3bd05a7dda"
down_revision = "b7e2d94c1f08"
branch_labels = None
depends_on = None


def upgrade():
    # Nullable and left empty for the visits already there: which of them waited in an outbox
    # was never recorded, and their visited_at cannot tell (an online visit has one too).
    with op.batch_alter_table("visits") as batch_op:
        batch_op.add_column(sa.Column("captured_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("visits") as batch_op:
        batch_op.drop_column("captured_at")
