"""The smaller holes found from outside (issue 18, item 9): dates from year 1, a 429 without
Retry-After, the CSV's charset twice, an export name that loses its meaning, "Not saved" on a
page that only reads, a photo's CSP without framing rules, HSTS over plain HTTP."""

import uuid

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app import create_app
from app.extensions import db
from app.models import Request
from tests.conftest import PASSWORD

EN = {"Accept-Language": "en"}


@pytest.mark.parametrize("received_on", ["0001-01-01", "1900-01-01"])
def test_a_request_dated_in_year_one_is_refused(
    client, world, login_as, make_resident, received_on
):
    resident = make_resident()
    login_as(world.worker_a)
    resp = client.post(
        "/requests",
        data={
            "resident": resident.id,
            "channel": "phone",
            "category": "R04",
            "summary": "路灯坏了",
            "received_on": received_on,
            "client_uuid": str(uuid.uuid4()),
        },
        headers=EN,
    )
    assert resp.status_code in (200, 422)
    assert "too far in the past" in resp.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Request)) == 0


@pytest.mark.ratelimit
def test_the_throttled_login_form_says_when_to_come_back(client, world):
    from app.extensions import limiter

    limiter.reset()
    try:
        for i in range(9):
            client.post(
                "/login",
                data={"username": "worker_a", "password": "wrong"},
                environ_base={"REMOTE_ADDR": f"10.0.0.{i}"},
            )
        resp = client.post("/login", data={"username": "worker_a", "password": PASSWORD})
    finally:
        limiter.reset()
    assert resp.status_code == 429
    assert 'value="worker_a"' in resp.text  # the form, redisplayed
    assert int(resp.headers["Retry-After"]) > 0


def test_csv_names_its_charset_once(client, world, login_as):
    login_as(world.township_user)
    resp = client.get("/tallies/export.csv?from=2024-02-01&to=2024-02-29")
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_plain_file_name_still_says_what_the_file_is(client, world, login_as, fmt):
    world.township.name = "城关镇"
    db.session.commit()
    login_as(world.township_user)
    resp = client.get(f"/tallies/export.{fmt}?from=2024-02-01&to=2024-02-29")
    disposition = resp.headers["Content-Disposition"]
    plain = disposition.split("filename*=")[0]
    assert f'filename="gridbook-tallies-2024-02-01_2024-02-29.{fmt}"' in plain
    assert "%E5%9F%8E%E5%85%B3%E9%95%87" in disposition  # 城关镇, in filename*


def _error_section(page: str) -> str:
    return page.split('<section id="error"', 1)[1].split("</section>", 1)[0]


def _broken(app, endpoint):
    def boom(**_kw):
        raise RuntimeError("a bug")

    app.view_functions[endpoint] = boom


def test_a_page_that_fails_to_show_does_not_say_not_saved(app, client, world, login_as):
    _broken(app, "today.index")
    login_as(world.worker_a)
    resp = client.get("/today", headers=EN)
    assert resp.status_code == 500
    assert "Not saved" not in _error_section(resp.text)
    assert "could not be shown" in _error_section(resp.text)


def test_a_failed_post_still_says_not_saved(app, client, world, login_as):
    _broken(app, "accounts.password")
    login_as(world.worker_a)
    resp = client.post("/account/password", headers=EN)
    assert resp.status_code == 500
    assert "Not saved" in _error_section(resp.text)


def test_a_photo_may_not_be_framed_and_sets_no_base(client, world, login_as, two_sets):
    photo = two_sets["a"].photo
    login_as(world.worker_a)
    for url in (f"/photos/{photo.id}", f"/photos/{photo.id}/thumb"):
        resp = client.get(url)
        assert resp.status_code == 200
        csp = resp.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "base-uri 'self'" in csp
        assert resp.headers["X-Frame-Options"] == "DENY"


@pytest.fixture
def https_app(app):
    configured = create_app({**app.config, "HTTPS": True, "SESSION_COOKIE_SECURE": True})
    configured.test_client_class = FlaskClient
    return configured


def test_no_hsts_over_plain_http_even_when_configured_for_https(https_app):
    resp = https_app.test_client().get("/login", base_url="http://localhost")
    assert "Strict-Transport-Security" not in resp.headers


def test_hsts_over_https_and_behind_a_proxy_that_says_https(https_app):
    assert (
        https_app.test_client()
        .get("/login", base_url="https://localhost")
        .headers.get("Strict-Transport-Security")
    )
    proxied = create_app({**https_app.config, "PROXY_COUNT": 1})
    proxied.test_client_class = FlaskClient
    c = proxied.test_client()
    assert c.get("/login", headers={"X-Forwarded-Proto": "https"}).headers.get(
        "Strict-Transport-Security"
    )
    assert (
        "Strict-Transport-Security"
        not in c.get("/login", headers={"X-Forwarded-Proto": "http"}).headers
    )
