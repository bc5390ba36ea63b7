"""A copy of a resident's data (PIPL Art. 45): a printable page and a ZIP with every record
and photo, for the community's secretary, audited."""

import io
import json
import zipfile

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent
from app.timeutil import to_local


def test_the_secretary_gets_a_copy_with_every_record_and_photo(client, world, login_as, two_sets):
    s = two_sets["a"]
    s.resident.notes = "腿脚不便"
    db.session.commit()
    login_as(world.secretary_a)
    page = client.get(f"/residents/{s.resident.id}/copy?lang=en")
    assert page.status_code == 200
    assert s.resident.name in page.text
    assert "腿脚不便" in page.text
    assert s.request.summary in page.text
    resp = client.get(f"/residents/{s.resident.id}/copy?download=1")
    assert resp.status_code == 200
    assert resp.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(resp.data)) as zf:
        data = json.loads(zf.read("data.json"))
        assert data["resident"]["name"] == s.resident.name
        # A moment in the township's time, with its offset (it read as UTC without a zone).
        assert data["resident"]["created_at"] == to_local(s.resident.created_at).isoformat(
            timespec="seconds"
        )
        assert data["resident"]["created_at"].endswith("+08:00")
        assert [v["id"] for v in data["visits"]] == [s.visit.id]
        assert [h["id"] for h in data["hazards"]] == [s.hazard.id]
        assert [r["id"] for r in data["requests"]] == [s.request.id]
        assert [a["id"] for a in data["answers"]] == [s.answer.id]
        assert [p["id"] for p in data["photos"]] == [s.photo.id]
        assert zf.read(f"photos/{s.photo.id}.jpg")[:2] == b"\xff\xd8"
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "resident_copied")
    ).all()
    assert [(e.username, e.object_id) for e in events] == [("secretary_a", str(s.resident.id))] * 2
    assert s.resident.name not in "".join(e.detail for e in events)


def test_no_copy_for_workers_or_another_community(client, world, login_as, two_sets):
    s = two_sets["a"]
    for user in (world.worker_a, world.secretary_b, world.township_user, world.inspector):
        login_as(user)
        assert client.get(f"/residents/{s.resident.id}/copy").status_code == 404
        assert client.get(f"/residents/{s.resident.id}/copy?download=1").status_code == 404
