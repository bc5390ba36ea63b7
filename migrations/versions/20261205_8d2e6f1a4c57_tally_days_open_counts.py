"""tally roll-ups by day, open counts on the hazard roll-up, overdue badge index (issue 19,
10M visits): a secretary's ragged days and the township's overdue correction without raw rows

Revision ID: 8d2e6f1a4c57
Revises: 3f7a9c2e4b18
Create Date: 2026-12-05 12:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "8d2e6f1a4c57"
down_revision = "3f7a9c2e4b18"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "tally_visit_days",
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.Date(), nullable=False),
        sa.Column("purpose", sa.String(length=24), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["grids.id"], name="fk_tally_visit_days_grid_id_grids"
        ),
        sa.PrimaryKeyConstraint("grid_id", "unit", "purpose", name="pk_tally_visit_days"),
    )
    op.create_table(
        "tally_screening_days",
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.Date(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["grids.id"], name="fk_tally_screening_days_grid_id_grids"
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["checklist_templates.id"],
            name="fk_tally_screening_days_template_id_checklist_templates",
        ),
        sa.PrimaryKeyConstraint("grid_id", "unit", "template_id", name="pk_tally_screening_days"),
    )
    with op.batch_alter_table("tally_hazards") as batch_op:
        batch_op.add_column(sa.Column("open_undated", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("open_dated", sa.Integer(), nullable=True))
    op.create_index(
        "ix_hazards_grid_status_reported_due",
        "hazards",
        ["grid_id", "status", "reported_on", "due_on"],
    )

    # Filled set-based from the rows already there, as written at this revision (the app's
    # rebuild may count more tables later).
    visits = sa.table(
        "visits",
        sa.column("id", sa.Integer()),
        sa.column("grid_id", sa.Integer()),
        sa.column("visited_on", sa.Date()),
        sa.column("purpose", sa.String()),
    )
    screenings = sa.table(
        "screenings", sa.column("visit_id", sa.Integer()), sa.column("template_id", sa.Integer())
    )
    keys = [visits.c.grid_id, visits.c.visited_on, visits.c.purpose]
    op.execute(
        sa.table("tally_visit_days", *(sa.column(c) for c in ("grid_id", "unit", "purpose", "n")))
        .insert()
        .from_select(
            ["grid_id", "unit", "purpose", "n"],
            sa.select(*keys, sa.func.count()).group_by(*keys),
        )
    )
    keys = [visits.c.grid_id, visits.c.visited_on, screenings.c.template_id]
    op.execute(
        sa.table(
            "tally_screening_days", *(sa.column(c) for c in ("grid_id", "unit", "template_id", "n"))
        )
        .insert()
        .from_select(
            ["grid_id", "unit", "template_id", "n"],
            sa.select(*keys, sa.func.count())
            .select_from(screenings.join(visits, screenings.c.visit_id == visits.c.id))
            .group_by(*keys),
        )
    )
    t = sa.table(
        "tally_hazards",
        *(sa.column(c) for c in ("grid_id", "unit", "template_id", "severity", "status")),
        sa.column("due_on", sa.Date()),
        *(sa.column(c, sa.Integer()) for c in ("n", "open_undated", "open_dated")),
    )
    keys = [t.c.grid_id, t.c.unit, t.c.template_id, t.c.severity]
    dated = t.c.due_on.is_not(None)
    atoms = (
        sa.select(
            *keys,
            sa.func.sum(sa.case((dated, 0), else_=t.c.n)).label("undated"),
            sa.func.sum(sa.case((dated, t.c.n), else_=0)).label("dated"),
        )
        .where(t.c.status == "open")
        .group_by(*keys)
        .subquery()
    )
    op.execute(
        sa.update(t)
        .where(*(key == atoms.c[key.name] for key in keys), dated)
        .values(open_undated=atoms.c.undated, open_dated=atoms.c.dated)
    )


def downgrade():
    op.drop_index("ix_hazards_grid_status_reported_due", table_name="hazards")
    with op.batch_alter_table("tally_hazards") as batch_op:
        batch_op.drop_column("open_dated")
        batch_op.drop_column("open_undated")
    op.drop_table("tally_screening_days")
    op.drop_table("tally_visit_days")
