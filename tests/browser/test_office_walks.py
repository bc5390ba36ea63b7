"""The office's two common walks, counted like the core loop: the secretary approves a worker's
day, the township exports last month's tallies. Both at 390x844 in zh."""

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import DailyLog
from app.timeutil import local_today
from tests.browser.conftest import IN_VIEW, Walk, fresh_scalar, login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

RECT = "e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }"


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _long_submitted_day(world, make_resident, make_visit, visits=8):
    """Worker A's day before yesterday: long enough that its page scrolls, and submitted."""
    day = local_today() - timedelta(days=2)
    for n in range(visits):
        make_visit(
            resident=make_resident(name=f"居民{n}"),
            day=day,
            summary="入户走访，了解老人近况，检查燃气灶和电动车充电位置，一切正常。" * 2,
        )
    log = fresh_scalar(sa.select(DailyLog).where(DailyLog.day == day))
    db.session.execute(sa.update(DailyLog).where(DailyLog.id == log.id).values(status="submitted"))
    db.session.commit()
    # A newer day still open: it must come after the one waiting for a decision.
    make_visit(resident=make_resident(name="新居民", grid=world.a2), worker=world.worker_a2)
    return log


def test_secretary_approves_a_day_in_three_taps_without_scrolling(
    page, world, make_resident, make_visit, shoot
):
    log = _long_submitted_day(world, make_resident, make_visit)
    login(page, "secretary_a", PASSWORD)
    assert page.url.endswith("/review")
    rows = page.locator("#log-rows article.log-row")
    assert rows.first.get_attribute("id") == f"log-{log.id}"  # submitted before open
    opener = page.locator(f"#log-{log.id} a.log-open")
    box = opener.bounding_box()
    assert box["height"] >= 44
    assert box["width"] >= 200
    shoot(page, "1-queue")

    walk = Walk(page)
    started = time.monotonic()
    walk.tap(opener)
    page.wait_for_selector("#day-visits")
    # The day page has no tick box (it did nothing there) and keeps its bar at the bottom.
    assert page.locator(f"#log-{log.id} input[type=checkbox]").count() == 0
    assert page.evaluate("document.documentElement.scrollHeight") > 2 * 844
    # The heading sits under the way back, not a blank line lower (Pico's heading margin).
    back = page.locator("main .link-line").evaluate(RECT)
    heading = page.locator("main h1").evaluate(RECT)
    assert 0 <= heading[1] - back[3] <= 16
    approve = page.locator(".action-bar button.approve")
    assert approve.evaluate(IN_VIEW)
    shoot(page, "2-day")
    page.mouse.wheel(0, 5000)
    page.wait_for_timeout(100)
    assert approve.evaluate(IN_VIEW)  # still reachable at the bottom of a long day
    assert page.locator(".action-bar details.return summary").evaluate(IN_VIEW)
    page.mouse.wheel(0, -5000)

    walk.tap_and_confirm(approve)
    page.wait_for_selector(f"#log-{log.id}.log-approved")
    page.wait_for_selector(".toast")
    elapsed = time.monotonic() - started
    # The toast stays clear of the bottom navigation and its buttons.
    toast = page.locator(".toast").first.evaluate(RECT)
    assert not _overlap(toast, page.locator("#bottom-nav").evaluate(RECT))
    shoot(page, "3-approved")

    print(
        f"\nsecretary approval: {walk.taps} taps, {walk.texts} text entries, "
        f"{walk.scrolls} scrolls, {elapsed:.1f} s"
    )
    assert walk.asked
    assert "走访 8 次" in walk.asked[0]
    assert (walk.taps, walk.texts, walk.scrolls) == (3, 0, 0)
    assert fresh_scalar(sa.select(DailyLog.status).where(DailyLog.id == log.id)) == "approved"
    assert page.js_errors == []


def test_approve_ticked_days_says_when_none_is_ticked(
    page, world, make_resident, make_visit, shoot
):
    log = _long_submitted_day(world, make_resident, make_visit, visits=1)
    login(page, "secretary_a", PASSWORD)
    asked: list[str] = []
    page.on("dialog", lambda d: (asked.append(d.message), d.dismiss()))

    page.click("#approve-many button")
    page.wait_for_selector(".toast-error >> text=请勾选要审核通过的日志。")
    assert asked == []
    assert page.url.endswith("/review")
    shoot(page, "none-ticked")

    tick = page.locator(f"#log-{log.id} label.tick")
    box = tick.bounding_box()
    assert box["width"] >= 44
    assert box["height"] >= 44
    tick.click()
    assert page.locator(f"#log-{log.id} input[type=checkbox]").is_checked()
    page.click("#approve-many button")
    page.wait_for_timeout(200)
    assert asked == ["确定审核通过所有勾选的日志吗？通过后记录将被锁定。"]
    assert fresh_scalar(sa.select(DailyLog.status).where(DailyLog.id == log.id)) == "submitted"


def test_a_return_comment_keeps_its_line_breaks_and_stays_text(
    page, world, make_resident, make_visit, shoot
):
    log = _long_submitted_day(world, make_resident, make_visit, visits=1)
    comment = "第2条走访缺少照片，请补充。\n另外请核对时间。<b>x</b>"
    db.session.execute(
        sa.update(DailyLog).where(DailyLog.id == log.id).values(status="returned", comment=comment)
    )
    db.session.commit()
    login(page, "secretary_a", PASSWORD)
    page.goto(page.base_url + f"/review/{log.worker_id}/{log.day.isoformat()}")
    shown = page.locator(".review-comment").first
    text = shown.inner_text()
    assert "请补充。\n另外请核对时间。<b>x</b>" in text
    assert shown.locator("b").count() == 0
    shoot(page, "return-comment-lines")


def test_township_exports_last_month_in_two_taps(page, world, make_resident, make_visit, shoot):
    make_visit(resident=make_resident(), day=local_today().replace(day=1) - timedelta(days=3))
    login(page, "township_1", PASSWORD)
    assert "/tallies" in page.url
    walk = Walk(page)
    started = time.monotonic()

    last_month = page.locator(".tally-presets button[value=last_month]")
    walk.tap(last_month)
    page.wait_for_selector(".tally-presets button[value=last_month][aria-pressed=true]")
    # The chosen period looks chosen: filled, where the others are outlined.
    background = "e => getComputedStyle(e).backgroundColor"
    chosen = page.locator(".tally-presets button[aria-pressed=true]").evaluate(background)
    other = page.locator(".tally-presets button[value=month]").evaluate(background)
    assert chosen != other
    shoot(page, "1-last-month")

    with page.expect_download() as download:
        walk.tap(page.locator(".tally-exports a", has_text="Excel"))
    elapsed = time.monotonic() - started
    name = download.value.suggested_filename
    print(
        f"\ntownship export: {walk.taps} taps, {walk.texts} text entries, "
        f"{walk.scrolls} scrolls, {elapsed:.1f} s ({name})"
    )
    assert name.endswith(".xlsx")
    assert (walk.taps, walk.texts, walk.scrolls) == (2, 0, 0)
    assert page.js_errors == []
