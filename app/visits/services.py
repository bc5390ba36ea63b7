"""Writes to visits and the worker's daily logs."""

from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import LazyString, format_date, get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..extensions import db
from ..idempotency import PayloadMismatch, create_once, holds
from ..labels import LABELS
from ..models import Concern, DailyLog, Project, Resident, User, Visit
from ..refusals import Conflict, Invalid, Locked
from ..review.locks import ensure_editable, mark_changed
from ..timeutil import captured_moment, moment_on, utcnow

# What a worker enters and may correct until the day is approved (the form's fields too).
FIELDS = ("purpose", "summary", "outcome", "visited_on", "follow_up_on")
# A site visit may also record the residents' concern about the project (create only).
CONCERN_FIELDS = ("concern_summary", "concern_factor_id")
# The purposes whose visit opens a checklist: a hazard screening, the welfare check on an
# elderly-care visit, the site check on a project visit (each checklist's purpose:
# app/screening/models.py).
SCREENING = "screening"
ELDERLY_CARE = "elderly_care"
PROJECT = "project"


ADDED_TO_APPROVED = _l(
    "This day's log is already approved, so no visit can be added to it. Ask your community "
    "secretary to reopen the day, then save again."
)


def daily_log_for(worker: User, day: date) -> DailyLog:
    """The worker's log for that day, created on first use; refused if approved."""
    stmt = sa.select(DailyLog).where(DailyLog.worker_id == worker.id, DailyLog.day == day)
    log = db.session.scalar(stmt)
    if log is None:
        try:
            with db.session.begin_nested():
                log = DailyLog(worker_id=worker.id, community_id=worker.community_id, day=day)
                db.session.add(log)
        except IntegrityError:
            log = db.session.scalar(stmt)
    if log.locked:
        # A visit made after the secretary approved the day: typing cannot mend it, the
        # secretary's reopening can (under htmx the form keeps what was typed meanwhile).
        raise Locked(ADDED_TO_APPROVED)
    mark_changed(log)
    return log


SENT_BEFORE = _l(
    "This form was already sent with other content. Open the saved visit to change it."
)


def create_visit(
    worker: User,
    data: dict,
    client_uuid: str,
    resident: Resident | None,
    project: Project | None,
    captured_at: str | None = None,
    repeat_ok: bool = True,
):
    """Log a visit once per client UUID; returns (visit, created).

    With `repeat_ok` False a new UUID whose content the worker saved moments ago is refused
    (RepeatedVisit) until she says it is another visit: a page opened again by Back (never
    kept by the browser: no-store) carries a fresh UUID, and its Save would log the visit
    twice."""
    # `captured_at`: when the phone's outbox queued the form (epoch ms). A visit that waited
    # for signal is placed in its day then, not when it arrived, if that time is believable;
    # otherwise (and online) as before. Never a reason to refuse: a phone's clock can be wrong.

    def create() -> Visit:
        if not repeat_ok:
            earlier = _same_visit_just_saved(sent, sent_concern)
            if earlier is not None:
                raise RepeatedVisit(earlier)
        log = daily_log_for(worker, data["visited_on"])
        visit = Visit(
            uuid=client_uuid,
            worker_id=worker.id,
            daily_log_id=log.id,
            grid_id=resident.grid_id if resident else _project_grid(worker, project),
            resident_id=resident.id if resident else None,
            project_id=project.id if project else None,
            **{f: data.get(f) for f in FIELDS},
        )
        visit.summary = visit.summary or ""
        visit.captured_at = captured_moment(captured_at, visit.visited_on)
        visit.visited_at = visit.captured_at or moment_on(visit.visited_on)
        db.session.add(visit)
        db.session.flush()
        if project is not None and data.get("concern_summary"):
            from ..projects.services import record_concern

            record_concern(visit, data.get("concern_factor_id") or None, data["concern_summary"])
        record(
            "visit_created",
            "visit",
            visit.id,
            {"resident": visit.resident_id, "project": visit.project_id},
        )
        return visit

    sent = {
        "worker_id": worker.id,
        "resident_id": resident.id if resident else None,
        "project_id": project.id if project else None,
        **{f: data.get(f) for f in FIELDS},
        "summary": data.get("summary") or "",
    }

    concern = (data.get("concern_summary") or "").strip()
    sent_concern = (data.get("concern_factor_id") or None, concern) if project and concern else None

    # Not the capture time: a form whose answer was lost is queued after the server saved it,
    # and its resend (a later captured_at) is still the same visit, kept as first saved.
    def same(existing: Visit) -> bool:
        return _holds_visit(existing, sent, sent_concern)

    try:
        return create_once(Visit, client_uuid, create, same, SENT_BEFORE)
    except PayloadMismatch as mismatch:
        if mismatch.existing.worker_id == worker.id:
            raise
        # Another worker's UUID: say it without pointing at a visit they cannot open.
        raise PayloadMismatch(None) from None


REPEAT_WINDOW = timedelta(minutes=30)


class RepeatedVisit(Conflict):
    """The same visit (subject, purpose, outcome, summary, days) was saved by the worker
    within REPEAT_WINDOW under another UUID; `existing` is that visit."""

    def __init__(self, existing: Visit):
        super().__init__(
            _l(
                "A visit with these same words was saved a few minutes ago. Open the saved "
                "visit, or, if this is another visit, tap “Save as another visit”."
            )
        )
        self.existing = existing


def _same_visit_just_saved(sent: dict, sent_concern) -> Visit | None:
    candidates = db.session.scalars(
        sa.select(Visit)
        .where(
            Visit.worker_id == sent["worker_id"],
            Visit.resident_id.is_(None)
            if sent["resident_id"] is None
            else Visit.resident_id == sent["resident_id"],
            Visit.project_id.is_(None)
            if sent["project_id"] is None
            else Visit.project_id == sent["project_id"],
            Visit.visited_on == sent["visited_on"],
            Visit.purpose == sent["purpose"],
            Visit.summary == sent["summary"],
            Visit.created_at >= utcnow() - REPEAT_WINDOW,
        )
        .order_by(Visit.id.desc())
    )
    return next((v for v in candidates if _holds_visit(v, sent, sent_concern)), None)


def _holds_visit(visit: Visit, sent: dict, sent_concern) -> bool:
    """True if the visit holds what was sent, its project concern included."""
    stored = db.session.execute(
        sa.select(Concern.risk_factor_id, Concern.summary).where(Concern.visit_id == visit.id)
    ).first()
    return holds(visit, sent) and (tuple(stored) if stored else None) == sent_concern


def _project_grid(worker: User, project: Project) -> int:
    """A site visit counts in the worker's grid within the project's community."""
    for grid in worker.grids:
        if grid.community_id == project.community_id:
            return grid.id
    return worker.grids[0].id


def update_visit(visit: Visit, data: dict) -> None:
    """Correct a visit of a day that is not approved."""
    changed = [f for f in FIELDS if f in data and getattr(visit, f) != data[f]]
    ensure_editable(visit.daily_log, changes=bool(changed))
    if "purpose" in changed:
        _keep_checklists_fitting(visit, data["purpose"])
    if "visited_on" in changed:
        try:
            new_log = daily_log_for(visit.worker, data["visited_on"])
        except Locked as err:
            # Another date mends it: said on the date, with what was typed kept (a 409 page
            # read as if the visit's own day were locked).
            raise Invalid(
                _l(
                    "%(day)s is already approved, so the visit cannot be moved to it. Choose "
                    "another day, or ask your community secretary to reopen that one.",
                    day=LazyString(lambda d=data["visited_on"]: format_date(d, "medium")),
                ),
                "visited_on",
            ) from err
        visit.daily_log_id = new_log.id
        _move_what_the_visit_found(visit, data["visited_on"] - visit.visited_on)
    for f in changed:
        setattr(visit, f, data[f] if data[f] is not None or f == "follow_up_on" else "")
    db.session.flush()
    record("visit_updated", "visit", visit.id, {"fields": changed})


def _move_what_the_visit_found(visit: Visit, shift: timedelta) -> None:
    """A visit given another date keeps its time of day, and what was found at it moves with
    it: its checklists' times, its hazards' found and due dates (the days allowed to fix them
    stay as many). The walk: the hazards, the printed notice and the checklist still said the
    old day. Requests and referrals keep theirs: a request's clock runs from the day it was
    received, and a referral is dated the day it was made."""
    from ..models import Hazard

    now = utcnow()
    new_day = visit.visited_on + shift
    hazards = list(db.session.scalars(sa.select(Hazard).where(Hazard.visit_id == visit.id)))
    for hazard in hazards:
        if hazard.found_on != visit.visited_on:
            continue
        # What was done about the hazard cannot come before it was found.
        acted = (hazard.rectified_on, hazard.reported_on, hazard.department_updated_on)
        first = min((d for d in acted if d is not None), default=None)
        if first is not None and first < new_day:
            raise Invalid(
                _l(
                    "A hazard found on this visit was acted on on %(day)s (fixed, or reported "
                    "to a department): the visit cannot be dated after that.",
                    day=LazyString(lambda d=first: format_date(d, "medium")),
                ),
                "visited_on",
            )
    # Only a time that is still ahead of now is brought back to now: a visit cannot have
    # happened later than it was moved.
    visit.visited_at = min(visit.visited_at + shift, now)
    for screening in visit.screenings:
        screening.started_at = min(screening.started_at + shift, now)
        if screening.completed_at is not None:
            screening.completed_at = min(screening.completed_at + shift, now)
    for hazard in hazards:
        if hazard.found_on == visit.visited_on:
            hazard.found_on = new_day
            hazard.due_on = hazard.due_on + shift


def _keep_checklists_fitting(visit: Visit, purpose: str) -> None:
    """Invalid if a checklist of the visit is not one a visit of `purpose` runs: the start of
    a checklist refuses the same (screening/services.py), and the tallies count both."""
    for screening in visit.screenings:
        template = screening.template
        if template.visit_purpose != purpose:
            raise Invalid(
                _l(
                    "This visit has the checklist “%(checklist)s”, which is filled in on visits "
                    "whose purpose is “%(fits)s”: while it does, its purpose cannot become "
                    "“%(purpose)s”.",
                    checklist=LazyString(lambda t=template: t.name(str(get_locale()))),
                    fits=LABELS["purpose"][template.visit_purpose],
                    purpose=LABELS["purpose"][purpose],
                ),
                "purpose",
            )


IN_USE = _l(
    "This visit has a request, or a hazard fixed or reported to a department; it cannot be deleted."
)


def delete_visit(visit: Visit) -> None:
    """Delete a visit logged by mistake, with its screenings, open hazards and photos."""
    from ..models import Hazard, Request

    ensure_editable(visit.daily_log)
    if db.session.scalar(sa.select(Request.id).where(Request.visit_id == visit.id).limit(1)):
        raise Conflict(IN_USE)
    hazards = list(db.session.scalars(sa.select(Hazard).where(Hazard.visit_id == visit.id)))
    if any(h.acted_on for h in hazards):
        raise Conflict(IN_USE)
    for h in hazards:
        db.session.delete(h)
    record("visit_deleted", "visit", visit.id)
    db.session.delete(visit)
    db.session.flush()
