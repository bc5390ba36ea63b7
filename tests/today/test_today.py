"""The grid worker's Today page: visits, follow-ups, hazards due and today's log."""

from datetime import timedelta

from app.extensions import db
from app.timeutil import local_today

EN = {"Accept-Language": "en"}


def test_today_lists_visits_follow_ups_and_hazards(
    client, world, login_as, make_resident, make_visit, make_hazard
):
    r = make_resident(name="钱奶奶")
    make_visit(
        resident=r,
        day=local_today() - timedelta(days=3),
        follow_up_on=local_today() - timedelta(days=1),
    )
    other = make_resident(name="孙爷爷")
    make_visit(resident=other, summary="today")
    make_hazard(resident=other, due_on=local_today() - timedelta(days=2))
    login_as(world.worker_a)
    page = client.get("/today").text
    follow = page[page.index('id="today-follow-ups"') : page.index('id="today-hazards"')]
    assert "钱奶奶" in follow
    assert "孙爷爷" not in follow
    hazards = page[page.index('id="today-hazards"') : page.index('id="today-requests"')]
    assert "孙爷爷" in hazards
    visits = page[page.index('id="today-visits"') :]
    assert "孙爷爷" in visits


def test_follow_up_disappears_after_a_later_visit(
    client, world, login_as, make_resident, make_visit
):
    r = make_resident(name="钱奶奶")
    make_visit(resident=r, day=local_today() - timedelta(days=3), follow_up_on=local_today())
    make_visit(resident=r)
    login_as(world.worker_a)
    page = client.get("/today").text
    follow = page[page.index('id="today-follow-ups"') : page.index('id="today-hazards"')]
    assert "钱奶奶" not in follow


def test_today_shows_the_log_status_and_the_submit_form(
    client, world, login_as, make_resident, make_visit
):
    make_visit(resident=make_resident())
    login_as(world.worker_a)
    page = client.get("/today", headers=EN)
    assert 'id="daylog-status"' in page.text
    assert "Submit today&#39;s log" in page.text or "Submit today's log" in page.text
    assert "Not submitted" in page.text


def test_today_is_the_workers_page_only(client, world, login_as):
    for user in (world.secretary_a, world.township_user, world.admin):
        login_as(user)
        assert client.get("/today").status_code == 404


def test_a_returned_day_is_flagged_at_the_top_and_submitting_sits_at_the_bottom(
    client, world, login_as, make_visit, make_resident
):
    make_visit(resident=make_resident())
    old = make_visit(resident=make_resident(), day=local_today() - timedelta(days=1))
    login_as(world.worker_a)
    page = client.get("/today").text
    page = page[page.index("<main") :]
    assert 'id="returned-notice"' not in page
    assert page.index('href="/residents"') < page.index('id="today-visits"')
    assert page.index('id="today-visits"') < page.index('id="submit-today"')
    assert "data-confirm=" in page[page.index('id="submit-today"') :].split(">")[0]
    old.daily_log.status = "returned"
    old.daily_log.comment = "缺少入户照片"
    db.session.commit()
    page = client.get("/today").text
    page = page[page.index("<main") :]
    assert page.index('id="returned-notice"') < page.index('href="/residents"')
