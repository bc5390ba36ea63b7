"""Writes to residents: add, edit, archive. Flush and audit; the request commits once."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..extensions import db
from ..idempotency import create_once, holds
from ..models import CareReason, Resident
from ..refusals import Conflict, Invalid
from ..timeutil import utcnow

FIELDS = ("name", "grid_id", "building", "unit", "room", "phone", "household_size", "notes")


def _apply(resident: Resident, data: dict) -> None:
    for name in FIELDS:
        if name in data:
            setattr(resident, name, data[name] if data[name] is not None else "")
    resident.phone = data.get("phone") or None
    codes = data.get("care_reasons") or []
    resident.care_reasons = list(
        db.session.scalars(sa.select(CareReason).where(CareReason.code.in_(codes)))
    )


def create_resident(data: dict, client_uuid: str) -> tuple[Resident, bool]:
    """Add a resident to a grid's caseload, with the stated reasons, once per client UUID."""

    def create() -> Resident:
        resident = Resident(uuid=client_uuid)
        _apply(resident, data)
        db.session.add(resident)
        db.session.flush()
        record("resident_created", "resident", resident.id, {"grid": resident.grid_id})
        return resident

    # What _apply stores, as it stores it.
    sent = {name: data[name] if data[name] is not None else "" for name in FIELDS if name in data}
    sent["phone"] = data.get("phone") or None
    reasons = sorted(data.get("care_reasons") or [])

    def same(existing: Resident) -> bool:
        return holds(existing, sent) and sorted(r.code for r in existing.care_reasons) == reasons

    return create_once(
        Resident,
        client_uuid,
        create,
        same,
        _l(
            "This form was already sent with other content. "
            "Reload the page to add another resident."
        ),
    )


def already_created(client_uuid: str) -> bool:
    """True when a resident was already added from this form (a retry or double tap)."""
    return db.session.scalar(sa.select(Resident.id).where(Resident.uuid == client_uuid)) is not None


CORRECTION_REASONS = ("resident_asked", "found_wrong")


def update_resident(resident: Resident, data: dict, reason: str | None = None) -> None:
    """Change a resident's details; the audit lists which fields changed, not their values.

    An archived record is corrected only with a reason code (PIPL Art. 46)."""
    if resident.archived_at is not None and reason not in CORRECTION_REASONS:
        raise Invalid(_l("Say why this archived record is corrected."), "correction_reason")
    before = {f: getattr(resident, f) for f in FIELDS}
    before_reasons = {c.code for c in resident.care_reasons}
    _apply(resident, data)
    changed = sorted(f for f in FIELDS if getattr(resident, f) != before[f])
    if {c.code for c in resident.care_reasons} != before_reasons:
        changed.append("care_reasons")
    db.session.flush()
    detail = {"fields": changed}
    if resident.archived_at is not None:
        detail.update(archived=True, reason=reason)
    record("resident_updated", "resident", resident.id, detail)


def archive_resident(resident: Resident) -> None:
    """Take a resident off the active caseload (personal fields are erased after retention)."""
    if resident.archived_at is None:
        resident.archived_at = utcnow()
        record("resident_archived", "resident", resident.id)


ERASE_REASONS = ("resident_asked", "consent_withdrawn", "collected_by_mistake")


def erase_on_request(resident: Resident, reason: str, user) -> None:
    """Erase a resident now, at their request (PIPL Art. 47): the same erasure as retention,
    audited with who and why (a reason code, never free text); files go after the commit."""
    from ..ops.retention import ErasureReport, erase_resident
    from ..photos.queries import referenced_keys
    from ..photos.services import _pending

    if reason not in ERASE_REASONS:
        raise Invalid(_l("Choose why the record is erased."), "reason")
    if resident.erased_at is not None:
        raise Conflict(_l("This resident's personal data is already erased."))
    report = ErasureReport()
    resident.archived_at = resident.archived_at or utcnow()
    erase_resident(resident, report, {"reason": reason, "on_request": True}, user=user)
    unused = report.photo_keys - referenced_keys(sorted(report.photo_keys))
    _pending(db.session)["delete"].extend(sorted(unused))
