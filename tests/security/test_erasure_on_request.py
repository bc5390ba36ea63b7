"""Erasure on request (PIPL Art. 47): the secretary erases a resident now, with a reason and
a confirmation; the same erasure as retention, audited without personal data."""

import json

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, DailyLog, Hazard, Photo, Request, Resident, Visit
from app.ops.retention import ERASED_NAME
from app.photos.storage import get_store


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_secretary_erases_a_resident_with_an_open_request_a_hazard_and_photos(
    client, world, login_as, two_sets
):
    s = two_sets["a"]
    name = s.resident.name
    s.resident.phone = "13800000000"
    s.resident.household_size = 3
    s.resident.notes = "腿脚不便"
    s.log.comment = f"{name}家的走访记录写得太简单"
    s.log.reopen_reason = f"{name}家的走访日期有误"
    photo_keys = {s.photo.sha256, s.photo.thumb_sha256}
    photo_id = s.photo.id
    # Community B's photo is the same picture (one file): without it, the file is A's alone.
    db.session.delete(two_sets["b"].photo)
    db.session.commit()
    counts = {m: _count(m) for m in (Visit, Hazard, Request)}
    assert s.request.status == "received"
    assert all(get_store().exists(k) for k in photo_keys)

    login_as(world.worker_a)
    assert client.get(f"/residents/{s.resident.id}/erase").status_code == 404
    login_as(world.secretary_a)
    form = client.get(f"/residents/{s.resident.id}/erase?lang=en")
    assert form.status_code == 200
    # No tick, nothing erased, the choice kept.
    r = client.post(f"/residents/{s.resident.id}/erase?lang=en", data={"reason": "resident_asked"})
    assert r.status_code == 200
    assert "Tick the box to confirm." in r.text
    db.session.expire_all()
    assert db.session.get(Resident, s.resident.id).name == name

    r = client.post(
        f"/residents/{s.resident.id}/erase",
        data={"reason": "resident_asked", "confirm": "y"},
    )
    assert r.status_code == 303
    db.session.expire_all()
    resident = db.session.get(Resident, s.resident.id)
    assert (resident.name, resident.phone, resident.notes) == (ERASED_NAME, None, "")
    assert resident.household_size == 0
    assert resident.erased_at is not None
    assert db.session.get(Request, s.request.id).summary == ""
    assert db.session.get(Hazard, s.hazard.id).note == ""
    assert db.session.get(Visit, s.visit.id).summary == ""
    assert db.session.get(Photo, photo_id) is None
    assert not any(get_store().exists(k) for k in photo_keys)
    assert name not in db.session.get(DailyLog, s.log.id).comment
    assert name not in db.session.get(DailyLog, s.log.id).reopen_reason
    # Tallies count the same records.
    assert {m: _count(m) for m in (Visit, Hazard, Request)} == counts
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "resident_erased"))
    assert event.username == "secretary_a"
    assert json.loads(event.detail) == {"on_request": True, "reason": "resident_asked"}
    assert name not in event.detail
    # Once erased, there is nothing left to erase.
    r = client.post(
        f"/residents/{s.resident.id}/erase",
        data={"reason": "resident_asked", "confirm": "y"},
    )
    assert r.status_code == 409


def test_another_communitys_secretary_cannot_erase(client, world, login_as, two_sets):
    s = two_sets["a"]
    login_as(world.secretary_b)
    r = client.post(
        f"/residents/{s.resident.id}/erase", data={"reason": "resident_asked", "confirm": "y"}
    )
    assert r.status_code == 404
    db.session.expire_all()
    assert db.session.get(Resident, s.resident.id).erased_at is None
