"""tally roll-ups (issue 19): visits, screenings and hazards counted by grid and month/week

Revision ID: 0b5b5973ef37
Revises: 4b0d7e2a9c13
Create Date: 2026-12-05 05:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0b5b5973ef37"
down_revision = "4b0d7e2a9c13"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "tally_visits",
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.Date(), nullable=False),
        sa.Column("purpose", sa.String(length=24), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["grid_id"], ["grids.id"], name="fk_tally_visits_grid_id_grids"),
        sa.PrimaryKeyConstraint("grid_id", "unit", "purpose", name="pk_tally_visits"),
    )
    op.create_table(
        "tally_screenings",
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.Date(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["grids.id"], name="fk_tally_screenings_grid_id_grids"
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["checklist_templates.id"],
            name="fk_tally_screenings_template_id_checklist_templates",
        ),
        sa.PrimaryKeyConstraint("grid_id", "unit", "template_id", name="pk_tally_screenings"),
    )
    op.create_table(
        "tally_hazards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.Date(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("rectify_days", sa.Integer(), nullable=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["grid_id"], ["grids.id"], name="fk_tally_hazards_grid_id_grids"),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["checklist_templates.id"],
            name="fk_tally_hazards_template_id_checklist_templates",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_tally_hazards"),
    )
    op.create_index("ix_tally_hazards_grid_unit", "tally_hazards", ["grid_id", "unit"])

    # Fill them from the rows already there (the app's own rebuild, as of this revision).
    from sqlalchemy.orm import Session

    from app.tallies.rollups import rebuild

    rebuild(Session(bind=op.get_bind()), only=("visits", "screenings", "hazards"))


def downgrade():
    op.drop_index("ix_tally_hazards_grid_unit", table_name="tally_hazards")
    op.drop_table("tally_hazards")
    op.drop_table("tally_screenings")
    op.drop_table("tally_visits")
