"""A state-changing request a browser says came from another site is refused, whatever the
scheme, even with a valid token; one from our own pages (or from an old client that says
nothing) gets through."""

import pytest
from flask.testing import FlaskClient
from werkzeug.middleware.proxy_fix import ProxyFix

from app import create_app
from tests.security.conftest import table_snapshot
from tests.security.test_csrf_all_routes import CASES, NO_CHANGE_EVEN_WITH_TOKEN, _jpeg, _prepare

EN = {"Accept-Language": "en"}

CROSS_SITE = {
    "evil-origin": {"Origin": "https://evil.example"},
    "evil-origin-http": {"Origin": "http://evil.example"},
    "other-port": {"Origin": "http://localhost:8080"},
    "other-scheme": {"Origin": "https://localhost"},
    "null-origin": {"Origin": "null", "Referer": "http://localhost/residents"},
    "cross-site-fetch": {"Sec-Fetch-Site": "cross-site"},
    "same-site-fetch": {"Sec-Fetch-Site": "same-site", "Origin": "http://localhost"},
    "evil-referer": {"Referer": "https://evil.example/page"},
}
SAME_SITE = {
    "same-origin": {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"},
    "origin-default-port": {"Origin": "http://LOCALHOST:80"},
    "typed": {"Sec-Fetch-Site": "none"},
    "referer-only": {"Referer": "http://localhost/residents"},
    "old-client": {},
}


def _post(client, url, data, headers, htmx=False):
    body = {k: [(_jpeg(), "a.jpg")] if k == "photos" else v for k, v in data.items()}
    kw = {"content_type": "multipart/form-data"} if "photos" in body else {}
    return client.post(url, data=body, headers=headers, htmx=htmx, **kw)


@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_every_state_changing_route_refuses_another_site(
    client, world, login_as, two_sets, endpoint
):
    url, data = _prepare(endpoint, world, two_sets, login_as, client)
    before = table_snapshot(skip=("audit_events",))
    for how, headers in CROSS_SITE.items():
        resp = _post(client, url, data, headers)
        assert resp.status_code == 403, (endpoint, how, resp.status_code)
        assert table_snapshot(skip=("audit_events",)) == before, (endpoint, how)
    resp = _post(client, url, data, SAME_SITE["same-origin"])
    assert resp.status_code < 400, (endpoint, resp.status_code)
    changed = table_snapshot(skip=("audit_events",)) != before
    assert changed is (endpoint not in NO_CHANGE_EVEN_WITH_TOKEN), endpoint


@pytest.mark.parametrize("how", sorted(SAME_SITE))
def test_our_own_pages_and_old_clients_get_through(client, world, login_as, how):
    login_as(world.worker_a)
    resp = client.post("/logout", headers=SAME_SITE[how])
    assert resp.status_code == 303
    assert client.get("/today").status_code == 303  # logged out: sent to the login page


def test_the_refusal_says_the_request_came_from_another_site(client, world, login_as):
    login_as(world.worker_a)
    page = client.post("/logout", headers={"Origin": "https://evil.example", **EN})
    assert page.status_code == 403
    assert "another website" in page.text
    assert "open too long" not in page.text
    zh = client.post("/logout", headers={"Origin": "https://evil.example"})
    assert "别的网站" in zh.text
    assert client.get("/today").status_code == 200  # still logged in


def test_an_htmx_request_from_another_site_gets_a_toast(client, world, login_as):
    login_as(world.worker_a)
    resp = client.post("/logout", headers={"Origin": "https://evil.example", **EN}, htmx=True)
    assert resp.status_code == 403
    assert "another website" in resp.headers["HX-Trigger"]
    assert '"error"' in resp.headers["HX-Trigger"]


def test_login_from_another_site_is_refused(client, world):
    """Login CSRF: another site must not sign the browser in to an account of its choosing."""
    from tests.conftest import PASSWORD

    resp = client.post(
        "/login",
        data={"username": "worker_a", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert resp.status_code == 403


@pytest.fixture
def https_client(app):
    https = create_app({**app.config, "HTTPS": True, "SESSION_COOKIE_SECURE": True})
    https.test_client_class = FlaskClient
    return https.test_client()


def test_over_https_only_our_https_origin_gets_through(https_client):
    base = "https://localhost"
    # The login form is the one write an anonymous client can reach; a wrong password is a
    # 200 with the form, a refused origin a 403 before any check of the token.
    https_client.get("/login", base_url=base)
    for origin in ("https://evil.example", "http://localhost", "null"):
        resp = https_client.post("/login", base_url=base, headers={"Origin": origin})
        assert resp.status_code == 403, origin
    resp = https_client.post("/login", base_url=base, headers={"Origin": base})
    assert resp.status_code != 403


def test_behind_a_proxy_the_origin_is_the_one_the_proxy_reports(app, client, world, login_as):
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "grid.example.cn"}
    login_as(world.worker_a)
    refused = client.post("/logout", headers={**forwarded, "Origin": "http://localhost"})
    assert refused.status_code == 403
    ours = {"Origin": "https://grid.example.cn", "Referer": "https://grid.example.cn/logout"}
    ok = client.post("/logout", headers={**forwarded, **ours})
    assert ok.status_code == 303
