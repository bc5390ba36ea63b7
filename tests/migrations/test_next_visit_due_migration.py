"""The revision that stores each resident's next visit due date fills it for the residents
already there, as the rule computes it; and undoes it."""

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.extensions import db
from tests.migrations.test_migrations import demo_data, empty_db_url, migrate_app  # noqa: F401
from tests.rounds.conftest import computed_due, stored_due

REVISION = "8e5ca6a58aca"
BEFORE = "8d2e6f1a4c57"


def _indexes() -> set[str]:
    return {i["name"] for i in sa.inspect(db.engine).get_indexes("residents")}


@pytest.mark.usefixtures("migrate_app", "demo_data")
def test_the_migration_fills_the_date_for_existing_residents():
    downgrade(revision=BEFORE)
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("residents")}
    assert "next_visit_due_on" not in columns
    assert "ix_residents_grid_next_visit" not in _indexes()
    upgrade(revision=REVISION)
    assert "ix_residents_grid_next_visit" in _indexes()
    stored = stored_due()
    assert stored == computed_due()
    assert sum(d is not None for d in stored.values()) > 100
