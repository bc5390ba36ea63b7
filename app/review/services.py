"""The daily log's life: submit, approve, return with a comment, reopen with a reason.

open | returned --submit--> submitted --approve--> approved --reopen--> returned
                            submitted --return---> returned

Every transition is one conditional UPDATE ... WHERE status = <expected>: of two requests
racing for the same day (two secretaries, a double tap), exactly one changes the row and
writes the audit entry; the other is refused. This holds on SQLite (writers serialize) and
on PostgreSQL (the second UPDATE waits for the row lock, then re-checks its WHERE).

A visit added to or corrected on a submitted day keeps the day submitted: the secretary
reviews the day as it stands when they open it, and the worker need not resubmit for a
late entry. Only approval locks the day (review.locks.ensure_editable).
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..extensions import db
from ..models import DailyLog, User, Visit
from ..permissions import SECRETARY
from ..refusals import Conflict, Invalid, NotAllowed, Refusal
from ..timeutil import utcnow

COMMENT_MAX = 2000


def _refusal(log: DailyLog) -> Conflict:
    """The refusal of a day that is not in the state the step needs (read afresh)."""
    db.session.refresh(log)
    message = {
        "open": _l("This day has not been submitted yet."),
        "submitted": _l("This day is already submitted and waiting for review."),
        "approved": _l("This day is already approved."),
        "returned": _l("This day was returned to the worker; it must be resubmitted first."),
    }[log.status]
    return Conflict(message)


def _move(log: DailyLog, from_statuses: tuple[str, ...], values: dict) -> bool:
    """Change the row only if it is still in one of from_statuses; True if it changed."""
    result = db.session.execute(
        sa.update(DailyLog)
        .where(DailyLog.id == log.id, DailyLog.status.in_(from_statuses))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    db.session.refresh(log)
    return True


def visit_count(log: DailyLog) -> int:
    """How many visits the day holds."""
    return (
        db.session.scalar(sa.select(sa.func.count(Visit.id)).where(Visit.daily_log_id == log.id))
        or 0
    )


NO_VISITS = _l("Log at least one visit before submitting the day.")


def submit(log: DailyLog | None, worker: User) -> None:
    """The worker hands in the day (first time, or again after a return)."""
    if log is None:  # a day without a visit has no log yet
        raise Conflict(NO_VISITS)
    if log.worker_id != worker.id:
        raise NotAllowed(_l("Only the worker whose day it is can submit it."))
    if log.status not in ("open", "returned"):
        raise _refusal(log)
    visits = visit_count(log)
    if visits == 0:
        raise Conflict(NO_VISITS)
    previous = log.status
    if not _move(
        log,
        ("open", "returned"),
        {"status": "submitted", "submitted_at": utcnow(), "changed_at": None},
    ):
        raise _refusal(log)
    record(
        "daylog_submitted",
        "daily_log",
        log.id,
        {"from": previous, "visits": visits, "day": log.day.isoformat()},
        user=worker,
    )


def _check_reviewer(log: DailyLog, reviewer: User) -> None:
    if reviewer.role not in SECRETARY or reviewer.community_id != log.community_id:
        raise NotAllowed(_l("Only the community's secretary reviews this day."))


def _own_visits(log: DailyLog, reviewer: User) -> bool:
    if log.worker_id == reviewer.id:
        return True
    return bool(
        db.session.scalar(
            sa.select(
                sa.exists().where(Visit.daily_log_id == log.id, Visit.worker_id == reviewer.id)
            )
        )
    )


def approve(log: DailyLog, reviewer: User) -> None:
    """Approve a submitted day; its records are locked from now on."""
    _check_reviewer(log, reviewer)
    if _own_visits(log, reviewer):
        raise Refusal(_l("You cannot approve a day with your own visits."))
    if log.status != "submitted":
        raise _refusal(log)
    if not _move(
        log,
        ("submitted",),
        {"status": "approved", "reviewed_at": utcnow(), "reviewed_by_id": reviewer.id},
    ):
        raise _refusal(log)
    record(
        "daylog_approved",
        "daily_log",
        log.id,
        {"day": log.day.isoformat(), "worker": log.worker_id},
        user=reviewer,
    )


def clean_text(text: str | None) -> str:
    return (text or "").strip()[:COMMENT_MAX]


def return_day(log: DailyLog, reviewer: User, comment: str) -> None:
    """Send a submitted day back to the worker with what to fix."""
    _check_reviewer(log, reviewer)
    comment = clean_text(comment)
    if not comment:
        raise Invalid(_l("Write what the worker should fix."), field="comment")
    if log.status != "submitted":
        raise _refusal(log)
    if not _move(
        log,
        ("submitted",),
        {
            "status": "returned",
            "comment": comment,
            "reviewed_at": utcnow(),
            "reviewed_by_id": reviewer.id,
        },
    ):
        raise _refusal(log)
    # The comment itself stays on the day, not in the audit trail (no free text there).
    record(
        "daylog_returned",
        "daily_log",
        log.id,
        {"day": log.day.isoformat(), "worker": log.worker_id},
        user=reviewer,
    )


def reopen(log: DailyLog, reviewer: User, reason: str) -> None:
    """Unlock an approved day: it goes back to the worker as returned, the reason as comment."""
    _check_reviewer(log, reviewer)
    reason = clean_text(reason)
    if not reason:
        raise Invalid(_l("Give the reason for reopening the day."), field="reason")
    if log.status != "approved":
        raise Conflict(_l("Only an approved day can be reopened."))
    if not _move(
        log,
        ("approved",),
        {
            "status": "returned",
            "comment": reason,
            "reviewed_at": utcnow(),
            "reviewed_by_id": reviewer.id,
            "reopened_at": utcnow(),
            "reopened_by_id": reviewer.id,
            "reopen_reason": reason,
        },
    ):
        raise Conflict(_l("Only an approved day can be reopened."))
    record(
        "daylog_reopened",
        "daily_log",
        log.id,
        {"day": log.day.isoformat(), "worker": log.worker_id},
        user=reviewer,
    )


def approve_many(logs: list[DailyLog], reviewer: User) -> tuple[list[DailyLog], list]:
    """Approve each of several days; returns (approved, [(log, reason refused)])."""
    done, refused = [], []
    for log in logs:
        try:
            with db.session.begin_nested():
                approve(log, reviewer)
            done.append(log)
        except Refusal as exc:
            refused.append((log, exc.message))
    return done, refused
