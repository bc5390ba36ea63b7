"""A page form's Save tapped twice while the first is on its way is sent once (the walk: a
double tap on "save" for a new user created the user, and the second answer said the
username was taken)."""

import time

import pytest
import sqlalchemy as sa

from app.admin import routes as admin_routes
from app.models import User
from tests.browser.conftest import fresh_scalar, login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _posts(pg, path: str) -> list[str]:
    sent: list[str] = []
    pg.on("request", lambda r: sent.append(r.url) if r.method == "POST" and path in r.url else None)
    return sent


def test_a_second_tap_on_save_sends_nothing(page, world, monkeypatch):
    login(page, "admin_1", PASSWORD)
    page.goto(page.base_url + "/admin/users/new")
    page.fill("input[name=username]", "newbie3")
    page.fill("input[name=display_name]", "新同事")
    page.select_option("select[name=role]", "township")
    page.select_option("select[name=township_id]", str(world.township.id))
    page.fill("input[name=password]", "grid-walk-correct-horse")
    sent = _posts(page, "/admin/users/new")
    # The server slow to answer, as over a phone's link: the second tap lands while the
    # first is on its way.
    slow = admin_routes.create_user

    def slow_create(*args, **kw):
        time.sleep(3)
        return slow(*args, **kw)

    monkeypatch.setattr(admin_routes, "create_user", slow_create)
    with page.expect_navigation():
        page.evaluate("""() => { const b = document.querySelector('#user-form button[type=submit]');
          b.click(); setTimeout(() => b.click(), 300); }""")
    page.wait_for_load_state("networkidle")
    assert len(sent) == 1
    assert fresh_scalar(sa.select(sa.func.count(User.id)).where(User.username == "newbie3")) == 1
    assert "/admin/users/" in page.url
    assert page.locator(".toast, .flash").filter(has_text="用户名已被使用").count() == 0


def test_a_form_refused_with_its_errors_can_be_sent_again(page, world):
    """The guard is the first answer's: the page it brings (here the form with its errors) is
    a new page whose Save goes at once."""
    login(page, "admin_1", PASSWORD)
    page.goto(page.base_url + "/admin/users/new")
    page.fill("input[name=username]", "x")  # too short
    sent = _posts(page, "/admin/users/new")
    with page.expect_navigation():
        page.click("#user-form button[type=submit]")
    page.fill("input[name=username]", "newbie4")
    page.fill("input[name=display_name]", "新同事")
    page.select_option("select[name=role]", "township")
    page.select_option("select[name=township_id]", str(world.township.id))
    page.fill("input[name=password]", "grid-walk-correct-horse")
    with page.expect_navigation():
        page.click("#user-form button[type=submit]")
    assert len(sent) == 2
    assert fresh_scalar(sa.select(sa.func.count(User.id)).where(User.username == "newbie4")) == 1
