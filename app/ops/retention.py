"""Erase archived residents' personal information once the retention period is over.

PIPL Art. 19: keep personal information only as long as needed. A resident archived longer
than RETENTION_DAYS keeps a row (counts, tallies and the audit trail still point at it) but
loses everything that identifies them: name, address, phone, household size, care reasons,
notes, the free text and photos recorded about them on visits, screenings, hazards and
requests, and their name in the comments on daily logs. A secretary erases a resident at
once on request (Art. 47) through the same function.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..audit.services import record
from ..extensions import db
from ..models import (
    Answer,
    Concern,
    DailyLog,
    Grid,
    Hazard,
    Photo,
    Referral,
    Request,
    RequestEvent,
    Resident,
    Screening,
    Visit,
)
from ..timeutil import utcnow

ERASED_NAME = "已删除"


@dataclass
class ErasureReport:
    """What a retention run erased (or would erase, in a dry run)."""

    resident_ids: list[int] = field(default_factory=list)
    photo_keys: set[str] = field(default_factory=set)
    photos: int = 0


def due_for_erasure(retention_days: int, now: datetime | None = None) -> list[int]:
    """Ids of residents archived longer than the retention period and not yet erased."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    return list(
        db.session.scalars(
            sa.select(Resident.id)
            .where(
                Resident.archived_at.is_not(None),
                Resident.archived_at <= cutoff,
                Resident.erased_at.is_(None),
            )
            .order_by(Resident.id)
        )
    )


def erase_resident(
    resident: Resident, report: ErasureReport, detail: dict | None = None, user=None
) -> None:
    """Blank the resident's personal fields and the free text about them; flush, audit."""
    rid = resident.id
    name = resident.name
    community_id = db.session.scalar(
        sa.select(Grid.community_id).where(Grid.id == resident.grid_id)
    )
    resident.name = ERASED_NAME
    resident.building = resident.unit = resident.room = ""
    resident.phone = None
    resident.notes = ""
    resident.household_size = 0
    resident.care_reasons = []
    resident.erased_at = utcnow()

    visit_ids = sa.select(Visit.id).where(Visit.resident_id == rid)
    answer_ids = (
        sa.select(Answer.id)
        .join(Screening, Answer.screening_id == Screening.id)
        .where(Screening.visit_id.in_(visit_ids))
    )
    hazard_ids = sa.select(Hazard.id).where(Hazard.resident_id == rid)
    request_ids = sa.select(Request.id).where(Request.resident_id == rid)
    blank = {"synchronize_session": False}
    db.session.execute(
        sa.update(Visit).where(Visit.resident_id == rid).values(summary=""), execution_options=blank
    )
    db.session.execute(
        sa.update(Answer).where(Answer.id.in_(answer_ids)).values(note=""), execution_options=blank
    )
    db.session.execute(
        sa.update(Concern).where(Concern.visit_id.in_(visit_ids)).values(summary=""),
        execution_options=blank,
    )
    db.session.execute(
        sa.update(Hazard)
        .where(Hazard.resident_id == rid)
        .values(
            note="", rectified_note="", returned_comment="", report_note="", department_note=""
        ),
        execution_options=blank,
    )
    # A referral says what the person needs (health, self-care): sensitive, it goes too.
    db.session.execute(
        sa.update(Referral).where(Referral.resident_id == rid).values(note="", outcome=""),
        execution_options=blank,
    )
    db.session.execute(
        sa.update(Request)
        .where(Request.resident_id == rid)
        .values(summary="", decision_reason="", extension_reason="", reply_text=""),
        execution_options=blank,
    )
    db.session.execute(
        sa.update(RequestEvent).where(RequestEvent.request_id.in_(request_ids)).values(note=""),
        execution_options=blank,
    )
    # A secretary's comment returning a day, or her reason for reopening one, may name the
    # resident: the name goes.
    if name and name != ERASED_NAME:
        for column in (DailyLog.comment, DailyLog.reopen_reason):
            db.session.execute(
                sa.update(DailyLog)
                .where(DailyLog.community_id == community_id, column.contains(name))
                .values({column: sa.func.replace(column, name, ERASED_NAME)}),
                execution_options=blank,
            )

    # Photos of their home and of them: the rows go now, the files once nothing uses them.
    photo_filter = sa.or_(
        Photo.visit_id.in_(visit_ids),
        Photo.answer_id.in_(answer_ids),
        Photo.hazard_id.in_(hazard_ids),
    )
    for full, thumb in db.session.execute(
        sa.select(Photo.sha256, Photo.thumb_sha256).where(photo_filter)
    ):
        report.photo_keys.update((full, thumb))
        report.photos += 1
    db.session.execute(sa.delete(Photo).where(photo_filter), execution_options=blank)
    db.session.flush()
    # The stub keeps ids and codes only: no name, nothing typed.
    record("resident_erased", "resident", rid, detail, user=user)
    report.resident_ids.append(rid)


def run_retention(
    retention_days: int, dry_run: bool = False, now: datetime | None = None
) -> ErasureReport:
    """Erase every resident due; the caller commits (or, for a dry run, rolls back)."""
    report = ErasureReport()
    for rid in due_for_erasure(retention_days, now):
        if dry_run:
            report.resident_ids.append(rid)
            continue
        erase_resident(db.session.get(Resident, rid), report)
    db.session.expire_all()
    return report


def delete_unused_files(keys: set[str]) -> int:
    """After the commit: remove the erased photos' files no other photo uses."""
    from ..photos.queries import referenced_keys
    from ..photos.storage import get_store

    store = get_store()
    unused = keys - referenced_keys(sorted(keys))
    for key in unused:
        store.delete(key)
    return len(unused)
