"""A read-only database, a full disk, and a failure between storing photos and committing."""

import errno
import io
import os
import uuid
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from app.extensions import db
from app.models import AuditEvent, Photo, Resident, Visit
from app.photos.storage import LocalPhotoStore
from app.timeutil import local_today
from tests.photos.images import encoded

# The test's own reads must not ask for a write lock (BEGIN IMMEDIATE) on a read-only database.
pytestmark = pytest.mark.usefixtures("reads_do_not_lock")

NOT_SAVED = "Not saved: the server could not store it"


def _in_english(client):
    client.get("/?lang=en")


@contextmanager
def read_only_database():
    """Every new connection refuses writes, as a read-only file or a read-only replica does."""
    engine = db.engine
    sqlite = engine.dialect.name == "sqlite"

    def _on_connect(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        if sqlite:
            cur.execute("PRAGMA query_only = ON")
        else:
            cur.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        cur.close()
        if not sqlite:
            dbapi_conn.commit()

    db.session.commit()
    engine.dispose()
    event.listen(engine, "connect", _on_connect)
    try:
        yield
    finally:
        db.session.rollback()
        event.remove(engine, "connect", _on_connect)
        engine.dispose()


def _visit_data(resident_id, **over):
    data = {
        "resident_id": resident_id,
        "purpose": "elderly_care",
        "summary": "Left the window open — WRITE-ME-BACK",
        "outcome": "done",
        "visited_on": local_today().isoformat(),
        "follow_up_on": "",
        "client_uuid": str(uuid.uuid4()),
    }
    data.update(over)
    return data


def _assert_no_trace(html: str):
    assert "Traceback" not in html
    assert "OperationalError" not in html
    assert "sqlite3" not in html
    assert "psycopg" not in html


@pytest.mark.parametrize("htmx", [False, True])
def test_read_only_database_keeps_the_visit_form(client, world, login_as, make_resident, htmx):
    resident_id = make_resident().id
    login_as(world.worker_a)
    _in_english(client)
    data = _visit_data(resident_id)
    with read_only_database():
        resp = client.post("/visits", data=data, htmx=htmx)
    assert resp.status_code == 200
    assert NOT_SAVED in resp.text
    assert "WRITE-ME-BACK" in resp.text  # the summary typed is still in the form
    assert f'value="{data["client_uuid"]}"' in resp.text  # a retry stays idempotent
    assert ("<html" in resp.text) is not htmx
    _assert_no_trace(resp.text)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0

    # Once the database is writable again, sending the same form saves it once.
    assert client.post("/visits", data=data).status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 1


def test_read_only_database_keeps_a_new_resident(client, world, login_as):
    login_as(world.worker_a)
    _in_english(client)
    with read_only_database():
        resp = client.post(
            "/residents/new",
            data={
                "name": "Zhou Distinctive",
                "grid_id": world.a1.id,
                "building": "7",
                "unit": "1",
                "room": "702",
                "phone": "13900001111",
                "household_size": "2",
                "care_reasons": ["elderly_alone"],
                "notes": "Hard of hearing",
                "client_uuid": str(uuid.uuid4()),
            },
        )
    assert resp.status_code == 200
    assert NOT_SAVED in resp.text
    for typed in ("Zhou Distinctive", "13900001111", "Hard of hearing", 'value="702"'):
        assert typed in resp.text
    _assert_no_trace(resp.text)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Resident)) == 0


def test_a_write_refused_at_commit_keeps_the_form(
    client, world, login_as, make_resident, refuse_next_commit
):
    """The read-only error can also come only at COMMIT (a file made read-only meanwhile)."""
    from sqlalchemy.exc import OperationalError

    resident_id = make_resident().id
    login_as(world.worker_a)
    _in_english(client)
    refuse_next_commit(
        OperationalError("COMMIT", {}, Exception("attempt to write a readonly database"))
    )
    resp = client.post("/visits", data=_visit_data(resident_id))
    assert resp.status_code == 200
    assert NOT_SAVED in resp.text
    assert "WRITE-ME-BACK" in resp.text
    _assert_no_trace(resp.text)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "visit_created")
        )
        == 0
    )


def test_storage_failure_outside_a_form_is_a_clear_page(app, client, world, login_as):
    """A write that is not a form (a button, an API call) gets the 'not saved' page, 503."""
    from sqlalchemy.exc import OperationalError

    def button():
        raise OperationalError("INSERT", {}, Exception("database or disk is full"))

    app.add_url_rule("/_test/button", "test_button", button, methods=["POST"])
    login_as(world.worker_a)
    _in_english(client)
    for htmx in (False, True):
        resp = client.post("/_test/button", htmx=htmx)
        assert resp.status_code == 503
        assert "Not saved" in resp.text
        assert ("<html" in resp.text) is not htmx
        _assert_no_trace(resp.text)


def _photo_files():
    return [(io.BytesIO(encoded("JPEG")), "a.jpg")]


def _upload(client, visit_id, **kw):
    return client.post(
        "/photos",
        content_type="multipart/form-data",
        htmx=True,
        data={
            "owner_type": "visit",
            "owner_id": str(visit_id),
            "client_uuid": str(uuid.uuid4()),
            "photos": _photo_files(),
            **kw,
        },
    )


def _store_files(app) -> list[str]:
    root = app.config["PHOTO_STORE"]
    return sorted(os.path.join(d, f) for d, _s, names in os.walk(root) for f in names)


def test_full_disk_on_photo_upload(
    client, app, world, login_as, make_resident, make_visit, monkeypatch
):
    visit = make_visit(resident=make_resident())
    login_as(world.worker_a)
    _in_english(client)

    def full(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(LocalPhotoStore, "stage", full)
    resp = _upload(client, visit.id)
    assert resp.status_code == 200
    assert NOT_SAVED in resp.text
    assert 'id="photos-visit-' in resp.text or "photo" in resp.text.lower()
    _assert_no_trace(resp.text)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Photo)) == 0
    assert _store_files(app) == []


def test_failure_between_storing_photos_and_commit(
    client, app, runner, world, login_as, make_resident, make_visit, monkeypatch, refuse_next_commit
):
    """The files are staged and the rows flushed, then the commit fails: nothing remains."""
    visit = make_visit(resident=make_resident())
    login_as(world.worker_a)
    _in_english(client)
    staged = []
    real_stage = LocalPhotoStore.stage

    def stage(self, data):
        staged.append(real_stage(self, data))
        return staged[-1]

    monkeypatch.setattr(LocalPhotoStore, "stage", stage)
    refuse_next_commit(OSError(errno.EIO, "Input/output error"))
    resp = _upload(client, visit.id)
    assert staged, "the failure must come after the files were written"
    assert resp.status_code == 200
    assert NOT_SAVED in resp.text
    _assert_no_trace(resp.text)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Photo)) == 0
    result = runner.invoke(args=["photos", "gc", "--grace-minutes", "0"])
    assert result.exit_code == 0, result.output
    assert _store_files(app) == []


def test_crash_before_cleanup_leaves_nothing_after_gc(
    app, runner, world, make_resident, monkeypatch
):
    """A process killed after staging (no rollback hook ran): gc clears the staged files."""
    from flask_login import login_user

    import app.photos.services as services
    from app.visits.services import create_visit

    resident = make_resident()
    monkeypatch.setattr(services, "_discard_quietly", lambda store, staged: None)
    with app.test_request_context("/photos", method="POST"):
        login_user(world.worker_a)
        create_visit(
            world.worker_a,
            {
                "purpose": "routine",
                "summary": "",
                "outcome": "done",
                "visited_on": local_today(),
                "follow_up_on": None,
            },
            str(uuid.uuid4()),
            resident,
            None,
        )
        visit = db.session.scalar(sa.select(Visit))
        from werkzeug.datastructures import FileStorage

        services.add_photos(
            [FileStorage(io.BytesIO(encoded("JPEG")), "a.jpg")],
            visit,
            world.worker_a,
            str(uuid.uuid4()),
        )
        assert _store_files(app)  # staged, uncommitted
        db.session.rollback()  # the transaction dies with the process
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Photo)) == 0
    assert _store_files(app)  # the crash left staged files behind
    result = runner.invoke(args=["photos", "gc", "--grace-minutes", "0"])
    assert result.exit_code == 0, result.output
    assert _store_files(app) == []


def test_gc_keeps_committed_photos(client, app, runner, world, login_as, make_resident, make_visit):
    visit = make_visit(resident=make_resident())
    login_as(world.worker_a)
    assert _upload(client, visit.id).status_code == 200
    before = _store_files(app)
    assert len(before) == 2  # the photo and its thumbnail
    assert runner.invoke(args=["photos", "gc", "--grace-minutes", "0"]).exit_code == 0
    assert _store_files(app) == before
