"""After logout the browser keeps no resident page: not by Back, not by the URL."""

import pytest

from tests.browser.conftest import login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

SECRET_NOTE = "独居，钥匙放在邻居502家"


def test_back_after_logout_shows_no_resident_data(page, world, make_resident, shoot):
    resident = make_resident(name="孙阿姨", notes=SECRET_NOTE, phone="13800001234")
    login(page, "worker_a", PASSWORD)
    page.goto(f"{page.base_url}/residents?q=孙")  # an htmx-enhanced list, then the record
    page.goto(f"{page.base_url}/residents/{resident.id}")
    assert SECRET_NOTE in page.content()
    history_len = page.evaluate("history.length")

    page.click("#account-menu summary")
    page.click("form[action='/logout'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/login" in page.url
    # htmx keeps no snapshots of pages in localStorage (historyCacheSize 0).
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('htmx'))") == []

    page.go_back()
    page.wait_for_load_state("networkidle")
    shoot(page, "back-after-logout")
    html = page.content()
    assert SECRET_NOTE not in html
    assert "孙阿姨" not in html
    assert "13800001234" not in html
    assert "/login" in page.url or page.locator("input[name=password]").count() == 1

    if page.evaluate("history.length") >= history_len:
        page.go_back()
        page.wait_for_load_state("networkidle")
        assert SECRET_NOTE not in page.content()

    page.goto(f"{page.base_url}/residents/{resident.id}")
    page.wait_for_load_state("networkidle")
    assert "/login" in page.url
    assert SECRET_NOTE not in page.content()
    assert page.js_errors == []
