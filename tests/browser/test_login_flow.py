import pytest

from tests.browser.conftest import login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_worker_logs_in_sees_chinese_home_and_switches_to_english(page, world, shoot):
    login(page, "worker_a", PASSWORD)
    assert page.url.endswith("/today")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.locator("h1").first.inner_text().startswith("今日")
    shoot(page, "today-zh")
    # Language sits in the account menu, away from a stray tap.
    page.click("#account-menu summary")
    page.click("#account-menu >> text=English")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Today" in page.locator("h1").first.inner_text()
    shoot(page, "today-en")
    # The choice sticks on the next page load.
    page.goto(page.base_url + "/today")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.js_errors == []


def test_wrong_password_shows_message_and_keeps_username(page, world, shoot):
    login(page, "worker_a", "not the password")
    assert "/login" in page.url
    assert page.locator("#login-error").is_visible()
    assert page.input_value("input[name=username]") == "worker_a"
    assert page.input_value("input[name=password]") == ""
    shoot(page, "wrong-password")


def test_account_menu_opens_and_closes_with_a_tap_elsewhere(page, world):
    login(page, "worker_a", PASSWORD)
    menu = page.locator("#account-menu")
    logout = menu.locator("button", has_text="退出登录")
    assert not logout.is_visible()  # no stray tap can reach it
    menu.locator("summary").click()
    assert logout.is_visible()
    box = logout.bounding_box()
    assert box["height"] >= 44
    page.locator("main h1").first.click()
    assert not logout.is_visible()
    assert page.url.endswith("/today")


@pytest.mark.parametrize("username", ["worker_a", "township_1"])
def test_change_password_is_one_tap_from_the_account_menu_on_a_phone(page, world, shoot, username):
    login(page, username, PASSWORD)
    menu = page.locator("#account-menu")
    menu.locator("summary").click()
    link = menu.locator("a", has_text="修改密码")
    assert link.is_visible()
    box = link.bounding_box()
    assert box["height"] >= 44
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(page, f"account-menu-{username}")
    link.click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/account/password")
    assert page.locator("input[name=current]").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.js_errors == []
