"""The revision that stores each visit's open follow-up date fills it for the visits already
there, as the rule computes it; and undoes it."""

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.extensions import db
from tests.migrations.test_migrations import demo_data, empty_db_url, migrate_app  # noqa: F401
from tests.visits.test_follow_up_properties import computed_open, stored_open

REVISION = "5f3c1d7a2b90"
BEFORE = "8e5ca6a58aca"


def _indexes() -> set[str]:
    return {i["name"] for i in sa.inspect(db.engine).get_indexes("visits")}


@pytest.mark.usefixtures("migrate_app", "demo_data")
def test_the_migration_fills_the_open_follow_ups_of_existing_visits():
    downgrade(revision=BEFORE)
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("visits")}
    assert "follow_up_open_on" not in columns
    assert "ix_visits_follow_up" in _indexes()
    upgrade(revision=REVISION)
    assert "ix_visits_grid_follow_up_open" in _indexes()
    assert "ix_visits_follow_up" not in _indexes()
    stored = stored_open()
    assert stored == computed_open()
    assert sum(d is not None for d in stored.values()) > 10


@pytest.mark.usefixtures("migrate_app", "demo_data")
def test_the_same_day_revision_computes_every_stored_value_again():
    """Values left by the earlier rule (here: every follow-up date left open) are put right."""
    downgrade(revision=REVISION)
    db.session.execute(sa.text("UPDATE visits SET follow_up_open_on = follow_up_on"))
    db.session.commit()
    assert stored_open() != computed_open()
    db.session.remove()  # SQLite: the upgrade writes on a connection of its own
    upgrade(revision="b7e2d94c1f08")
    assert stored_open() == computed_open()
