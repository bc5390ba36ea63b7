"""Hazards: created from a screening answer, then chased to rectified and verified."""

from datetime import date, timedelta

from ..audit.services import record
from ..enums import SEVERITY_DAYS
from ..extensions import db
from ..models import Answer, Hazard, Visit


def default_due(found_on: date, severity: str, item_severity: str, item_days: int) -> date:
    """Due date from the checklist item's default, or the severity scale if it was changed."""
    days = item_days if severity == item_severity else SEVERITY_DAYS[severity]
    return found_on + timedelta(days=days)


def open_from_answer(answer: Answer, visit: Visit) -> Hazard:
    """A 'hazard' answer opens a hazard with the item's default severity and deadline."""
    item = answer.item
    hazard = Hazard(
        answer_id=answer.id, visit_id=visit.id, item_id=item.id, template_id=item.template_id,
        grid_id=visit.grid_id, resident_id=visit.resident_id, project_id=visit.project_id,
        severity=item.default_severity, found_on=visit.visited_on,
        due_on=default_due(visit.visited_on, item.default_severity, item.default_severity,
                           item.default_days),
    )
    db.session.add(hazard)
    db.session.flush()
    record("hazard_opened", "hazard", hazard.id, {"item": item.code, "severity": hazard.severity})
    return hazard


def withdraw(hazard: Hazard) -> None:
    """Remove a hazard opened by a mis-tap, while nothing has been done about it."""
    record("hazard_withdrawn", "hazard", hazard.id)
    db.session.delete(hazard)
    db.session.flush()


def update_details(hazard: Hazard, note: str, severity: str, due_on: date | None) -> None:
    """Record what the worker saw: the note, the severity and the deadline."""
    item = hazard.item
    hazard.note = note
    if severity != hazard.severity and due_on is None:
        due_on = default_due(hazard.found_on, severity, item.default_severity, item.default_days)
    hazard.severity = severity
    if due_on is not None:
        hazard.due_on = due_on
    db.session.flush()
    record("hazard_updated", "hazard", hazard.id, {"severity": severity})
