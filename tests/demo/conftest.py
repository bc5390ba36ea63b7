"""The demo loaded once per run: tests that only read it start from a copy (SQLite)."""

import shutil

import pytest

from app import create_app
from app.extensions import db
from tests.conftest import PG_URL, _base_config


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


@pytest.fixture
def demo(app, runner, tmp_path, request):
    """The demo data, loaded for this test (a copy of the one load on SQLite)."""
    if PG_URL:
        result = runner.invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
        db.session.expire_all()
        return
    source = request.getfixturevalue("demo_copy")
    db.session.remove()
    db.engine.dispose()
    for leftover in tmp_path.glob("test.db-*"):
        leftover.unlink()
    shutil.copy(source / "demo.db", tmp_path / "test.db")
    shutil.copytree(source / "photos", tmp_path / "photos", dirs_exist_ok=True)
