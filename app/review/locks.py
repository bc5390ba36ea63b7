"""Approval locks a worker's day: the one check every edit of field records goes through."""

from ..models import DailyLog
from ..permissions import LOCKED_MESSAGE
from ..refusals import Locked
from ..timeutil import utcnow


def ensure_editable(daily_log: DailyLog | None, changes: bool = True) -> None:
    """Refuse (Locked, 409) a change to a record of an approved day, whatever the UI offered.
    A change to a submitted day is allowed and marked for the reviewer (`changed_at`);
    `changes=False` for an edit found to change nothing, which is not marked."""
    if daily_log is None:
        return
    if daily_log.locked:
        raise Locked(LOCKED_MESSAGE)
    if changes:
        mark_changed(daily_log)


def mark_changed(daily_log: DailyLog) -> None:
    """A record of a submitted day changes: the reviewer is told, as the counts move."""
    if daily_log.status == "submitted":
        daily_log.changed_at = utcnow()
