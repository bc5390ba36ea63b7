"""Database connection behaviour: SQLite pragmas, write transactions and the one commit."""

import errno
import logging
import re
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, SessionTransaction

from .extensions import db

# SQLite: a deferred BEGIN that reads and later writes fails at once with "database is
# locked" when another writer got in between, whatever the busy timeout. Requests that
# may write therefore open their transaction with BEGIN IMMEDIATE; reads stay deferred
# so that they never wait for a writer under WAL.
_write_intent: ContextVar[bool] = ContextVar("gridbook_write_intent", default=True)

SQLITE_BUSY_TIMEOUT_MS = 15000

log = logging.getLogger(__name__)


def set_write_intent(value: bool) -> None:
    """Declare whether the current request or command may write to the database."""
    _write_intent.set(value)


@contextmanager
def write_intent():
    """Within the block, new SQLite transactions start with BEGIN IMMEDIATE."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


def install_sqlite_hooks(engine: Engine) -> None:
    """Give every SQLite connection WAL, foreign keys, a busy timeout and explicit BEGIN."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy emit BEGIN itself (pysqlite's own BEGIN is always deferred).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        # Erased personal data must not linger in free pages of the file (PIPL Art. 47).
        cur.execute("PRAGMA secure_delete = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get("sqlite_foreign_keys_off"):
            conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")
        conn.info[_CHANGES_AT_BEGIN] = conn.connection.dbapi_connection.total_changes


_CHANGES_AT_BEGIN = "gridbook_changes_at_begin"


@contextmanager
def write_lock_released():
    """Slow CPU work of a writing request (decoding photos, checking a password) without
    SQLite's one write lock held, so that other requests' writes go on meanwhile.

    SQLite has one writer at a time, and a writing request holds the lock from its first
    query (BEGIN IMMEDIATE, above): a photo decoded after the owner was looked up kept every
    visit save in the process waiting behind it (issue 19: p95 4.3 s under `make load`).
    When the request has written nothing yet, its transaction is ended here; the next query
    opens a new one, which reads afresh what the work is then checked against. When it has
    written, or on PostgreSQL (row locks only, taken by the writes), nothing changes.
    """
    from flask import has_request_context

    session = db.session()
    if (
        has_request_context()
        and session.in_transaction()
        and db.engine.dialect.name == "sqlite"
        and not (session.new or session.dirty or session.deleted)
        # Ending it would run or forget what waits for its end (on_commit, on_rollback).
        and not any(session.info.get(key) for key in _PENDING_ON_COMMIT)
    ):
        conn = session.connection()
        changes = conn.connection.dbapi_connection.total_changes
        if conn.info.get(_CHANGES_AT_BEGIN) == changes:
            session.rollback()
    yield


def may_write() -> bool:
    """True while the current request or command may write (and so will commit)."""
    return _write_intent.get()


def finish_unit_of_work(*_args, **_kwargs) -> None:
    """Commit the request's writes, once: before its first template renders, or when the
    view returns without one (a redirect). A refusal or error rolls back instead.

    Connected to Flask's `before_render_template` signal and called when the view returns
    (app.Gridbook.dispatch_request); routes and services never commit.
    """
    from flask import g, has_request_context

    if not has_request_context() or not _write_intent.get():
        return
    try:
        db.session.commit()
    except Exception:
        # The database refused the commit after the view had done its work: nothing was
        # saved, and a form can be shown again as it was sent (app/errors.py).
        g.commit_failed = True
        raise
    # Done: reads while the page renders need no write lock, and nothing commits twice.
    _write_intent.set(False)


# What the session does once its transaction has committed (and forgets if it rolls back),
# and what it does if the transaction ends without committing (and forgets if it commits).
_ON_COMMIT = "gridbook_on_commit"
_ON_ROLLBACK = "gridbook_on_rollback"


def on_commit(action: Callable[[], None]) -> None:
    """Run `action` once the current transaction has committed; never if it rolls back.

    For what lives outside the database and must not claim more than the rows do (an
    import's result page saying who was added): the request commits after its view returns
    (finish_unit_of_work), and that commit can still fail.
    """
    db.session().info.setdefault(_ON_COMMIT, []).append(action)


def on_rollback(action: Callable[[], None]) -> None:
    """Run `action` if the current transaction ends without committing (rolled back, or its
    session closed); never once it has committed.

    The other half of on_commit, for what was set aside outside the database before the rows
    were written and must come back when they do not (an import's claimed upload). `action`
    runs while the session ends its transaction: it must not use the database.
    """
    session = db.session()
    if not session.in_transaction():
        # Registered before any query: without a transaction to end, nothing would run it.
        session.begin()
    session.info.setdefault(_ON_ROLLBACK, []).append(action)


def _run_on_commit(session: Session) -> None:
    session.info.pop(_ON_ROLLBACK, None)
    _run(session.info.pop(_ON_COMMIT, []), "after-commit")


def _end_of_transaction(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:  # a savepoint's end leaves the outer transaction's
        return
    # Still here, so the transaction did not commit (after_commit takes both lists first).
    session.info.pop(_ON_COMMIT, None)
    _run(session.info.pop(_ON_ROLLBACK, []), "after-rollback")


def _run(actions: list[Callable[[], None]], kind: str) -> None:
    for action in actions:
        try:
            action()
        except Exception:
            # After a commit, the rows are saved: a failure here must not turn the request
            # into an error that claims they are not. After a rollback, the error being
            # handled is the one the user must hear about, not this one.
            log.exception("%s action %r failed", kind, action)


# Listened for from the start: added while another thread's session runs its commit
# listeners, a listener can break that iteration.
event.listen(Session, "after_commit", _run_on_commit)
event.listen(Session, "after_transaction_end", _end_of_transaction)


# Set on a PostgreSQL connection when its transaction sends anything but a plain SELECT.
_WROTE = "gridbook_wrote"
_MODIFIES = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE|FOR)\b")
# What a transaction's end would act on (photos/services.py's files, on_commit and
# on_rollback actions): such a session rolls back, and write_lock_released leaves it open.
_PENDING_ON_COMMIT = ("gridbook_photo_files", _ON_COMMIT, _ON_ROLLBACK)


def install_postgresql_hooks(engine: Engine) -> None:
    """Each PostgreSQL connection without JIT, noting whether its transaction may have written."""
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "connect", insert=True)
    def _without_jit(dbapi_connection, _record):
        # PostgreSQL compiles a statement whose estimate passes jit_above_cost anew on every
        # run, prepared or not. The review queue's statement (a few counts per day's log)
        # is estimated that high on a big database and read in a few milliseconds: at 10M
        # visits its compiling took 40 ms of the page's 68 (27 without; the dashboards' times
        # moved within their noise). Pages here read few rows through indexes: JIT never pays.
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.autocommit = autocommit

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.info[_WROTE] = False

    @event.listens_for(engine, "before_cursor_execute")
    def _on_execute(conn, _cursor, statement, *_args):
        # Anything but a SELECT (or WITH ... SELECT) that modifies and locks nothing counts
        # as a write; a false alarm only costs the rollback it always was.
        text = statement.lstrip().upper()
        if not text.startswith(("SELECT", "WITH")) or _MODIFIES.search(text):
            conn.info[_WROTE] = True


def only_read(session) -> bool:
    """True when the session's PostgreSQL transaction has sent only SELECTs that lock nothing
    and holds no change to flush (False on SQLite, and whenever in doubt)."""
    return (
        session.in_transaction()
        and session.get_bind().dialect.name == "postgresql"
        and not (session.new or session.dirty or session.deleted)
        and not any(session.info.get(key) for key in _PENDING_ON_COMMIT)
        and session.connection().info.get(_WROTE) is False
    )


def end_transaction(exc: BaseException | None = None) -> None:
    """End the session's transaction: on PostgreSQL, one that only read with a COMMIT.

    psycopg forgets every statement it has prepared on each ROLLBACK, and every read-only
    request used to end with one: PostgreSQL then planned each statement of each page afresh,
    which was most of its time on the worker pages (issue 19). A COMMIT of a transaction that
    sent only SELECTs (no row written or locked) does what its ROLLBACK would, and lets psycopg
    prepare a statement once it has run five times on the connection. Anything else (an error,
    unflushed changes, a write, SQLite) is rolled back as before.
    """
    session = db.session()
    if not session.in_transaction():
        return
    read = exc is None and only_read(session)
    # Nothing reads the request's records again: they are let go as they are, not expired one
    # by one, as a COMMIT or ROLLBACK would (about a hundred on Today; Flask-SQLAlchemy's own
    # teardown closed the session, which lets them go too).
    session.expunge_all()
    if read:
        try:
            session.commit()
            return
        except Exception:  # the connection lost: end it like any other failed transaction
            log.warning("could not end a read-only transaction with COMMIT", exc_info=True)
    session.rollback()


# PostgreSQL: read-only transaction or standby, disk full, out of memory or connections,
# too many connections, connection lost, server shutting down.
PG_STORAGE_STATES = ("25006", "53", "08", "57P01", "57P02", "57P03")


def is_storage_failure(err: BaseException) -> bool:
    """True when the database or disk refused a write (full, read-only, locked too long)."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    text = str(err).lower()
    if isinstance(err, OSError) and err.errno in (
        errno.ENOSPC,
        errno.EROFS,
        errno.EDQUOT,
        errno.EIO,
    ):
        return True
    state = getattr(getattr(err, "orig", None), "sqlstate", None)
    if isinstance(err, DBAPIError) and state and state.startswith(PG_STORAGE_STATES):
        return True
    return isinstance(err, OperationalError) and any(
        s in text for s in ("readonly", "read-only", "disk", "full", "locked", "i/o")
    )
