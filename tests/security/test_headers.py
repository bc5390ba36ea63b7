"""Security headers on every kind of response: page, fragment, photo, export, error page."""

import re

import pytest
from flask.testing import FlaskClient

from app import create_app
from tests.security.conftest import store_photo


@pytest.fixture
def responses(client, world, login_as, make_resident, make_visit):
    """One response of each kind, keyed by kind (made by the users who may see them)."""
    resident = make_resident()
    visit = make_visit(resident=resident)
    photo = store_photo(visit.grid_id, world.worker_a.id, visit.id)
    login_as(world.worker_a)
    out = {
        "page": client.get(f"/residents/{resident.id}"),
        "fragment": client.get("/residents?q=张", htmx=True),
        "photo": client.get(f"/photos/{photo.id}"),
        "thumb": client.get(f"/photos/{photo.id}/thumb"),
        "error-404": client.get("/residents/999999"),
        "error-404-fragment": client.get("/residents/999999", htmx=True),
        "error-400": client.post("/visits/1/delete", headers={"X-CSRFToken": "bad"}),
    }
    login_as(world.township_user)
    out["export-xlsx"] = client.get("/tallies/export.xlsx")
    out["export-csv"] = client.get("/tallies/export.csv")
    client.post("/logout")
    out["login"] = client.get("/login")
    return out


KINDS = [
    "page",
    "fragment",
    "photo",
    "thumb",
    "error-404",
    "error-404-fragment",
    "error-400",
    "export-xlsx",
    "export-csv",
    "login",
]


@pytest.mark.parametrize("kind", KINDS)
def test_csp_forbids_inline_script_eval_plugins_and_framing(responses, kind):
    resp = responses[kind]
    csp = dict(
        (part.split()[0], part.split()[1:])
        for part in resp.headers["Content-Security-Policy"].split(";")
        if part.strip()
    )
    scripts = csp.get("script-src", csp.get("default-src"))
    assert "'unsafe-inline'" not in scripts
    assert "'unsafe-eval'" not in scripts
    assert "'unsafe-eval'" not in resp.headers["Content-Security-Policy"]
    assert csp.get("object-src", csp.get("default-src")) == ["'none'"]
    if kind not in ("photo", "thumb"):
        assert csp["frame-ancestors"] == ["'none'"]
    else:
        assert "sandbox" in csp  # a photo opened on its own can run nothing
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "kind",
    [
        "page",
        "fragment",
        "error-404",
        "error-404-fragment",
        "error-400",
        "export-xlsx",
        "export-csv",
    ],
)
def test_personal_responses_are_never_stored(responses, kind):
    assert "no-store" in responses[kind].headers["Cache-Control"]


@pytest.mark.parametrize("kind", ["photo", "thumb"])
def test_photos_are_private_to_the_browser(responses, kind):
    cache = responses[kind].headers["Cache-Control"]
    assert cache.startswith("private")
    assert "public" not in cache


def test_no_hsts_over_plain_http(responses):
    assert all("Strict-Transport-Security" not in r.headers for r in responses.values())


def test_hsts_when_served_over_https(app, schema_template, tmp_path):
    https = create_app({**app.config, "HTTPS": True, "SESSION_COOKIE_SECURE": True})
    https.test_client_class = FlaskClient
    with https.test_client() as c:
        resp = c.get("/login", base_url="https://localhost")
        assert "max-age=" in resp.headers["Strict-Transport-Security"]
        assert c.get("/no/such/page", base_url="https://localhost").headers[
            "Strict-Transport-Security"
        ]


def test_every_response_varies_on_hx_request(responses):
    for kind in ("page", "fragment", "error-404", "error-404-fragment"):
        assert "HX-Request" in responses[kind].headers.get("Vary", ""), kind


def test_logout_tells_the_browser_to_forget(client, world, login_as):
    login_as(world.worker_a)
    resp = client.post("/logout")
    # The storage at once; the HTTP cache from the sign-in page, which the logout leads to
    # (a "cache" here would hold the logout while the browser walks its whole disk cache).
    assert resp.headers["Clear-Site-Data"] == '"storage"'
    login = client.get(resp.headers["Location"])
    forget = re.search(r'data-forget-cache="([^"]+)"', login.text).group(1)
    assert f'<noscript><img src="{forget}"' in login.text
    answer = client.get(forget)
    assert answer.status_code == 204
    assert answer.headers["Clear-Site-Data"] == '"cache"'
    assert answer.headers["Cache-Control"] == "no-store"
    # Once: a later visit to the sign-in page does not clear the cache again.
    assert "data-forget-cache" not in client.get("/login").text


def test_the_sign_in_page_clears_nothing_unless_after_a_logout(client):
    assert "data-forget-cache" not in client.get("/login").text


def test_a_signed_in_answer_sends_the_cookie_only_when_the_session_changes(
    client, world, login_as, make_resident
):
    """A cookie sent again on every answer changed each second (its signed time), and photos
    vary on it: the browser could never reuse a kept photo (see tests/offline)."""
    login_as(world.worker_a)
    client.get("/today")
    resp = client.get(f"/residents/{make_resident().id}")
    assert resp.status_code == 200
    assert "Set-Cookie" not in resp.headers
    assert "Cookie" in resp.headers["Vary"]
    resp = client.get("/today?lang=en")  # a change of language is kept in the session
    assert "Set-Cookie" in resp.headers
