"""Screening runs: start one on a visit, save each answer as it is tapped."""

import sqlalchemy as sa
from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..extensions import db
from ..hazards import services as hazards
from ..idempotency import create_once
from ..labels import LABELS
from ..models import Answer, ChecklistItem, ChecklistTemplate, Hazard, Screening, Visit
from ..permissions import DISCARD_ANSWERED, DISCARD_SUBMITTED
from ..refusals import Conflict, Invalid
from ..review.locks import ensure_editable
from ..timeutil import utcnow
from .queries import unanswered_items

DISCARDED = _l(
    "This checklist was discarded, so this was not saved to it. If the visit needs a "
    "checklist, start a new one on the visit."
)


def hold(screening: Screening) -> None:
    """Keep the checklist from being discarded until this save is done; Conflict if it was.

    A discard holds the checklist (discard() below) and goes only while nothing is saved to
    it. A save takes a lock that waits for a discard under way, and that the discard then
    waits for (FOR KEY SHARE on PostgreSQL, which saves to one checklist do not wait for;
    SQLite's write transaction already serialises): either the save comes first and the
    discard is refused, or the discard does and this says so, instead of a foreign key
    error (a 500) when the answer is written under a checklist just deleted.
    """
    held = sa.select(Screening.id).where(Screening.id == screening.id)
    if db.session.scalar(held.with_for_update(key_share=True)) is None:
        raise Conflict(DISCARDED)


def _not_run_on(visit: Visit, template: ChecklistTemplate) -> LazyString:
    """Why the visit does not run the checklist, in the reader's language when shown."""
    checklist = LazyString(lambda: template.name(str(get_locale())))
    if template.visit_purpose != visit.purpose:
        return _l(
            "“%(checklist)s” is filled in on visits whose purpose is “%(fits)s”; this "
            "visit's purpose is “%(purpose)s”. Choose a checklist this visit offers, or "
            "change its purpose first.",
            checklist=checklist,
            fits=LABELS["purpose"][template.visit_purpose],
            purpose=LABELS["purpose"][visit.purpose],
        )
    # Of its purpose, but of the other kind of visit: changing the purpose would not help.
    if template.on_site:
        return _l(
            "“%(checklist)s” is filled in on a visit to a project's site, logged on the "
            "project's page; this is a visit to a resident.",
            checklist=checklist,
        )
    return _l(
        "“%(checklist)s” is filled in on a visit to a resident; this is a visit to a "
        "project's site.",
        checklist=checklist,
    )


def start(visit: Visit, template: ChecklistTemplate, client_uuid: str) -> Screening:
    """Begin a checklist on a visit (once per client UUID); Conflict if the visit is gone,
    Invalid if the checklist is not one it runs (models.ChecklistTemplate.fits)."""
    if not template.fits(visit):
        # A page from before the purpose was changed, a phone's outbox, a crafted post: the
        # buttons offer only the purpose's checklists, and the tallies count them by it.
        raise Invalid(_not_run_on(visit, template))
    # The visit may be being deleted right now. Hold it (a row lock on PostgreSQL; SQLite's
    # write transaction already serialises) so the checklist starts first and goes with the
    # visit, or the delete wins and this says so, instead of a foreign key error (a 500).
    held = sa.select(Visit.id).where(Visit.id == visit.id).with_for_update(key_share=True)
    if db.session.scalar(held) is None:
        raise Conflict(_l("This visit was deleted; the checklist was not started."))
    ensure_editable(visit.daily_log)

    def create() -> Screening:
        s = Screening(uuid=client_uuid, visit_id=visit.id, template_id=template.id)
        db.session.add(s)
        db.session.flush()
        record("screening_started", "screening", s.id, {"template": template.code})
        return s

    screening, _created = create_once(
        Screening,
        client_uuid,
        create,
        # A retried start opens the checklist it began, even if another one was tapped.
        lambda s: s.visit_id == visit.id,
    )
    return screening


def answer(
    screening: Screening,
    item: ChecklistItem,
    value: str,
    described: tuple | None = None,
    note: str | None = None,
) -> Answer:
    """Save one answer; a 'hazard' opens a hazard, changing it back withdraws an untouched one.

    A hazard is opened only with what the worker says about it (`described`: note, severity,
    deadline), in the same save: an open hazard without a note would count on the hazard
    board and in the tallies with nothing to act on. A tap on "hazard" alone stores nothing
    (the route opens the form for it).

    On a welfare item "needs attention" is a concern, never a hazard: it offers a referral,
    and says in a few words (`note`) what needs attention; None leaves the note as it is.
    A page (or an outbox entry) from before an item became a welfare item may still say
    "hazard" for it, and the other way round: the item decides.
    """
    if value in ("hazard", "concern"):
        value = item.concern_value()
    hold(screening)
    visit = screening.visit
    ensure_editable(visit.daily_log)
    if value == "hazard" and described is None and hazard_of(screening, item) is None:
        raise ValueError("a new hazard is saved with its description")
    ans = db.session.scalar(
        sa.select(Answer).where(Answer.screening_id == screening.id, Answer.item_id == item.id)
    )
    if ans is None:
        ans = Answer(screening_id=screening.id, item_id=item.id, value=value)
        db.session.add(ans)
        db.session.flush()
        record("answer_saved", "answer", ans.id, {"value": value})
    elif ans.value != value:
        ans.value = value
        ans.answered_at = utcnow()
        record("answer_changed", "answer", ans.id, {"value": value})
    if value == "concern" and note is not None and note != ans.note:
        ans.note = note
        record("answer_noted", "answer", ans.id, {"value": value})
    elif value != "concern" and ans.note:
        ans.note = ""  # what needed attention no longer does
    hazard = ans.hazard
    if value == "hazard" and hazard is None:
        hazard = hazards.open_from_answer(ans, visit)
        hazards.update_details(hazard, *described)
    elif value != "hazard" and hazard is not None:
        # Fixed, sent back, reported: withdraw() refuses under a lock, and the refusal rolls
        # the changed answer and its audit line back with it.
        hazards.withdraw(hazard)
    db.session.flush()
    db.session.refresh(ans)
    return ans


def hazard_of(screening: Screening, item: ChecklistItem):
    """The hazard already opened on this item of the checklist, or None."""
    return db.session.scalar(
        sa.select(Hazard)
        .join(Answer, Hazard.answer_id == Answer.id)
        .where(Answer.screening_id == screening.id, Answer.item_id == item.id)
    )


def answer_remaining(screening: Screening, value: str) -> list[Answer]:
    """Answer every item not yet answered with one value, audited as one bulk answer."""
    hold(screening)
    ensure_editable(screening.visit.daily_log)
    items = unanswered_items(screening)
    answers = [Answer(screening_id=screening.id, item_id=i.id, value=value) for i in items]
    db.session.add_all(answers)
    db.session.flush()
    if answers:
        record(
            "answers_bulk_saved",
            "screening",
            screening.id,
            {"value": value, "items": [i.code for i in items]},
        )
    return answers


def finish(screening: Screening) -> None:
    """Mark the checklist done (answers can still be corrected until the day is approved)."""
    hold(screening)
    ensure_editable(screening.visit.daily_log)
    if screening.completed_at is None:
        screening.completed_at = utcnow()
        record("screening_finished", "screening", screening.id)


def discard(screening: Screening) -> int:
    """Remove a checklist started with nothing checked (a mistaken tap); the visit's id.

    Refused once an answer is saved (its hazards, photos and referrals hang on the answers)
    or while the day is with the secretary or approved. Audited like the other deletes, with
    what names it, so that a retried request finds it gone and says it was discarded.
    """
    visit = screening.visit
    ensure_editable(visit.daily_log)
    if visit.daily_log.status == "submitted":
        raise Conflict(DISCARD_SUBMITTED)
    # Held (a row lock on PostgreSQL; SQLite's write transaction already serialises): a save
    # to it under way (hold() above) comes first and refuses this, or waits and is refused.
    # What it says is read once the lock is ours: a finish may have committed meanwhile.
    held = db.session.execute(
        sa.select(Screening.id, Screening.completed_at)
        .where(Screening.id == screening.id)
        .with_for_update()
    ).first()
    if held is None:
        # Discarded by another request meanwhile (a double tap): the same answer as a retry.
        return visit.id
    answered = db.session.scalar(
        sa.select(sa.func.count(Answer.id)).where(Answer.screening_id == screening.id)
    )
    if answered or held.completed_at is not None:
        raise Conflict(DISCARD_ANSWERED)
    record(
        "screening_discarded",
        "screening",
        screening.id,
        {"visit": visit.id, "template": screening.template.code, "uuid": screening.uuid},
    )
    db.session.delete(screening)
    db.session.flush()
    return visit.id
