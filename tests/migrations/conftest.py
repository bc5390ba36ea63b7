"""The migrated demo (the demo township and a scaled-down large one), built once per run."""

import shutil

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from tests.conftest import PG_URL, _base_config


def _admin_engine():
    url = sa.engine.make_url(PG_URL)
    return sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def migrated_demo_source(tmp_path_factory):
    """A database migrated to head and loaded with the demo: a file on SQLite, a database to
    copy from (a template) on PostgreSQL. Loading takes up to half a minute; copying it, less
    than a second."""
    from app.demo.load import load_demo

    tmp = tmp_path_factory.mktemp("migrated_demo")
    if PG_URL:
        url = sa.engine.make_url(PG_URL)
        name = f"{url.database}_migrated_demo"
        admin = _admin_engine()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        source = url.set(database=name).render_as_string(hide_password=False)
    else:
        name = str(tmp / "source.db")
        source = f"sqlite:///{name}"
    app = create_app(_base_config(tmp, source))
    with app.app_context():
        upgrade()
        load_demo(large=True, echo=lambda _msg: None, residents=600, visits=2000)
        db.session.remove()
        db.engine.dispose()  # SQLite: the last connection out checkpoints the WAL
    yield name
    if PG_URL:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def copy_migrated_demo(source: str, target_url: str) -> None:
    """Make the (empty, unconnected) database at target_url a copy of the migrated demo."""
    db.session.remove()
    db.engine.dispose()
    target = sa.engine.make_url(target_url)
    if not PG_URL:
        shutil.copy(source, target.database)
        return
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{target.database}" TEMPLATE "{source}"')
    admin.dispose()
