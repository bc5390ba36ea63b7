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


postgresql_only = pytest.mark.skipif(not PG_URL, reason="PostgreSQL's prepared statements")


@postgresql_only
def test_a_read_only_request_ends_with_commit(client, world, login_as):
    """psycopg prepares a statement run five times on a connection and forgets them all on a
    ROLLBACK: a request that only read ends with a COMMIT (db.end_transaction), so that its
    pages stop being planned afresh on every request."""
    login_as(world.worker_a)
    ends: list[str] = []

    def spy(kind):
        return lambda _conn: ends.append(kind)

    on_commit, on_rollback = spy("commit"), spy("rollback")
    sa.event.listen(db.engine, "commit", on_commit)
    sa.event.listen(db.engine, "rollback", on_rollback)
    try:
        for url in ("/requests", "/today"):  # Today's due list is a WITH ... SELECT
            assert client.get(url).status_code == 200
            assert "commit" in ends
            assert "rollback" not in ends
    finally:
        sa.event.remove(db.engine, "commit", on_commit)
        sa.event.remove(db.engine, "rollback", on_rollback)


@postgresql_only
def test_a_request_transaction_that_wrote_is_still_rolled_back(app, world, make_resident):
    from app.db import end_transaction
    from app.models import Resident

    r = make_resident(name="张三")
    db.session.execute(sa.update(Resident).where(Resident.id == r.id).values(name="李四"))
    end_transaction()
    assert db.session.scalar(sa.select(Resident.name).where(Resident.id == r.id)) == "张三"
    db.session.get(Resident, r.id).name = "王五"  # changed, not flushed
    end_transaction()
    assert db.session.scalar(sa.select(Resident.name).where(Resident.id == r.id)) == "张三"


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL's JIT")
def test_postgresql_connections_run_without_jit(client, world, login_as):
    """JIT compiles a statement estimated above jit_above_cost on every run: on a big database
    the review queue's counts took 40 ms to compile and a few to read (bench/README)."""
    login_as(world.worker_a)
    assert client.get("/today").status_code == 200
    fresh = db.engine.connect()  # a connection made after the hooks, as every request's
    try:
        assert fresh.exec_driver_sql("SHOW jit").scalar() == "off"
        # Set for the connection, not one transaction: still off after a rollback.
        fresh.rollback()
        assert fresh.exec_driver_sql("SHOW jit").scalar() == "off"
    finally:
        fresh.close()


def test_on_rollback_runs_when_the_transaction_ends_without_committing(app):
    """What an import set aside (its claimed upload) comes back when its rows do not."""
    from app.db import on_commit, on_rollback

    ran: list[str] = []

    def fails():
        raise OSError("the folder is gone")

    # Registered before any query, and after one that fails (logged, not raised): each runs.
    on_rollback(fails)
    on_rollback(lambda: ran.append("given back"))
    on_commit(lambda: ran.append("committed"))
    db.session.rollback()
    assert ran == ["given back"]

    ran.clear()
    db.session.execute(sa.select(1))
    on_rollback(lambda: ran.append("given back"))
    on_commit(lambda: ran.append("committed"))
    db.session.commit()
    db.session.rollback()  # a later transaction's end no longer concerns the committed one
    assert ran == ["committed"]

    ran.clear()
    db.session.execute(sa.select(1))
    on_rollback(lambda: ran.append("given back"))
    db.session.begin_nested().rollback()  # a savepoint's end leaves the outer transaction's
    assert ran == []
    db.session.close()
    assert ran == ["given back"]
