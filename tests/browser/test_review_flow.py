"""A worker's day through review on phones: submit, returned, fixed, resubmitted, approved."""

import re

import pytest

from app.extensions import db
from tests.browser.conftest import login, phone_page
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def secretary_page(browser, live_server):
    with phone_page(browser, live_server.url) as pg:
        yield pg


def test_submit_return_fix_resubmit_approve_lock(
    page, secretary_page, world, make_resident, make_visit, shoot
):
    visit = make_visit(resident=make_resident(name="李奶奶"), summary="量了血压")
    log_id = visit.daily_log_id
    worker, sec = page, secretary_page
    # Submitting and approving a day ask first, naming the day's counts (issue 13).
    asked: list[str] = []
    for pg in (worker, sec):
        pg.on("dialog", lambda d: (asked.append(d.message), d.accept()))

    # The worker submits today's log from Today; the status swaps in place.
    login(worker, "worker_a", PASSWORD)
    worker.click("#submit-today button")
    worker.wait_for_selector("#daylog-status .status-submitted")
    assert worker.locator("#submit-today").count() == 0
    assert asked == ["提交今日日志（共 1 次走访）送审？"]
    shoot(worker, "1-worker-submitted")

    # The secretary returns it with a comment; the row changes in place, a toast confirms.
    login(sec, "secretary_a", PASSWORD)
    row = sec.locator(f"#log-{log_id}")
    assert "1" in sec.locator("#review-count").inner_text()
    row.locator("details.return summary").click()
    row.locator("textarea[name=comment]").fill("请补充血压数值")
    row.locator("details.return button[type=submit]").click()
    sec.wait_for_selector(f"#log-{log_id}.log-returned")
    sec.wait_for_selector(".toast")
    assert "0" in sec.locator("#review-count").inner_text()
    shoot(sec, "2-secretary-returned")

    # The worker sees the comment on Today, opens the day, fixes the visit, resubmits.
    worker.goto(worker.base_url + "/today")
    assert "请补充血压数值" in worker.locator("#daylog-status").inner_text()
    shoot(worker, "3-worker-sees-comment")
    worker.click("#daylog-status .review-comment a")
    worker.wait_for_load_state("networkidle")
    assert re.search(r"/review/\d+/\d{4}-\d{2}-\d{2}$", worker.url)
    worker.click(f"#day-visit-{visit.id} h3 a")
    worker.click(f"a[href^='/visits/{visit.id}/edit']")
    worker.fill("textarea[name=summary]", "量了血压 135/85")
    worker.click("#visit-edit-form button[type=submit]")
    worker.wait_for_load_state("networkidle")
    assert "135/85" in worker.locator(f"#visit-{visit.id}").inner_text()
    worker.goto(worker.base_url + "/today")
    worker.click("#submit-today button")
    worker.wait_for_selector("#daylog-status .status-submitted")

    # The secretary sees it again and approves it.
    sec.goto(sec.base_url + "/review")
    row = sec.locator(f"#log-{log_id}")
    assert row.locator(".status-submitted").count() == 1
    row.locator("button.approve").click()
    sec.wait_for_selector(f"#log-{log_id}.log-approved")
    assert "走访 1 次" in asked[-1]
    assert "锁定" in asked[-1]
    assert "0" in sec.locator("#review-count").inner_text()
    shoot(sec, "4-secretary-approved")

    # The worker can no longer edit: no edit link, and the edit page refuses.
    worker.goto(worker.base_url + f"/visits/{visit.id}")
    assert worker.locator(f"a[href^='/visits/{visit.id}/edit']").count() == 0
    worker.goto(worker.base_url + f"/visits/{visit.id}/edit")
    assert worker.url.endswith(f"/visits/{visit.id}")
    assert worker.locator(".flash-error").count() == 1
    shoot(worker, "5-worker-locked")
    assert worker.js_errors == []
    assert sec.js_errors == []


def _open_submitted_day(sec, world, make_resident, make_visit):
    """A worker's day of one visit, submitted, opened by the secretary (who accepts every
    confirmation); its log id and its row on the page."""
    visit = make_visit(resident=make_resident(name="李奶奶"), summary="量了血压")
    visit.daily_log.status = "submitted"
    db.session.commit()
    sec.on("dialog", lambda d: d.accept())
    login(sec, "secretary_a", PASSWORD)
    sec.goto(sec.base_url + f"/review/{world.worker_a.id}/{visit.visited_on.isoformat()}")
    return visit.daily_log_id, sec.locator(f"#log-{visit.daily_log_id}")


def test_a_success_dismisses_the_error_toast_before_it(
    secretary_page, world, make_resident, make_visit, shoot
):
    """Returned with an empty comment (a red toast, 10 s), then approved: the red "not saved"
    goes with the green "approved", so the last word on screen is the one that holds (walk)."""
    sec = secretary_page
    log_id, row = _open_submitted_day(sec, world, make_resident, make_visit)
    row.locator("details.return summary").click()
    row.locator("details.return button[type=submit]").click()
    sec.wait_for_selector(".toast-error")
    row.locator("button.approve").click()
    sec.wait_for_selector(f"#log-{log_id}.log-approved")
    sec.wait_for_selector(".toast:not(.toast-error)")
    shoot(sec, "success-after-error")
    assert sec.locator(".toast-error").count() == 0
    assert sec.js_errors == []


# The gap between the toast and the closest bar under it, in px (negative: it overlaps).
GAP = """() => {
  const t = document.querySelector('#toasts .toast:last-child').getBoundingClientRect();
  const bars = [...document.querySelectorAll('.bottom-nav, .action-bar')]
    .filter(b => getComputedStyle(b).position === 'fixed' && b.getBoundingClientRect().height > 0)
    .map(b => b.getBoundingClientRect().top);
  return Math.min(...bars) - t.bottom;
}"""


def test_the_toast_sits_on_the_bar_the_page_has_once_the_answer_is_in(
    secretary_page, world, make_resident, make_visit, shoot
):
    """The toast was placed before the answer changed the page (walk of session 14): over
    Approve when a refused Return grew the bar, and floating over the list once an approval
    took the bar away."""
    sec = secretary_page
    log_id, row = _open_submitted_day(sec, world, make_resident, make_visit)
    row.locator("details.return summary").click()
    row.locator("details.return button[type=submit]").click()  # no comment: refused
    sec.wait_for_selector(".toast-error")
    sec.wait_for_timeout(300)  # the swap has settled
    assert 0 <= sec.evaluate(GAP) <= 16
    shoot(sec, "1-refused-return")

    row.locator("button.approve").click()
    sec.wait_for_selector(f"#log-{log_id}.log-approved")
    sec.wait_for_selector(".toast:not(.toast-error)")
    sec.wait_for_timeout(300)
    assert sec.locator(".action-bar").count() == 0 or not sec.locator(".action-bar").is_visible()
    assert 0 <= sec.evaluate(GAP) <= 16
    shoot(sec, "2-approved")
    assert sec.js_errors == []
