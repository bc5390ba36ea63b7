"""Every page, list, search and photo that shows residents' data writes one read row
(issue 14, item 4); the secretary sees who opened a resident's record."""

import json

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent


def _rows() -> list[AuditEvent]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))


def _pages(s) -> list[tuple[str, str, str]]:
    """(url, action, object id) of every read of a set's records by its own worker."""
    day = s.log.day.isoformat()
    return [
        (f"/residents/{s.resident.id}", "resident_viewed", str(s.resident.id)),
        (f"/residents/{s.resident.id}/timeline", "resident_viewed", str(s.resident.id)),
        (f"/residents/{s.resident.id}/edit", "resident_viewed", str(s.resident.id)),
        ("/residents?q=甲", "residents_listed", ""),
        (f"/visits/{s.visit.id}", "visit_viewed", str(s.visit.id)),
        (f"/screening/{s.screening.id}", "screening_viewed", str(s.screening.id)),
        (f"/hazards/{s.hazard.id}", "hazard_viewed", str(s.hazard.id)),
        ("/hazards", "hazards_listed", ""),
        (f"/requests/{s.request.id}", "request_viewed", str(s.request.id)),
        ("/requests?status=", "requests_listed", ""),
        (f"/review/{s.worker.id}/{day}", "daylog_viewed", str(s.log.id)),
        (f"/review/days/{s.log.id}", "daylog_viewed", str(s.log.id)),
        (f"/photos/{s.photo.id}", "photo_viewed", str(s.photo.id)),
        (f"/photos/{s.photo.id}/thumb", "photo_viewed", str(s.photo.id)),
        ("/today", "today_viewed", ""),
    ]


@pytest.mark.parametrize("htmx", [False, True])
def test_each_read_writes_exactly_one_row(client, world, login_as, two_sets, htmx):
    s = two_sets["a"]
    login_as(world.worker_a)
    for url, action, object_id in _pages(s):
        before = len(_rows())
        resp = client.get(url, htmx=htmx)
        assert resp.status_code == 200, url
        new = _rows()[before:]
        assert [(e.action, e.object_id, e.username) for e in new] == [
            (action, object_id, "worker_a")
        ], url


def test_a_search_logs_the_hits_not_the_words(client, world, login_as, two_sets):
    login_as(world.worker_a)
    client.get("/residents?q=甲居")
    event = _rows()[-1]
    assert event.action == "residents_listed"
    assert json.loads(event.detail) == {"hits": 1, "searched": True}
    assert "甲" not in event.detail


def test_the_secretary_sees_who_opened_a_record(client, world, login_as, two_sets):
    s = two_sets["a"]
    login_as(world.worker_a)
    client.get(f"/residents/{s.resident.id}")
    login_as(world.secretary_b)
    assert client.get(f"/residents/{s.resident.id}").status_code == 404
    login_as(world.secretary_a)
    page = client.get(f"/residents/{s.resident.id}?lang=en").text
    assert f"/residents/{s.resident.id}/access" in page
    log = client.get(f"/residents/{s.resident.id}/access?lang=en").text
    assert log.count('id="access-') == 3  # worker_a, the refusal, secretary_a's own view
    assert "worker_a" in log
    assert "secretary_b" in log
    assert "Access refused" in log
    # Not for the worker, another community's secretary, the township or the inspector.
    for user in (world.worker_a, world.secretary_b, world.township_user, world.inspector):
        login_as(user)
        assert client.get(f"/residents/{s.resident.id}/access").status_code == 404
    # The worker's own resident page offers no such link.
    login_as(world.worker_a)
    assert "/access" not in client.get(f"/residents/{s.resident.id}").text


def test_reads_stay_append_only(client, world, login_as, two_sets):
    login_as(world.worker_a)
    client.get(f"/residents/{two_sets['a'].resident.id}")
    event = _rows()[-1]
    event.detail = "changed"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
