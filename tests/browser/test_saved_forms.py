"""Where a saved form lands, and Back then Save after it (walk of session 9): the visit form
on its own page opens the saved visit, inside a resident's page it adds to the timeline; a
request or a visit saved, then Back (its page fetched anew, what was typed put back), then
Save again is one record, not two."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.models import Request, Visit
from tests.browser.conftest import fresh_scalar, login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _count(model) -> int:
    return fresh_scalar(sa.select(sa.func.count()).select_from(model))


def _fill_visit(form, summary: str) -> None:
    form.locator("input[name=purpose][value=elderly_care]").check()
    form.locator("textarea[name=summary]").fill(summary)
    form.locator("input[name=outcome][value=done]").check()


def _save_visit_on_its_own_page(page, resident, summary: str) -> None:
    """worker_a saves a visit on /visits/new (opened directly) and is taken to it."""
    login(page, "worker_a", PASSWORD)
    page.goto(page.base_url + f"/visits/new?resident={resident.id}")
    form = page.locator("#visit-form")
    _fill_visit(form, summary)
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/visits/\d+$"))


def test_the_visit_form_on_its_own_page_opens_the_saved_visit(page, world, make_resident, shoot):
    """Walk: htmx was told to put the new entry in a timeline this page has not
    (htmx:targetError); the form stayed filled and its Save disabled for good."""
    r = make_resident(name="钱奶奶")
    _save_visit_on_its_own_page(page, r, "厨房水管漏水，已告知物业")
    visit = fresh_scalar(sa.select(Visit))
    assert page.url.endswith(f"/visits/{visit.id}")
    expect(page.locator("main")).to_contain_text("厨房水管漏水，已告知物业")
    shoot(page, "saved")
    assert page.js_errors == []


def test_the_visit_form_in_a_residents_page_adds_to_its_timeline(page, world, make_resident):
    r = make_resident(name="钱奶奶")
    login(page, "worker_a", PASSWORD)
    page.goto(page.base_url + f"/residents/{r.id}")
    page.click("text=记录走访")
    form = page.locator("#visit-form")
    _fill_visit(form, "量了血压，一切正常")
    form.locator("button[type=submit]").click()
    expect(page.locator("#timeline-new > *").first).to_contain_text("量了血压，一切正常")
    assert page.url.endswith(f"/residents/{r.id}")
    expect(page.locator("#visit-form")).to_have_count(0)  # folded back into its button
    assert _count(Visit) == 1
    assert page.js_errors == []


def test_a_request_saved_then_back_then_save_again_is_one_request(
    page, world, make_resident, shoot
):
    """Walk: Back showed the form with what was typed but a new client UUID, and Save made a
    second request. Its first Save is refused here, so that the form Back brings back is the
    one htmx swapped in."""
    r = make_resident(name="陈阿姨")
    login(page, "worker_a", PASSWORD)
    page.goto(page.base_url + f"/requests/new?resident={r.id}")
    form = page.locator("#request-form")
    form.locator("select[name=category]").select_option("R18")
    form.locator("button[type=submit]").click()  # no summary: refused, the form swapped in
    form.locator("small.error").first.wait_for()
    form.locator("textarea[name=summary]").fill("问养老补贴怎么申请")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/requests/\d+$"))
    first = page.url

    page.go_back()
    page.wait_for_load_state("load")
    expect(form.locator("textarea[name=summary]")).to_have_value("问养老补贴怎么申请")
    expect(form.locator("input[name=client_uuid]")).to_be_hidden()
    shoot(page, "back")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/requests/\d+$"))
    assert page.url == first
    assert _count(Request) == 1
    assert page.js_errors == []


def test_a_visit_saved_on_its_own_page_then_back_then_save_again_is_one_visit(
    page, world, make_resident
):
    r = make_resident(name="钱奶奶")
    _save_visit_on_its_own_page(page, r, "厨房水管漏水，已告知物业")
    first = page.url

    page.go_back()
    page.wait_for_load_state("load")
    form = page.locator("#visit-form")
    expect(form.locator("textarea[name=summary]")).to_have_value("厨房水管漏水，已告知物业")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/visits/\d+$"))
    assert page.url == first
    assert _count(Visit) == 1
    assert page.js_errors == []
