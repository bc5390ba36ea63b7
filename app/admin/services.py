"""The administrator's changes to reference data."""

from ..audit.services import record
from ..models import CareReason


def set_visit_cadence(reason: CareReason, every_days: int | None) -> bool:
    """Set the days between visits for a care reason (None: no round); audited. True if
    it changed."""
    if reason.visit_every_days == every_days:
        return False
    before, reason.visit_every_days = reason.visit_every_days, every_days
    record(
        "visit_cadence_changed",
        "care_reason",
        reason.code,
        {"from": before, "to": every_days},
    )
    return True
