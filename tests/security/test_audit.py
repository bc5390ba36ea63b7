"""The audit trail: one row per action, with actor, time, action and object; no secrets."""

import io
import re
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.models import AuditEvent, DailyLog, Photo, Resident, Visit
from app.timeutil import local_today
from tests.conftest import PASSWORD
from tests.photos.images import encoded

FREE_TEXT = "QUUX-typed-free-text-4711"


def _last_id() -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(AuditEvent.id), 0)))


class Audit:
    """The audit rows written while a block of requests ran."""

    def __init__(self):
        self.rows: list[AuditEvent] = []

    def __enter__(self):
        self.start = _last_id()
        return self

    def __exit__(self, *exc):
        db.session.expire_all()
        self.rows = list(
            db.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.id > self.start).order_by(AuditEvent.id)
            )
        )

    def only(self, action: str, user, object_type: str, object_id) -> AuditEvent:
        """The single row written, checked against the action, actor and object."""
        assert [r.action for r in self.rows] == [action]
        row = self.rows[0]
        assert (row.user_id, row.username) == (user.id, user.username)
        assert (row.object_type, row.object_id) == (object_type, str(object_id))
        assert row.at is not None
        return row


def _no_secrets(*secrets: str) -> None:
    """No audit row holds any of these strings, in any column."""
    for row in db.session.scalars(sa.select(AuditEvent)):
        blob = " ".join(str(getattr(row, c.key)) for c in AuditEvent.__table__.columns)
        for secret in secrets:
            assert secret not in blob, (row.action, secret)


def _session_token(client) -> str:
    with client.session_transaction() as sess:
        return sess.get("_user_id") or ""


def _raw_csrf(client) -> str:
    with client.session_transaction() as sess:
        return sess.get("csrf_token") or ""


def test_login_and_logout_are_audited_without_password_or_tokens(client, world):
    with Audit() as a:
        resp = client.post("/login", data={"username": "worker_a", "password": PASSWORD})
    assert resp.status_code == 303
    a.only("login", world.worker_a, "user", world.worker_a.id)
    token, csrf_signed, csrf_raw = _session_token(client), client.csrf_token(), _raw_csrf(client)
    assert token
    assert csrf_raw

    with Audit() as a:
        assert client.post("/logout").status_code in (200, 303)
    a.only("logout", world.worker_a, "user", world.worker_a.id)
    _no_secrets(PASSWORD, token, csrf_signed, csrf_raw)


def test_failed_login_is_audited_without_the_password(client, world):
    with Audit() as a:
        resp = client.post("/login", data={"username": "worker_a", "password": FREE_TEXT})
    assert resp.status_code == 200
    assert [r.action for r in a.rows] == ["login_failed"]
    assert a.rows[0].object_id == str(world.worker_a.id)
    with Audit() as a:
        client.post("/login", data={"username": f"nobody-{FREE_TEXT}", "password": PASSWORD})
    assert [r.action for r in a.rows] == ["login_failed"]
    _no_secrets(FREE_TEXT, PASSWORD)


def _visit_data(resident_id, **over):
    data = {
        "resident_id": resident_id,
        "purpose": "elderly_care",
        "summary": FREE_TEXT,
        "outcome": "done",
        "visited_on": local_today().isoformat(),
        "follow_up_on": "",
        "client_uuid": str(uuid.uuid4()),
    }
    data.update(over)
    return data


def test_visit_create_and_edit_are_audited(client, world, login_as, make_resident):
    resident_id = make_resident().id
    login_as(world.worker_a)
    with Audit() as a:
        assert client.post("/visits", data=_visit_data(resident_id)).status_code == 303
    visit = db.session.scalar(sa.select(Visit))
    a.only("visit_created", world.worker_a, "visit", visit.id)

    with Audit() as a:
        resp = client.post(
            f"/visits/{visit.id}/edit", data=_visit_data(resident_id, summary=FREE_TEXT + " edited")
        )
    assert resp.status_code == 303
    a.only("visit_updated", world.worker_a, "visit", visit.id)
    _no_secrets(FREE_TEXT)


def _resident_form(world, **over):
    data = {
        "name": f"N{FREE_TEXT}"[:50],
        "grid_id": world.a1.id,
        "building": "5",
        "unit": "1",
        "room": "201",
        "phone": "13812345678",
        "household_size": "2",
        "care_reasons": ["elderly_alone"],
        "notes": FREE_TEXT,
        "client_uuid": str(uuid.uuid4()),
    }
    data.update(over)
    return data


def test_resident_create_edit_archive_read_and_refusal(client, world, login_as):
    login_as(world.worker_a)
    with Audit() as a:
        assert client.post("/residents/new", data=_resident_form(world)).status_code == 303
    resident = db.session.scalar(sa.select(Resident))
    a.only("resident_created", world.worker_a, "resident", resident.id)

    with Audit() as a:
        resp = client.post(
            f"/residents/{resident.id}/edit", data=_resident_form(world, notes=FREE_TEXT + "!")
        )
    assert resp.status_code == 303
    a.only("resident_updated", world.worker_a, "resident", resident.id)

    # Every read of a resident's page is audited.
    with Audit() as a:
        assert client.get(f"/residents/{resident.id}").status_code == 200
    a.only("resident_viewed", world.worker_a, "resident", resident.id)

    # Out of scope: a 404, and the refusal is audited.
    login_as(world.worker_b)
    with Audit() as a:
        assert client.get(f"/residents/{resident.id}").status_code == 404
    row = a.only("access_denied", world.worker_b, "resident", resident.id)
    assert FREE_TEXT not in row.detail

    login_as(world.worker_a)
    with Audit() as a:
        resp = client.post(f"/residents/{resident.id}/archive", data={})
    assert resp.status_code in (200, 303)
    a.only("resident_archived", world.worker_a, "resident", resident.id)
    _no_secrets(FREE_TEXT, "13812345678")


def test_photo_add_and_delete_are_audited(client, world, login_as, make_resident, make_visit):
    visit = make_visit(resident=make_resident())
    login_as(world.worker_a)
    with Audit() as a:
        resp = client.post(
            "/photos",
            content_type="multipart/form-data",
            data={
                "owner_type": "visit",
                "owner_id": str(visit.id),
                "client_uuid": str(uuid.uuid4()),
                "photos": [(io.BytesIO(encoded("JPEG")), f"{FREE_TEXT}.jpg")],
            },
        )
    assert resp.status_code == 303
    photo_id = db.session.scalar(sa.select(Photo.id))
    a.only("photo_added", world.worker_a, "photo", photo_id)
    with Audit() as a:
        assert client.post(f"/photos/{photo_id}/delete").status_code == 303
    a.only("photo_deleted", world.worker_a, "photo", photo_id)
    _no_secrets(FREE_TEXT)


def test_approve_and_reopen_are_audited(client, world, login_as, make_resident, make_visit):
    make_visit(resident=make_resident())
    log = db.session.scalar(sa.select(DailyLog))
    log.status = "submitted"
    db.session.commit()
    login_as(world.secretary_a)
    with Audit() as a:
        assert client.post(f"/review/days/{log.id}/approve").status_code == 303
    a.only("daylog_approved", world.secretary_a, "daily_log", log.id)
    with Audit() as a:
        resp = client.post(f"/review/days/{log.id}/reopen", data={"reason": FREE_TEXT})
    assert resp.status_code == 303
    a.only("daylog_reopened", world.secretary_a, "daily_log", log.id)
    _no_secrets(FREE_TEXT)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_is_audited(client, world, login_as, fmt):
    login_as(world.township_user)
    with Audit() as a:
        resp = client.get(f"/tallies/export.{fmt}")
    assert resp.status_code == 200
    row = a.only("export", world.township_user, "tallies", "")
    assert f'"format": "{fmt}"' in row.detail


def test_audit_rows_record_where_from(client, world):
    with Audit() as a:
        client.post(
            "/login",
            data={"username": "worker_a", "password": PASSWORD},
            environ_base={"REMOTE_ADDR": "10.1.2.3"},
        )
    assert a.rows[0].ip == "10.1.2.3"


def test_the_app_cannot_change_or_delete_audit_rows(client, world, login_as):
    from app.audit.services import record

    record("test_event", "user", world.admin.id, user=world.admin)
    db.session.commit()
    row = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "test_event"))

    # Through the ORM.
    row.action = "tampered"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, row.id))
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()

    # In the database itself, bypassing the ORM.
    for sql in ("UPDATE audit_events SET action = 'tampered'", "DELETE FROM audit_events"):
        with (
            pytest.raises(DBAPIError, match=re.compile("append-only", re.I)),
            db.engine.begin() as conn,
        ):
            conn.exec_driver_sql(sql)
    assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.id == row.id)) == (
        "test_event"
    )
