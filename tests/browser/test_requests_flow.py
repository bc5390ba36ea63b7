"""A resident's request walked on a phone: registered by the worker, decided by the secretary,
answered, and kept open while the resident may still ask for a review."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, logout
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _step(page, slug: str, fields: dict | None = None) -> None:
    """Open a step on the request card, fill it in and send it (htmx swaps the card)."""
    step = page.locator(f"#step-{slug}")
    if step.get_attribute("open") is None:
        step.locator("summary").click()
    for selector, value in (fields or {}).items():
        step.locator(selector).fill(value)
    with page.expect_response(lambda r: r.url.endswith(f"/{slug}") and r.status == 200):
        step.locator("button[type=submit]").click()
    # htmx settles attributes of elements with stable ids a moment after the swap.
    expect(page.locator(".htmx-settling")).to_have_count(0)


def test_request_from_registration_to_the_review_window(page, app, world, make_resident, shoot):
    resident = make_resident(name="陈阿姨")
    login(page, "worker_a", PASSWORD)
    if "residents.show" in app.view_functions:
        page.goto(page.base_url + f"/residents/{resident.id}")
        page.click(f'a[href="/requests/new?resident={resident.id}"]')
    else:
        page.goto(page.base_url + f"/requests/new?resident={resident.id}")
    page.wait_for_load_state("networkidle")
    page.select_option("#channel", "walk_in")
    page.select_option("#category", "R05")
    page.fill("#summary", "楼道漏水，已经两周。")
    shoot(page, "1-register")
    page.click("#request-form button[type=submit]")
    page.wait_for_url(re.compile(r"/requests/\d+$"))
    request_path = page.url.removeprefix(page.base_url)
    expect(page.locator("#request-track")).to_have_class(re.compile("track-community"))
    expect(page.locator("#request-clock .due")).to_be_visible()
    shoot(page, "2-registered")

    # The secretary makes it a formal letters-and-visits matter and accepts it.
    logout(page)
    login(page, "secretary_a", PASSWORD)
    page.goto(page.base_url + request_path)
    _step(page, "formal")
    expect(page.locator("#request-track")).to_have_class(re.compile("track-formal"))
    expect(page.locator("#step-accept")).to_be_visible()
    _step(page, "accept")
    expect(page.locator("#request-status")).to_have_class(re.compile("status-accepted"))
    expect(page.locator("#notice-acceptance")).to_be_visible()
    expect(page.locator("#request-clock .due-green")).to_be_visible()
    shoot(page, "3-accepted")

    # The reply is recorded; the resident's right to a review appears.
    _step(page, "reply", {"textarea": "已联系物业，本周五维修完毕。"})
    expect(page.locator("#notice-review")).to_be_visible()
    expect(page.locator("#request-timeline")).to_contain_text("已联系物业")
    shoot(page, "4-replied")

    # The worker's follow-up visit cannot close a formal matter while the resident may still
    # ask for a review (Art. 35): the page says until when, and offers no closing step.
    logout(page)
    login(page, "worker_a", PASSWORD)
    page.goto(page.base_url + request_path)
    expect(page.locator("#request-review")).to_be_visible()
    expect(page.locator("#step-follow-up")).to_have_count(0)
    expect(page.locator("#request-status")).to_have_class(re.compile("status-replied"))
    expect(page.locator("#request-timeline li")).to_have_count(4)
    shoot(page, "5-review-window")
    assert page.js_errors == []


def test_a_deadline_in_a_year_without_holidays_is_explained_within_the_phone(
    page, app, world, make_request, monkeypatch
):
    """The walk: the explanation under a 2027 deadline did not wrap (a badge's style), and the
    request page grew to 788 px, the bottom bar out of sight."""
    from datetime import timedelta

    from app.requests import routes as request_routes
    from app.timeutil import local_today

    monkeypatch.setattr(request_routes, "has_schedule", lambda year: False)
    app.config["REQUEST_WORKING_DAY_ROLLOVER"] = True
    today = local_today()
    req = make_request(
        grid=world.a1,
        track="formal",
        status="accepted",
        received_on=today - timedelta(days=3),
        accepted_on=today,
    )
    login(page, "secretary_a", PASSWORD)
    page.goto(f"{page.base_url}/requests/{req.id}")
    expect(page.locator("#clock-unscheduled")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator("#clock-unscheduled").bounding_box()
    assert box["x"] + box["width"] <= 390
    assert page.js_errors == []
