"""share project text with the township (issue 14 item 5): a mark on factors and assessment notes

Revision ID: 5b4a7e2c91d3
Revises: eaccca74d282
Create Date: 2026-12-05 05:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "5b4a7e2c91d3"
down_revision = "eaccca74d282"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("risk_factors") as batch_op:
        batch_op.add_column(
            sa.Column("text_shared", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("assessments") as batch_op:
        batch_op.add_column(
            sa.Column("note_shared", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table("assessments") as batch_op:
        batch_op.drop_column("note_shared")
    with op.batch_alter_table("risk_factors") as batch_op:
        batch_op.drop_column("text_shared")
