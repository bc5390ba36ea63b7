"""Hazards: created from a screening answer, then chased to rectified and verified."""

from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..enums import SEVERITY_DAYS
from ..extensions import db
from ..models import Answer, Department, Hazard, Photo, User, Visit
from ..permissions import SECRETARY
from ..refusals import Conflict, Invalid, NotAllowed
from ..review.locks import ensure_editable
from ..tallies import rollups
from ..timeutil import local_today, utcnow

NO_FIX_PHOTO = _l("Add at least one photo of the fix first.")
STATE_MESSAGES = {
    "open": _l("This hazard is open: it has not been marked rectified."),
    "rectified": _l("This hazard is already marked rectified and waits for verification."),
    "verified": _l("This hazard is already verified and closed."),
}
REPORTED = _l(
    "This hazard was reported to a department: its severity and deadline stay as reported."
)


def default_due(found_on: date, severity: str, item_severity: str, item_days: int) -> date:
    """Due date from the checklist item's default, or the severity scale if it was changed."""
    days = item_days if severity == item_severity else SEVERITY_DAYS[severity]
    return found_on + timedelta(days=days)


def open_from_answer(answer: Answer, visit: Visit) -> Hazard:
    """A 'hazard' answer opens a hazard with the item's default severity and deadline."""
    item = answer.item
    hazard = Hazard(
        answer_id=answer.id,
        visit_id=visit.id,
        item_id=item.id,
        template_id=item.template_id,
        grid_id=visit.grid_id,
        resident_id=visit.resident_id,
        project_id=visit.project_id,
        severity=item.default_severity,
        found_on=visit.visited_on,
        due_on=default_due(
            visit.visited_on, item.default_severity, item.default_severity, item.default_days
        ),
    )
    db.session.add(hazard)
    db.session.flush()
    record("hazard_opened", "hazard", hazard.id, {"item": item.code, "severity": hazard.severity})
    return hazard


ACTED_ON = _l("Something was already done about this hazard: the answer stays “hazard”.")


def untouched(hazard: Hazard) -> bool:
    """Nothing done about it yet (Hazard.acted_on), and no photo of a fix taken either."""
    return not hazard.acted_on and not has_fix_photo(hazard)


def withdraw(hazard: Hazard) -> None:
    """Remove a hazard opened by a mis-tap, while nothing has been done about it; Conflict
    when something has, even by a save that ran at the same moment."""
    # Read again under a row lock (PostgreSQL; SQLite's write transaction already holds
    # every writer off): a fix or report committed meanwhile is seen, not deleted with it.
    db.session.execute(
        sa.select(Hazard).where(Hazard.id == hazard.id).with_for_update(),
        execution_options={"populate_existing": True},
    )
    if not untouched(hazard):
        raise Conflict(ACTED_ON)
    record("hazard_withdrawn", "hazard", hazard.id)
    db.session.delete(hazard)
    db.session.flush()


def update_details(hazard: Hazard, note: str, severity: str, due_on: date | None) -> bool:
    """Record what the worker saw: the note, the severity and the deadline; False when the
    hazard already said all that.

    Only while the hazard is open and its day not approved: a rectified or verified
    hazard's severity and deadline are what it was judged by.
    """
    if hazard.visit is not None:
        ensure_editable(hazard.visit.daily_log)
    if hazard.status != "open":
        raise Conflict(STATE_MESSAGES[hazard.status])
    if hazard.reported_on is not None:
        # Whether the report came in time is measured against this deadline.
        raise Conflict(REPORTED)
    # A Save of the form as it stands (after a photo saved it, a double tap) is no update:
    # the audit would list a change nobody made.
    if (note, severity) == (hazard.note, hazard.severity) and due_on in (None, hazard.due_on):
        return False
    item = hazard.item
    hazard.note = note
    if severity != hazard.severity and due_on is None:
        due_on = default_due(hazard.found_on, severity, item.default_severity, item.default_days)
    hazard.severity = severity
    if due_on is not None:
        hazard.due_on = due_on
    db.session.flush()
    record("hazard_updated", "hazard", hazard.id, {"severity": severity})
    return True


def _move(hazard: Hazard, from_status: str, values: dict) -> None:
    """Change the hazard only if it is still in from_status (one winner of a race)."""
    result = db.session.execute(
        sa.update(Hazard)
        .where(Hazard.id == hazard.id, Hazard.status == from_status)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(hazard)
    rollups.recount_hazard(hazard)
    if result.rowcount != 1:
        raise Conflict(STATE_MESSAGES[hazard.status])


def has_fix_photo(hazard: Hazard) -> bool:
    """True when at least one photo of the fix is attached."""
    return bool(
        db.session.scalar(
            sa.select(
                sa.exists().where(Photo.hazard_id == hazard.id, Photo.is_rectification.is_(True))
            )
        )
    )


def rectify(hazard: Hazard, user: User, note: str) -> None:
    """Mark an open hazard rectified, with a note and at least one photo of the fix."""
    note = (note or "").strip()[:2000]
    if hazard.status != "open":
        raise Conflict(STATE_MESSAGES[hazard.status])
    if not note:
        raise Invalid(_l("Say what was done to fix it."), field="note")
    if not has_fix_photo(hazard):
        raise Invalid(NO_FIX_PHOTO)
    today = local_today()
    _move(
        hazard,
        "open",
        {
            "status": "rectified",
            "rectified_at": utcnow(),
            "rectified_on": today,
            "rectified_by_id": user.id,
            "rectified_note": note,
        },
    )
    record("hazard_rectified", "hazard", hazard.id, {"late": today > hazard.due_on}, user=user)


def _secretary(hazard: Hazard, user: User) -> None:
    if user.role not in SECRETARY or user.community_id != hazard.grid.community_id:
        raise NotAllowed(_l("Only the community's secretary verifies a fix."))


def verify(hazard: Hazard, user: User) -> None:
    """The secretary confirms the fix: the hazard is closed."""
    _secretary(hazard, user)
    if hazard.status != "rectified":
        raise Conflict(STATE_MESSAGES[hazard.status])
    _move(
        hazard,
        "rectified",
        {
            "status": "verified",
            "verified_at": utcnow(),
            "verified_by_id": user.id,
            "returned_comment": "",
        },
    )
    record("hazard_verified", "hazard", hazard.id, user=user)


def send_back(hazard: Hazard, user: User, comment: str) -> None:
    """The secretary finds the fix insufficient: the hazard is open again, with why."""
    _secretary(hazard, user)
    comment = (comment or "").strip()[:2000]
    if not comment:
        raise Invalid(_l("Say what is still wrong."), field="comment")
    if hazard.status != "rectified":
        raise Conflict(STATE_MESSAGES[hazard.status])
    _move(
        hazard,
        "rectified",
        {
            "status": "open",
            "returned_comment": comment,
            "rectified_at": None,
            "rectified_on": None,
            "rectified_by_id": None,
        },
    )
    record("hazard_sent_back", "hazard", hazard.id, user=user)


def report(hazard: Hazard, user: User, department_code: str, reported_on: date, note: str) -> None:
    """Record that the hazard was reported (上报) to a department: the worker's clock stops at
    the report; the hazard stays open until its fix is verified."""
    if db.session.get(Department, department_code or "") is None:
        raise Invalid(_l("Choose the department from the list."), field="department")
    if reported_on < hazard.found_on:
        raise Invalid(_l("It cannot be reported before it was found."), field="reported_on")
    if reported_on > local_today():
        raise Invalid(_l("This date is in the future."), field="reported_on")
    if hazard.status != "open":
        raise Conflict(STATE_MESSAGES[hazard.status])
    result = db.session.execute(
        sa.update(Hazard)
        .where(Hazard.id == hazard.id, Hazard.status == "open", Hazard.reported_on.is_(None))
        .values(
            reported_on=reported_on,
            department_code=department_code,
            reported_by_id=user.id,
            report_note=(note or "").strip()[:2000],
            department_progress="reported",
            department_updated_on=reported_on,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(hazard)
    if result.rowcount != 1:
        if hazard.status != "open":
            raise Conflict(STATE_MESSAGES[hazard.status])
        raise Conflict(_l("This hazard is already reported to a department."))
    # A Core UPDATE passes the flush hook by: a reported hazard leaves the overdue count.
    rollups.recount_hazard(hazard)
    record(
        "hazard_reported",
        "hazard",
        hazard.id,
        {
            "department": department_code,
            "on": reported_on.isoformat(),
            "late_days": hazard.report_days_late(),
        },
        user=user,
    )


def record_department_progress(hazard: Hazard, user: User, progress: str, note: str) -> None:
    """The secretary records how far the department has got with a reported hazard."""
    _secretary(hazard, user)
    if hazard.reported_on is None:
        raise Conflict(_l("This hazard has not been reported to a department."))
    if hazard.status == "verified":
        raise Conflict(STATE_MESSAGES["verified"])
    hazard.department_progress = progress
    hazard.department_note = (note or "").strip()[:2000]
    hazard.department_updated_on = local_today()
    db.session.flush()
    record("hazard_department_progress", "hazard", hazard.id, {"progress": progress}, user=user)
