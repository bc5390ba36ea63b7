import pytest
import sqlalchemy as sa

from app.extensions import db
from tests.conftest import PG_URL

sqlite_only = pytest.mark.skipif(bool(PG_URL), reason="SQLite connection settings")


@sqlite_only
def test_every_sqlite_connection_has_wal_foreign_keys_and_busy_timeout(app):
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


@sqlite_only
def test_posts_begin_immediate_and_gets_stay_deferred(client, world, login_as, make_resident):
    rid = make_resident().id
    login_as(world.worker_a)
    seen: list[str] = []

    def spy(_conn, _cursor, statement, *_args):
        if statement.startswith("BEGIN"):
            seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", spy)
    try:
        client.get("/projects")  # a read that writes no audit row (residents lists now do)
        reads = list(seen)
        seen.clear()
        client.post(
            "/visits",
            data={"resident_id": rid, "purpose": "routine", "outcome": "done", "summary": "x"},
        )
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", spy)
    assert reads
    assert all(s == "BEGIN" for s in reads)
    assert seen[0] == "BEGIN IMMEDIATE"


def test_session_cookie_is_httponly_and_lax(client, world):
    from tests.conftest import PASSWORD

    r = client.post("/login", data={"username": "worker_a", "password": PASSWORD})
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Expires" in cookie  # a 12-hour session, not a 365-day "remember me"


def test_secret_key_is_generated_once_into_instance(tmp_path, monkeypatch):
    from app.config import load_config

    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load_config(tmp_path)["SECRET_KEY"]
    second = load_config(tmp_path)["SECRET_KEY"]
    assert first == second
    assert len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
