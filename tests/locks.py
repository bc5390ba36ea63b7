"""Two writers at once on PostgreSQL: the second started first, the first let go once the
second is seen waiting for its lock (or is done)."""

import threading
import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.extensions import db

WAITING = sa.text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid")


def second_waits_for_first(
    second: Session, second_work: Callable[[], None], first_work: Callable[[], None]
) -> None:
    """Run second_work in a thread until PostgreSQL shows `second` waiting for a lock or the
    work is done, then first_work here, then wait for the thread."""
    pid = second.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
    thread = threading.Thread(target=second_work)
    thread.start()
    for _ in range(600):
        if not thread.is_alive() or db.session.scalar(WAITING, {"pid": pid}):
            break
        db.session.rollback()
        time.sleep(0.05)
    first_work()
    thread.join(timeout=60)
