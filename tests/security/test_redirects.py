"""Every redirect stays on this site, whatever `next`, the query string or the Referer say.

Browsers drop tabs and newlines inside a URL and read a backslash as a slash, so a target
such as `/\\t/evil.example` leaves the site although it starts with one slash.
"""

from urllib.parse import parse_qs, quote, urlsplit

import pytest
from flask import url_for

from app.permissions import home_endpoint
from tests.conftest import PASSWORD
from tests.security.conftest import ROLE_USERS
from tests.security.test_csrf_all_routes import CASES, _prepare
from tests.security.test_get_is_safe import get_urls

HOSTILE_NEXT = [
    "/\t/evil.example",
    "/\r/x",
    "/\n/x",
    "/\r\nSet-Cookie: x=1",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example",
    "http:evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "/\x7f/evil.example",
]


def stays_here(location: str) -> bool:
    """A path on this site (or this site's own absolute URL) that no browser reads as
    another host."""
    if any(ord(c) < 32 or ord(c) == 127 for c in location) or "\\" in location:
        return False
    parts = urlsplit(location)
    if parts.scheme or parts.netloc:
        return (parts.scheme, parts.netloc) in (("http", "localhost"), ("https", "localhost"))
    return parts.path.startswith("/") and not parts.path.startswith("//")


def _home(app, user) -> str:
    with app.test_request_context():
        return url_for(home_endpoint(user))


def _login(client, next_url: str | None):
    query = f"?next={quote(next_url, safe='')}" if next_url is not None else ""
    return client.post(f"/login{query}", data={"username": "worker_a", "password": PASSWORD})


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_login_never_follows_a_next_that_leaves_the_site(app, client, world, target):
    page = client.get(f"/login?next={quote(target, safe='')}")
    assert page.status_code == 200
    # The form does not carry the target on to the login either.
    for trace in ("evil", "%0D", "%0A"):
        assert trace not in page.text
    resp = _login(client, target)
    assert resp.status_code == 303, target
    assert resp.headers["Location"] == _home(app, world.worker_a)


@pytest.mark.parametrize(
    "target", ["/residents", "/residents?q=%E7%94%B2&page=2", "/hazards?status=overdue#top"]
)
def test_login_follows_a_next_on_this_site(client, world, target):
    resp = _login(client, target)
    assert resp.status_code == 303
    assert resp.headers["Location"] == target


@pytest.mark.parametrize("user_name", ROLE_USERS)
def test_login_without_next_lands_on_the_role_home(app, client, world, user_name):
    user = getattr(world, user_name)
    resp = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert resp.headers["Location"] == _home(app, user)


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/residents", "/residents"), ("/residents?q=%E7%94%B2", "/residents?q=%E7%94%B2")],
)
def test_login_redirect_keeps_the_page_without_a_trailing_question_mark(client, path, expected):
    resp = client.get(path)
    assert resp.status_code == 303
    location = urlsplit(resp.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == [expected]


@pytest.mark.parametrize("target", [*HOSTILE_NEXT, "/review\r\nSet-Cookie: x=1", "/review\t"])
def test_review_next_field_never_leaves_the_site(client, world, login_as, two_sets, target):
    url, data = _prepare("review.step/approve", world, two_sets, login_as, client)
    resp = client.post(url, data={**data, "next": target})
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/review/{world.worker_a.id}/{two_sets['a'].log.day}"


@pytest.mark.parametrize(
    "referer",
    [
        "http://localhost/\\evil.example",
        "http://localhost//evil.example",
        "http://localhost/\\\\evil.example/",
        "https://evil.example/visits/1",
    ],
)
def test_photo_delete_goes_back_only_to_our_own_pages(client, world, login_as, two_sets, referer):
    url, data = _prepare("photos.delete", world, two_sets, login_as, client)
    resp = client.post(url, data=data, headers={"Referer": referer})
    if resp.status_code == 403:  # a Referer from elsewhere is a cross-site post
        assert "evil" in referer
        return
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/visits/{two_sets['a'].visit.id}"


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_state_changing_route_redirects_only_here(client, world, login_as, two_sets, case):
    """Each route, sent a hostile `next` in the query and form and a Referer whose path a
    browser reads as another host, redirects (if at all) to a page of this site."""
    url, data = _prepare(case, world, two_sets, login_as, client)
    body = {**data, "next": "/\t/evil.example"}
    if "photos" in body:
        return  # an upload answers with the gallery, never a redirect
    resp = client.post(
        url + "?next=//evil.example",
        data=body,
        headers={"Referer": "http://localhost/\\evil.example"},
    )
    assert resp.status_code < 500, case
    for header in ("Location", "HX-Redirect"):
        if header in resp.headers:
            assert stays_here(resp.headers[header]), (case, resp.headers[header])


HOSTILE_QUERY = "endpoint=x&_external=1&_scheme=https&_anchor=injected&_method=POST&page=2"


@pytest.mark.parametrize("user_name", [*ROLE_USERS, None])
def test_query_arguments_never_reach_url_for(app, client, world, login_as, two_sets, user_name):
    """No GET route, as any role, lets the query string pick what url_for builds."""
    urls = get_urls(app, list(two_sets.values()))
    if user_name:
        login_as(getattr(world, user_name))
    for url in urls:
        hostile = url + ("&" if "?" in url else "?") + HOSTILE_QUERY + "&next=//evil.example"
        for htmx in (False, True):
            resp = client.get(hostile, htmx=htmx)
            assert resp.status_code < 500, (hostile, htmx)
            for header in ("Location", "HX-Redirect"):
                if header in resp.headers:
                    assert stays_here(resp.headers[header]), (hostile, resp.headers[header])
                    # An anchor the route itself names (#finish-screening) is fine; one
                    # from the query string (_anchor) is not.
                    assert "injected" not in urlsplit(resp.headers[header]).fragment, hostile
            if resp.mimetype == "text/html":
                assert "http://localhost" not in resp.text, hostile
                assert "https://localhost" not in resp.text, hostile
                assert "#injected" not in resp.text, hostile
