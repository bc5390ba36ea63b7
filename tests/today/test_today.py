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


def _follow_ups(client) -> str:
    page = client.get("/today").text
    return page[page.index('id="today-follow-ups"') : page.index('id="today-hazards"')]


def test_a_follow_up_for_today_is_answered_by_a_second_visit_that_day(
    client, world, login_as, make_resident
):
    """The form allows a follow-up on the visit's own day ("come back this afternoon"): the
    second visit that day answers it, and one before it does not."""
    from tests.visits.test_visits import _visit_data

    r = make_resident(name="钱奶奶")
    login_as(world.worker_a)
    today = local_today().isoformat()
    assert client.post("/visits", data=_visit_data(r)).status_code == 303
    assert "钱奶奶" not in _follow_ups(client)
    saved = client.post(
        "/visits", data=_visit_data(r, follow_up_on=today, outcome="needs_follow_up")
    )
    assert saved.status_code == 303
    assert "钱奶奶" in _follow_ups(client)  # the morning's visit came before it
    later = _visit_data(r, summary="下午来了，已送药")
    assert client.post("/visits", data=later).status_code == 303
    assert "钱奶奶" not in _follow_ups(client)


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


def _section(page: str, start: str, end: str) -> str:
    return page[page.index(f'id="{start}"') : page.index(f'id="{end}"')]


def test_long_lists_show_the_nearest_ten_with_the_true_count_and_a_link_to_all(
    client, world, login_as, make_resident, make_visit, make_hazard
):
    today = local_today()
    # 13 follow-ups due, days 1..13 ago; the nearest dates come first on Today.
    for n in range(1, 14):
        r = make_resident(name=f"回访{n:02d}")
        make_visit(resident=r, day=today - timedelta(days=20), follow_up_on=today - timedelta(n))
    # 12 hazards due (overdue or within 3 days), one not due yet, one reported.
    for n in range(12):
        make_hazard(resident=make_resident(name=f"隐患{n:02d}"), due_on=today - timedelta(n))
    make_hazard(resident=make_resident(name="隐患迟"), due_on=today + timedelta(days=10))
    make_hazard(
        resident=make_resident(name="隐患报"), due_on=today - timedelta(1), reported_on=today
    )
    db.session.commit()
    login_as(world.worker_a)
    page = client.get("/today", headers=EN).text

    follow = _section(page, "today-follow-ups", "today-hazards")
    assert '<span class="count">13</span>' in follow
    assert follow.count('<li><a class="row"') == 10
    assert "回访13" in follow
    assert "回访04" in follow
    assert "回访03" not in follow
    assert "All 13 follow-ups due" in follow
    hazards = _section(page, "today-hazards", "today-referrals")
    assert '<span class="count">12</span>' in hazards
    assert hazards.count('<li><a class="row"') == 10
    # The longest overdue first, in due order; the two due latest wait on the board.
    shown = [f"隐患{n:02d}" for n in range(11, 1, -1)]
    assert [hazards.index(name) for name in shown] == sorted(hazards.index(n) for n in shown)
    assert "隐患01" not in hazards
    assert "隐患00" not in hazards
    assert "隐患迟" not in hazards
    assert "隐患报" not in hazards
    assert "All 12 hazards due" in hazards

    every = client.get("/today/follow-ups", headers=EN)
    assert every.status_code == 200
    assert '<span class="count">13</span>' in every.text
    assert all(f"回访{n:02d}" in every.text for n in range(1, 14))
    board = client.get("/hazards?status=due", headers=EN).text
    assert all(f"隐患{n:02d}" in board for n in range(12))
    assert "隐患迟" not in board
    assert "隐患报" not in board


def test_short_lists_have_no_link_to_all(client, world, login_as, make_resident, make_visit):
    r = make_resident(name="钱奶奶")
    make_visit(resident=r, day=local_today() - timedelta(days=3), follow_up_on=local_today())
    db.session.commit()
    login_as(world.worker_a)
    page = client.get("/today").text
    assert 'id="follow-ups-more"' not in page
    assert 'id="hazards-more"' not in page
    assert '<span class="count">1</span>' in _section(page, "today-follow-ups", "today-hazards")


def test_follow_ups_page_pages_and_answers_htmx_with_its_rows(
    client, world, login_as, make_resident, make_visit
):
    from app.today.queries import FOLLOW_UPS_PER_PAGE

    today = local_today()
    for n in range(FOLLOW_UPS_PER_PAGE + 2):
        r = make_resident(name=f"回访{n:02d}")
        make_visit(resident=r, day=today - timedelta(days=40), follow_up_on=today - timedelta(n))
    # Another grid's follow-up is not the worker's.
    make_visit(
        resident=make_resident(grid=world.b1, name="别人的"),
        worker=world.worker_b,
        day=today - timedelta(days=40),
        follow_up_on=today,
    )
    db.session.commit()
    login_as(world.worker_a)
    first = client.get("/today/follow-ups")
    assert first.status_code == 200
    assert "HX-Request" in first.headers["Vary"]
    assert '<main class="container"' in first.text
    assert first.text.count('<li><a class="row"') == FOLLOW_UPS_PER_PAGE
    assert "别人的" not in first.text
    assert "/today/follow-ups?page=2" in first.text
    second = client.get("/today/follow-ups?page=2", headers={"HX-Request": "true"})
    assert second.status_code == 200
    assert "<main" not in second.text
    assert 'id="follow-up-rows-page-2"' in second.text
    assert second.text.count('<li><a class="row"') == 2


def test_follow_ups_page_is_the_workers_only(client, world, login_as):
    for user in (world.secretary_a, world.township_user, world.admin):
        login_as(user)
        assert client.get("/today/follow-ups").status_code == 404


def test_a_referral_still_only_referred_says_so_once_with_its_date(
    client, world, login_as, make_resident, make_visit
):
    """Not "Referred · referred Nov 11, 2026" (已转介 · 2026年11月11日 转介)."""
    import uuid

    from app.models import Referral

    today = local_today()
    for name, status in (("王树林", "referred"), ("张文华", "accepted")):
        v = make_visit(resident=make_resident(name=name))
        db.session.add(
            Referral(
                uuid=str(uuid.uuid4()),
                visit_id=v.id,
                grid_id=v.grid_id,
                resident_id=v.resident_id,
                service_code="elderly_services",
                note="助餐",
                referred_on=today - timedelta(days=25),
                follow_up_on=today,
                status=status,
                created_by_id=world.worker_a.id,
            )
        )
    db.session.commit()
    day = today - timedelta(days=25)
    login_as(world.worker_a)
    section = client.get("/today").text.split('id="today-referrals"')[1].split("</section>")[0]
    referred, accepted = section.split("王树林")[1], section.split("张文华")[1].split("</li>")[0]
    zh_day = f"{day.year}年{day.month}月{day.day}日"
    assert f"{zh_day}已转介" in referred.split("</li>")[0]
    assert "已转介 ·" not in section
    assert f"{zh_day} 转介" in accepted  # another status: the status, then when referred
    english = client.get("/today", headers=EN).text.split('id="today-referrals"')[1]
    en_day = f"{day:%b} {day.day}, {day.year}"
    assert f"Referred on {en_day}" in english.split("王树林")[1].split("</li>")[0]
    assert "Referred · referred" not in english
