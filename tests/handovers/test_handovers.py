"""Caseload handover: the secretary moves grids or households between workers with a note;
open work goes with them, past records keep their authors, the new worker reads the note."""

import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, Handover, Hazard, Request, Resident, User, Visit
from app.timeutil import local_today


@pytest.fixture
def newcomer(world, password_hash):
    """A new worker of community A, with no grid yet."""
    u = User(
        username="worker_new",
        display_name="Newcomer",
        password_hash=password_hash,
        role="worker",
        community_id=world.ca.id,
        township_id=world.township.id,
    )
    db.session.add(u)
    db.session.commit()
    return u


def _post(client, world, to, **over):
    data = {
        "from_worker_id": world.worker_a.id,
        "to_worker_id": to.id,
        "grid_ids": [world.a1.id],
        "note": "3栋2单元的张大爷每周要去看一次。",
        "client_uuid": str(uuid.uuid4()),
    }
    data.update(over)
    return client.post("/handovers/new", data=data), data


def _open_work(world, make_resident, make_visit, make_hazard, make_request):
    resident = make_resident(name="张大爷")
    visit = make_visit(resident=resident, follow_up_on=local_today() - timedelta(days=1))
    hazard = make_hazard(visit=visit)
    req = make_request(resident=resident)
    return resident, visit, hazard, req


def test_a_grid_goes_to_the_new_worker_with_its_open_work(
    client, world, login_as, newcomer, make_resident, make_visit, make_hazard, make_request
):
    resident, visit, hazard, req = _open_work(
        world, make_resident, make_visit, make_hazard, make_request
    )
    login_as(world.secretary_a)
    resp, _data = _post(client, world, newcomer)
    assert resp.status_code == 303, resp.text
    db.session.expire_all()
    assert [g.id for g in db.session.get(User, newcomer.id).grids] == [world.a1.id]
    assert db.session.get(User, world.worker_a.id).grids == []
    handover = db.session.scalar(sa.select(Handover))
    assert handover.moved["follow_ups"] == 1
    assert handover.moved["hazards"] == 1
    assert handover.moved["requests"] == 1
    # The history still says who did what.
    assert db.session.get(Visit, visit.id).worker_id == world.worker_a.id
    assert db.session.get(Request, req.id).recorded_by_id == world.worker_a.id
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "caseload_handed_over")
    )
    assert event.user_id == world.secretary_a.id

    # The new worker sees the resident, the follow-up, the hazard and the note on Today.
    login_as(newcomer)
    today = client.get("/today")
    assert f'id="handover-note-{handover.id}"' in today.text
    assert "3栋2单元的张大爷每周要去看一次。" in today.text
    assert f"/hazards/{hazard.id}" in today.text
    assert f"/residents/{resident.id}" in today.text
    assert client.get(f"/residents/{resident.id}").status_code == 200
    assert client.get(f"/requests/{req.id}").status_code == 200
    # The old worker no longer does.
    login_as(world.worker_a)
    assert client.get(f"/residents/{resident.id}").status_code == 404


def test_the_open_work_handed_over_is_counted_in_words(
    client, world, login_as, newcomer, make_resident, make_visit, make_hazard, make_request
):
    """One of each read "1 follow-ups, 1 hazards, 1 requests" in English."""
    _open_work(world, make_resident, make_visit, make_hazard, make_request)
    login_as(world.secretary_a)
    _post(client, world, newcomer)
    said = {
        "en": "open: 1 follow-up, 1 hazard, 1 request",
        "zh": "未办结：回访 1 项、隐患 1 处、诉求 1 件",
    }
    for lang, words in said.items():
        assert words in client.get(f"/handovers?lang={lang}").text
    login_as(newcomer)
    for lang, words in said.items():
        assert words in client.get(f"/today?lang={lang}").text


def test_the_note_stays_on_today_until_dismissed(client, world, login_as, newcomer):
    login_as(world.secretary_a)
    _post(client, world, newcomer)
    handover = db.session.scalar(sa.select(Handover))
    login_as(world.worker_a2)  # not the receiver: as if the note were not there
    assert client.post(f"/handovers/{handover.id}/dismiss").status_code == 404
    login_as(newcomer)
    assert f'id="handover-note-{handover.id}"' in client.get("/today").text
    assert f'id="handover-note-{handover.id}"' in client.get("/today").text
    resp = client.post(f"/handovers/{handover.id}/dismiss")
    assert resp.status_code == 303
    assert "handover-note" not in client.get("/today").text
    assert db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "handover_note_read")
    )


def test_chosen_households_move_into_the_new_workers_grid_with_their_file(
    client, world, login_as, make_resident, make_visit, make_hazard, make_request
):
    resident, visit, hazard, req = _open_work(
        world, make_resident, make_visit, make_hazard, make_request
    )
    stays = make_resident(name="留下的", room="999")
    household_id = resident.household_id
    login_as(world.secretary_a)
    resp, _data = _post(
        client,
        world,
        world.worker_a2,
        grid_ids=[],
        household_ids=[household_id],
        to_grid_id=world.a2.id,
    )
    assert resp.status_code == 303, resp.text[:2000]
    db.session.expire_all()
    assert db.session.get(Resident, resident.id).grid_id == world.a2.id
    assert db.session.get(Resident, resident.id).household_id == household_id
    assert db.session.get(Resident, stays.id).grid_id == world.a1.id
    assert db.session.get(Hazard, hazard.id).grid_id == world.a2.id
    assert db.session.get(Request, req.id).grid_id == world.a2.id
    moved_visit = db.session.get(Visit, visit.id)
    assert (moved_visit.grid_id, moved_visit.worker_id) == (world.a2.id, world.worker_a.id)
    # Grids stay where they were.
    assert [g.id for g in db.session.get(User, world.worker_a.id).grids] == [world.a1.id]
    login_as(world.worker_a2)
    assert client.get(f"/residents/households/{household_id}").status_code == 200
    today = client.get("/today").text
    assert f"/hazards/{hazard.id}" in today
    assert "handover-note" in today
    login_as(world.worker_a)
    assert client.get(f"/residents/households/{household_id}").status_code == 404


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"note": ""}, "Write a note for the new worker."),
        ({"grid_ids": []}, "Choose the grids or the households to hand over."),
        ({"to_worker_id": "self"}, "Choose another worker to hand the caseload to."),
        ({"to_worker_id": ""}, "Choose the worker taking over."),
        ({"grid_ids": [], "household_ids": ["hh"], "two_grids": True}, "Choose which of the new"),
    ],
)
def test_bad_handovers_are_refused_with_nothing_moved(
    client, world, login_as, make_resident, over, message
):
    from tests.residents.test_import import _english

    resident = make_resident()
    _english(world.secretary_a)
    login_as(world.secretary_a)
    if over.get("to_worker_id") == "self":
        over["to_worker_id"] = world.worker_a.id
    if over.get("household_ids") == ["hh"]:
        over["household_ids"] = [resident.household_id]
    if over.pop("two_grids", False):
        # A new worker with two grids is asked which one the households join.
        from app.models import Grid

        a3 = Grid(community_id=world.ca.id, name="A3")
        db.session.add(a3)
        db.session.flush()
        world.worker_a2.grids.append(a3)
        db.session.commit()
    resp, _data = _post(client, world, world.worker_a2, **over)
    assert resp.status_code in (200, 422)  # the form again, with the reason and the note kept
    assert "3栋2单元的张大爷每周要去看一次。" in resp.text or over.get("note") == ""
    assert message in resp.text
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Handover.id))) == 0
    assert [g.id for g in db.session.get(User, world.worker_a.id).grids] == [world.a1.id]


def test_a_double_tap_hands_over_once(client, world, login_as, newcomer):
    login_as(world.secretary_a)
    first, data = _post(client, world, newcomer)
    again = client.post("/handovers/new", data=data)
    assert (first.status_code, again.status_code) == (303, 303)
    assert db.session.scalar(sa.select(sa.func.count(Handover.id))) == 1


def test_only_the_communitys_secretary_hands_over(client, world, login_as, make_resident):
    for user in (world.worker_a, world.township_user, world.admin, world.inspector):
        login_as(user)
        assert client.get("/handovers/new").status_code == 404
        assert client.get("/handovers").status_code == 404
    # Another community's secretary: community A's workers are no choice there.
    login_as(world.secretary_b)
    resp, _data = _post(client, world, world.worker_a2)
    assert resp.status_code in (200, 404)
    # A household of another community: as if it were not there.
    other = make_resident(grid=world.b1)
    login_as(world.secretary_a)
    resp, _data = _post(
        client,
        world,
        world.worker_a2,
        grid_ids=[],
        household_ids=[other.household_id],
        to_grid_id=world.a2.id,
    )
    assert resp.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(Handover.id))) == 0
    assert [g.id for g in db.session.get(User, world.worker_a.id).grids] == [world.a1.id]


def test_the_form_walks_worker_first(client, world, login_as, make_resident):
    resident = make_resident()
    login_as(world.secretary_a)
    first = client.get("/handovers/new")
    assert 'id="handover-from"' in first.text
    second = client.get(f"/handovers/new?from_worker_id={world.worker_a.id}")
    assert 'id="handover-form"' in second.text
    assert f'value="{world.a1.id}"' in second.text
    assert f'value="{resident.household_id}"' in second.text


def test_households_join_the_new_workers_only_grid_unasked(client, world, login_as, make_resident):
    """The walk: with households ticked, "only for chosen households" stayed on the list and
    the form was refused, although the new worker had one grid the households could join."""
    resident = make_resident(name="王秀英", room="301")
    make_resident(name="王建国", room="301")
    login_as(world.secretary_a)
    form = client.get(f"/handovers/new?from_worker_id={world.worker_a.id}").text
    # Nobody is taking over until the secretary says who (it was the worker handing over).
    to_worker = re.search(r'<select[^>]*name="to_worker_id".*?</select>', form, re.S).group(0)
    assert re.search(r'<option value="0">— 请选择 —</option>', to_worker)
    assert " selected" not in to_worker
    # A household reads as its people, not an address alone.
    assert "A1 3-2-301 · 王秀英、王建国" in form
    resp, _data = _post(
        client, world, world.worker_a2, grid_ids=[], household_ids=[resident.household_id]
    )
    assert resp.status_code == 303, resp.text[:2000]
    db.session.expire_all()
    assert db.session.get(Resident, resident.id).grid_id == world.a2.id


def test_the_worker_handing_over_is_not_offered_to_take_over(client, world, login_as):
    """The walk: the list of who takes over named the worker handing over."""
    login_as(world.secretary_a)
    html = client.get("/handovers/new", query_string={"from_worker_id": world.worker_a.id}).text
    to = re.search(r'<select[^>]*name="to_worker_id".*?</select>', html, re.S)[0]
    assert re.search(rf'<option disabled value="{world.worker_a.id}">', to)
    assert re.search(rf'<option value="{world.worker_a2.id}">', to)


def test_the_new_worker_sees_which_households_came_to_them(
    client, world, login_as, make_resident, make_visit, make_hazard, make_request
):
    """The note on Today gave counts; its page names the households, with who lives there,
    each a link to the household (walk: the new worker had to hunt for them)."""
    resident, _visit, _hazard, _req = _open_work(
        world, make_resident, make_visit, make_hazard, make_request
    )
    neighbour = make_resident(name="张大妈", household=resident.household)
    household_id = resident.household_id
    login_as(world.secretary_a)
    _post(
        client,
        world,
        world.worker_a2,
        grid_ids=[],
        household_ids=[household_id],
        to_grid_id=world.a2.id,
    )
    handover = db.session.scalar(sa.select(Handover))
    page = f"/handovers/{handover.id}"
    # The secretary reaches it from the community's list of handovers.
    assert page in client.get("/handovers").text
    assert "张大爷" in client.get(page).text

    login_as(world.worker_a2)
    assert f'href="{page}"' in client.get("/today").text
    html = client.get(page + "?lang=en").text
    assert "3栋2单元的张大爷每周要去看一次。" in html
    assert "1 household handed over" in html
    row = re.search(r'<ul class="card-list" id="handover-households">(.*?)</ul>', html, re.S)[1]
    assert f'href="/residents/households/{household_id}"' in row
    assert resident.name in row
    assert neighbour.name in row
    assert "Read, hide this note" in html
    listed = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.user_id == world.worker_a2.id)
    ).all()
    assert "residents_listed" in listed

    # The worker who gave them no longer sees who lives there, only that they left.
    login_as(world.worker_a)
    html = client.get(page + "?lang=en").text
    assert "张大妈" not in html
    assert "3栋2单元的张大爷" not in html  # the note is for the worker taking over
    assert f"/residents/households/{household_id}" not in html
    assert "1 household is no longer in your grids." in html
    assert "Read, hide this note" not in html
    # Another worker, another community's secretary: as if it were not there.
    login_as(world.worker_b)
    assert client.get(page).status_code == 404
    login_as(world.secretary_b)
    assert client.get(page).status_code == 404
