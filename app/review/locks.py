"""Approval locks a worker's day: the one check every edit of field records goes through."""

from flask import abort, g, has_request_context

from ..models import DailyLog


def ensure_editable(daily_log: DailyLog | None) -> None:
    """Refuse (409) a change to a record of an approved day, whatever the UI offered."""
    if daily_log is not None and daily_log.locked:
        if has_request_context():
            g.day_locked = True  # the error page then says why and what to do
        abort(409, description="day approved")
