"""Migrations: up, down and up again on an empty database; an upgrade on a copy of the (scaled
down) large demo data keeps every row and every foreign key, on SQLite and PostgreSQL.

There is one revision so far, so the data test adds a revision of its own on top of a copy of
migrations/: one that rebuilds tables the way SQLite batch migrations do (the risky case:
a dropped parent table cascades into its children unless env.py turns foreign keys off), and
one that loses rows, which env.py must refuse.
"""

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
from tests.conftest import PG_URL, _base_config

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

REBUILD = '''"""test: rebuild tables with children (batch mode)"""
from alembic import op
import sqlalchemy as sa

revision = "ffff00000001"
down_revision = {head!r}
branch_labels = None
depends_on = None


def _recreate():
    # SQLite rebuilds the table (copy, drop, rename); PostgreSQL alters it in place.
    return "always" if op.get_bind().dialect.name == "sqlite" else "auto"


def upgrade():
    for table in ("residents", "visits", "users", "grids"):
        with op.batch_alter_table(table, recreate=_recreate()) as batch_op:
            batch_op.add_column(sa.Column("test_extra", sa.String(10), nullable=True))


def downgrade():
    for table in ("residents", "visits", "users", "grids"):
        with op.batch_alter_table(table, recreate=_recreate()) as batch_op:
            batch_op.drop_column("test_extra")
'''

LOSE_ROWS = '''"""test: a broken migration that loses rows"""
from alembic import op

revision = "ffff00000002"
down_revision = {head!r}
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM request_events")


def downgrade():
    pass
'''


@pytest.fixture
def empty_db_url(tmp_path):
    """A database of its own, empty (on PostgreSQL: a fresh database next to the test one)."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    url = sa.engine.make_url(PG_URL)
    name = f"{url.database}_migrations"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def migrate_app(empty_db_url, tmp_path):
    app = create_app(_base_config(tmp_path, empty_db_url))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def _counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            t: conn.exec_driver_sql(f'SELECT count(*) FROM "{t}"').scalar()  # noqa: S608
            for t in sorted(_tables())
        }


def _fk_problems() -> list:
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            return conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        # PostgreSQL enforces foreign keys on every write; check none is left NOT VALID.
        return conn.exec_driver_sql(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' AND NOT convalidated"
        ).fetchall()


def _head() -> str:
    with db.engine.connect() as conn:
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def test_upgrade_downgrade_upgrade_on_an_empty_database(migrate_app):
    model_tables = {t.name for t in db.metadata.sorted_tables}
    upgrade()
    assert model_tables <= _tables()
    downgrade(revision="base")
    assert _tables() == set()
    upgrade()
    assert model_tables <= _tables()
    assert _fk_problems() == []


def _migrations_with(tmp_path: Path, name: str, source: str, head: str) -> str:
    target = tmp_path / "migrations"
    if not target.exists():
        shutil.copytree(MIGRATIONS, target, ignore=shutil.ignore_patterns("__pycache__"))
    (target / "versions" / name).write_text(source.format(head=head))
    return str(target)


@pytest.fixture
def demo_data(migrate_app):
    """The migrated database with the demo township and a scaled-down large township."""
    from app.demo.load import load_demo

    upgrade()
    load_demo(large=True, echo=lambda _msg: None, residents=600, visits=2000)
    db.session.remove()
    counts = _counts()
    assert counts["visits"] >= 2000
    assert counts["residents"] >= 600
    return counts


def test_upgrade_on_a_copy_of_data_keeps_rows_and_foreign_keys(migrate_app, demo_data, tmp_path):
    head = _head()
    directory = _migrations_with(tmp_path, "29991231_ffff00000001_test_rebuild.py", REBUILD, head)
    upgrade(directory=directory)
    assert _head() == "ffff00000001"
    assert "test_extra" in {c["name"] for c in sa.inspect(db.engine).get_columns("residents")}
    assert _counts() == demo_data
    assert _fk_problems() == []

    downgrade(directory=directory, revision=head)
    assert _head() == head
    assert _counts() == demo_data
    assert _fk_problems() == []


@pytest.mark.skipif(bool(PG_URL), reason="env.py's row-count guard is for SQLite's rebuilds")
def test_a_migration_that_loses_rows_is_refused_and_rolled_back(
    migrate_app, demo_data, tmp_path, capfd
):
    head = _head()
    directory = _migrations_with(
        tmp_path, "29991231_ffff00000002_test_lose_rows.py", LOSE_ROWS, head
    )
    assert demo_data["request_events"] > 0
    with pytest.raises(SystemExit):  # Flask-Migrate logs the error and exits
        upgrade(directory=directory)
    assert "rows lost during migration" in capfd.readouterr().err
    db.session.remove()
    db.engine.dispose()
    assert _head() == head
    assert _counts() == demo_data
