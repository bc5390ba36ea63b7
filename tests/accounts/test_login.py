from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, UserSession
from tests.conftest import PASSWORD


def _login(client, username, password=PASSWORD, **kw):
    return client.post("/login", data={"username": username, "password": password}, **kw)


def test_login_page_is_chinese_by_default(client):
    r = client.get("/login")
    assert r.status_code == 200
    assert 'lang="zh-Hans"' in r.text
    assert "登录" in r.text


def test_login_page_follows_accept_language(client):
    r = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert 'lang="en"' in r.text
    assert "Log in" in r.text


def test_worker_logs_in_and_lands_on_today(client, world):
    r = _login(client, "worker_a")
    assert r.status_code == 303
    assert r.headers["Location"] == "/today"  # the role's home, without a hop through /
    r = client.get("/", follow_redirects=False)
    assert r.headers["Location"].endswith("/today")
    r = client.get("/today")
    assert r.status_code == 200
    assert "Worker_A" in r.text
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "login")
        )
        == 1
    )


def test_wrong_password_and_unknown_user_get_one_message_and_keep_username(client, world):
    wrong = _login(client, "worker_a", "nope-nope-nope")
    unknown = _login(client, "nobody_here", "nope-nope-nope")
    for r, name in ((wrong, "worker_a"), (unknown, "nobody_here")):
        assert r.status_code == 200
        assert "用户名或密码错误" in r.text or "Wrong username or password" in r.text
        assert f'value="{name}"' in r.text
        assert "nope-nope-nope" not in r.text
    assert client.get("/today").status_code in (302, 303)
    failed = db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "login_failed")
    )
    assert failed == 2


def test_empty_fields_show_field_errors(client, world):
    r = _login(client, "", "")
    assert r.status_code == 200
    assert r.text.count('class="error"') >= 2


def test_deactivated_user_cannot_log_in(client, world):
    world.worker_a.active = False
    db.session.commit()
    r = _login(client, "worker_a")
    assert r.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(UserSession.id))) == 0


def test_missing_csrf_token_rerenders_login_with_username(client, world):
    client.csrf = False
    r = client.post("/login", data={"username": "worker_a", "password": PASSWORD})
    assert r.status_code == 200
    assert 'value="worker_a"' in r.text
    assert db.session.scalar(sa.select(sa.func.count(UserSession.id))) == 0


def test_logout_ends_the_server_side_session(client, world):
    _login(client, "worker_a")
    with client.session_transaction() as sess:
        copied = dict(sess)
    r = client.post("/logout")
    assert r.status_code == 303
    assert r.headers["Clear-Site-Data"] == '"storage"'
    # A cookie copied before logout no longer works.
    with client.session_transaction() as sess:
        sess.update(copied)
    r = client.get("/today")
    assert r.status_code in (302, 303)
    r = client.get("/today", htmx=True)
    assert r.headers.get("HX-Redirect", "").startswith("/login")


def test_get_logout_does_not_log_out(client, world):
    _login(client, "worker_a")
    assert client.get("/logout").status_code == 200
    assert client.get("/today").status_code == 200


def test_session_is_renewed_at_login(client, world):
    client.get("/login?lang=en")
    with client.session_transaction() as sess:
        sess["planted"] = "attacker"
    _login(client, "worker_a")
    with client.session_transaction() as sess:
        assert "planted" not in sess


def test_tampered_cookie_is_not_a_session(client, world):
    client.set_cookie("gridbook", "eyJfdXNlcl9pZCI6IjEifQ.bad.signature")
    r = client.get("/today")
    assert r.status_code in (302, 303)


def test_open_redirect_is_refused(client, world):
    r = client.post(
        "/login?next=//evil.example/x", data={"username": "worker_a", "password": PASSWORD}
    )
    assert r.headers["Location"] == "/today"


def test_password_change_ends_every_session(app, client, world):
    other = app.test_client()
    _login(client, "worker_a")
    _login(other, "worker_a")
    r = client.post(
        "/account/password",
        data={"current": PASSWORD, "new": "a brand new secret", "confirm": "a brand new secret"},
    )
    assert r.status_code == 303
    assert other.get("/today").status_code in (302, 303)
    assert _login(client, "worker_a", "a brand new secret").status_code == 303


def test_each_role_lands_on_its_home(client, world):
    homes = {
        world.worker_a: "/today",
        world.secretary_a: "/review",
        world.township_user: "/tallies",
        world.admin: "/admin/users",
    }
    for user, home in homes.items():
        client.post("/logout")
        _login(client, user.username)
        r = client.get("/")
        assert r.status_code in (302, 303), user.role
        assert urlsplit(r.headers["Location"]).path == home, user.role
        assert client.get(home).status_code == 200, user.role


def test_language_picked_on_the_login_page_wins_over_the_stored_one(client, world):
    world.worker_a.locale = "zh_Hans"
    db.session.commit()
    assert 'lang="en"' in client.get("/login?lang=en").text
    _login(client, "worker_a")
    r = client.get("/today")
    assert 'lang="en"' in r.text
    db.session.rollback()
    assert db.session.get(type(world.worker_a), world.worker_a.id).locale == "en"


def test_a_login_without_a_pick_keeps_the_stored_language(client, world):
    world.worker_a.locale = "en"
    db.session.commit()
    _login(client, "worker_a", headers={"Accept-Language": "zh-CN"})
    assert 'lang="en"' in client.get("/today").text


def test_a_wrong_current_password_is_named_with_the_other_mistakes(client, world):
    """A tired user hears every mistake at once, and nothing is changed."""
    _login(client, "worker_a")
    r = client.post(
        "/account/password?lang=en",
        data={"current": "not my password", "new": "short", "confirm": "other"},
    )
    assert r.status_code == 200  # the form again, with what was typed and why
    assert "The current password is wrong." in r.text
    assert "takes 10 to 256 characters" in r.text
    assert "The passwords differ." in r.text
    client.post("/logout")
    assert _login(client, "worker_a").status_code == 303  # the old password still works


@pytest.mark.parametrize(
    ("new", "reason"),
    [
        ("1234567890", "too easy to guess"),
        ("qwertyuiop", "too easy to guess"),
        ("woaini1314520", "too easy to guess"),  # common here, unknown to zxcvbn's lists
        ("worker_a2026", "too easy to guess"),  # the username and a year
        ("gridbook-demo", "too easy to guess"),  # the demo's, printed in the README
        (PASSWORD, "is the one you have now"),
    ],
)
def test_a_new_password_easy_to_guess_or_unchanged_is_refused(client, world, new, reason):
    """The walk: "1234567890", a password equal to the username and the same password again
    were all taken, the length being the only rule."""
    _login(client, "worker_a")
    r = client.post(
        "/account/password?lang=en", data={"current": PASSWORD, "new": new, "confirm": new}
    )
    assert r.status_code == 200
    assert reason in r.text
    client.post("/logout")
    assert _login(client, "worker_a").status_code == 303  # the old password still works


def test_the_sign_in_page_after_a_logout_keeps_the_language_in_use(client, world):
    """A phone set to Chinese, used in English: logging out must not switch the page back."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    _login(client, "worker_a")
    client.get("/today?lang=en")
    assert client.post("/logout").status_code == 303
    assert '<html lang="en"' in client.get("/login").text
    # The next person's own choice still stands once they sign in, and is not overwritten.
    world.worker_a2.locale = "zh_Hans"
    db.session.commit()
    _login(client, "worker_a2")
    assert '<html lang="zh-Hans"' in client.get("/today").text
    db.session.refresh(world.worker_a2)
    assert world.worker_a2.locale == "zh_Hans"


def test_a_username_typed_with_other_capitals_logs_in(client, world):
    """A phone keyboard capitalises the first letter: "Worker_a" is worker_a."""
    r = _login(client, "  Worker_A ")
    assert r.status_code == 303
    assert r.headers["Location"] == "/today"
    assert _login(client, "WORKER_A", password="wrong").status_code == 200


def test_two_accounts_told_apart_only_by_capitals_need_the_exact_spelling(
    client, world, password_hash
):
    from app.models import User

    # Made before usernames ignored capitals: both stay, and a guess logs into neither.
    db.session.add(
        User(
            username="Worker_A",
            display_name="Other",
            password_hash=password_hash,
            role="worker",
            community_id=world.ca.id,
            township_id=world.township.id,
        )
    )
    db.session.commit()
    r = _login(client, "WORKER_A")
    assert r.status_code == 200
    assert "用户名或密码错误" in r.text
    r = _login(client, "Worker_A")
    assert r.status_code == 303
    client.post("/logout")
    assert _login(client, "worker_a").status_code == 303
