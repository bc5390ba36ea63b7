"""Who sees which request: grids, the secretary-only category R15, township counts."""

import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Request
from app.requests.queries import due_soon, open_counts, small_cell, township_counts
from app.timeutil import local_today

TODAY = local_today()


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
            "received_on": TODAY.isoformat(),
        },
    )


def test_complaint_about_officials_is_hidden_from_the_worker_who_recorded_it(
    client, world, login_as, make_resident
):
    resident = make_resident()
    login_as(world.worker_a)
    r = _register(client, resident, "R15", "The grid chief asks for money.")
    assert r.status_code == 303
    assert r.headers["Location"] == "/requests"
    landing = client.get(r.headers["Location"] + "?status=&lang=en").text
    assert "Only the community secretary can see requests in this category." in landing
    assert "asks for money" not in landing
    req = db.session.scalar(sa.select(Request))
    assert req.category_code == "R15"
    assert req.recorded_by_id == world.worker_a.id
    assert client.get(f"/requests/{req.id}").status_code == 404
    assert (
        client.post(f"/requests/{req.id}/accept", data={"accept-on": TODAY.isoformat()}).status_code
        == 404
    )
    with client.application.test_request_context():
        assert due_soon(world.worker_a) == []
        assert open_counts(world.worker_a) == {"open": 0, "due_soon": 0, "overdue": 0}
    # The resident's own page does not list it either.
    if "residents.show" in client.application.view_functions:
        page = client.get(f"/residents/{resident.id}").text
        assert "asks for money" not in page
        assert f"/requests/{req.id}" not in page


def test_the_secretary_sees_and_handles_the_complaint(client, world, login_as, make_resident):
    login_as(world.worker_a)
    _register(client, make_resident(), "R15", "The grid chief asks for money.")
    req = db.session.scalar(sa.select(Request))
    login_as(world.secretary_a)
    assert f"request-row-{req.id}" in client.get("/requests").text
    page = client.get(f"/requests/{req.id}?lang=en").text
    assert "asks for money" in page
    assert (
        client.post(f"/requests/{req.id}/formal", data={"formal-on": TODAY.isoformat()}).status_code
        == 303
    )
    login_as(world.secretary_b)
    assert client.get(f"/requests/{req.id}").status_code == 404


def test_other_workers_and_communities_get_404(client, world, login_as, make_request):
    req = make_request()
    for user in (world.worker_b, world.worker_a2, world.secretary_b):
        login_as(user)
        assert client.get(f"/requests/{req.id}").status_code == 404
        assert f"request-row-{req.id}" not in client.get("/requests?status=").text


def test_township_sees_counts_only(client, world, login_as, make_request, make_resident):
    a_res = make_resident(name="王小明")
    b_res = make_resident(grid=world.b1, name="赵大海")
    make_request(
        resident=a_res, summary="Secret summary one", received_on=TODAY - timedelta(days=10)
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
    assert "Accusations against officials" not in text  # R15 is counted nowhere here
    rows = re.findall(
        r"<tr><td>(Community \w)</td><td>(\w\d)</td><td>([^<]*)</td>"
        r"<td>([^<]*)</td><td>([^<]*)</td></tr>",
        text,
    )
    # A1: two open, one due soon, one overdue; B1: three open, all due soon.
    assert ("Community A", "A1", "&lt;3", "&lt;3", "&lt;3") in rows
    assert ("Community B", "B1", "3", "3", "0") in rows
    assert ("Community B", "B2", "0", "0", "0") in rows
    assert "Open: 5" in text
    assert "Due within 5 days: 4" in text
    assert "Overdue: 1" in text
    with client.application.test_request_context():
        counts = township_counts(world.township_user)
    assert {c.code: s for c, s in counts["by_category"]} == {
        "R04": {"received": 2},
        "R06": {"received": 3},
    }
    assert client.get("/requests/1").status_code == 404


@pytest.mark.parametrize(("n", "shown"), [(0, "0"), (1, "<3"), (2, "<3"), (3, "3"), (40, "40")])
def test_small_cells(n, shown):
    assert small_cell(n) == shown


def test_due_soon_and_open_counts_for_the_today_page(app, world, make_request, in_request):
    overdue = make_request(received_on=TODAY - timedelta(days=5))  # acknowledge 2 days late
    soon = make_request(received_on=TODAY)  # acknowledge in 3 days
    make_request(status="accepted", received_on=TODAY, accepted_on=TODAY)  # resolve in 15
    make_request(status="closed")
    make_request(
        track="formal",
        status="replied",
        received_on=TODAY - timedelta(days=30),
        formal_on=TODAY - timedelta(days=30),
        accepted_on=TODAY - timedelta(days=29),
        replied_on=TODAY - timedelta(days=1),
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
    client, world, make_request, login_as
):
    from app.review.badges import badge_counts

    overdue = make_request(
        track="formal", received_on=TODAY - timedelta(days=20), formal_on=TODAY - timedelta(days=20)
    )  # notice of acceptance was due 5 days ago
    soon = make_request(received_on=TODAY - timedelta(days=1))  # acknowledge in 2 days
    make_request(received_on=TODAY)  # acknowledge in 3 days: still within the alert
    make_request(
        track="formal", received_on=TODAY - timedelta(days=2), formal_on=TODAY - timedelta(days=2)
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


def test_a_worker_cannot_record_the_formal_written_reply(client, world, make_request, login_as):
    req = make_request(
        track="formal",
        status="accepted",
        received_on=TODAY - timedelta(days=20),
        formal_on=TODAY - timedelta(days=20),
        accepted_on=TODAY - timedelta(days=10),
    )
    login_as(world.worker_a)
    assert 'id="step-reply"' not in client.get(f"/requests/{req.id}").text
    client.post(
        f"/requests/{req.id}/reply", data={"reply-on": TODAY.isoformat(), "reply-text": "x"}
    )
    db.session.refresh(req)
    assert req.status == "accepted"
