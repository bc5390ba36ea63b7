"""Fields a form does not offer (status, grid, approved by, created by) are ignored when posted.

The review rules (a secretary cannot approve a day with their own visits; nobody skips a
state) are tested in tests/review/test_review.py; here a forged field tries to do the same.
"""

import uuid

import sqlalchemy as sa

from app.extensions import db
from app.models import DailyLog, Hazard, Project, Request, Resident, Visit
from app.timeutil import local_today

FORGED = {
    "status": "approved",
    "grid_id": "{b1}",
    "grid": "{b1}",
    "worker_id": "{worker_b}",
    "created_by_id": "{worker_b}",
    "recorded_by_id": "{worker_b}",
    "approved_by": "{admin}",
    "reviewed_by_id": "{admin}",
    "uploaded_by_id": "{worker_b}",
    "community_id": "{cb}",
    "archived_at": "2020-01-01",
    "id": "999",
    "uuid": "forged",
    "daily_log_id": "999",
    "verified_by_id": "{admin}",
}


def forged(world, **fields) -> dict:
    ids = {
        "b1": world.b1.id,
        "worker_b": world.worker_b.id,
        "admin": world.admin.id,
        "cb": world.cb.id,
    }
    extra = {k: v.format(**ids) for k, v in FORGED.items()}
    return {**extra, **fields}


def test_new_resident_ignores_forged_fields(client, world, login_as):
    login_as(world.worker_a)
    resp = client.post(
        "/residents/new",
        data=forged(
            world,
            name="周大妈",
            grid_id=world.a1.id,
            household_size="1",
            care_reasons=["elderly_alone"],
            client_uuid=str(uuid.uuid4()),
        ),
    )
    assert resp.status_code == 303
    r = db.session.scalar(sa.select(Resident))
    assert (r.grid_id, r.archived_at, r.name) == (world.a1.id, None, "周大妈")
    assert r.id != 999
    assert r.uuid != "forged"


def test_resident_grid_outside_scope_is_refused_not_saved(client, world, login_as):
    """The grid is offered, but only the worker's own grids are valid choices."""
    login_as(world.worker_a)
    resp = client.post(
        "/residents/new",
        data={
            "name": "周大妈",
            "grid_id": world.b1.id,
            "household_size": "1",
            "client_uuid": str(uuid.uuid4()),
        },
    )
    assert resp.status_code == 200
    assert 'class="error"' in resp.text
    assert db.session.scalar(sa.select(sa.func.count(Resident.id))) == 0


def test_resident_edit_cannot_move_or_archive(client, world, login_as, make_resident):
    r = make_resident()
    login_as(world.secretary_a)
    resp = client.post(
        f"/residents/{r.id}/edit",
        data=forged(
            world,
            name="改名",
            grid_id=world.a2.id,
            household_size="2",
            care_reasons=["elderly_alone"],
        ),
    )
    assert resp.status_code == 303
    db.session.refresh(r)
    # A secretary may move a resident inside the community (a2), never to b1 or to archive.
    assert (r.name, r.grid_id, r.archived_at) == ("改名", world.a2.id, None)


def test_new_visit_takes_worker_grid_and_day_from_the_server(
    client, world, login_as, make_resident
):
    r = make_resident()
    login_as(world.worker_a)
    resp = client.post(
        "/visits",
        data=forged(
            world,
            resident_id=r.id,
            purpose="routine",
            outcome="done",
            summary="ok",
            visited_on=local_today().isoformat(),
            client_uuid=str(uuid.uuid4()),
        ),
    )
    assert resp.status_code == 303
    v = db.session.scalar(sa.select(Visit))
    assert (v.worker_id, v.grid_id) == (world.worker_a.id, world.a1.id)
    log = db.session.get(DailyLog, v.daily_log_id)
    assert (log.worker_id, log.status, log.reviewed_by_id) == (world.worker_a.id, "open", None)


def test_visit_edit_cannot_move_the_visit(client, world, login_as, make_resident, make_visit):
    v = make_visit(resident=make_resident())
    login_as(world.worker_a)
    resp = client.post(
        f"/visits/{v.id}/edit",
        data=forged(
            world,
            purpose="routine",
            outcome="done",
            summary="changed",
            visited_on=v.visited_on.isoformat(),
        ),
    )
    assert resp.status_code == 303
    db.session.refresh(v)
    assert (v.summary, v.worker_id, v.grid_id) == ("changed", world.worker_a.id, world.a1.id)


def test_new_request_starts_received_and_recorded_by_its_author(
    client, world, login_as, make_resident
):
    r = make_resident()
    login_as(world.worker_a)
    resp = client.post(
        "/requests",
        data=forged(
            world,
            resident=r.id,
            channel="phone",
            category="R04",
            summary="电梯坏了",
            received_on=local_today().isoformat(),
            client_uuid=str(uuid.uuid4()),
            status="closed",
            track="formal",
            accepted_on="2020-01-01",
            reply_text="done",
        ),
    )
    assert resp.status_code == 303
    req = db.session.scalar(sa.select(Request))
    assert (req.status, req.track, req.grid_id, req.recorded_by_id) == (
        "received",
        "community",
        world.a1.id,
        world.worker_a.id,
    )
    assert req.accepted_on is None
    assert req.reply_text == ""


def test_new_project_lands_in_the_secretarys_community(client, world, login_as):
    login_as(world.secretary_a)
    resp = client.post(
        "/projects/new",
        data=forged(
            world,
            name="修路",
            kind="road_works",
            status="planned",
            client_uuid=str(uuid.uuid4()),
            decision="approved",
        ),
    )
    assert resp.status_code == 303
    p = db.session.scalar(sa.select(Project))
    assert (p.community_id, p.decision) == (world.ca.id, None)


def test_rectify_cannot_jump_to_verified(client, world, login_as, make_hazard, make_resident):
    h = make_hazard(resident=make_resident())
    login_as(world.worker_a)
    client.post(f"/hazards/{h.id}/rectify", data=forged(world, note="清理了", status="verified"))
    db.session.refresh(h)
    assert h.status in ("open", "rectified")  # the fix photo rule may refuse; never verified
    assert h.verified_by_id is None
    assert h.verified_at is None


def test_submit_cannot_approve_the_day(client, world, login_as, make_resident, make_visit):
    v = make_visit(resident=make_resident())
    login_as(world.worker_a)
    resp = client.post(f"/review/days/{v.daily_log_id}/submit", data=forged(world))
    assert resp.status_code == 303
    log = db.session.get(DailyLog, v.daily_log_id)
    assert (log.status, log.reviewed_by_id, log.reviewed_at) == ("submitted", None, None)


def test_approve_records_the_real_reviewer(client, world, login_as, make_resident, make_visit):
    v = make_visit(resident=make_resident())
    db.session.get(DailyLog, v.daily_log_id).status = "submitted"
    db.session.commit()
    login_as(world.secretary_a)
    resp = client.post(f"/review/days/{v.daily_log_id}/approve", data=forged(world, status="open"))
    assert resp.status_code == 303
    log = db.session.get(DailyLog, v.daily_log_id)
    assert (log.status, log.reviewed_by_id) == ("approved", world.secretary_a.id)


def test_verify_records_the_real_secretary(client, world, login_as, make_hazard, make_resident):
    h = make_hazard(resident=make_resident(), status="rectified")
    login_as(world.secretary_a)
    client.post(f"/hazards/{h.id}/verify", data=forged(world))
    h = db.session.get(Hazard, h.id)
    assert (h.status, h.verified_by_id) == ("verified", world.secretary_a.id)
