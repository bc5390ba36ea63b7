"""Sessions end when they should, and an ended one answers htmx with a redirect to log in."""

from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import UserSession
from app.timeutil import utcnow
from tests.conftest import PASSWORD


def _expect_login(client, path="/residents"):
    page = client.get(path)
    assert page.status_code in (302, 303)
    assert "/login" in page.headers["Location"]
    frag = client.get(path + "?q=a", htmx=True)
    # htmx follows HX-Redirect to a whole login page; a 302 would swap the login page
    # into the table being refreshed.
    assert frag.status_code == 204, frag.status_code
    assert frag.headers["HX-Redirect"].startswith("/login")
    assert not frag.data
    post = client.post("/visits", data={"summary": "x"}, htmx=True)
    assert post.headers.get("HX-Redirect", "").startswith("/login")


def test_expired_session_sends_htmx_to_login(client, world, login_as):
    login_as(world.worker_a)
    assert client.get("/residents?q=a", htmx=True).status_code == 200
    db.session.execute(sa.update(UserSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    _expect_login(client)


def test_deactivation_ends_sessions_on_every_device(app, client, world, login_as):
    phone = app.test_client()
    phone.post("/login", data={"username": "worker_a", "password": PASSWORD})
    assert phone.get("/today").status_code == 200
    login_as(world.admin)
    resp = client.post(
        f"/admin/users/{world.worker_a.id}",
        data={
            "username": "worker_a",
            "display_name": "Worker A",
            "role": "worker",
            "township_id": 0,
            "community_id": world.ca.id,
            "grid_ids": [world.a1.id],
        },
    )
    assert resp.status_code == 303
    live = db.session.scalar(
        sa.select(sa.func.count(UserSession.id)).where(
            UserSession.user_id == world.worker_a.id, UserSession.revoked_at.is_(None)
        )
    )
    assert live == 0
    _expect_login(phone)


def test_cookie_copied_before_password_change_is_dead(client, world):
    client.post("/login", data={"username": "worker_a", "password": PASSWORD})
    with client.session_transaction() as sess:
        copied = dict(sess)
    resp = client.post(
        "/account/password",
        data={"current": PASSWORD, "new": "a brand new secret", "confirm": "a brand new secret"},
    )
    assert resp.status_code == 303
    with client.session_transaction() as sess:
        sess.update(copied)
    _expect_login(client)


def test_session_cookie_is_httponly_and_samesite(client, world):
    resp = client.post("/login", data={"username": "worker_a", "password": PASSWORD})
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
