"""Values derived from other rows (the tallies' roll-ups, each resident's next visit due, each
visit's open follow-up), kept current in the transaction of every write through the session.

What a flush touches is collected before it, while the values it replaces can still be read,
and computed again after it, when the new rows are in and have their ids. A flush that fails
takes its writes back, and with them the need: what it collected is dropped.
"""

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session


def kept_by_flush(
    key: str,
    collect: Callable[[Session], Any],
    apply: Callable[[Session, list], None],
    *,
    after: str = "after_flush_postexec",
) -> None:
    """Before each flush, `collect(session)` (no autoflush); after it (the `after` session
    event), `apply(session, collected)` with what the flushes since the last one collected."""

    def before_flush(session: Session, _ctx, _instances) -> None:
        with session.no_autoflush:
            found = collect(session)
        session.info.setdefault(key, []).append(found)

    def after_flush(session: Session, _ctx) -> None:
        collected = session.info.pop(key, None)
        if collected:
            apply(session, collected)

    def after_rollback(session: Session, _previous) -> None:
        session.info.pop(key, None)

    sa.event.listen(Session, "before_flush", before_flush)
    sa.event.listen(Session, after, after_flush)
    sa.event.listen(Session, "after_soft_rollback", after_rollback)
