"""Approval locks a worker's day: the one check every edit of field records goes through."""

from ..models import DailyLog
from ..permissions import LOCKED_MESSAGE
from ..refusals import Locked


def ensure_editable(daily_log: DailyLog | None) -> None:
    """Refuse (Locked, 409) a change to a record of an approved day, whatever the UI offered."""
    if daily_log is not None and daily_log.locked:
        raise Locked(LOCKED_MESSAGE)
