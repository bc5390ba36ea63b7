"""Two writers at once on PostgreSQL: the second started first, the first let go once the
second is seen waiting for its lock (or is done)."""

import threading
import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.extensions import db

WAITING = sa.text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid")
# Another connection to this database waits for a lock (a request the app serves, whose
# connection the test cannot name).
ANY_WAITING = sa.text(
    "SELECT count(*) > 0 FROM pg_stat_activity WHERE datname = current_database()"
    " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
)


def _until_waiting(thread: threading.Thread, waiting: Callable[[], bool]) -> None:
    for _ in range(600):
        if not thread.is_alive() or waiting():
            return
        db.session.rollback()
        time.sleep(0.05)


def second_waits_for_first(
    second: Session, second_work: Callable[[], None], first_work: Callable[[], None]
) -> None:
    """Run second_work in a thread until PostgreSQL shows `second` waiting for a lock or the
    work is done, then first_work here, then wait for the thread."""
    pid = second.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
    thread = threading.Thread(target=second_work)
    thread.start()
    _until_waiting(thread, lambda: db.session.scalar(WAITING, {"pid": pid}))
    first_work()
    thread.join(timeout=60)


def request_waits_for_first(send: Callable[[], None], first_work: Callable[[], None]) -> None:
    """Run send (a request to the app, served on a connection of its own) in a thread until
    PostgreSQL shows another connection waiting for a lock or the request is done, then
    first_work here, then wait for the thread."""
    thread = threading.Thread(target=send)
    thread.start()
    _until_waiting(thread, lambda: db.session.scalar(ANY_WAITING))
    first_work()
    thread.join(timeout=60)
