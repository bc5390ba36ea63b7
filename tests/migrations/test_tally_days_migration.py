"""Revision 8d2e6f1a4c57 fills the tallies' roll-ups by day and the open counts on the hazard
roll-up from the rows already there, as the app keeps and rebuilds them; and undoes it."""

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.extensions import db
from app.tallies.rollups import rebuild
from tests.migrations.test_migrations import (  # noqa: F401  (fixtures)
    demo_data,
    empty_db_url,
    migrate_app,
)

REVISION = "8d2e6f1a4c57"
BEFORE = "3f7a9c2e4b18"
KEPT = {
    "visit days": "SELECT grid_id, unit, purpose, n FROM tally_visit_days",
    "screening days": "SELECT grid_id, unit, template_id, n FROM tally_screening_days",
    "open counts": "SELECT grid_id, unit, template_id, severity, due_on, n, open_undated, "
    "open_dated FROM tally_hazards WHERE due_on IS NOT NULL",
}


def _kept() -> dict[str, list]:
    with db.engine.connect() as conn:
        return {name: sorted(map(tuple, conn.exec_driver_sql(sql))) for name, sql in KEPT.items()}


@pytest.mark.usefixtures("demo_data")
def test_existing_rows_fill_the_day_rollups_and_open_counts_as_the_app_keeps_them():
    kept = _kept()  # as the loader's writes left them
    assert all(kept.values())
    assert all(row[-1] is not None for row in kept["open counts"])

    downgrade(revision=BEFORE)
    inspector = sa.inspect(db.engine)
    assert "tally_visit_days" not in inspector.get_table_names()
    assert "tally_screening_days" not in inspector.get_table_names()
    assert "open_dated" not in {c["name"] for c in inspector.get_columns("tally_hazards")}
    indexes = {i["name"] for i in inspector.get_indexes("hazards")}
    assert "ix_hazards_grid_status_reported_due" not in indexes

    upgrade(revision=REVISION)
    assert _kept() == kept
    rebuild(db.session)
    db.session.commit()
    assert _kept() == kept
