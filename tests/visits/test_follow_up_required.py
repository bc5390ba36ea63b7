"""A visit that needs a follow-up names the day of it: without one it is on no list."""

import re

import sqlalchemy as sa

from app.extensions import db
from app.models import Visit
from app.offline.keys import user_key
from tests.outbox_fixtures import REPLAY, visit_data

NEEDS_DAY_ZH = "需跟进时请填写下次回访日期。"
NEEDS_DAY_EN = "A visit that needs a follow-up needs its date."


def _count():
    return db.session.scalar(sa.select(sa.func.count(Visit.id)))


def test_needs_follow_up_without_a_date_is_refused_with_what_was_typed(
    client, world, login_as, make_resident
):
    r = make_resident()
    login_as(world.worker_a)
    data = visit_data(r, outcome="needs_follow_up", summary="楼道堆物，下周再看")
    resp = client.post("/visits", data=data, htmx=True)
    assert resp.status_code == 200
    assert NEEDS_DAY_ZH in resp.text
    assert "有效的日期" not in resp.text
    assert "楼道堆物，下周再看" in resp.text
    assert re.search(r'<input checked[^>]*value="needs_follow_up"', resp.text)
    assert _count() == 0
    resp = client.post("/visits?lang=en", data=data, htmx=True)
    assert NEEDS_DAY_EN in resp.text
    assert _count() == 0


def test_needs_follow_up_with_a_date_and_other_outcomes_without_one_are_saved(
    client, world, login_as, make_resident, today
):
    r = make_resident()
    login_as(world.worker_a)
    on = today.isoformat()
    assert client.post("/visits", data=visit_data(r, outcome="done")).status_code == 303
    resp = client.post("/visits", data=visit_data(r, outcome="needs_follow_up", follow_up_on=on))
    assert resp.status_code == 303
    assert sorted(db.session.scalars(sa.select(Visit.outcome))) == ["done", "needs_follow_up"]


def test_an_edit_to_needs_follow_up_without_a_date_is_refused(
    client, world, login_as, make_resident, make_visit
):
    v = make_visit(resident=make_resident())
    login_as(world.worker_a)
    data = {
        "purpose": v.purpose,
        "summary": v.summary,
        "outcome": "needs_follow_up",
        "visited_on": v.visited_on.isoformat(),
        "follow_up_on": "",
    }
    resp = client.post(f"/visits/{v.id}/edit", data=data)
    assert resp.status_code == 200
    assert NEEDS_DAY_ZH in resp.text
    db.session.expire_all()
    assert db.session.get(Visit, v.id).outcome == "done"


def test_a_queued_visit_without_the_date_is_refused_on_replay(
    client, world, login_as, make_resident
):
    r = make_resident()
    login_as(world.worker_a)
    headers = {**REPLAY, "X-Gridbook-User": user_key(world.worker_a)}
    resp = client.post("/visits", data=visit_data(r, outcome="needs_follow_up"), headers=headers)
    assert resp.status_code == 422
    assert resp.json["status"] == "refused"
    assert resp.json["reason"] == f"下次回访：{NEEDS_DAY_ZH}"
    assert _count() == 0
