"""Who sees which request: grids, complaints about officials (R15, the inspector's), counts."""

import re
import uuid
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, Request
from app.requests.queries import due_soon, open_counts, township_counts
from app.timeutil import local_today


def _register(client, resident, category, summary):
    return client.post(
        "/requests?lang=en",
        data={
            "client_uuid": str(uuid.uuid4()),
            "resident": resident.id,
            "visit": "",
            "channel": "walk_in",
            "category": category,
            "summary": summary,
            "received_on": local_today().isoformat(),
        },
    )


def test_a_complaint_about_officials_goes_to_the_inspector_not_the_community(
    client, world, login_as, make_resident, today
):
    resident = make_resident()
    login_as(world.worker_a)
    r = _register(client, resident, "R15", "The grid chief asks for money.")
    assert r.status_code == 303
    req = db.session.scalar(sa.select(Request))
    assert req.category_code == "R15"
    assert req.recorded_by_id == world.worker_a.id
    # The worker who recorded it keeps seeing it, and is told where it goes.
    assert r.headers["Location"] == f"/requests/{req.id}"
    landing = client.get(r.headers["Location"] + "?lang=en").text
    assert "discipline liaison" in landing
    assert "asks for money" in landing
    # ... but takes no decision on it.
    assert (
        client.post(f"/requests/{req.id}/accept", data={"accept-on": today.isoformat()}).status_code
        == 409
    )
    # The community secretary (who may be the accused) sees neither it nor a count of it.
    login_as(world.secretary_a)
    assert client.get(f"/requests/{req.id}").status_code == 404
    refusals = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "access_denied", AuditEvent.object_id == str(req.id)
        )
    ).all()
    assert [(e.username, e.object_type) for e in refusals] == [("secretary_a", "request")]
    assert f"request-row-{req.id}" not in client.get("/requests?status=").text
    assert "asks for money" not in client.get(f"/residents/{resident.id}").text
    with client.application.test_request_context():
        assert due_soon(world.secretary_a) == []
        assert open_counts(world.secretary_a) == {"open": 0, "due_soon": 0, "overdue": 0}
    # Nor another worker of the community.
    login_as(world.worker_a2)
    assert client.get(f"/requests/{req.id}").status_code == 404


def test_a_secretary_who_records_a_complaint_about_officials_does_not_follow_it(
    client, world, login_as, make_resident
):
    """The secretary is told the community's head does not see it: so it is, when the
    secretary recorded it too (the walk found it on their page, list, due list and timeline)."""
    resident = make_resident()
    login_as(world.secretary_a)
    r = _register(client, resident, "R15", "The community head asks for money.")
    assert r.status_code == 303
    req = db.session.scalar(sa.select(Request))
    assert req.recorded_by_id == world.secretary_a.id
    assert r.headers["Location"].startswith("/requests")
    assert r.headers["Location"] != f"/requests/{req.id}"
    landing = client.get(r.headers["Location"]).text
    assert "discipline liaison" in landing
    assert "asks for money" not in landing
    assert client.get(f"/requests/{req.id}").status_code == 404
    assert "asks for money" not in client.get(f"/residents/{resident.id}").text
    with client.application.test_request_context():
        assert due_soon(world.secretary_a) == []
    login_as(world.inspector)
    assert client.get(f"/requests/{req.id}").status_code == 200


def test_the_inspector_sees_and_handles_the_complaint(
    client, world, login_as, make_resident, today
):
    login_as(world.worker_a)
    complainant = make_resident(building="3", unit="2", room="301", phone="13800001234")
    _register(client, complainant, "R15", "The grid chief asks for money.")
    # The recording worker has the resident's page; no contact line is added for them.
    r15 = db.session.scalar(sa.select(Request.id).where(Request.category_code == "R15"))
    assert 'id="request-contact"' not in client.get(f"/requests/{r15}").text
    _register(client, make_resident(name="李四"), "R04", "The lift is broken.")
    req = db.session.scalar(sa.select(Request).where(Request.category_code == "R15"))
    other = db.session.scalar(sa.select(Request).where(Request.category_code == "R04"))
    login_as(world.inspector)
    assert client.get("/").headers["Location"].endswith("/requests")
    listing = client.get("/requests?status=").text
    assert f"request-row-{req.id}" in listing
    assert f"request-row-{other.id}" not in listing
    assert client.get(f"/requests/{other.id}").status_code == 404
    page = client.get(f"/requests/{req.id}?lang=en").text
    assert "asks for money" in page
    assert f"/residents/{req.resident_id}" not in page  # no resident records for the inspector
    # ... but how to reach the requester, whom the inspector owes a notice, a reply and a visit
    # (the walk: only a name and a grid).
    contact = re.search(r'id="request-contact">([^<]*)<', page).group(1)
    assert "13800001234" in contact
    assert f"{req.grid.community.name} {req.grid.name} 3-2-301" in contact
    assert (
        client.post(f"/requests/{req.id}/formal", data={"formal-on": today.isoformat()}).status_code
        == 303
    )
    assert (
        client.post(f"/requests/{req.id}/accept", data={"accept-on": today.isoformat()}).status_code
        == 303
    )
    db.session.expire_all()
    assert db.session.get(Request, req.id).status == "accepted"
    # The notices and the reply clock run for the inspector as for a secretary.
    page = client.get(f"/requests/{req.id}?lang=en").text
    assert "Notice of acceptance" in page
    with client.application.test_request_context():
        assert open_counts(world.inspector)["open"] == 1
    assert client.get(f"/residents/{req.resident_id}").status_code == 404


def test_an_inspector_of_another_township_sees_nothing(client, world, login_as, make_request):
    from app.models import Township, User

    req = make_request(category="R15")
    other = Township(name="Other")
    db.session.add(other)
    db.session.flush()
    stranger = User(
        username="inspector_x",
        display_name="X",
        password_hash=world.inspector.password_hash,
        role="inspector",
        township_id=other.id,
    )
    db.session.add(stranger)
    db.session.commit()
    login_as(stranger)
    assert client.get(f"/requests/{req.id}").status_code == 404


def test_other_workers_and_communities_get_404(client, world, login_as, make_request):
    req = make_request()
    for user in (world.worker_b, world.worker_a2, world.secretary_b):
        login_as(user)
        assert client.get(f"/requests/{req.id}").status_code == 404
        assert f"request-row-{req.id}" not in client.get("/requests?status=").text


def test_township_sees_counts_only(client, world, login_as, make_request, make_resident, today):
    a_res = make_resident(name="王小明")
    b_res = make_resident(grid=world.b1, name="赵大海")
    make_request(
        resident=a_res, summary="Secret summary one", received_on=today - timedelta(days=10)
    )  # overdue
    make_request(resident=a_res, summary="Secret summary two")
    for _ in range(3):
        make_request(resident=b_res, category="R06", summary="Noise", recorded_by=world.worker_b)
    make_request(
        resident=b_res, category="R15", summary="About an official", recorded_by=world.worker_b
    )
    login_as(world.township_user)
    r = client.get("/requests?lang=en")
    assert r.status_code == 200
    text = r.text
    for private in (
        "王小明",
        "赵大海",
        "Secret summary",
        "Noise",
        "About an official",
        "/requests/1",
        'id="request-row-',
    ):
        assert private not in text
    assert "Accusations against officials" not in text  # R15 is in no table here
    assert "whole township" in text  # ... only in one township-wide count
    rows = re.findall(
        r'<tr><td>(Community \w)</td><td>(\w\d)</td><td class="num">([^<]*)</td>'
        r'<td class="num">([^<]*)</td><td class="num">([^<]*)</td></tr>',
        text,
    )
    # A1: two open, one due soon, one overdue, each alone in its atom: each counts as 2.
    # B1: three alike (one atom of three), exact.
    assert ("Community A", "A1", "≈4", "&lt;3", "&lt;3") in rows
    assert ("Community B", "B1", "3", "3", "0") in rows
    assert ("Community B", "B2", "0", "0", "0") in rows
    assert "Open: ≈7" in text
    assert "Due within 5 days: ≈5" in text
    assert "Overdue: &lt;3" in text
    with client.application.test_request_context():
        counts = township_counts(world.township_user)
    by_category = {c.code: s for c, s in counts["by_category"]}
    assert set(by_category) == {"R04", "R06"}
    assert by_category["R04"]["received"] == "≈4"
    assert by_category["R06"] == {
        "received": 3,
        "accepted": 0,
        "not_accepted": 0,
        "redirected": 0,
        "replied": 0,
        "closed": 0,
    }
    assert counts["restricted"] == "<3"  # one complaint about an official, township-wide
    assert client.get("/requests/1").status_code == 404


def test_due_soon_and_open_counts_for_the_today_page(app, world, make_request, in_request, today):
    overdue = make_request(received_on=today - timedelta(days=5))  # acknowledge 2 days late
    soon = make_request(received_on=today)  # acknowledge in 3 days
    make_request(status="accepted", received_on=today, accepted_on=today)  # resolve in 15
    make_request(status="closed")
    make_request(
        track="formal",
        status="replied",
        received_on=today - timedelta(days=30),
        formal_on=today - timedelta(days=30),
        accepted_on=today - timedelta(days=29),
        replied_on=today - timedelta(days=1),
    )
    items = due_soon(world.worker_a)
    assert [(i.request.id, i.clock.name, i.clock.colour) for i in items] == [
        (overdue.id, "acknowledge", "red"),
        (soon.id, "acknowledge", "amber"),
    ]
    assert [i.request.id for i in due_soon(world.worker_a, days=20)][-1] != soon.id
    assert len(due_soon(world.worker_a, days=20)) == 3
    assert due_soon(world.worker_b) == []
    assert open_counts(world.worker_a) == {"open": 4, "due_soon": 1, "overdue": 1}
    assert open_counts(world.secretary_a) == {"open": 4, "due_soon": 1, "overdue": 1}
    assert open_counts(world.worker_b) == {"open": 0, "due_soon": 0, "overdue": 0}


def test_the_secretary_is_alerted_to_requests_near_or_past_their_deadline(
    client, world, make_request, login_as, today
):
    from app.review.badges import badge_counts

    overdue = make_request(
        track="formal", received_on=today - timedelta(days=20), formal_on=today - timedelta(days=20)
    )  # notice of acceptance was due 5 days ago
    soon = make_request(received_on=today - timedelta(days=1))  # acknowledge in 2 days
    make_request(received_on=today)  # acknowledge in 3 days: still within the alert
    make_request(
        track="formal", received_on=today - timedelta(days=2), formal_on=today - timedelta(days=2)
    )  # 13 days left: no alert
    assert badge_counts(world.secretary_a)["requests"] == 3
    # The worker takes community-track steps only: the formal matter is not theirs to chase.
    assert badge_counts(world.worker_a)["requests"] == 2
    assert overdue.id not in [i.request.id for i in due_soon(world.worker_a)]
    login_as(world.secretary_a)
    home = client.get("/review?lang=en").text
    section = home[home.index('id="secretary-requests-due"') :]
    assert f"/requests/{overdue.id}" in section
    assert f"/requests/{soon.id}" in section
    assert "overdue" in section
    assert '<span class="badge">3</span>' in home


def test_the_home_card_the_badge_and_the_list_filter_share_one_due_soon_window(
    client, world, make_request, login_as, today
):
    """The secretary's home said "due within 3 days", the list's filter "within 5 days": one
    window now, the rules' amber one, which also colours the clocks."""
    from app.requests.deadlines import rules
    from app.requests.queries import with_clocks
    from app.review.badges import badge_counts

    window = rules().amber_days
    made = [
        make_request(
            track="formal", received_on=today - timedelta(days=k), formal_on=today - timedelta(k)
        )
        for k in range(15)  # notices of acceptance due in 15 days down to 1
    ]
    clocks = {item.request.id: item.clock for item in with_clocks(made)}
    soon = {i for i, clock in clocks.items() if clock.days_left <= window}
    assert soon
    assert all(clock.colour == "amber" for i, clock in clocks.items() if i in soon)
    assert badge_counts(world.secretary_a)["requests"] == len(soon)
    login_as(world.secretary_a)
    home = client.get("/review?lang=en").text
    card = home[home.index('id="secretary-requests-due"') : home.index("</section>")]
    assert f"Requests due within {window} days or overdue" in card
    assert {int(i) for i in re.findall(r'href="/requests/(\d+)"', card)} == soon
    listed = client.get("/requests?due=soon&status=&lang=en").text
    assert f">Due within {window} days</option>" in listed
    assert {int(i) for i in re.findall(r'href="/requests/(\d+)"', listed)} == soon
    zh = client.get("/review?lang=zh").text
    assert f"{window}日内到期和已超期的诉求" in zh


def test_a_worker_cannot_record_the_formal_written_reply(
    client, world, make_request, login_as, today
):
    req = make_request(
        track="formal",
        status="accepted",
        received_on=today - timedelta(days=20),
        formal_on=today - timedelta(days=20),
        accepted_on=today - timedelta(days=10),
    )
    login_as(world.worker_a)
    assert 'id="step-reply"' not in client.get(f"/requests/{req.id}").text
    client.post(
        f"/requests/{req.id}/reply", data={"reply-on": today.isoformat(), "reply-text": "x"}
    )
    db.session.refresh(req)
    assert req.status == "accepted"


def test_a_complaint_about_officials_is_shown_as_the_liaisons_not_the_communitys(
    client, world, login_as, make_resident
):
    login_as(world.worker_a)
    _register(client, make_resident(), "R15", "The grid chief asks for money.")
    req = db.session.scalar(sa.select(Request))
    assert req.track == "community"  # no formal matter yet: the local targets still run
    for user in (world.worker_a, world.inspector):
        login_as(user)
        en = client.get(f"/requests/{req.id}?lang=en").text
        assert 'id="request-track">Discipline liaison track<' in en, user.username
        assert "handled by the township's discipline liaison, not by the community" in en
        assert "Community track" not in en
        zh = client.get(f"/requests/{req.id}?lang=zh").text
        assert 'id="request-track">纪检监察联络员办理<' in zh
        assert "社区办理" not in zh


def test_a_complaint_sent_twice_is_announced_once(client, world, login_as, make_resident):
    """The walk: a double tap on Save said "goes to the township's discipline liaison" twice
    over the one request recorded."""
    resident = make_resident()
    login_as(world.worker_a)
    data = {
        "client_uuid": str(uuid.uuid4()),
        "resident": resident.id,
        "visit": "",
        "channel": "walk_in",
        "category": "R15",
        "summary": "The grid chief asks for money.",
        "received_on": local_today().isoformat(),
    }
    first = client.post("/requests?lang=en", data=data)
    second = client.post("/requests?lang=en", data=data)
    assert first.status_code == second.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count(Request.id))) == 1
    landing = client.get(second.headers["Location"]).text
    assert landing.count("discipline liaison; the community secretary does not see it") == 1
