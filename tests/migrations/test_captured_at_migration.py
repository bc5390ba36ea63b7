"""The revision that keeps when the phone saved a visit from its outbox: a nullable column,
empty for the visits already there (which of them waited was never recorded); and undone."""

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.extensions import db
from tests.migrations.test_migrations import demo_data, empty_db_url, migrate_app  # noqa: F401

REVISION = "0b3bd05a7dda"
BEFORE = "b7e2d94c1f08"


def _columns() -> dict:
    return {c["name"]: c for c in sa.inspect(db.engine).get_columns("visits")}


def _visits() -> int:
    return db.session.scalar(sa.text("SELECT count(*) FROM visits"))


@pytest.mark.usefixtures("migrate_app", "demo_data")
def test_the_migration_adds_an_empty_captured_at_and_takes_it_away():
    visits = _visits()
    assert visits > 10
    db.session.remove()  # SQLite: the migration writes on a connection of its own
    downgrade(revision=BEFORE)
    assert "captured_at" not in _columns()
    assert _visits() == visits
    db.session.remove()
    upgrade(revision=REVISION)
    assert _columns()["captured_at"]["nullable"]
    assert _visits() == visits
    assert db.session.scalar(sa.text("SELECT count(captured_at) FROM visits")) == 0
