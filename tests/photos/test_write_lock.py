"""A photo is decoded without SQLite's write lock held (issue 19, item 5).

Under load, an upload that looked up its visit (BEGIN IMMEDIATE) and then decoded the photo
kept every other write of the process waiting for the decode. These tests take the write
lock from a second connection while the pipeline runs: it must be free.
"""

import sqlite3

import pytest
import sqlalchemy as sa

from app.db import set_write_intent
from app.extensions import db
from app.models import Photo
from app.photos import services
from app.visits.models import Visit
from tests.photos.images import jpeg_with_metadata
from tests.photos.test_routes import _files, upload


def _lock_is_free(app) -> bool:
    path = db.engine.url.database
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as err:
        if "locked" not in str(err):
            raise
        return False
    finally:
        other.close()


@pytest.fixture
def sqlite_only(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's single write lock")


@pytest.fixture
def lock_seen_while_decoding(app, monkeypatch):
    seen = []
    decode = services.process_batch

    def watched(files):
        seen.append(_lock_is_free(app))
        return decode(files)

    monkeypatch.setattr(services, "process_batch", watched)
    return seen


def test_an_upload_decodes_without_the_write_lock(
    app, client, login_as, world, make_resident, make_visit, sqlite_only, lock_seen_while_decoding
):
    visit = make_visit(make_resident())
    login_as(world.worker_a)
    resp = upload(client, "visit", visit.id, _files((jpeg_with_metadata(), "a.jpg")))

    assert resp.status_code == 200
    assert lock_seen_while_decoding == [True]
    assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 1


def test_the_lock_is_kept_once_the_request_has_written(
    app, make_resident, make_visit, sqlite_only, lock_seen_while_decoding
):
    # A hazard reported with its photos writes its row first: ending the transaction then
    # would lose it. The lock stays, and the write with it.
    visit = make_visit(make_resident())
    with app.test_request_context(method="POST"):
        set_write_intent(True)
        db.session.execute(
            sa.update(Visit).where(Visit.id == visit.id).values(summary="written first")
        )
        assert services._decoded([]) == []

        assert lock_seen_while_decoding == [False]
        assert db.session.scalar(sa.select(Visit.summary).where(Visit.id == visit.id)) == (
            "written first"
        )
        db.session.rollback()
