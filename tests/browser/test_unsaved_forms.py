"""What was typed and not saved is not dropped without a question (the walk of session 23: a
visit form given back with its errors, reloaded, came back empty). The browser asks before
the page goes (its own "leave site?" question); a saved form, an untouched one, one typed
and put back as it was, and the login page go without a question."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.models import Visit
from tests.browser.conftest import fresh_scalar, login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

TODAY_LINK = "#bottom-nav a[href$='/today']"


def _asked(page):
    """Dialogs the page raises, each answered Stay (dismissed); the list of their types."""
    asked: list[str] = []

    def stay(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    return asked, stay


def test_typing_then_leaving_asks_and_stay_keeps_it(page, world, make_resident, shoot):
    r = make_resident(name="沈桂兰")
    login(page, "worker_a", PASSWORD)
    form_url = f"{page.base_url}/visits/new?resident={r.id}"
    page.goto(form_url)
    page.fill("textarea[name=summary]", "门口台阶松动，约了物业周五来修")
    asked, stay = _asked(page)

    page.click(TODAY_LINK)
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    assert page.url == form_url
    assert page.input_value("textarea[name=summary]") == "门口台阶松动，约了物业周五来修"

    # Leave anyway: the browser's question answered Leave.
    page.remove_listener("dialog", stay)
    page.once("dialog", lambda d: d.accept())
    with page.expect_navigation():
        page.click(TODAY_LINK)
    assert page.url.endswith("/today")
    assert page.js_errors == []


def test_a_form_given_back_with_its_errors_asks_before_a_reload(page, world, make_resident, shoot):
    r = make_resident(name="沈桂兰")
    login(page, "worker_a", PASSWORD)
    page.goto(f"{page.base_url}/visits/new?resident={r.id}")
    form = page.locator("#visit-form")
    form.locator("input[name=purpose][value=elderly_care]").check()
    typed = "老人说最近头晕，建议去社区医院"
    form.locator("textarea[name=summary]").fill(typed)
    # No outcome chosen: the server gives the form back with its reason.
    form.locator("button[type=submit]").click()
    expect(page.locator("#visit-form .error").first).to_be_visible()
    shoot(page, "given-back")
    asked, _stay = _asked(page)

    page.evaluate("() => { setTimeout(() => location.reload(), 0); }")
    page.wait_for_timeout(800)
    assert asked == ["beforeunload"]
    assert page.input_value("#visit-form textarea[name=summary]") == typed
    assert fresh_scalar(sa.select(sa.func.count()).select_from(Visit)) == 0
    assert page.js_errors == []


def test_a_save_the_server_failed_keeps_asking(page_without_worker, world, make_resident):
    """The walk: a save answered 500 kept the note on the page, and a link then dropped it.
    (No service worker: the route below stands for the server.)"""
    page = page_without_worker
    r = make_resident(name="沈桂兰")
    login(page, "worker_a", PASSWORD)
    page.goto(f"{page.base_url}/visits/new?resident={r.id}")
    form = page.locator("#visit-form")
    form.locator("input[name=purpose][value=elderly_care]").check()
    form.locator("textarea[name=summary]").fill("血压偏高，下周再来")
    form.locator("input[name=outcome][value=done]").check()

    def broken(route):
        if route.request.method == "POST":
            route.fulfill(status=500, body="")
        else:
            route.continue_()

    page.route("**/visits", broken)
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".toast-error")
    page.unroute("**/visits")
    asked, _stay = _asked(page)
    page.click(TODAY_LINK)
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    assert page.input_value("#visit-form textarea[name=summary]") == "血压偏高，下周再来"


def test_a_form_sent_empty_and_given_back_leaves_without_a_question(page, world, make_resident):
    """The walk: Save on an untouched visit form, then a link, asked about typing (the day the
    page fills in itself was taken for it)."""
    r = make_resident(name="沈桂兰")
    login(page, "worker_a", PASSWORD)
    page.goto(f"{page.base_url}/visits/new?resident={r.id}")
    page.locator("#visit-form button[type=submit]").click()
    expect(page.locator("#visit-form .error").first).to_be_visible()
    asked, _stay = _asked(page)
    with page.expect_navigation():
        page.click(TODAY_LINK)
    assert asked == []


def test_saved_untouched_and_put_back_forms_leave_without_a_question(page, world, make_resident):
    r = make_resident(name="沈桂兰")
    login(page, "worker_a", PASSWORD)
    asked, _stay = _asked(page)
    form_url = f"{page.base_url}/visits/new?resident={r.id}"

    # Untouched.
    page.goto(form_url)
    with page.expect_navigation():
        page.click(TODAY_LINK)

    # Typed, then rubbed out: as the page gave it.
    page.goto(form_url)
    page.fill("textarea[name=summary]", "写错了")
    page.fill("textarea[name=summary]", "")
    with page.expect_navigation():
        page.click(TODAY_LINK)

    # Saved: the visit's own page, then on to Today.
    page.goto(form_url)
    form = page.locator("#visit-form")
    form.locator("input[name=purpose][value=elderly_care]").check()
    form.locator("textarea[name=summary]").fill("一切正常")
    form.locator("input[name=outcome][value=done]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/visits/\d+$"))
    with page.expect_navigation():
        page.click(TODAY_LINK)
    assert asked == []
    assert page.js_errors == []


def test_a_refused_login_leaves_without_a_question(page, world):
    page.goto(page.base_url + "/login")
    page.fill("input[name=username]", "worker_a")
    page.click("#login button[type=submit]")
    expect(page.locator("#login [aria-invalid=true]").first).to_be_attached()
    asked, _stay = _asked(page)
    page.fill("input[name=username]", "worker_b")
    # (A reload would send the refused login again: the browser's other question.)
    with page.expect_navigation():
        page.evaluate("() => { location.href = '/login'; }")
    assert asked == []
