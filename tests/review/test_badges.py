"""Counts on the bottom navigation: what waits for the worker and for the secretary."""

import re
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import DailyLog
from app.review.badges import badge_counts
from app.timeutil import local_today


def nav_badges(html: str) -> dict[str, str]:
    nav = re.search(r'<nav class="bottom-nav".*?</nav>', html, re.S).group(0)
    return dict(
        re.findall(
            r'href="/(\w+)[^"]*"[^>]*>\s*<span class="nav-label">[^<]*</span>\s*'
            r'<span class="badge">(\d+)</span>',
            nav,
        )
    )


def _status(log, status):
    db.session.execute(sa.update(DailyLog).where(DailyLog.id == log.id).values(status=status))
    db.session.commit()


def test_worker_sees_returned_days_and_hazards_due(
    client, world, login_as, make_visit, make_resident, make_hazard
):
    r = make_resident()
    today = local_today()
    returned = make_visit(resident=r, day=today - timedelta(days=1)).daily_log
    _status(returned, "returned")
    make_hazard(resident=r, due_on=today - timedelta(days=2))  # overdue
    make_hazard(resident=r, due_on=today)  # due today
    make_hazard(resident=r, due_on=today + timedelta(days=3))  # due soon: on Today's list too
    make_hazard(resident=r, due_on=today + timedelta(days=5))  # not yet
    make_hazard(resident=r, due_on=today - timedelta(days=1), status="rectified")
    other = make_resident(grid=world.a2)
    make_hazard(
        resident=other,
        visit=make_visit(resident=other, worker=world.worker_a2),
        due_on=today - timedelta(days=3),
    )  # not hers
    login_as(world.worker_a)
    assert nav_badges(client.get("/today").text) == {"today": "1", "hazards": "3"}


def test_secretary_sees_days_waiting_and_overdue_hazards(
    client, world, login_as, make_visit, make_resident, make_hazard
):
    today = local_today()
    r = make_resident()
    for n in range(2):
        _status(make_visit(resident=r, day=today - timedelta(days=n)).daily_log, "submitted")
    rb = make_resident(grid=world.b1)
    _status(make_visit(resident=rb, worker=world.worker_b).daily_log, "submitted")
    make_hazard(resident=r, due_on=today - timedelta(days=1))
    make_hazard(resident=r, due_on=today)  # due, not overdue
    login_as(world.secretary_a)
    assert nav_badges(client.get("/review").text) == {"review": "2", "hazards": "1"}


def test_badges_cost_one_query_and_none_on_fragments(
    app, client, world, login_as, make_visit, make_resident, count_queries
):
    make_visit(resident=make_resident())
    worker = world.worker_a
    assert worker.role == "worker"  # loaded before counting
    with app.test_request_context(), count_queries() as n:
        badge_counts(worker)
    assert n.count == 1
    login_as(world.secretary_a)
    client.get("/review")
    with count_queries() as page:
        client.get("/review")
    with count_queries() as fragment:
        client.get("/review", htmx=True)
    assert page.count - fragment.count == 1


def test_no_badges_when_nothing_waits(client, world, login_as):
    login_as(world.worker_a)
    assert nav_badges(client.get("/today").text) == {}


def test_an_earlier_day_never_submitted_is_on_today_until_it_is(
    client, world, login_as, make_visit, make_resident
):
    """The walk: a visit moved to the day before landed in a log nobody submitted, and
    Today offered to submit only today's. The secretary saw it as not submitted."""
    r = make_resident()
    today = local_today()
    make_visit(resident=r, day=today - timedelta(days=40))  # over a month ago: the secretary's
    old = make_visit(resident=r, day=today - timedelta(days=3)).daily_log
    newer = make_visit(resident=r, day=today - timedelta(days=1)).daily_log
    make_visit(resident=r, day=today)  # today's own: offered below, not counted here
    login_as(world.worker_a)
    html = client.get("/today?lang=zh").text
    assert nav_badges(html) == {"today": "2"}
    notice = re.search(r'<p class="notice warning" id="unsubmitted-days">.*?</p>', html, re.S)[0]
    assert "之前有2天的走访日志没有提交。" in notice
    assert f'href="/review/{world.worker_a.id}/{newer.day.isoformat()}"' in notice

    page = client.get(f"/review/{world.worker_a.id}/{newer.day.isoformat()}")
    assert page.status_code == 200
    assert "submit-day" in page.text
    assert client.post(f"/review/days/{newer.id}/submit").status_code in (200, 303)
    html = client.get("/today?lang=en").text
    assert nav_badges(html) == {"today": "1"}
    assert "1 earlier day with visits was never submitted." in html
    assert f'/review/{world.worker_a.id}/{old.day.isoformat()}"' in html
    _status(old, "submitted")
    html = client.get("/today").text
    assert "unsubmitted-days" not in html
    assert nav_badges(html) == {}
