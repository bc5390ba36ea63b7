"""Logged-in HTTP sessions on the live server (tests/conftest.py) for fault tests."""

import re

import pytest
import requests

from tests.conftest import PASSWORD

CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'value="([^"]+)"[^>]*name="csrf_token"'
)

HEADER_RE = re.compile(r'X-CSRFToken&#34;: &#34;([^&]+)&#34;|"X-CSRFToken": "([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token of the first form in a page."""
    m = CSRF_RE.search(html)
    assert m, "no csrf_token in page"
    return m.group(1) or m.group(2)


@pytest.fixture
def http_login(live_server):
    """A requests.Session logged in through the real login form, with its CSRF token."""
    sessions = []

    def _login(username: str) -> requests.Session:
        s = requests.Session()
        page = s.get(f"{live_server.url}/login", timeout=30)
        resp = s.post(
            f"{live_server.url}/login",
            timeout=30,
            allow_redirects=False,
            data={"csrf_token": csrf_from(page.text), "username": username, "password": PASSWORD},
        )
        assert resp.status_code == 303, resp.text[:500]
        home = s.get(f"{live_server.url}/", timeout=30)
        m = HEADER_RE.search(home.text)
        assert m, "no CSRF header on the home page"
        s.headers["X-CSRFToken"] = m.group(1) or m.group(2)
        s.base = live_server.url
        sessions.append(s)
        return s

    yield _login
    for s in sessions:
        s.close()
