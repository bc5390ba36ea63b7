"""Handing a caseload from one worker to another: whole grids, or chosen households.

Who did what stays as it was: no visit, hazard or request changes author. What changes is
whose caseload the records are on, which in Gridbook is the grid (app/scope.py):
- a whole grid changes hands by its assignment; everything in it follows;
- chosen households move into a grid of the new worker with their residents' whole file
  (visits, hazards, photos, requests), so the new worker sees the history and the open
  follow-ups, hazards and requests, and the old one no longer does.
Flush and audit; the request commits once.
"""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..extensions import db
from ..idempotency import create_once, holds
from ..models import (
    Answer,
    Grid,
    Handover,
    Hazard,
    Household,
    Photo,
    Request,
    Resident,
    Screening,
    User,
    Visit,
    user_grids,
)
from ..refusals import Invalid
from ..requests.deadlines import OPEN_STATUSES
from ..tallies import rollups
from ..timeutil import utcnow


@dataclass
class Plan:
    """What the secretary chose: from whom, to whom, which grids or households, and the note."""

    from_worker: User
    to_worker: User
    note: str
    grids: list[Grid] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)
    to_grid: Grid | None = None


def _check(secretary: User, plan: Plan) -> None:
    if plan.from_worker.id == plan.to_worker.id:
        raise Invalid(_l("Choose another worker to hand the caseload to."), "to_worker_id")
    for worker in (plan.from_worker, plan.to_worker):
        if worker.role != "worker" or worker.community_id != secretary.community_id:
            raise Invalid(_l("Choose a worker of your community."), "to_worker_id")
    if not plan.grids and not plan.households:
        raise Invalid(_l("Choose the grids or the households to hand over."), "grid_ids")
    held = {g.id for g in plan.from_worker.grids}
    if any(g.id not in held for g in plan.grids):
        raise Invalid(_l("Only grids this worker holds can be handed over."), "grid_ids")
    if any(h.grid_id not in held for h in plan.households):
        raise Invalid(
            _l("Only households in this worker's grids can be handed over."), "household_ids"
        )
    if plan.households:
        if plan.to_grid is None or plan.to_grid.id not in {g.id for g in plan.to_worker.grids}:
            raise Invalid(
                _l("Choose which of the new worker's grids the households join."), "to_grid_id"
            )
        if any(h.grid_id == plan.to_grid.id for h in plan.households):
            raise Invalid(_l("These households are already in that grid."), "to_grid_id")
    if not plan.note.strip():
        raise Invalid(_l("Write a note for the new worker."), "note")


def open_counts(grid_ids: list[int], resident_ids: list[int] | None = None) -> dict:
    """Open follow-ups, hazards and community-track requests in grids (or of residents)."""

    def where(model):
        if resident_ids is None:
            return model.grid_id.in_(grid_ids)
        return model.resident_id.in_(resident_ids)

    # Not yet answered by a later visit: stored on the visit (visits/follow_ups.py).
    follow_ups = db.session.scalar(
        sa.select(sa.func.count(Visit.id)).where(
            where(Visit), Visit.resident_id.is_not(None), Visit.follow_up_open_on.is_not(None)
        )
    )
    hazards = db.session.scalar(
        sa.select(sa.func.count(Hazard.id)).where(where(Hazard), Hazard.status != "verified")
    )
    requests = db.session.scalar(
        sa.select(sa.func.count(Request.id)).where(
            where(Request), Request.track == "community", Request.status.in_(OPEN_STATUSES)
        )
    )
    return {"follow_ups": follow_ups, "hazards": hazards, "requests": requests}


def _move_grids(plan: Plan) -> None:
    ids = [g.id for g in plan.grids]
    db.session.execute(
        sa.delete(user_grids).where(
            user_grids.c.user_id == plan.from_worker.id, user_grids.c.grid_id.in_(ids)
        )
    )
    have = {g.id for g in plan.to_worker.grids}
    for grid in plan.grids:
        if grid.id not in have:
            db.session.execute(
                sa.insert(user_grids).values(user_id=plan.to_worker.id, grid_id=grid.id)
            )
    db.session.expire(plan.from_worker, ["grids"])
    db.session.expire(plan.to_worker, ["grids"])


def _move_households(plan: Plan) -> list[int]:
    """Move the households and their residents' files into the new worker's grid."""
    to = plan.to_grid.id
    moved_residents: list[int] = []
    for household in plan.households:
        residents = list(
            db.session.scalars(sa.select(Resident).where(Resident.household_id == household.id))
        )
        taken = db.session.scalar(
            sa.select(Household).where(
                Household.grid_id == to,
                Household.building == household.building,
                Household.unit == household.unit,
                Household.room == household.room,
            )
        )
        if taken is None:
            # The household itself moves, so that its visits keep pointing at it.
            household.grid_id = to
            db.session.flush()
        # Residents follow; with a household already at that address in the new grid they
        # join it (households.py) and this one, left empty, is archived.
        for resident in residents:
            resident.grid_id = to
        db.session.flush()
        moved_residents.extend(r.id for r in residents)
    _move_files(moved_residents, to)
    return moved_residents


def _move_files(resident_ids: list[int], to: int) -> None:
    if not resident_ids:
        return
    visit_ids = sa.select(Visit.id).where(Visit.resident_id.in_(resident_ids))
    hazard_ids = sa.select(Hazard.id).where(Hazard.resident_id.in_(resident_ids))
    answer_ids = (
        sa.select(Answer.id)
        .join(Screening, Screening.id == Answer.screening_id)
        .where(Screening.visit_id.in_(visit_ids))
    )
    db.session.execute(
        sa.update(Photo)
        .where(
            sa.or_(
                Photo.visit_id.in_(visit_ids),
                Photo.hazard_id.in_(hazard_ids),
                Photo.answer_id.in_(answer_ids),
            )
        )
        .values(grid_id=to)
        .execution_options(synchronize_session=False)
    )
    # The tallies' roll-ups count by grid, and these Core UPDATEs pass their flush hook by:
    # every unit the rows leave or join is counted again once they have moved.
    visit_days = db.session.execute(
        sa.select(Visit.grid_id, Visit.visited_on)
        .where(Visit.resident_id.in_(resident_ids))
        .distinct()
    ).all()
    hazard_days = db.session.execute(
        sa.select(Hazard.grid_id, Hazard.found_on)
        .where(Hazard.resident_id.in_(resident_ids))
        .distinct()
    ).all()
    units = [
        (measure, grid, day)
        for measure, days in (
            (rollups.VISITS, visit_days),
            (rollups.SCREENINGS, visit_days),
            (rollups.HAZARDS, hazard_days),
        )
        for old_grid, day in days
        for grid in (old_grid, to)
    ]
    for model in (Visit, Hazard, Request):
        db.session.execute(
            sa.update(model)
            .where(model.resident_id.in_(resident_ids))
            .values(grid_id=to)
            .execution_options(synchronize_session=False)
        )
    rollups.recount(db.session, units)
    db.session.expire_all()


def hand_over(secretary: User, plan: Plan, client_uuid: str) -> tuple[Handover, bool]:
    """Hand grids or households from one worker to another, once per client UUID."""
    sent = {
        "from_worker_id": plan.from_worker.id,
        "to_worker_id": plan.to_worker.id,
        "note": plan.note.strip(),
    }

    def create() -> Handover:
        _check(secretary, plan)
        moved: dict = {
            "grids": sorted(g.id for g in plan.grids),
            "households": sorted(h.id for h in plan.households),
        }
        counts = {"follow_ups": 0, "hazards": 0, "requests": 0}
        if plan.grids:
            counts = open_counts(moved["grids"])
            _move_grids(plan)
        if plan.households:
            member_ids = list(
                db.session.scalars(
                    sa.select(Resident.id).where(Resident.household_id.in_(moved["households"]))
                )
            )
            extra = open_counts([], member_ids)
            counts = {k: counts[k] + extra[k] for k in counts}
            moved["residents"] = len(_move_households(plan))
        moved.update(counts)
        handover = Handover(
            uuid=client_uuid,
            community_id=secretary.community_id,
            by_id=secretary.id,
            to_grid_id=plan.to_grid.id if plan.households and plan.to_grid else None,
            moved=moved,
            **sent,
        )
        db.session.add(handover)
        db.session.flush()
        record(
            "caseload_handed_over",
            "handover",
            handover.id,
            {"from": plan.from_worker.id, "to": plan.to_worker.id, **moved},
            user=secretary,
        )
        return handover

    return create_once(
        Handover,
        client_uuid,
        create,
        lambda existing: holds(existing, sent),
        _l("This handover was already sent with other content. Reload the page to start another."),
    )


def dismiss(handover: Handover, worker: User) -> None:
    """The new worker has read the handover note: it leaves their Today page."""
    if handover.dismissed_at is None:
        handover.dismissed_at = utcnow()
        record("handover_note_read", "handover", handover.id, user=worker)
