"""A form sent back refused is scrolled to its first refused field (walk: a visit moved onto
an approved day came back at the top of the page, its reason out of sight under the phone's
bottom bar)."""

from datetime import timedelta

import pytest

from app.timeutil import local_today
from tests.browser.conftest import login, phone_page
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_a_refused_visit_date_is_shown_with_its_reason(
    browser, live_server, world, make_resident, make_visit, make_daily_log
):
    approved = local_today() - timedelta(days=2)
    make_daily_log(day=approved, status="approved")
    visit = make_visit(resident=make_resident(name="王秀英"))
    with phone_page(browser, live_server.url) as pg:
        login(pg, "worker_a", PASSWORD)
        pg.goto(f"{pg.base_url}/visits/{visit.id}/edit")
        pg.fill("input[name=visited_on]", approved.isoformat())
        pg.locator("form:has(textarea[name=summary]) button[type=submit]").first.click()
        pg.wait_for_selector('input[name=visited_on][aria-invalid="true"]')
        # The reason is seen: in the window, and above the bottom bar that covers its foot.
        pg.wait_for_function(
            """() => {
                const reason = [...document.querySelectorAll('.error')].find(
                    e => e.textContent.includes('的日志已审核通过，走访不能移到这一天'));
                const r = reason.getBoundingClientRect();
                const bar = document.getElementById('bottom-nav').getBoundingClientRect();
                return r.top >= 0 && r.bottom <= bar.top;
            }""",
            timeout=5_000,
        )
