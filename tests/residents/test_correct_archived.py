"""Archived records can be corrected by the secretary, with a reason (PIPL Art. 46)."""

import json

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, Resident
from app.timeutil import utcnow


def _data(resident, **changes) -> dict:
    return {
        "name": resident.name,
        "grid_id": resident.grid_id,
        "building": resident.building,
        "unit": resident.unit,
        "room": resident.room,
        "household_size": "1",
        "care_reasons": ["elderly_alone"],
        **changes,
    }


def test_secretary_corrects_an_archived_record_with_a_reason(
    client, world, login_as, make_resident
):
    r = make_resident(name="王秀英")
    r.archived_at = utcnow()
    db.session.commit()
    login_as(world.worker_a)
    assert client.get(f"/residents/{r.id}/edit").status_code == 404
    login_as(world.secretary_a)
    assert client.get(f"/residents/{r.id}/edit").status_code == 200
    refused = client.post(f"/residents/{r.id}/edit?lang=en", data=_data(r, name="王秀莹"))
    assert refused.status_code == 422
    assert "Say why this archived record is corrected." in refused.text
    assert "王秀莹" in refused.text  # what was typed is kept
    db.session.expire_all()
    assert db.session.get(Resident, r.id).name == "王秀英"
    done = client.post(
        f"/residents/{r.id}/edit",
        data=_data(r, name="王秀莹", correction_reason="resident_asked"),
    )
    assert done.status_code == 303
    db.session.expire_all()
    assert db.session.get(Resident, r.id).name == "王秀莹"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "resident_updated"))
    assert json.loads(event.detail) == {
        "archived": True,
        "fields": ["name"],
        "reason": "resident_asked",
    }
    login_as(world.secretary_b)
    assert client.get(f"/residents/{r.id}/edit").status_code == 404
