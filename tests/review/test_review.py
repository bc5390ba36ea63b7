"""The daily log through the app: submit, the queue, one day, approve, return, reopen."""

import json
import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Answer, AuditEvent, DailyLog, Photo, Visit
from app.timeutil import local_today
from tests.conftest import fragment_root_ids as root_ids

EN = {"Accept-Language": "en"}


def audits(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def status_of(log) -> str:
    return db.session.scalar(sa.select(DailyLog.status).where(DailyLog.id == log.id))


def set_status(log, status: str, comment: str = "") -> None:
    db.session.execute(
        sa.update(DailyLog).where(DailyLog.id == log.id).values(status=status, comment=comment)
    )
    db.session.commit()


def day_path(log) -> str:
    return f"/review/{log.worker_id}/{log.day.isoformat()}"


@pytest.fixture
def visit(make_resident, make_visit):
    return make_visit(resident=make_resident())


@pytest.fixture
def submitted(visit):
    set_status(visit.daily_log, "submitted")
    return visit.daily_log


# ---- the worker submits ------------------------------------------------------------


def test_worker_submits_todays_log_with_htmx(client, world, login_as, visit):
    login_as(world.worker_a)
    resp = client.post(
        "/review/submit", data={"day": local_today().isoformat()}, htmx=True, headers=EN
    )
    assert resp.status_code == 200
    assert "<html" not in resp.text
    assert root_ids(resp.text) == ["daylog-status"]
    assert "HX-Request" in resp.headers["Vary"]
    trig = json.loads(resp.headers["HX-Trigger"])
    assert trig["toast"]["level"] == "success"
    assert "Submitted" in resp.text
    assert 'id="submit-today"' not in resp.text
    assert status_of(visit.daily_log) == "submitted"
    (event,) = audits("daylog_submitted")
    assert json.loads(event.detail)["visits"] == 1


def test_plain_submit_redirects_to_today(client, world, login_as, visit):
    login_as(world.worker_a)
    resp = client.post("/review/submit", data={})
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/today"
    assert status_of(visit.daily_log) == "submitted"


def test_a_day_without_visits_cannot_be_submitted(client, world, login_as, make_daily_log):
    login_as(world.worker_a)
    resp = client.post("/review/submit", data={}, htmx=True, headers=EN)
    assert "Log at least one visit" in resp.headers["HX-Trigger"]
    log = make_daily_log()  # a day whose visits were all moved away
    resp = client.post(f"/review/days/{log.id}/submit", data={}, htmx=True, headers=EN)
    assert "Log at least one visit" in resp.headers["HX-Trigger"]
    assert status_of(log) == "open"
    assert audits("daylog_submitted") == []


def test_submitting_twice_is_refused(client, world, login_as, visit):
    login_as(world.worker_a)
    client.post("/review/submit", data={})
    resp = client.post(f"/review/days/{visit.daily_log_id}/submit", data={}, headers=EN)
    assert resp.status_code == 409
    assert "already submitted" in resp.text
    assert len(audits("daylog_submitted")) == 1


def test_only_the_worker_submits_their_own_day(client, world, login_as, visit):
    login_as(world.worker_a2)
    assert client.post(f"/review/days/{visit.daily_log_id}/submit", data={}).status_code == 404
    login_as(world.secretary_a)
    assert client.post(f"/review/days/{visit.daily_log_id}/submit", data={}).status_code == 404
    assert client.post("/review/submit", data={}).status_code == 404
    assert status_of(visit.daily_log) == "open"


def test_a_visit_added_to_a_submitted_day_keeps_it_submitted(
    client, world, login_as, make_resident, submitted
):
    login_as(world.worker_a)
    r = make_resident(name="赵六")
    resp = client.post(
        "/visits",
        data={
            "resident_id": r.id,
            "purpose": "routine",
            "summary": "late entry",
            "outcome": "done",
            "visited_on": local_today().isoformat(),
            "follow_up_on": "",
            "client_uuid": str(uuid.uuid4()),
        },
    )
    assert resp.status_code == 303
    assert status_of(submitted) == "submitted"
    login_as(world.secretary_a)
    page = client.get("/review", headers=EN)
    assert "2 visits" in page.text
    # ... and says so: the secretary may have read the day before it changed.
    assert "Changed after it was submitted, last at" in page.text


def test_a_visit_moved_onto_a_submitted_day_is_shown_to_the_reviewer(
    client, world, login_as, make_resident, make_visit
):
    """The walk: a visit moved onto a submitted day changed its counts with nothing said."""
    earlier = make_visit(resident=make_resident(), day=local_today() - timedelta(days=3))
    login_as(world.worker_a)
    assert client.post(f"/review/days/{earlier.daily_log_id}/submit").status_code == 303
    log = db.session.get(DailyLog, earlier.daily_log_id)
    assert log.changed_at is None
    # Saved again as it was: nothing changed, nothing to tell the secretary.
    same = {
        "purpose": earlier.purpose,
        "summary": earlier.summary,
        "outcome": earlier.outcome,
        "visited_on": earlier.visited_on.isoformat(),
        "follow_up_on": "",
    }
    assert client.post(f"/visits/{earlier.id}/edit", data=same).status_code == 303
    db.session.refresh(log)
    assert log.changed_at is None
    moved = make_visit(resident=make_resident(name="赵六"))
    resp = client.post(
        f"/visits/{moved.id}/edit",
        data={
            "purpose": "routine",
            "summary": "moved",
            "outcome": "done",
            "visited_on": log.day.isoformat(),
            "follow_up_on": "",
        },
    )
    assert resp.status_code == 303
    db.session.refresh(log)
    assert log.status == "submitted"
    assert log.changed_at is not None
    login_as(world.secretary_a)
    day = client.get(day_path(log), headers=EN).text
    assert "2 visits" in day
    assert "Changed after it was submitted" in day
    # Returned and handed in again: the mark goes, what was asked stays to check against.
    client.post(f"/review/days/{log.id}/return", data={"comment": "补拍照片"})
    login_as(world.worker_a)
    assert client.post(f"/review/days/{log.id}/submit").status_code == 303
    db.session.refresh(log)
    assert log.changed_at is None
    login_as(world.secretary_a)
    day = client.get(day_path(log), headers=EN).text
    assert "Changed after it was submitted" not in day
    assert "Asked to fix before: 补拍照片" in day
    queue = client.get("/review", headers=EN).text
    assert "Asked to fix before: 补拍照片" in queue


# ---- the queue ---------------------------------------------------------------------


def test_queue_lists_the_community_days_with_counts(
    client, world, login_as, full_day, make_visit, make_resident
):
    other = make_visit(resident=make_resident(grid=world.b1), worker=world.worker_b)
    set_status(full_day.log, "submitted")
    login_as(world.secretary_a)
    page = client.get("/review", headers=EN)
    assert page.status_code == 200
    assert "<html" in page.text
    row = re.search(rf'<article id="log-{full_day.log.id}".*?</article>', page.text, re.S)
    assert row is not None
    text = " ".join(row.group(0).split())
    assert "2 visits · 1 screening · 1 hazard · 3 photos" in text
    assert "Submitted" in text
    assert f'id="log-{other.daily_log_id}"' not in page.text
    assert 'id="review-count"' in page.text
    assert "1 day waiting" in page.text


def test_queue_lists_submitted_days_first_then_newest_first_and_filters(
    client, world, login_as, make_visit, make_resident
):
    today = local_today()
    old = make_visit(resident=make_resident(), day=today - timedelta(days=2))
    new = make_visit(resident=make_resident(grid=world.a2), worker=world.worker_a2, day=today)
    older_open = make_visit(resident=make_resident(), day=today - timedelta(days=3))
    set_status(old.daily_log, "submitted")
    login_as(world.secretary_a)
    page = client.get("/review").text
    # The secretary's work (submitted) comes before days still open, however old it is.
    order = [page.index(f'id="log-{v.daily_log_id}"') for v in (old, new, older_open)]
    assert order == sorted(order)
    by_grid = client.get(f"/review?grid={world.a2.id}").text
    assert f'id="log-{new.daily_log_id}"' in by_grid
    assert f'id="log-{old.daily_log_id}"' not in by_grid
    by_status = client.get("/review?status=submitted").text
    assert f'id="log-{old.daily_log_id}"' in by_status
    assert f'id="log-{new.daily_log_id}"' not in by_status
    # A grid of another community is ignored, never used to read it.
    assert f'id="log-{new.daily_log_id}"' in client.get(f"/review?grid={world.b1.id}").text


def test_queue_rows_as_fragment_for_htmx(client, world, login_as, visit):
    login_as(world.secretary_a)
    resp = client.get("/review?status=open", htmx=True)
    assert "<html" not in resp.text
    assert root_ids(resp.text) == ["log-rows"]
    assert "HX-Request" in resp.headers["Vary"]


def test_queue_runs_the_same_queries_for_3_or_12_days(
    client, world, login_as, make_visit, make_resident, count_queries
):
    r = make_resident()
    for n in range(3):
        make_visit(resident=r, day=local_today() - timedelta(days=n))
    login_as(world.secretary_a)
    client.get("/review")
    with count_queries() as few:
        client.get("/review")
    for n in range(3, 12):
        make_visit(resident=r, day=local_today() - timedelta(days=n))
    with count_queries() as many:
        client.get("/review")
    assert many.count == few.count


def test_queue_is_for_secretaries_only(client, world, login_as):
    for user in (world.worker_a, world.township_user, world.admin):
        login_as(user)
        assert client.get("/review").status_code == 404


def test_queue_pages(client, world, login_as, make_visit, make_resident):
    r = make_resident()
    for n in range(22):
        make_visit(resident=r, day=local_today() - timedelta(days=n))
    login_as(world.secretary_a)
    first = client.get("/review").text
    assert first.count('<article id="log-') == 20
    assert "page=2" in first
    second = client.get("/review?page=2", htmx=True).text
    assert second.count('<article id="log-') == 2
    assert root_ids(second) == ["log-rows-page-2"]


def test_queue_pages_keep_the_order_and_count_each_days_own_rows(
    client, world, login_as, make_visit, make_resident
):
    # The page's days are picked first and counted after (review/queries.py, queue_page):
    # an old submitted day still leads page 1, and a day on page 2 has its own counts.
    r = make_resident()
    for n in range(22):
        make_visit(resident=r, day=local_today() - timedelta(days=n))
    old = make_visit(resident=r, day=local_today() - timedelta(days=40))
    make_visit(resident=r, day=old.visited_on)
    set_status(old.daily_log, "submitted")
    login_as(world.secretary_a)
    first = client.get("/review", headers=EN).text
    ids = re.findall(r'<article id="log-(\d+)"', first)
    assert len(ids) == 20
    assert ids[0] == str(old.daily_log_id)
    second = client.get("/review?page=2", htmx=True, headers=EN).text
    rows = re.findall(r'<article id="log-(\d+)"(.*?)</article>', second, re.S)
    assert len(rows) == 3
    assert not set(ids) & {i for i, _ in rows}
    assert all("1 visit ·" in " ".join(body.split()) for _i, body in rows)
    assert "2 visits" in " ".join(first.split("</article>")[0].split())


# ---- one day -----------------------------------------------------------------------


def test_day_page_shows_everything_in_the_day(client, world, login_as, full_day):
    login_as(world.secretary_a)
    page = client.get(day_path(full_day.log), headers=EN)
    assert page.status_code == 200
    for text in (
        "李奶奶",
        "王大爷",
        "量了血压，一切正常",
        "楼道堆放纸箱",
        "Needs follow-up",
        "F1",
        "Hazard",
    ):
        assert text in page.text
    photos = db.session.scalars(sa.select(Photo).order_by(Photo.id)).all()
    for p in photos[:3]:
        assert f"/photos/{p.id}/thumb" in page.text
        assert f'href="/photos/{p.id}?v=' in page.text
    assert f"/photos/{photos[3].id}/thumb" not in page.text  # the fix belongs to the hazard
    assert f'href="/hazards/{full_day.hazard.id}"' in page.text


def test_day_page_names_the_worker_and_day_once(client, world, login_as, visit):
    """The heading says whose day and which; the day's status line below does not repeat it."""
    login_as(world.secretary_a)
    html = client.get(day_path(visit.daily_log), headers=EN).text
    main = html[html.index("<main") : html.index("</main>")]
    heading = re.search(r"<h1>(.*?)</h1>", main, re.S).group(1)
    name = world.worker_a.display_name
    assert name in heading
    assert main.count(name) == 1
    assert re.search(r'class="log-title">\s*<span class="status status-', main)


def test_day_page_scope_and_bad_dates(client, world, login_as, visit):
    log = visit.daily_log
    login_as(world.worker_a)
    assert client.get(day_path(log)).status_code == 200
    for user in (world.secretary_b, world.worker_a2, world.worker_b, world.township_user):
        login_as(user)
        assert client.get(day_path(log)).status_code == 404
    login_as(world.secretary_a)
    for bad in ("2024-13-01", "yesterday", "20240101", "2024-1-1", "2024-02-30"):
        assert client.get(f"/review/{log.worker_id}/{bad}").status_code == 404
    assert client.get(f"/review/{log.worker_id}/2001-01-01").status_code == 404


def test_day_page_by_its_log_id(client, world, login_as, visit):
    log = visit.daily_log
    login_as(world.worker_a)
    page = client.get(f"/review/days/{log.id}")
    assert page.status_code == 200
    assert f'id="log-{log.id}"' in page.text
    assert client.post(f"/review/days/{log.id}/no-such-step", data={}).status_code == 404
    for user in (world.worker_a2, world.secretary_b, world.township_user):
        login_as(user)
        assert client.get(f"/review/days/{log.id}").status_code == 404


def test_worker_reads_own_day_and_may_resubmit_it(client, world, login_as, visit):
    set_status(visit.daily_log, "returned", "请补充照片")
    login_as(world.worker_a)
    page = client.get(day_path(visit.daily_log), headers=EN)
    assert "请补充照片" in page.text
    assert "Resubmit the day" in page.text
    assert "Approve" not in page.text
    resp = client.post(f"/review/days/{visit.daily_log_id}/submit", data={}, htmx=True)
    assert root_ids(resp.text)[0] == f"log-{visit.daily_log_id}"
    assert status_of(visit.daily_log) == "submitted"
    (event,) = audits("daylog_submitted")
    assert json.loads(event.detail)["from"] == "returned"


# ---- approve -----------------------------------------------------------------------


def test_htmx_approve_updates_row_count_and_toasts(client, world, login_as, submitted):
    login_as(world.secretary_a)
    resp = client.post(
        f"/review/days/{submitted.id}/approve", data={"next": "/review"}, htmx=True, headers=EN
    )
    assert resp.status_code == 200
    assert root_ids(resp.text) == [f"log-{submitted.id}", "review-count", "bottom-nav"]
    assert '<nav class="bottom-nav" id="bottom-nav" hx-swap-oob="true"' in resp.text
    assert '<span id="review-count" class="count" hx-swap-oob="true">0 days waiting' in resp.text
    trig = json.loads(resp.headers["HX-Trigger"])
    assert trig["toast"]["level"] == "success"
    assert "Approved" in resp.text
    log = db.session.get(DailyLog, submitted.id)
    assert log.status == "approved"
    assert log.reviewed_by_id == world.secretary_a.id
    assert log.reviewed_at is not None
    (event,) = audits("daylog_approved")
    assert event.user_id == world.secretary_a.id
    assert event.object_id == str(log.id)


def test_plain_approve_redirects_to_next(client, world, login_as, submitted):
    login_as(world.secretary_a)
    resp = client.post(
        f"/review/days/{submitted.id}/approve", data={"next": "/review?status=submitted"}
    )
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/review?status=submitted"
    set_status(submitted, "submitted")
    resp = client.post(
        f"/review/days/{submitted.id}/approve", data={"next": "https://evil.example/"}
    )
    assert resp.headers["Location"] == day_path(submitted)


def test_approving_twice_is_refused(client, world, login_as, submitted):
    login_as(world.secretary_a)
    assert client.post(f"/review/days/{submitted.id}/approve", data={}).status_code == 303
    again = client.post(f"/review/days/{submitted.id}/approve", data={}, headers=EN)
    assert again.status_code == 409
    assert "already approved" in again.text
    htmx = client.post(f"/review/days/{submitted.id}/approve", data={}, htmx=True, headers=EN)
    trig = json.loads(htmx.headers["HX-Trigger"])
    assert trig["toast"]["level"] == "error"
    assert "already approved" in trig["toast"]["message"]
    assert len(audits("daylog_approved")) == 1


@pytest.mark.parametrize("status", ["open", "returned", "approved"])
def test_nobody_skips_a_state(client, world, login_as, visit, status):
    set_status(visit.daily_log, status, "x")
    login_as(world.secretary_a)
    assert client.post(f"/review/days/{visit.daily_log_id}/approve", data={}).status_code == 409
    assert (
        client.post(
            f"/review/days/{visit.daily_log_id}/return", data={"comment": "fix"}
        ).status_code
        == 409
    )
    assert status_of(visit.daily_log) == status
    assert audits("daylog_approved") == []
    assert audits("daylog_returned") == []


def test_reopen_needs_an_approved_day(client, world, login_as, submitted):
    login_as(world.secretary_a)
    resp = client.post(f"/review/days/{submitted.id}/reopen", data={"reason": "why"})
    assert resp.status_code == 409
    assert status_of(submitted) == "submitted"


def test_secretary_cannot_approve_a_day_with_own_visits(
    client, world, login_as, make_resident, make_visit
):
    v = make_visit(resident=make_resident(), worker=world.secretary_a)
    set_status(v.daily_log, "submitted")
    login_as(world.secretary_a)
    resp = client.post(f"/review/days/{v.daily_log_id}/approve", data={}, headers=EN)
    assert resp.status_code == 409
    assert "your own visits" in resp.text
    assert status_of(v.daily_log) == "submitted"


def test_workers_and_other_communities_cannot_review(client, world, login_as, submitted):
    login_as(world.worker_a)
    assert client.post(f"/review/days/{submitted.id}/approve", data={}).status_code == 404
    login_as(world.secretary_b)
    for action, data in (
        ("approve", {}),
        ("return", {"comment": "no"}),
        ("reopen", {"reason": "no"}),
    ):
        assert client.post(f"/review/days/{submitted.id}/{action}", data=data).status_code == 404
    set_status(submitted, "approved")
    assert (
        client.post(f"/review/days/{submitted.id}/reopen", data={"reason": "x"}).status_code == 404
    )
    assert status_of(submitted) == "approved"
    assert audits("daylog_reopened") == []
    refused = audits("access_denied")
    assert refused
    assert all(e.object_type == "daily_log" for e in refused)


# ---- return ------------------------------------------------------------------------


def test_return_without_comment_keeps_the_day_submitted(client, world, login_as, submitted):
    login_as(world.secretary_a)
    resp = client.post(
        f"/review/days/{submitted.id}/return", data={"comment": "   "}, htmx=True, headers=EN
    )
    assert resp.status_code == 200
    assert root_ids(resp.text)[0] == f"log-{submitted.id}"
    assert "Write what the worker should fix." in resp.text
    assert 'aria-invalid="true"' in resp.text
    assert '<details class="return" open' in resp.text
    plain = client.post(f"/review/days/{submitted.id}/return", data={"comment": ""}, headers=EN)
    assert plain.status_code == 200
    assert "<html" in plain.text
    assert "Write what the worker should fix." in plain.text
    assert status_of(submitted) == "submitted"


def test_return_with_comment_shows_on_the_workers_today(
    client, world, login_as, make_visit, make_resident
):
    v = make_visit(resident=make_resident(), day=local_today() - timedelta(days=1))
    set_status(v.daily_log, "submitted")
    login_as(world.secretary_a)
    resp = client.post(
        f"/review/days/{v.daily_log_id}/return", data={"comment": "缺少入户照片"}, htmx=True
    )
    assert "缺少入户照片" in resp.text
    log = db.session.get(DailyLog, v.daily_log_id)
    assert log.status == "returned"
    assert log.comment == "缺少入户照片"
    (event,) = audits("daylog_returned")
    assert "缺少入户照片" not in event.detail
    login_as(world.worker_a)
    today = client.get("/today").text
    assert "缺少入户照片" in today
    assert f'href="{day_path(log)}"' in today


# ---- reopen and the lock -----------------------------------------------------------


def test_approval_locks_visits_answers_and_photos(client, world, login_as, full_day, make_resident):
    log = full_day.log
    set_status(log, "approved")
    v1, v2 = full_day.visits
    login_as(world.worker_a)
    data = {
        "purpose": "routine",
        "summary": "changed",
        "outcome": "done",
        "visited_on": v1.visited_on.isoformat(),
        "follow_up_on": "",
    }
    client.post(f"/visits/{v1.id}/edit", data=data)
    assert db.session.get(Visit, v1.id).summary == "量了血压，一切正常"
    item_id = full_day.answer.item_id
    resp = client.post(
        f"/screening/{full_day.screening.id}/items/{item_id}", data={"value": "ok"}, headers=EN
    )
    assert resp.status_code == 409
    assert "Ask your secretary to reopen it." in resp.text
    assert db.session.get(Answer, full_day.answer.id).value == "hazard"
    photo = db.session.scalar(sa.select(Photo).where(Photo.visit_id == v1.id))
    assert client.post(f"/photos/{photo.id}/delete", data={}).status_code == 409
    assert db.session.get(Photo, photo.id) is not None
    resp = client.post(
        "/visits",
        data={
            "resident_id": make_resident().id,
            "purpose": "routine",
            "summary": "x",
            "outcome": "done",
            "visited_on": log.day.isoformat(),
            "follow_up_on": "",
            "client_uuid": str(uuid.uuid4()),
        },
    )
    assert resp.status_code == 409
    page = client.get(day_path(log), headers=EN)
    assert "Submit the day" not in page.text
    assert "Resubmit" not in page.text


def test_reopen_needs_a_reason_then_unlocks_the_day(client, world, login_as, submitted):
    set_status(submitted, "approved")
    login_as(world.secretary_a)
    resp = client.post(f"/review/days/{submitted.id}/reopen", data={"reason": ""}, headers=EN)
    assert resp.status_code == 200
    assert "Give the reason for reopening the day." in resp.text
    assert status_of(submitted) == "approved"
    resp = client.post(
        f"/review/days/{submitted.id}/reopen", data={"reason": "走访记录日期有误"}, htmx=True
    )
    assert resp.status_code == 200
    log = db.session.get(DailyLog, submitted.id)
    assert log.status == "returned"
    assert log.comment == "走访记录日期有误"
    assert not log.locked
    # Just reopened, the reason is the comment: said once on the day.
    day = client.get(day_path(log) + "?lang=en").text
    assert day.count("走访记录日期有误") == 1
    assert "Reopened " in day
    (event,) = audits("daylog_reopened")
    assert "走访记录日期有误" not in event.detail
    login_as(world.worker_a)
    visit = db.session.scalar(sa.select(Visit).where(Visit.daily_log_id == log.id))
    data = {
        "purpose": "routine",
        "summary": "corrected",
        "outcome": "done",
        "visited_on": visit.visited_on.isoformat(),
        "follow_up_on": "",
    }
    client.post(f"/visits/{visit.id}/edit", data=data)
    assert db.session.get(Visit, visit.id).summary == "corrected"

    # Handed in again and returned for something else: the return's comment takes the
    # place of the reason, which stays on the day (the walk: nothing said why a locked day
    # had been opened).
    set_status(log, "submitted", comment=log.comment)
    login_as(world.secretary_a)
    client.post(f"/review/days/{log.id}/return", data={"comment": "照片不清楚"}, htmx=True)
    log = db.session.get(DailyLog, log.id)
    assert (log.status, log.comment) == ("returned", "照片不清楚")
    assert log.reopen_reason == "走访记录日期有误"
    day = client.get(day_path(log) + "?lang=en").text
    assert "by Secretary_A: 走访记录日期有误" in day
    assert "To fix: 照片不清楚" in day
    queue = client.get("/review?lang=en").text
    assert re.search(r"Reopened [^<]*: 走访记录日期有误", queue)


# ---- approving several -------------------------------------------------------------


def test_approve_several_with_confirmation(client, world, login_as, make_visit, make_resident):
    r = make_resident()
    logs = [
        make_visit(resident=r, day=local_today() - timedelta(days=n)).daily_log for n in range(3)
    ]
    for log in logs[:2]:
        set_status(log, "submitted")
    foreign = make_visit(resident=make_resident(grid=world.b1), worker=world.worker_b).daily_log
    set_status(foreign, "submitted")
    login_as(world.secretary_a)
    page = client.get("/review").text
    assert re.search(r'<form[^>]*id="approve-many"[^>]*data-confirm="', page)
    assert f'name="log_ids" value="{logs[0].id}" form="approve-many"' in page
    ids = [log.id for log in logs] + [foreign.id]
    resp = client.post("/review/approve-many", data={"log_ids": ids}, headers=EN)
    assert resp.status_code == 303
    assert [status_of(log) for log in logs] == ["approved", "approved", "open"]
    assert status_of(foreign) == "submitted"
    assert len(audits("daylog_approved")) == 2
    page = client.get(resp.headers["Location"], headers=EN).text
    assert "2 days approved." in page
    assert "not been submitted" in page
    # The refused day is named as the page writes dates, not as ISO.
    day = logs[2].day
    assert f"{day:%b} {day.day}, {day.year}: " in page
    assert f"{day.isoformat()}: " not in page
    assert "1 day was not found." in page


def test_approve_several_needs_a_tick(client, world, login_as):
    login_as(world.secretary_a)
    resp = client.post("/review/approve-many", data={})
    assert resp.status_code == 303


def test_queue_counts_belong_to_each_day(
    client, world, login_as, full_day, make_visit, make_resident
):
    quiet = make_visit(resident=make_resident(grid=world.a2), worker=world.worker_a2)
    login_as(world.secretary_a)
    page = client.get("/review", headers=EN).text
    rows = {
        m.group(1): " ".join(m.group(2).split())
        for m in re.finditer(r'<article id="log-(\d+)"(.*?)</article>', page, re.S)
    }
    assert "2 visits · 1 screening · 1 hazard · 3 photos" in rows[str(full_day.log.id)]
    quiet_row = rows[str(quiet.daily_log_id)]
    assert "1 visit" in quiet_row
    assert "screening" not in quiet_row or "0 screenings" in quiet_row
    assert "hazard" not in quiet_row or "0 hazards" in quiet_row
    # The other day's answer photo is not this day's (its count correlates with each day).
    assert "photo" not in quiet_row or "0 photos" in quiet_row


# ---- the day page works from the bottom (issue 13, item 4) -------------------------


def test_day_page_has_no_tick_box_and_keeps_its_actions_in_a_bar(
    client, world, login_as, submitted
):
    login_as(world.secretary_a)
    queue = client.get("/review").text
    row = re.search(rf'<article id="log-{submitted.id}".*?</article>', queue, re.S).group(0)
    # In the queue the whole row opens the day and a tick box joins it to "approve ticked".
    assert f'<a class="log-open" href="{day_path(submitted)}">' in row
    assert 'name="log_ids"' in row
    assert "action-bar" not in row
    day = client.get(day_path(submitted)).text
    row = re.search(rf'<article id="log-{submitted.id}".*?</article>', day, re.S).group(0)
    assert 'name="log_ids"' not in row
    assert 'class="log-open"' in row
    assert '<a class="log-open"' not in row  # the day does not link to itself
    assert 'class="review-actions action-bar"' in row
    assert 'class="action-bar-spacer"' in day


@pytest.mark.parametrize(("on_day", "bar"), [(True, True), (False, False)])
def test_a_refused_return_keeps_the_row_where_it_was_shown(
    client, world, login_as, submitted, on_day, bar
):
    login_as(world.secretary_a)
    next_url = day_path(submitted) if on_day else "/review"
    resp = client.post(
        f"/review/days/{submitted.id}/return", data={"comment": "", "next": next_url}, htmx=True
    )
    assert resp.status_code == 200
    assert root_ids(resp.text)[0] == f"log-{submitted.id}"
    assert ("action-bar" in resp.text) is bar
    assert ('name="log_ids"' in resp.text) is not bar


def test_step_address_reloaded_after_a_refused_approve_shows_the_day(
    client, world, login_as, submitted
):
    """Reloading the "already approved" refusal asked for /approve by GET: a 405 page."""
    login_as(world.secretary_a)
    assert client.post(f"/review/days/{submitted.id}/approve", data={}).status_code == 303
    assert client.post(f"/review/days/{submitted.id}/approve", data={}).status_code == 409
    for step in ("approve", "return", "reopen"):
        resp = client.get(f"/review/days/{submitted.id}/{step}")
        assert resp.status_code == 303
        assert resp.headers["Location"] == day_path(submitted)
    assert client.get(day_path(submitted)).status_code == 200
    assert status_of(submitted) == "approved"
    assert len(audits("daylog_approved")) == 1
    assert len(audits("daylog_reopened")) == 0
    assert client.get(f"/review/days/{submitted.id}/no-such-step").status_code == 404
    assert client.get(f"/review/days/{submitted.id + 99}/approve").status_code == 404
    resp = client.get("/review/approve-many")
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/review?status=submitted"


@pytest.mark.parametrize(
    "who", ["secretary_b", "worker_a2", "worker_b", "township_user", "inspector", "admin"]
)
def test_step_address_by_get_out_of_scope_is_404(client, world, login_as, submitted, who):
    login_as(getattr(world, who))
    for step in ("approve", "return", "reopen", "submit"):
        assert client.get(f"/review/days/{submitted.id}/{step}").status_code == 404


def test_the_secretarys_approve_link_opened_by_the_worker_shows_their_day(
    client, world, login_as, submitted
):
    """The worker may see their own day, not approve it: the day's page, nothing decided."""
    login_as(world.worker_a)
    assert client.get(day_path(submitted)).status_code == 200
    for step in ("approve", "return", "reopen"):
        resp = client.get(f"/review/days/{submitted.id}/{step}")
        assert resp.status_code == 303, step
        assert resp.headers["Location"] == day_path(submitted)
    assert status_of(submitted) == "submitted"
    assert audits("daylog_approved") == []
    assert audits("daylog_returned") == []
    # And the worker's own submit link opened by the secretary: the day, not submitted again.
    login_as(world.secretary_a)
    resp = client.get(f"/review/days/{submitted.id}/submit")
    assert resp.headers["Location"] == day_path(submitted)


def test_submit_address_by_get_goes_to_today(client, world, login_as, visit):
    login_as(world.worker_a)
    resp = client.get("/review/submit")
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/today"
    assert status_of(visit.daily_log) == "open"
    resp = client.get(f"/review/days/{visit.daily_log_id}/submit")
    assert resp.headers["Location"] == day_path(visit.daily_log)
    assert status_of(visit.daily_log) == "open"


def test_after_a_reopen_the_words_fit_and_only_returned_visits_are_badged(
    client, world, login_as, submitted, make_resident, make_visit
):
    """Reopening an approved day is not a return of its visits, nor of a visit added after."""
    set_status(submitted, "approved")
    login_as(world.secretary_a)
    resp = client.post(f"/review/days/{submitted.id}/reopen", data={"reason": "日期有误"})
    assert resp.status_code == 303
    before = db.session.scalar(sa.select(Visit).where(Visit.daily_log_id == submitted.id))
    log = db.session.get(DailyLog, submitted.id)
    later = log.reviewed_at + timedelta(seconds=1)
    after = make_visit(resident=make_resident(name="新走访"), created_at=later)
    login_as(world.worker_a)
    today = client.get("/today", headers=EN).text
    assert "Returned" not in today
    assert "Please change and resubmit:" in today
    assert "日期有误" in today
    zh = client.get("/today").text
    assert "已退回" not in zh
    assert "请修改后重新提交" in zh

    def badge(visit) -> tuple[str, ...]:
        page = client.get(f"/visits/{visit.id}", headers=EN).text
        return re.search(r'class="status status-(\w+)">([^<]*)<', page).groups()

    assert badge(before) == ("returned", "Back for changes")
    assert badge(after) == ("open", "Not submitted")
