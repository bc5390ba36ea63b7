"""Reads for screenings: templates to choose from, a screening with its answers."""

import json

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..enums import VISIT_PURPOSES
from ..extensions import db
from ..models import (
    Answer,
    AuditEvent,
    ChecklistItem,
    ChecklistTemplate,
    DailyLog,
    Photo,
    Screening,
    Visit,
)
from ..scope import select_for


def active_templates() -> list[ChecklistTemplate]:
    return list(
        db.session.scalars(
            sa.select(ChecklistTemplate)
            .where(ChecklistTemplate.active.is_(True))
            .order_by(ChecklistTemplate.id)
        )
    )


def templates_by_purpose(on_site: bool) -> dict[str, list[ChecklistTemplate]]:
    """The active checklists a project's visit (`on_site`) or a resident's offers, by the
    visit purpose that offers them, purposes in form order."""
    found: dict[str, list[ChecklistTemplate]] = {p: [] for p in VISIT_PURPOSES}
    for t in active_templates():
        if t.on_site == on_site:
            found[t.visit_purpose].append(t)
    return {p: ts for p, ts in found.items() if ts}


def unfinished_count(of: type[Visit] | type[DailyLog], answered: bool = True) -> sa.ScalarSelect:
    """The number of checklists not finished of each visit, or of each day's visits, as a
    column correlated with the row of `of` in the statement that takes it: those with some
    items answered, or (`answered=False`) those started with nothing checked yet.

    The two are told apart because they mean different things to the day: one is work left
    half done, the other a checklist opened by a tap (a mistake, or a door that closed) that
    the worker discards or fills in (walk: a blank one read "not finished, 0 answered")."""
    # The day's count goes through its visits' rows: correlated with daily_logs at one level
    # (see review.queries._counts).
    if of is DailyLog:
        stmt = (
            sa.select(sa.func.count(Screening.id))
            .join(Visit, Visit.id == Screening.visit_id)
            .where(Visit.daily_log_id == DailyLog.id)
        )
    else:
        stmt = sa.select(sa.func.count(Screening.id)).where(Screening.visit_id == Visit.id)
    has_answers = sa.exists().where(Answer.screening_id == Screening.id)
    return stmt.where(
        Screening.completed_at.is_(None), has_answers if answered else ~has_answers
    ).scalar_subquery()


def answers_by_item(screening: Screening) -> dict[int, Answer]:
    """The screening's answers keyed by checklist item, hazards loaded with them."""
    answers = db.session.scalars(
        sa.select(Answer)
        .where(Answer.screening_id == screening.id)
        .options(selectinload(Answer.hazard))
    )
    return {a.item_id: a for a in answers}


def photos_by_hazard(hazard_ids: list[int]) -> dict[int, list[Photo]]:
    """The photos of what was found; the fix's are the hazard page's (they are its evidence,
    kept with the step that recorded them)."""
    if not hazard_ids:
        return {}
    result: dict[int, list[Photo]] = {}
    for p in db.session.scalars(
        select_for(Photo)
        .where(Photo.hazard_id.in_(hazard_ids), Photo.is_rectification.is_(False))
        .order_by(Photo.id)
    ):
        result.setdefault(p.hazard_id, []).append(p)
    return result


def photos_by_answer(screening: Screening) -> dict[int, list[Photo]]:
    """Photos of the screening's answers (any item, not only hazards), in one query."""
    result: dict[int, list[Photo]] = {}
    answer_ids = sa.select(Answer.id).where(Answer.screening_id == screening.id)
    for p in db.session.scalars(
        select_for(Photo).where(Photo.answer_id.in_(answer_ids)).order_by(Photo.id)
    ):
        result.setdefault(p.answer_id, []).append(p)
    return result


def counts(screening: Screening) -> dict[str, int]:
    """How many items are ok, hazards, not applicable, still unanswered, and answered in all."""
    rows = db.session.execute(
        sa.select(Answer.value, sa.func.count())
        .where(Answer.screening_id == screening.id)
        .group_by(Answer.value)
    ).all()
    result = {"ok": 0, "hazard": 0, "na": 0, "concern": 0}
    result.update({value: n for value, n in rows})
    answered = sum(result.values())
    result["unanswered"] = len(screening.template.items) - answered
    result["answered"] = answered
    return result


def unanswered_items(screening: Screening) -> list[ChecklistItem]:
    """The checklist's items with no answer yet, in checklist order."""
    answered = set(
        db.session.scalars(sa.select(Answer.item_id).where(Answer.screening_id == screening.id))
    )
    return [i for i in screening.template.items if i.id not in answered]


def undescribed_hazards(screening: Screening) -> list[ChecklistItem]:
    """Items whose open hazard still lacks its required note."""
    answers = answers_by_item(screening).values()
    hazards = [a for a in answers if a.hazard is not None and a.hazard.status == "open"]
    return [a.item for a in hazards if not a.hazard.note]


def unexplained_concerns(screening: Screening) -> list[ChecklistItem]:
    """Welfare items marked "needs attention" with nothing said of what: no note, and no
    referral (whose note tells the service)."""
    from ..referrals.models import Referral

    referred = sa.select(Referral.id).where(Referral.answer_id == Answer.id).exists()
    return list(
        db.session.scalars(
            sa.select(ChecklistItem)
            .join(Answer, Answer.item_id == ChecklistItem.id)
            .where(
                Answer.screening_id == screening.id,
                Answer.value == "concern",
                Answer.note == "",
                ~referred,
            )
            .order_by(ChecklistItem.position, ChecklistItem.id)
        )
    )


def discarded_visit_id(screening_id: int | None, screening_uuid: str | None) -> int | None:
    """The visit of a checklist already discarded, from the audit trail; None if it never was.

    Named by its id and UUID both where both are known (SQLite may give a later checklist the
    id again), else by the one known: a save addressed to it by id, or by the UUID a phone
    gave it."""
    stmt = sa.select(AuditEvent.detail).where(
        AuditEvent.object_type == "screening", AuditEvent.action == "screening_discarded"
    )
    if screening_id is not None:
        stmt = stmt.where(AuditEvent.object_id == str(screening_id))
    if screening_uuid:
        stmt = stmt.where(AuditEvent.detail.contains(screening_uuid, autoescape=True))
    for detail in db.session.scalars(stmt):
        found = json.loads(detail or "{}")
        if screening_uuid is None or found.get("uuid") == screening_uuid:
            return found.get("visit")
    return None
