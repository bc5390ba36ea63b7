"""Back to a visit form just saved, then Save again: the same visit is not logged twice
(walk, without JavaScript: the form came back from the server with a new key, and its
Save made a second visit). The worker is asked, and can still log another on purpose."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.models import Visit
from tests.browser.conftest import fresh_scalar, login, phone_page
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

VISITS = sa.select(sa.func.count(Visit.id))
ASKED = "几分钟前已保存过内容相同的走访"


def _fill_and_save(pg) -> None:
    # The chips' radios are hidden behind their labels: a click on the label chooses.
    pg.click("#visit-form label:has(input[name=purpose][value=routine])")
    pg.click("#visit-form label:has(input[name=outcome][value=done])")
    pg.fill("#visit-form textarea[name=summary]", "门口聊了几句，一切正常")
    pg.click("#visit-form button[type=submit]:not([name])")


@pytest.mark.parametrize("script", [False, True], ids=["no-js", "js"])
def test_back_then_save_asks_before_a_second_visit(
    browser, live_server, world, make_resident, script
):
    resident = make_resident(name="王秀英")
    with phone_page(browser, live_server.url, java_script_enabled=script) as pg:
        login(pg, "worker_a", PASSWORD)
        pg.goto(f"{pg.base_url}/visits/new?resident={resident.id}")
        _fill_and_save(pg)
        pg.wait_for_url(re.compile(r"/visits/\d+$"))
        assert fresh_scalar(VISITS) == 1

        if script:
            # With script, Back may bring the page back as it was (its key too: one visit);
            # the form fetched afresh, as the browser without script does, is what asks.
            pg.goto(f"{pg.base_url}/visits/new?resident={resident.id}")
        else:
            pg.go_back()
        pg.wait_for_selector("#visit-form")
        _fill_and_save(pg)
        expect(pg.locator("#visit-form")).to_contain_text(ASKED)
        assert fresh_scalar(VISITS) == 1
        assert pg.input_value("#visit-form textarea[name=summary]") == "门口聊了几句，一切正常"
        saved = fresh_scalar(sa.select(Visit.id))
        expect(pg.locator("#visit-form a", has_text="打开已保存的走访")).to_have_attribute(
            "href", f"/visits/{saved}"
        )

        pg.click("#save-another-visit")
        pg.wait_for_url(re.compile(rf"/visits/(?!{saved}$)\d+$"))
        assert fresh_scalar(VISITS) == 2
        if script:
            assert [e for e in pg.js_errors if "409" not in e] == []
