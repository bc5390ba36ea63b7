"""The request pages as a user meets them: register, step through, refusals, lists."""

import html
import json
import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from babel.dates import format_date

from app.extensions import db
from app.models import Request, RequestEvent
from app.requests.deadlines import rules
from app.timeutil import local_today
from tests.conftest import fragment_root_ids
from tests.dates import Days


def iso(days_ago: int) -> str:
    return (local_today() - timedelta(days=days_ago)).isoformat()


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _new_form_data(resident, **kw):
    return {
        "client_uuid": str(uuid.uuid4()),
        "resident": resident.id,
        "visit": "",
        "channel": "phone",
        "category": "R04",
        "summary": "The lift is broken.",
        "received_on": iso(2),
        **kw,
    }


def _accepted_ten_days_ago(make_request, today):
    """A formal request received 20 days ago and accepted 10 days ago: open to an extension."""
    return make_request(
        track="formal",
        status="accepted",
        received_on=today - timedelta(days=20),
        formal_on=today - timedelta(days=20),
        accepted_on=today - timedelta(days=10),
    )


# ---- registering -------------------------------------------------------------------


def test_new_form_page_and_fragment(client, world, login_as, make_resident):
    resident = make_resident()
    login_as(world.worker_a)
    page = client.get(f"/requests/new?resident={resident.id}")
    assert page.status_code == 200
    assert "<html" in page.text
    assert 'id="request-form"' in page.text
    assert resident.name in page.text
    assert 'name="client_uuid"' in page.text
    assert "HX-Request" in page.headers["Vary"]
    frag = client.get(f"/requests/new?resident={resident.id}", htmx=True)
    assert "<html" not in frag.text
    assert fragment_root_ids(frag.text) == ["request-form"]


def test_new_from_a_visit_takes_resident_channel_and_date(
    client, world, login_as, make_resident, make_visit, today
):
    resident = make_resident()
    visit = make_visit(resident=resident, day=today - timedelta(days=1))
    login_as(world.worker_a)
    page = client.get(f"/requests/new?visit={visit.id}&lang=en").text
    assert 'name="channel" value="visit"' in page
    assert f'value="{iso(1)}"' in page
    r = client.post(
        "/requests", data={**_new_form_data(resident, channel="phone"), "visit": visit.id}
    )
    req = db.session.scalar(sa.select(Request))
    assert r.status_code == 303
    assert (req.channel, req.visit_id, req.resident_id) == ("visit", visit.id, resident.id)


@pytest.mark.parametrize("query", ["", "?resident=abc", "?resident=999", "?visit=999"])
def test_new_without_a_resident_in_scope_is_404(client, world, login_as, query):
    login_as(world.worker_a)
    assert client.get(f"/requests/new{query}").status_code == 404


def test_new_for_another_grid_is_404(client, world, login_as, make_resident, make_visit):
    resident = make_resident(grid=world.b1)
    visit = make_visit(resident=resident, worker=world.worker_b)
    login_as(world.worker_a)
    assert client.get(f"/requests/new?resident={resident.id}").status_code == 404
    assert client.get(f"/requests/new?visit={visit.id}").status_code == 404
    r = client.post("/requests", data=_new_form_data(resident))
    assert r.status_code == 404
    assert _count(Request) == 0


@pytest.mark.parametrize("user", ["township_user", "admin"])
def test_new_is_for_field_staff_only(client, world, login_as, make_resident, user):
    resident = make_resident()
    login_as(getattr(world, user))
    assert client.get(f"/requests/new?resident={resident.id}").status_code == 404


def test_create_plain_redirects_to_the_request(client, world, login_as, make_resident):
    resident = make_resident()
    login_as(world.worker_a)
    r = client.post("/requests", data=_new_form_data(resident), headers={"Accept-Language": "en"})
    req = db.session.scalar(sa.select(Request))
    assert r.status_code == 303
    assert r.headers["Location"] == f"/requests/{req.id}"
    assert (req.track, req.status, req.grid_id, req.recorded_by_id) == (
        "community",
        "received",
        world.a1.id,
        world.worker_a.id,
    )
    page = client.get(r.headers["Location"], headers={"Accept-Language": "en"}).text
    assert "Request recorded." in page


def test_create_htmx_sends_the_browser_to_the_request(client, world, login_as, make_resident):
    resident = make_resident()
    login_as(world.worker_a)
    r = client.post("/requests", data=_new_form_data(resident), htmx=True)
    req = db.session.scalar(sa.select(Request))
    assert r.status_code == 204
    assert r.headers["HX-Redirect"] == f"/requests/{req.id}"


def test_create_twice_with_one_uuid_records_once(client, world, login_as, make_resident):
    resident = make_resident()
    login_as(world.worker_a)
    data = _new_form_data(resident)
    first = client.post("/requests", data=data)
    second = client.post("/requests", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(Request) == 1
    assert _count(RequestEvent) == 1


@pytest.mark.parametrize("htmx", [False, True])
def test_create_invalid_keeps_what_was_typed(client, world, login_as, make_resident, htmx, today):
    resident = make_resident()
    login_as(world.worker_a)
    data = _new_form_data(
        resident,
        summary="Water leaks from the flat above.",
        received_on=(today + timedelta(days=3)).isoformat(),
        category="R06",
    )
    r = client.post("/requests?lang=en", data=data, htmx=htmx)
    # The form refuses a future date with its other messages, in the same round.
    assert r.status_code == 200
    assert ("<html" in r.text) is not htmx
    assert "This date is in the future." in r.text
    assert "Water leaks from the flat above." in r.text
    assert '<option selected value="R06">' in r.text
    assert data["client_uuid"] in r.text
    assert _count(Request) == 0


@pytest.mark.parametrize("htmx", [False, True])
def test_a_refusal_of_the_service_keeps_what_was_typed(
    client, world, login_as, make_resident, htmx
):
    """Issue 11: the service's refusal answers a plain POST with its status (422), htmx with
    200. A phone call cannot start on the formal track at receipt (only a letter or a walk-in)."""
    resident = make_resident()
    login_as(world.secretary_a)
    data = _new_form_data(resident, summary="Water leaks from the flat above.", formal="y")
    r = client.post("/requests?lang=en", data=data, htmx=htmx)
    assert r.status_code == (200 if htmx else 422)
    assert ("<html" in r.text) is not htmx
    assert "Only a letter or a walk-in to the office starts on the formal track" in r.text
    assert "Water leaks from the flat above." in r.text
    assert data["client_uuid"] in r.text
    assert _count(Request) == 0


def test_create_without_summary_says_so(client, world, login_as, make_resident):
    resident = make_resident()
    login_as(world.worker_a)
    r = client.post("/requests?lang=en", data=_new_form_data(resident, summary=""), htmx=True)
    assert r.status_code == 200
    assert fragment_root_ids(r.text) == ["request-form"]
    assert 'aria-invalid="true"' in r.text
    assert _count(Request) == 0


def test_a_summary_longer_than_a_note_is_refused_and_kept(client, world, login_as, make_resident):
    """What the resident asks for is a note of at most 2,000 characters (was 4,000, as a
    written reply may be): the message names the field and the length; nothing typed is lost."""
    resident = make_resident()
    login_as(world.worker_a)
    text = "电梯" * 1001  # 2,002 characters
    r = client.post("/requests", data=_new_form_data(resident, summary=text), htmx=True)
    assert r.status_code == 200
    assert "“诉求内容”最多 2,000 字，现在是 2,002 字。" in r.text
    assert text in r.text
    assert _count(Request) == 0
    r = client.post("/requests", data=_new_form_data(resident, summary=text[:2000]))
    assert r.status_code == 303
    assert _count(Request) == 1


def test_expired_csrf_token_keeps_the_typed_summary(client, world, login_as, make_resident):
    resident = make_resident()
    login_as(world.worker_a)
    client.csrf = False
    r = client.post(
        "/requests?lang=en",
        data={**_new_form_data(resident, summary="Gate broken"), "csrf_token": "stale"},
    )
    assert r.status_code == 200
    assert "security token expired" in r.text
    assert "Gate broken" in r.text
    assert _count(Request) == 0


# ---- the request page and its steps ------------------------------------------------


def test_show_page_and_fragment(client, world, login_as, make_request):
    req = make_request()
    login_as(world.worker_a)
    page = client.get(f"/requests/{req.id}?lang=en")
    assert page.status_code == 200
    assert "<html" in page.text
    assert "Community track" in page.text
    assert "Acknowledge" in page.text
    assert "HX-Request" in page.headers["Vary"]
    frag = client.get(f"/requests/{req.id}", htmx=True)
    assert fragment_root_ids(frag.text) == [f"request-{req.id}"]
    assert "<html" not in frag.text


@pytest.mark.parametrize("user", ["worker_b", "worker_a2", "secretary_b", "township_user", "admin"])
def test_show_out_of_scope_is_404(client, world, login_as, make_request, user):
    req = make_request()
    login_as(getattr(world, user))
    assert client.get(f"/requests/{req.id}").status_code == 404
    r = client.post(f"/requests/{req.id}/accept", data={"accept-on": iso(0)})
    assert r.status_code == 404
    db.session.refresh(req)
    assert req.status == "received"


def test_step_plain_redirects_htmx_returns_the_card(client, world, login_as, make_request, today):
    req = make_request(received_on=today - timedelta(days=3))
    login_as(world.worker_a)
    r = client.post(f"/requests/{req.id}/accept", data={"accept-on": iso(1)})
    assert r.status_code == 303
    assert r.headers["Location"] == f"/requests/{req.id}"
    db.session.refresh(req)
    assert (req.status, req.accepted_on.isoformat()) == ("accepted", iso(1))
    r = client.post(
        f"/requests/{req.id}/reply?lang=en",
        data={"reply-on": iso(0), "reply-text": "Lift repaired."},
        htmx=True,
    )
    assert r.status_code == 200
    assert fragment_root_ids(r.text) == [f"request-{req.id}"]
    events = json.loads(r.headers["HX-Trigger"])
    assert events == {"toast": {"message": "Reply recorded.", "level": "success"}}
    assert "Lift repaired." in r.text
    assert "HX-Request" in r.headers["Vary"]


def test_refused_extension_keeps_input_and_changes_nothing(
    client, world, login_as, make_request, today
):
    req = _accepted_ten_days_ago(make_request, today)
    login_as(world.secretary_a)
    r = client.post(
        f"/requests/{req.id}/extend?lang=en",
        data={
            "extend-on": iso(0),
            "extend-days": "31",
            "extend-reason": "Waiting for the engineer.",
        },
        htmx=True,
    )
    assert r.status_code == 200
    assert fragment_root_ids(r.text) == [f"request-{req.id}"]
    assert "An extension is between 1 and 30 days." in r.text
    assert "Waiting for the engineer." in r.text
    assert 'value="31"' in r.text
    # Said under the field, with the form's other messages (the limit is also the service's,
    # test_services); nothing says the request changed.
    assert re.search(r'id="extend-days-error">An extension is between 1 and 30 days\.<', r.text)
    assert "Reply period extended." not in r.headers.get("HX-Trigger", "")
    db.session.refresh(req)
    assert req.extension_days is None
    assert _count(RequestEvent) == 0


@pytest.mark.parametrize(
    ("lang", "days_said", "reason_said"),
    [
        ("en", "An extension is between 1 and 30 days.", "Reason the resident will be told"),
        ("zh", "延长天数须在 1 至 30 日之间。", "告知居民的理由"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_an_extension_too_long_and_without_a_reason_says_both_at_once(
    client, world, login_as, make_request, today, lang, days_said, reason_said, htmx
):
    """Walk: 45 days and no reason showed only the missing reason; the limit came after."""
    req = _accepted_ten_days_ago(make_request, today)
    login_as(world.secretary_a)
    r = client.post(
        f"/requests/{req.id}/extend?lang={lang}",
        data={"extend-on": iso(0), "extend-days": "45", "extend-reason": ""},
        htmx=htmx,
    )
    form = html.unescape(r.text.split('id="step-extend"')[1].split("</form>")[0])
    errors = re.findall(r'class="error"[^>]*>([^<]*)<', form)
    assert days_said in errors
    assert any(reason_said in e for e in errors), errors
    assert 'value="45"' in form
    db.session.refresh(req)
    assert req.extension_days is None


def test_second_extension_is_refused_on_the_page(client, world, login_as, make_request, today):
    req = make_request(
        track="formal",
        status="accepted",
        received_on=today - timedelta(days=20),
        formal_on=today - timedelta(days=20),
        accepted_on=today - timedelta(days=10),
        extension_days=10,
        extension_reason="Survey.",
    )
    login_as(world.secretary_a)
    r = client.post(
        f"/requests/{req.id}/extend?lang=en",
        data={"extend-on": iso(0), "extend-days": "5", "extend-reason": "More."},
    )
    assert r.status_code == 409  # issue 11: a refused plain POST answers with its status
    assert "<html" in r.text
    assert "only one extension is allowed" in r.text
    db.session.refresh(req)
    assert req.extension_days == 10


@pytest.mark.parametrize(
    ("slug", "data", "message"),
    [
        (
            "reply",
            {"reply-on": Days(0).iso, "reply-text": "Done."},
            "A reply can be recorded only after the request has been accepted.",
        ),
        (
            "follow-up",
            {"follow_up-on": Days(0).iso, "follow_up-satisfaction": "satisfied"},
            "A request can be closed only after a reply has been recorded.",
        ),
        (
            "formal",
            {"formal-on": Days(0).iso},
            "Only the community secretary can take this decision.",
        ),
    ],
)
def test_refusals_read_as_messages(client, world, login_as, make_request, slug, data, message):
    req = make_request()
    login_as(world.worker_a)
    r = client.post(f"/requests/{req.id}/{slug}?lang=en", data=data, htmx=True)
    assert r.status_code == 200
    assert re.search(r'id="request-refusal">([^<]*)<', r.text).group(1) == message
    assert f'id="step-{slug}"' not in r.text  # no form for a step that is not open
    db.session.refresh(req)
    assert (req.status, req.track) == ("received", "community")


def test_unknown_step_is_404(client, world, login_as, make_request):
    req = make_request()
    login_as(world.secretary_a)
    assert client.post(f"/requests/{req.id}/approve", data={}).status_code == 404


def test_repeated_post_of_a_step_records_it_once(client, world, login_as, make_request, today):
    req = make_request(received_on=today - timedelta(days=3))
    login_as(world.worker_a)
    for _ in range(2):
        r = client.post(f"/requests/{req.id}/accept", data={"accept-on": iso(1)}, htmx=True)
        assert r.status_code == 200
    assert _count(RequestEvent) == 1


def test_a_reprinted_acceptance_notice_keeps_the_date_it_promised(
    client, world, login_as, make_request, today
):
    accepted_on = today - timedelta(days=10)
    req = make_request(
        track="formal",
        status="accepted",
        received_on=today - timedelta(days=20),
        formal_on=today - timedelta(days=20),
        accepted_on=accepted_on,
    )
    login_as(world.secretary_a)
    r = client.post(
        f"/requests/{req.id}/extend",
        data={"extend-on": iso(0), "extend-days": "20", "extend-reason": "A site survey."},
    )
    assert r.status_code == 303
    page = client.get(f"/requests/{req.id}?lang=en").text
    promised, extended = rules().add(accepted_on, 60), rules().add(accepted_on, 80)
    acceptance = page.split('id="notice-acceptance"')[1].split('id="notice-extension"')[0]
    extension = page.split('id="notice-extension"')[1].split("</div>")[0]
    assert f"written reply by {format_date(promised, 'long', locale='en')}." in acceptance
    assert format_date(extended, "long", locale="en") not in acceptance
    assert f"to {format_date(extended, 'long', locale='en')}." in extension


def test_formal_notices_and_review_right_are_shown(client, world, login_as, make_request, today):
    req = make_request(
        track="formal",
        status="accepted",
        received_on=today - timedelta(days=30),
        formal_on=today - timedelta(days=30),
        accepted_on=today - timedelta(days=20),
    )
    login_as(world.secretary_a)
    page = client.get(f"/requests/{req.id}?lang=en").text
    assert 'id="notice-acceptance"' in page
    due = today - timedelta(days=20) + timedelta(days=60)
    # Notices spell dates out in the page's language, like the rest of the page.
    assert f"You will receive a written reply by {format_date(due, 'long', locale='en')}." in page
    assert due.isoformat() not in page.split('id="notice-acceptance"')[1]
    zh = client.get(f"/requests/{req.id}?lang=zh").text
    assert f"{due.year}年{due.month}月{due.day}日" in zh.split('id="notice-acceptance"')[1]
    page = client.get(f"/requests/{req.id}?lang=en").text
    assert "Your right to ask for a review" not in page
    client.post(f"/requests/{req.id}/reply", data={"reply-on": iso(0), "reply-text": "Done."})
    page = client.get(f"/requests/{req.id}?lang=en").text
    assert 'id="notice-review"' in page
    # Kept to reprint after the reply, with the date it promised.
    assert 'id="notice-acceptance"' in page
    assert f"by {format_date(today + timedelta(days=30), 'long', locale='en')}" in page


def test_redirect_notice_names_the_channel_and_its_time_limit(
    client, world, login_as, make_request, today
):
    req = make_request(
        track="formal",
        received_on=today - timedelta(days=5),
        formal_on=today - timedelta(days=5),
        category="R01",
    )
    login_as(world.secretary_a)
    r = client.post(
        f"/requests/{req.id}/redirect?lang=en",
        htmx=True,
        data={
            "redirect-on": iso(0),
            "redirect-channel": "arbitration",
            "redirect-reason": "Unpaid wages from an employer.",
        },
    )
    assert 'id="notice-redirected"' in r.text
    assert "Labour arbitration: apply within 1 year" in r.text
    assert "Unpaid wages from an employer." in r.text
    db.session.refresh(req)
    assert (req.status, req.redirect_channel) == ("redirected", "arbitration")


def test_worker_sees_no_formal_decision_forms(client, world, login_as, make_request, today):
    req = make_request(track="formal", formal_on=today - timedelta(days=1))
    login_as(world.worker_a)
    page = client.get(f"/requests/{req.id}?lang=en").text
    assert 'id="request-steps"' not in page
    assert "The community secretary decides whether to accept this matter." in page
    login_as(world.secretary_a)
    page = client.get(f"/requests/{req.id}").text
    for slug in ("accept", "not-accept", "redirect"):
        assert f'id="step-{slug}"' in page
    assert 'id="step-reply"' not in page


# ---- lists -------------------------------------------------------------------------


def test_list_page_and_rows_fragment(client, world, login_as, make_request):
    req = make_request()
    login_as(world.worker_a)
    page = client.get("/requests")
    assert "<html" in page.text
    assert f'id="request-row-{req.id}"' in page.text
    assert "HX-Request" in page.headers["Vary"]
    frag = client.get("/requests?status=open&due=", htmx=True)
    assert fragment_root_ids(frag.text) == ["request-rows"]
    assert f'id="request-row-{req.id}"' in frag.text


def test_list_filters_by_status_and_due(client, world, login_as, make_request, today):
    soon = make_request(received_on=today - timedelta(days=1))  # acknowledge in 2 days
    overdue = make_request(received_on=today - timedelta(days=10))  # acknowledge 7 days late
    later = make_request(
        status="accepted", received_on=today, accepted_on=today
    )  # resolve in 15 days
    closed = make_request(status="closed", received_on=today - timedelta(days=40))
    login_as(world.worker_a)

    def ids(query):
        text = client.get(f"/requests{query}", htmx=True).text
        return {int(i) for i in re.findall(r'id="request-row-(\d+)"', text)}

    assert ids("") == {soon.id, overdue.id, later.id}  # open by default
    assert ids("?status=") == {soon.id, overdue.id, later.id, closed.id}
    assert ids("?status=closed") == {closed.id}
    assert ids("?status=open&due=soon") == {soon.id}
    assert ids("?status=open&due=overdue") == {overdue.id}
    assert ids("?status=bogus&due=whenever") == {soon.id, overdue.id, later.id, closed.id}
    # The community request acknowledged (its badge: 已签收) is found under the filter that
    # names it.
    assert ids("?status=accepted") == {later.id}
    page = client.get("/requests").text
    assert '<option value="accepted">已受理 / 已签收</option>' in page
    assert "已签收" in client.get("/requests?status=accepted", htmx=True).text
    text = client.get("/requests", htmx=True).text
    # Most urgent first.
    assert (
        text.index(f"request-row-{overdue.id}")
        < text.index(f"request-row-{soon.id}")
        < text.index(f"request-row-{later.id}")
    )


def test_list_more_link(client, world, login_as, make_request, make_resident):
    resident = make_resident()
    for _ in range(21):
        make_request(resident=resident)
    login_as(world.worker_a)
    page = client.get("/requests").text
    assert page.count('id="request-row-') == 20
    more = re.search(r'class="more" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    frag = client.get(more, htmx=True)
    assert fragment_root_ids(frag.text) == ["request-rows-page-2"]
    assert frag.text.count('id="request-row-') == 1


def test_lists_are_scoped_to_own_grids(client, world, login_as, make_request, make_resident):
    mine = make_request()
    theirs = make_request(
        resident=make_resident(grid=world.b1, name="李四"), recorded_by=world.worker_b
    )
    login_as(world.worker_b)
    text = client.get("/requests").text
    assert f"request-row-{theirs.id}" in text
    assert f"request-row-{mine.id}" not in text
    login_as(world.secretary_a)
    text = client.get("/requests").text
    assert f"request-row-{mine.id}" in text
    assert f"request-row-{theirs.id}" not in text


def test_admin_has_no_request_list(client, world, login_as):
    login_as(world.admin)
    assert client.get("/requests").status_code == 404


def test_a_posted_formal_reply_shows_its_receipt_and_the_window_from_it(
    client, world, login_as, make_request, today
):
    req = _accepted_ten_days_ago(make_request, today)
    login_as(world.secretary_a)
    form = client.get(f"/requests/{req.id}?lang=en").text
    assert 'name="reply-delivery"' in form
    assert 'name="reply-received_on"' in form
    r = client.post(
        f"/requests/{req.id}/reply?lang=en",
        data={"reply-on": iso(5), "reply-text": "Answered.", "reply-delivery": "posted"},
    )
    assert r.status_code == 303
    db.session.refresh(req)
    assert (req.reply_delivery, req.reply_received_on.isoformat()) == ("posted", iso(2))
    page = client.get(f"/requests/{req.id}?lang=en").text
    assert "Sent by post" in page
    until = today - timedelta(days=2) + timedelta(days=30)
    assert format_date(until, "medium", locale="en") in page
    r = client.post(f"/requests/{req.id}/receipt", data={"receipt-on": iso(1)})
    assert r.status_code == 303
    db.session.refresh(req)
    assert req.reply_received_on.isoformat() == iso(1)


def test_the_page_shows_the_review_stage_and_takes_the_review_steps(
    client, world, login_as, make_request, today
):
    req = make_request(
        track="formal",
        status="replied",
        received_on=today - timedelta(days=60),
        formal_on=today - timedelta(days=60),
        accepted_on=today - timedelta(days=55),
        replied_on=today - timedelta(days=10),
        reply_delivery="handed",
        reply_received_on=today - timedelta(days=10),
    )
    login_as(world.secretary_a)
    page = client.get(f"/requests/{req.id}?lang=en").text
    assert "The resident may ask for a review until" in page
    assert "The request stays open until then." in page
    assert 'id="step-follow-up"' not in page
    r = client.post(
        f"/requests/{req.id}/review", data={"review-on": iso(5), "review-body": "District office"}
    )
    assert r.status_code == 303
    page = client.get(f"/requests/{req.id}?lang=en").text
    assert "The review is pending; its answer is due by" in page
    assert "District office" in page
    r = client.post(
        f"/requests/{req.id}/review-answer?lang=en",
        data={"review_answer-on": iso(6), "review_answer-outcome": "Upheld."},
        htmx=True,
    )
    assert "The date cannot be before the last step on record" in r.text
    db.session.refresh(req)
    assert req.review_answered_on is None
    # The walk: a receipt dated tomorrow was taken, and the re-review, dated after it and not
    # after today, could then not be recorded at all.
    tomorrow = (today + timedelta(days=1)).isoformat()
    r = client.post(
        f"/requests/{req.id}/review-answer?lang=en",
        data={
            "review_answer-on": iso(1),
            "review_answer-outcome": "Upheld.",
            "review_answer-received_on": tomorrow,
        },
        htmx=True,
    )
    assert "This date is in the future." in r.text
    db.session.refresh(req)
    assert req.review_answered_on is None
    r = client.post(
        f"/requests/{req.id}/review-answer",
        data={"review_answer-on": iso(1), "review_answer-outcome": "Upheld."},
    )
    assert r.status_code == 303
    page = client.get(f"/requests/{req.id}?lang=en").text
    assert "The resident may ask for a re-review until" in page
    assert 'id="notice-rereview"' in page


def test_a_secretary_registers_a_letter_as_formal_and_late_entries_show(
    client, world, login_as, make_resident
):
    resident = make_resident()
    login_as(world.worker_a)
    assert 'name="formal"' not in client.get(f"/requests/new?resident={resident.id}").text
    login_as(world.secretary_a)
    assert 'name="formal"' in client.get(f"/requests/new?resident={resident.id}").text
    r = client.post(
        "/requests",
        data=_new_form_data(resident, channel="letter", received_on=iso(6), formal="y"),
    )
    assert r.status_code == 303
    req = db.session.scalar(sa.select(Request))
    assert (req.track, req.formal_on.isoformat()) == ("formal", iso(6))
    page = client.get(f"/requests/{req.id}?lang=en").text
    assert page.count("Entered late") == 1  # the registration, dated 6 days back


def test_the_move_to_formal_form_starts_at_receipt_and_shows_both_dates(
    client, world, login_as, make_request, today
):
    req = make_request(received_on=today - timedelta(days=30))
    login_as(world.secretary_a)
    page = client.get(f"/requests/{req.id}?lang=en").text
    assert re.search(rf'name="formal-on"[^>]*value="{iso(30)}"', page)
    r = client.post(
        f"/requests/{req.id}/formal",
        data={"formal-on": iso(0), "formal-reason": "The resident wrote to the office today."},
    )
    assert r.status_code == 303
    page = client.get(f"/requests/{req.id}?lang=en").text
    assert "the formal clock starts on" in page
    assert "30 days later" in page
    assert "The resident wrote to the office today." in page


def _late_decision_and_reply(make_request, days_late: int):
    """A formal matter refused and one replied, each `days_late` days after its deadline."""
    today = local_today()
    refused = make_request(
        track="formal",
        status="not_accepted",
        received_on=today - timedelta(days=40),
        formal_on=today - timedelta(days=40),
        decided_on=today - timedelta(days=25 - days_late),  # decision due 25 days ago
        decision_reason="Not a letters-and-visits matter.",
    )
    replied = make_request(
        track="formal",
        status="replied",
        received_on=today - timedelta(days=100),
        formal_on=today - timedelta(days=100),
        accepted_on=today - timedelta(days=90),
        decided_on=today - timedelta(days=90),
        replied_on=today - timedelta(days=30 - days_late),  # reply due 30 days ago
    )
    return refused, replied


def test_late_refusal_and_late_reply_show_their_lateness(client, world, login_as, make_request):
    refused, replied = _late_decision_and_reply(make_request, days_late=5)
    assert (refused.decided_on_time, replied.decided_on_time, replied.replied_on_time) == (
        False,
        True,
        False,
    )
    login_as(world.secretary_a)
    page = client.get(f"/requests/{refused.id}?lang=en").text
    assert "The decision (Not accepted) came 5 days after its deadline." in page
    page = client.get(f"/requests/{replied.id}?lang=en").text
    assert "The reply came 5 days after its deadline." in page
    assert "request-decision-late" not in page


def _words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_one_day_reads_as_one_day_on_a_requests_page(client, world, login_as, make_request, today):
    """The tester's walk: English pages said "1 days" wherever a count of days was one."""
    later = make_request(received_on=today - timedelta(days=30))
    refused, replied = _late_decision_and_reply(make_request, days_late=1)
    extended = _accepted_ten_days_ago(make_request, today)
    login_as(world.secretary_a)
    r = client.post(
        f"/requests/{later.id}/formal",
        data={"formal-on": iso(29), "formal-reason": "The letter came the next day."},
    )
    assert r.status_code == 303
    r = client.post(
        f"/requests/{extended.id}/extend",
        data={"extend-on": iso(0), "extend-days": "1", "extend-reason": "Survey."},
    )
    assert r.status_code == 303
    cases = [
        (later, "the formal clock starts on", "1 day later", "晚1日"),
        (refused, "The decision (Not accepted)", "came 1 day after its deadline", "超期1日"),
        (replied, "The reply came", "1 day after its deadline", "答复超期1日"),
        (extended, "Extended by", "Extended by 1 day.", "已延期 1 日。"),
    ]
    for req, where, en, zh in cases:
        page = _words(client.get(f"/requests/{req.id}?lang=en").text)
        assert where in page
        assert en in page
        one_days = re.search(r".{80}\b1 days\b", page)
        assert one_days is None, one_days.group(0)
        assert zh in _words(client.get(f"/requests/{req.id}?lang=zh").text)
    # The history's tag of the extension: "1 day" too.
    page = client.get(f"/requests/{extended.id}?lang=en").text
    assert re.search(r'<span class="tag">\s*1 day\s*</span>', page)


def test_a_year_off_is_said_with_the_other_messages(client, world, login_as, make_resident):
    """A mistyped year (2062) is named in the first round, beside the empty fields' messages,
    not after they are put right."""
    resident = make_resident()
    login_as(world.worker_a)
    data = _new_form_data(resident, category="", summary="", received_on="2062-01-01")
    r = client.post("/requests?lang=en", data=data)
    assert "Check the year." in r.text
    assert "Choose “Category”." in r.text
    assert _count(Request) == 0


def test_step_address_by_get_goes_to_the_request(client, world, login_as, make_request):
    """Reloading a step's answer (a refusal, a form to mend) asked for it by GET: a 405."""
    req = make_request()
    login_as(world.worker_a)
    for slug in ("accept", "not-accept", "redirect"):
        resp = client.get(f"/requests/{req.id}/{slug}")
        assert resp.status_code == 303
        assert resp.headers["Location"] == f"/requests/{req.id}"
    assert client.get(f"/requests/{req.id}").status_code == 200
    db.session.expire_all()
    assert db.session.get(Request, req.id).status == "received"
    assert _count(RequestEvent) == 0
    assert client.get(f"/requests/{req.id}/no-such-step").status_code == 404
    assert client.get(f"/requests/{req.id + 99}/accept").status_code == 404
    for user in (world.worker_b, world.secretary_b, world.township_user):
        login_as(user)
        assert client.get(f"/requests/{req.id}/accept").status_code == 404


def test_step_address_of_a_complaint_about_officials_goes_as_its_page_does(
    client, world, login_as, make_request
):
    """R15: the inspector and the worker who recorded it see the request, so its step links
    lead them there; the community's secretary, another worker and the township: 404."""
    req = make_request(category="R15", recorded_by=world.worker_a)
    plain = make_request()
    for user in (world.inspector, world.worker_a):
        login_as(user)
        assert client.get(f"/requests/{req.id}").status_code == 200
        resp = client.get(f"/requests/{req.id}/accept")
        assert resp.status_code == 303, user.username
        assert resp.headers["Location"] == f"/requests/{req.id}"
    assert client.get(f"/requests/{plain.id}/accept").status_code == 303  # worker_a's grid
    login_as(world.inspector)
    assert client.get(f"/requests/{plain.id}/accept").status_code == 404
    for user in (world.secretary_a, world.worker_a2, world.township_user, world.admin):
        login_as(user)
        assert client.get(f"/requests/{req.id}/accept").status_code == 404, user.username
    db.session.expire_all()
    assert db.session.get(Request, req.id).status == "received"
    assert _count(RequestEvent) == 0


def _replied(today) -> dict:
    """A formal matter accepted 115 days ago and replied to (the test says when)."""
    return {
        "track": "formal",
        "status": "replied",
        "received_on": today - timedelta(days=120),
        "formal_on": today - timedelta(days=120),
        "accepted_on": today - timedelta(days=115),
        "reply_delivery": "handed",
    }


@pytest.mark.parametrize(
    ("dates", "says"),
    [
        ({"replied_on": 10}, "when the resident's time to ask for a review has passed"),
        # A pending review or re-review shows its own clock: the office owes its answer.
        ({"replied_on": 40, "review_applied_on": 10}, "The review is pending"),
        (
            {"replied_on": 60, "review_applied_on": 40, "review_answered_on": 5},
            "when the resident's time to ask for a re-review has passed",
        ),
        (
            {
                "replied_on": 90,
                "review_applied_on": 80,
                "review_answered_on": 60,
                "rereview_applied_on": 5,
            },
            "The re-review is pending",
        ),
    ],
)
def test_a_formal_reply_says_when_the_follow_up_visit_can_be_recorded(
    client, world, login_as, make_request, dates, says, today
):
    """The follow-up visit closes the request, so the page does not announce it as the next
    step while the resident may still ask for a review (the service refuses it then)."""
    fields = {k: today - timedelta(days=v) for k, v in dates.items()}
    req = make_request(**_replied(today), reply_received_on=fields["replied_on"], **fields)
    login_as(world.secretary_a)
    page = client.get(f"/requests/{req.id}?lang=en").text
    assert says in page
    assert "Next: a follow-up visit" not in page
    assert 'id="step-follow-up"' not in page
    r = client.post(
        f"/requests/{req.id}/follow-up",
        data={"follow_up-on": iso(0), "follow_up-satisfaction": "satisfied"},
    )
    assert r.status_code == 409


def test_a_formal_reply_offers_the_follow_up_visit_once_the_review_window_has_passed(
    client, world, login_as, make_request, today
):
    replied_on = today - timedelta(days=45)
    req = make_request(**_replied(today), replied_on=replied_on, reply_received_on=replied_on)
    login_as(world.secretary_a)
    page = client.get(f"/requests/{req.id}?lang=en").text
    assert "Next: a follow-up visit to ask whether the resident is satisfied." in page
    assert 'id="step-follow-up"' in page
    assert 'id="request-follow-up-waits"' not in page


@pytest.mark.parametrize(
    ("satisfaction", "hint"), [("not_satisfied", True), ("partly", False), ("satisfied", False)]
)
def test_a_community_request_closed_unsatisfied_says_what_the_resident_can_do(
    client, world, login_as, make_request, satisfaction, hint, today
):
    req = make_request(
        status="replied",
        received_on=today - timedelta(days=5),
        accepted_on=today - timedelta(days=4),
        replied_on=today - timedelta(days=2),
    )
    login_as(world.worker_a)
    r = client.post(
        f"/requests/{req.id}/follow-up",
        data={"follow_up-on": iso(0), "follow_up-satisfaction": satisfaction},
    )
    assert r.status_code == 303
    page = client.get(f"/requests/{req.id}?lang=en").text
    assert ('id="request-not-satisfied"' in page) is hint
    if not hint:
        return
    assert "bring the matter to the letters-and-visits office as a formal matter" in page
    new_link = f'href="/requests/new?resident={req.resident_id}&amp;follows={req.id}"'
    assert new_link not in page  # a worker cannot record a formal matter
    login_as(world.secretary_a)
    page = client.get(f"/requests/{req.id}?lang=en").text
    assert new_link in page
    form = client.get(f"/requests/new?resident={req.resident_id}&lang=en").text
    assert "A letters-and-visits matter from receipt" in form


def test_a_formal_matter_after_an_unsatisfied_close_starts_from_the_closed_request(
    client, world, login_as, make_request, today
):
    closed = make_request(
        category="R06",
        status="closed",
        summary="楼上装修噪音，晚上十点以后仍在施工。",
        received_on=today - timedelta(days=9),
        accepted_on=today - timedelta(days=8),
        replied_on=today - timedelta(days=3),
        followed_up_on=today - timedelta(days=1),
        satisfaction="not_satisfied",
    )
    before = _count(Request)
    login_as(world.secretary_a)
    page = client.get(f"/requests/{closed.id}?lang=zh").text
    link = re.search(r'<a href="([^"]*)">登记信访事项', page)
    assert link is not None
    form = client.get(link.group(1).replace("&amp;", "&") + "&lang=zh").text
    assert re.search(
        r'<option[^>]*selected[^>]*value="R06"|<option[^>]*value="R06"[^>]*selected', form
    )
    summary = re.search(r'<textarea[^>]*id="summary"[^>]*>([^<]*)</textarea>', form).group(1)
    assert f"接续编号{closed.id}的诉求" in summary
    assert "群众表示不满意" in summary
    assert "楼上装修噪音，晚上十点以后仍在施工。" in summary
    assert re.search(r'<input[^>]*id="formal"[^>]*checked|<input[^>]*checked[^>]*id="formal"', form)
    assert _count(Request) == before  # nothing is saved until the form is sent
    # Without the closed request the form stays blank.
    blank = client.get(f"/requests/new?resident={closed.resident_id}&lang=zh").text
    assert "接续编号" not in blank


def test_following_another_residents_request_is_refused(client, world, login_as, make_request):
    closed = make_request(status="closed", satisfaction="not_satisfied")
    other = make_request()
    login_as(world.secretary_a)
    r = client.get(f"/requests/new?resident={other.resident_id}&follows={closed.id}")
    assert r.status_code == 404


def test_a_community_requests_badge_says_acknowledged_as_its_step_does(
    client, world, login_as, make_request
):
    """The walk: the step was 签收 and the history 已签收, the badge 已受理 (the formal track's
    decision, which a community request never takes)."""
    community = make_request(status="accepted", track="community")
    formal = make_request(status="accepted", track="formal", accepted_on=local_today())
    login_as(world.secretary_a)
    page = client.get(f"/requests/{community.id}?lang=en").text
    assert re.search(r'id="request-status">Acknowledged<', page)
    page = client.get(f"/requests/{formal.id}?lang=en").text
    assert re.search(r'id="request-status">Accepted<', page)
    rows = client.get("/requests?status=&lang=en").text
    assert re.search(rf'request-row-{community.id}".*?status-accepted">Acknowledged<', rows, re.S)
    resident = client.get(f"/residents/{community.resident_id}?lang=en").text
    assert re.search(r'class="status">Acknowledged<', resident)


@pytest.mark.parametrize(
    ("track", "role", "said"),
    [("community", "worker_a", "已签收"), ("formal", "secretary_a", "已受理")],
)
def test_accepting_says_which_step_was_taken(
    client, world, login_as, make_request, today, track, role, said
):
    """The walk: 签收 answered "处理决定已记录。", which names no step at all."""
    fields = {"formal_on": today - timedelta(days=3)} if track == "formal" else {}
    req = make_request(received_on=today - timedelta(days=3), track=track, **fields)
    login_as(getattr(world, role))
    r = client.post(f"/requests/{req.id}/accept", data={"accept-on": iso(1)}, htmx=True)
    assert r.status_code == 200
    toast = json.loads(r.headers["HX-Trigger"])["toast"]["message"]
    assert toast.startswith(said)
    assert "处理决定" not in toast


def test_a_posted_reply_not_yet_received_is_said_as_taken_not_as_a_fact(
    client, world, login_as, make_request, today
):
    """The walk: "received on Dec 11" on Dec 8, for a reply posted that day."""
    req = make_request(
        track="formal",
        status="replied",
        received_on=today - timedelta(days=30),
        formal_on=today - timedelta(days=30),
        accepted_on=today - timedelta(days=25),
        replied_on=today,
        reply_delivery="posted",
        reply_received_on=today + timedelta(days=3),
    )
    login_as(world.secretary_a)
    line = client.get(f"/requests/{req.id}?lang=en").text.split('id="request-delivery">')[1]
    assert (
        line.split("</p>")[0]
        .strip()
        .endswith(f"taken as received on {format_date(today + timedelta(days=3), locale='en')}.")
    )
