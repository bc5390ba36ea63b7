"""tally hazard and request figures, households (issue 19): township tables from sums

Revision ID: 3f7a9c2e4b18
Revises: 0b5b5973ef37
Create Date: 2026-12-05 09:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "3f7a9c2e4b18"
down_revision = "0b5b5973ef37"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "tally_hazard_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=1), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.Date(), nullable=False),
        sa.Column("dim", sa.String(length=5), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("severity", sa.String(length=8), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("overdue", sa.Integer(), nullable=True),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("exact", sa.Integer(), nullable=False),
        sa.Column("small", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tally_hazard_figures"),
    )
    op.create_index(
        "ix_tally_hazard_figures_place",
        "tally_hazard_figures",
        ["level", "place_id", "dim", "unit"],
    )
    op.create_table(
        "tally_households",
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.Date(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["grids.id"], name="fk_tally_households_grid_id_grids"
        ),
        sa.PrimaryKeyConstraint("grid_id", "unit", name="pk_tally_households"),
    )
    op.create_index("ix_tally_hazards_due_on", "tally_hazards", ["due_on"])
    op.create_table(
        "tally_request_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=1), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.Date(), nullable=False),
        sa.Column("dim", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=8), nullable=True),
        sa.Column("restricted", sa.Integer(), nullable=True),
        sa.Column("accepted", sa.Integer(), nullable=True),
        sa.Column("replied", sa.Integer(), nullable=True),
        sa.Column("overdue", sa.Integer(), nullable=True),
        sa.Column("exact", sa.Integer(), nullable=False),
        sa.Column("small", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tally_request_figures"),
    )
    op.create_index(
        "ix_tally_request_figures_place",
        "tally_request_figures",
        ["level", "place_id", "dim", "unit"],
    )

    from sqlalchemy.orm import Session

    from app.tallies.rollups import rebuild

    rebuild(
        Session(bind=op.get_bind()), only=("households", "hazard figures", "request figures")
    )


def downgrade():
    op.drop_index("ix_tally_request_figures_place", table_name="tally_request_figures")
    op.drop_table("tally_request_figures")
    op.drop_index("ix_tally_hazards_due_on", table_name="tally_hazards")
    op.drop_table("tally_households")
    op.drop_index("ix_tally_hazard_figures_place", table_name="tally_hazard_figures")
    op.drop_table("tally_hazard_figures")
