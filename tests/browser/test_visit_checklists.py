"""A visit's checklists on the phone: a blank one opened by a tap is discarded, a finished one
reads as its result and is checked again only on purpose; and a visit of a returned day leads
back to the day after an edit (walk: a second blank fire checklist that could not be removed;
no way back to the returned Dec 4 but through Today)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import DailyLog, Screening, Visit
from app.timeutil import local_today
from tests.browser.conftest import Walk, fresh_scalar, login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

SCREENINGS = sa.select(sa.func.count(Screening.id))


def test_a_blank_checklist_is_discarded_and_a_finished_one_reads_as_its_result(
    page, world, make_resident, make_visit, shoot
):
    visit = make_visit(resident=make_resident(name="杨国华"), purpose="screening")
    login(page, "worker_a", PASSWORD)
    walk = Walk(page)
    page.goto(page.base_url + f"/visits/{visit.id}")
    walk.tap(page.locator("#start-screening >> text=消防安全"))
    page.wait_for_selector("#screening-summary")
    assert "误点开的？" in page.locator("#screening-discard").inner_text()
    shoot(page, "1-blank-checklist")

    # Out of the checklist, the visit says what it is and offers to discard it there too.
    page.goto(page.base_url + f"/visits/{visit.id}")
    row = page.locator("#visit-screenings li").first
    assert "已开始，还没有勾选任何一项" in row.inner_text()
    shoot(page, "2-visit-blank-checklist")
    walk.tap_and_confirm(row.locator(".discard-screening button"))
    page.wait_for_selector("text=已放弃这次排查。")
    assert walk.asked == ["放弃这次“消防安全”？其中还没有勾选任何一项。"]
    assert fresh_scalar(SCREENINGS) == 0
    assert page.locator("#visit-screenings li").count() == 0

    # Begun again, answered and finished: the visit shows the result in its place.
    walk.tap(page.locator("#start-screening >> text=消防安全"))
    page.wait_for_selector("#screening-summary")
    walk.tap(page.locator("#remaining-ok button"))
    page.wait_for_selector("#finish-screening")
    walk.tap(page.locator("#finish-screening button"))
    page.wait_for_selector("#visit-screenings .status-verified")
    row = page.locator("#visit-screenings li").first
    assert "消防安全" in row.inner_text()
    assert "未发现隐患" in row.inner_text()
    assert page.locator("#start-screening >> text=消防安全").count() == 0
    shoot(page, "3-visit-finished")

    # "Check again" asks first; saying no starts nothing.
    asked = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    row.locator(".check-again button").click()
    assert asked == ["这次走访已查过“消防安全”。要再查一次（另开一份新的检查表）吗？"]

    # The result is one tap away.
    walk.tap(row.locator("a.row"))
    page.wait_for_selector("#screening-summary")
    assert page.locator("#screening-discard form").count() == 0

    page.context.set_extra_http_headers({"Accept-Language": "en"})
    page.goto(page.base_url + f"/visits/{visit.id}")
    assert "no hazards found" in page.locator("#visit-screenings li").first.inner_text()
    shoot(page, "4-visit-finished-en")
    # The "check again" said no to began nothing (counted after two more pages: a start it had
    # sent would have been saved by now).
    assert fresh_scalar(SCREENINGS) == 1
    assert page.js_errors == []


def test_a_blank_checklist_with_answers_waiting_on_the_phone_is_not_discarded(
    page, world, make_resident, make_visit
):
    """Answers tapped without signal wait in the outbox: discarding the checklist they are
    for would leave them nowhere to land."""
    visit = make_visit(resident=make_resident(name="杨国华"), purpose="screening")
    login(page, "worker_a", PASSWORD)
    page.goto(page.base_url + f"/visits/{visit.id}")
    page.locator("#start-screening >> text=消防安全").click()
    page.wait_for_selector("#screening-discard form")
    screening = fresh_scalar(sa.select(Screening))
    page.wait_for_function("() => window.gridbookOutbox && window.gridbookOutbox.page")
    page.evaluate(
        """([url, user]) => window.gridbookOutbox.put({
             id: "waiting-answer", user: user, created: Date.now(), url: url, method: "POST",
             fields: [], label: "", page: "/", target: null, edit: [], opens: null,
             htmx: true, status: "refused", reason: "test"})""",
        [
            f"/screening/u/{screening.uuid}/items/1",
            page.locator("[data-outbox-user]").get_attribute("data-outbox-user"),
        ],
    )
    page.once("dialog", lambda d: d.accept())
    page.locator("#screening-discard button").click()
    page.wait_for_selector(".toast >> text=这份检查表的答案还在手机里等待发送")
    assert fresh_scalar(SCREENINGS) == 1


def test_after_editing_a_visit_of_a_returned_day_the_way_back_is_to_the_day(
    page, world, make_resident, make_visit, shoot
):
    day = local_today() - timedelta(days=2)
    visit = make_visit(resident=make_resident(name="谢超"), day=day, summary="走访了解家庭情况")
    log = db.session.get(DailyLog, visit.daily_log_id)
    log.status, log.comment = "returned", "第2次走访没写居民情况，补上后重新提交。"
    db.session.commit()
    login(page, "worker_a", PASSWORD)
    walk = Walk(page)
    page.goto(page.base_url + "/today")
    walk.tap(page.locator(".returned-days a").first)
    walk.tap(page.locator(f"#day-visit-{visit.id} h3 a"))
    walk.tap(page.locator(f"#visit-{visit.id} a[href*='/edit']"))
    walk.type(page.locator("textarea[name=summary]"), "走访了解家庭情况，居民身体很好。")
    walk.tap(page.locator("#visit-edit-form button[type=submit]"))
    page.wait_for_selector("text=已保存")
    back = page.locator(".back-to-day a")
    assert back.inner_text() == f"← 返回{day.year}年{day.month}月{day.day}日的工作日志"
    shoot(page, "1-visit-edited")
    walk.tap(back)
    page.wait_for_selector(".submit-day")
    shoot(page, "2-back-on-the-day")
    walk.tap(page.locator(".submit-day"))
    page.wait_for_selector(f"#log-{log.id}.log-submitted")
    assert fresh_scalar(sa.select(DailyLog.status).where(DailyLog.id == log.id)) == "submitted"
    assert page.js_errors == []


def test_an_elderly_care_visit_offers_the_welfare_check_only_and_opens_it(
    page, world, make_resident, shoot
):
    """Walk of a tester: the welfare check was only offered under "hazard screening"."""
    resident = make_resident(name="孙桂兰", care=("elderly_alone",))
    login(page, "worker_a", PASSWORD)
    walk = Walk(page)
    page.goto(page.base_url + f"/residents/{resident.id}")
    walk.tap(page.locator("#visit-form-slot a"))
    page.wait_for_selector("#visit-form")
    hazard = page.locator("#visit-form .checklist-choice[data-purpose=screening]")
    welfare = page.locator("#visit-form .checklist-choice[data-purpose=elderly_care]")
    assert not hazard.is_visible()
    assert not welfare.is_visible()

    # Screening first (its first checklist chosen), then the purpose the visit really has.
    walk.tap(page.locator("label.chip:has(input[name=purpose][value=screening])"))
    assert hazard.is_visible()
    assert "独居老人探访" not in hazard.inner_text()
    walk.tap(page.locator("label.chip:has(input[name=purpose][value=elderly_care])"))
    assert not hazard.is_visible()
    assert welfare.is_visible()
    shown = page.locator("#visit-form .checklist-choice label.chip:visible")
    assert shown.all_inner_texts() == ["不填表", "独居老人探访"]
    # Not assumed: most elderly-care visits are a call or an errand.
    assert welfare.locator("input:checked").get_attribute("value") == ""
    walk.tap(welfare.locator("label.chip", has_text="独居老人探访"))
    walk.tap(page.locator("label.chip:has(input[name=outcome][value=done])"))
    shoot(page, "1-elderly-care-visit-form")
    walk.tap(page.locator("#visit-form button[type=submit]"))

    page.wait_for_selector("#screening-summary")
    assert "独居老人探访" in page.locator("h1").inner_text()
    shoot(page, "2-welfare-checklist")
    screening = fresh_scalar(sa.select(Screening))
    assert screening.template.code == "elderly"
    assert fresh_scalar(sa.select(Visit.purpose)) == "elderly_care"
    assert page.js_errors == []
