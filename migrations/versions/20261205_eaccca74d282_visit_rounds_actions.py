"""visit rounds (issue 17): days between visits per care reason, an index for the last visit; typical actions in Chinese and English

Revision ID: eaccca74d282
Revises: c10c5a1e0015
Create Date: 2026-12-05 05:50:00

"""

import csv
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "eaccca74d282"
down_revision = "c10c5a1e0015"
branch_labels = None
depends_on = None

# The reference data as this revision knows it: the defaults for existing databases.
SEED = Path(__file__).resolve().parents[2] / "app" / "seed"


def _rows(name: str) -> list[dict]:
    with open(SEED / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def upgrade():
    with op.batch_alter_table("care_reasons") as batch_op:
        batch_op.add_column(sa.Column("visit_every_days", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_care_reasons_visit_every"),
            "visit_every_days IS NULL OR (visit_every_days >= 1 AND visit_every_days <= 366)",
        )
    with op.batch_alter_table("checklist_items") as batch_op:
        batch_op.alter_column("action", new_column_name="action_en", existing_type=sa.Text())
        batch_op.add_column(sa.Column("action_zh", sa.Text(), nullable=False, server_default=""))

    # An index needs no table rebuild, on SQLite either.
    op.create_index("ix_visits_resident_round", "visits", ["resident_id", "visited_on", "outcome"])

    conn = op.get_bind()
    reasons = sa.table(
        "care_reasons", sa.column("code", sa.String), sa.column("visit_every_days", sa.Integer)
    )
    for row in _rows("care_reasons.csv"):
        conn.execute(
            reasons.update()
            .where(reasons.c.code == row["code"])
            .values(visit_every_days=int(row["visit_every_days"] or 0) or None)
        )
    items = sa.table(
        "checklist_items",
        sa.column("code", sa.String),
        sa.column("action_zh", sa.Text),
        sa.column("action_en", sa.Text),
    )
    for row in _rows("checklists.csv"):
        conn.execute(
            items.update()
            .where(items.c.code == row["code"])
            .values(action_zh=row["action_zh"], action_en=row["action_en"])
        )


def downgrade():
    op.drop_index("ix_visits_resident_round", table_name="visits")
    with op.batch_alter_table("checklist_items") as batch_op:
        batch_op.drop_column("action_zh")
        batch_op.alter_column("action_en", new_column_name="action", existing_type=sa.Text())
    with op.batch_alter_table("care_reasons") as batch_op:
        batch_op.drop_constraint(op.f("ck_care_reasons_visit_every"), type_="check")
        batch_op.drop_column("visit_every_days")
