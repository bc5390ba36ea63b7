"""The demo loaded once per run: tests that only read it start from a copy of that load.

On SQLite the copy is the database file. On PostgreSQL the tests share one database, so the
first load is kept as a copy of every table in a schema of its own, and each later test's
emptied tables are filled again from it (a load takes 30 s there; the copy well under one).
"""

import shutil

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from tests.conftest import PG_URL, _base_config, field_tables

SNAPSHOT = "demo_snapshot"


@pytest.fixture(scope="session")
def demo_copy(schema_template, tmp_path_factory):
    """A database file and photo store holding the demo data, made through `flask demo load`."""
    tmp = tmp_path_factory.mktemp("demo")
    shutil.copy(schema_template, tmp / "demo.db")
    app = create_app(_base_config(tmp, f"sqlite:///{tmp / 'demo.db'}"))
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
        db.session.remove()
        db.engine.dispose()  # the last connection out checkpoints the WAL into demo.db
    return tmp


@pytest.fixture(scope="session")
def pg_demo_snapshot(tmp_path_factory):
    """Where the PostgreSQL copy of the first load is, once a test has made it."""
    state = {"photos": tmp_path_factory.mktemp("demo_photos") / "photos", "sequences": None}
    yield state
    if state["sequences"] is not None:
        engine = sa.create_engine(PG_URL)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SNAPSHOT} CASCADE")
        engine.dispose()


def _pg_keep(state: dict, photos) -> None:
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SNAPSHOT} CASCADE")
        conn.exec_driver_sql(f"CREATE SCHEMA {SNAPSHOT}")
        for table in field_tables():
            conn.exec_driver_sql(f'CREATE TABLE {SNAPSHOT}."{table}" AS TABLE public."{table}"')
        state["sequences"] = conn.exec_driver_sql(
            "SELECT sequencename, last_value FROM pg_sequences"
            " WHERE schemaname = 'public' AND last_value IS NOT NULL"
        ).all()
    if photos.exists():
        shutil.copytree(photos, state["photos"])


def _pg_restore(state: dict, photos) -> None:
    """Fill the test's emptied tables (the app fixture truncated them) from the copy."""
    with db.engine.begin() as conn:
        # The tables go back in dependency order, but some rows point at rows of their own
        # table: foreign keys are not checked while the copy goes back (it was valid).
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for table in field_tables():
            conn.exec_driver_sql(
                f'INSERT INTO public."{table}" SELECT * FROM {SNAPSHOT}."{table}"'  # noqa: S608
            )
        for name, value in state["sequences"]:
            conn.execute(sa.text("SELECT setval(:name, :value)"), {"name": name, "value": value})
    if state["photos"].exists():
        shutil.copytree(state["photos"], photos, dirs_exist_ok=True)


@pytest.fixture
def demo(app, runner, tmp_path, request):
    """The demo data, loaded for this test (a copy of the one load)."""
    if PG_URL:
        state = request.getfixturevalue("pg_demo_snapshot")
        photos = tmp_path / "photos"
        if state["sequences"] is None:
            result = runner.invoke(args=["demo", "load"])
            assert result.exit_code == 0, result.output
            db.session.remove()
            _pg_keep(state, photos)
        else:
            db.session.remove()
            _pg_restore(state, photos)
        db.session.expire_all()
        return
    source = request.getfixturevalue("demo_copy")
    db.session.remove()
    db.engine.dispose()
    for leftover in tmp_path.glob("test.db-*"):
        leftover.unlink()
    shutil.copy(source / "demo.db", tmp_path / "test.db")
    shutil.copytree(source / "photos", tmp_path / "photos", dirs_exist_ok=True)
