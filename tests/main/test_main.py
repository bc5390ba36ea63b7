import re
from pathlib import Path

import pytest


def test_healthz_reports_database(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json == {"status": "ok", "database": "ok"}


def test_lang_switch_sticks_for_the_user(client, world, login_as):
    login_as(world.worker_a)
    r = client.get("/today?lang=en")
    assert 'lang="en"' in r.text
    assert world.worker_a.locale == "en"
    r = client.get("/today")
    assert 'lang="en"' in r.text
    r = client.get("/today?lang=zh")
    assert 'lang="zh-Hans"' in r.text


def test_security_headers_on_pages(client, world, login_as):
    login_as(world.worker_a)
    r = client.get("/today")
    csp = r.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "object-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert r.headers["Cache-Control"] == "no-store"


def test_htmx_config_is_locked_down(client):
    import html
    import json
    import re

    page = client.get("/login").text
    raw = re.search(r'<meta name="htmx-config" content="([^"]+)"', page).group(1)
    config = json.loads(html.unescape(raw))
    assert config["allowEval"] is False
    assert config["allowScriptTags"] is False
    assert config["historyCacheSize"] == 0


def test_unknown_page_is_a_friendly_404(client):
    r = client.get("/no/such/page")
    assert r.status_code == 404
    assert "<html" in r.text


@pytest.mark.parametrize(
    ("user", "home"),
    [
        ("worker_a", "/today"),
        ("secretary_a", "/review"),
        ("township_user", "/tallies"),
        ("admin", "/admin/users"),
    ],
)
def test_home_sends_each_role_to_its_own_page(client, world, login_as, user, home):
    login_as(getattr(world, user))
    resp = client.get("/")
    assert resp.status_code == 302
    assert resp.headers["Location"] == home
    assert client.get(home).status_code == 200


def test_nav_lists_the_roles_pages(client, world, login_as):
    login_as(world.township_user)
    nav = client.get("/tallies").text.split('id="bottom-nav"')[1].split("</nav>")[0]
    assert 'href="/tallies"' in nav
    assert 'href="/requests"' in nav
    assert 'href="/today"' not in nav
    assert 'href="/review"' not in nav


def test_language_and_logout_sit_in_the_account_menu(client, world, login_as):
    """Side by side in the top bar, a stray tap logged out or switched the language for good."""
    login_as(world.worker_a)
    html = client.get("/today").text
    menu = re.search(r'<details class="account-menu" id="account-menu">.*?</details>', html, re.S)
    assert menu is not None
    assert 'href="/today?lang=en"' in menu.group(0)
    assert 'action="/logout"' in menu.group(0)
    top = html[html.index('<header class="topbar">') : html.index("</header>")]
    assert top.count("?lang=") == 1  # only inside the menu
    assert top.count('action="/logout"') == 1
    # Logged out, the login page keeps a language link of its own.
    client.post("/logout", data={})
    assert 'href="/login?lang=en"' in client.get("/login").text


def _lang_link(html: str) -> str:
    return re.search(r'<a href="([^"]*)" hreflang="[^"]+" lang="[^"]+" data-switch-lang', html)[1]


def test_the_language_link_keeps_the_page_and_what_it_shows(client, world, login_as, make_resident):
    """The walk: the link was a bare ?lang=en, so /visits/new?resident=6 became /visits/new,
    a 404, and a search or a tally period was dropped."""
    r = make_resident()
    login_as(world.worker_a)
    link = _lang_link(client.get(f"/visits/new?resident={r.id}").text)
    assert link == f"/visits/new?resident={r.id}&amp;lang=en"
    assert client.get(link.replace("&amp;", "&")).status_code == 200
    link = _lang_link(client.get("/residents?q=%E5%BC%A0&lang=zh").text)
    assert link == "/residents?q=%E5%BC%A0&amp;lang=en"
    # A form shown again with its errors answers a POST: the link is the form's own page.
    resp = client.post(
        "/visits",
        data={"resident_id": r.id, "purpose": "routine", "outcome": "", "summary": ""},
        headers={"Referer": f"http://localhost/visits/new?resident={r.id}"},
    )
    assert resp.status_code == 200
    assert _lang_link(resp.text) == f"/visits/new?resident={r.id}&amp;lang=en"
    # A 404 for a path a browser reads as another site's ("/\\evil.example") links to a
    # path of this site, escaped; a Referer that is no address at all is no 500.
    page = client.get("/%5Cevil.example/x")
    assert page.status_code == 404
    assert _lang_link(page.text) == "/%5Cevil.example/x?lang=en"
    resp = client.post(
        "/visits",
        data={"resident_id": r.id, "purpose": "routine", "outcome": "", "summary": ""},
        headers={"Referer": "http://[::1/x"},
    )
    assert resp.status_code == 403  # refused as from another site, and the page still shown
    assert _lang_link(resp.text) == "/visits?lang=en"
    # Never another site's address, whatever the Referer says.
    resp = client.post(
        "/visits",
        data={"resident_id": r.id, "purpose": "routine", "outcome": "", "summary": ""},
        headers={"Referer": "https://evil.example/visits/new"},
    )
    assert _lang_link(resp.text) == "/visits?lang=en"


@pytest.mark.parametrize("user", ["worker_a", "secretary_a", "township_user", "inspector", "admin"])
@pytest.mark.parametrize(("lang", "label"), [("zh", "修改密码"), ("en", "Change password")])
def test_every_role_reaches_change_password_from_the_account_menu(
    client, world, login_as, user, lang, label
):
    """The walk found no way to the change-password page but typing its address."""
    login_as(getattr(world, user))
    home = client.get("/", follow_redirects=True)
    html = client.get(f"{home.request.path}?lang={lang}").text
    menu = re.search(r'<details class="account-menu" id="account-menu">.*?</details>', html, re.S)
    assert menu is not None
    assert f'<a href="/account/password">{label}</a>' in menu.group(0)
    form = client.get("/account/password")
    assert form.status_code == 200
    assert 'name="current"' in form.text
    assert 'name="new"' in form.text


def test_axe_is_for_the_browser_tests_only():
    """axe-core is copied to static/vendor for the tests; no template may send it to users."""
    templates = Path(__file__).resolve().parents[2] / "templates"
    assert not [p.name for p in templates.rglob("*.html") if "axe" in p.read_text()]
