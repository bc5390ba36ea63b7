"""Reads for the Today page, all through the scope layer."""

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from ..extensions import db
from ..models import Hazard, Visit
from ..referrals.queries import follow_ups_due
from ..requests.queries import due_soon
from ..rounds.queries import TODAY_LIMIT, due_list
from ..scope import select_for
from ..timeutil import local_today


def today_context(user) -> dict:
    """Everything the Today page shows for this worker.

    One statement per list: many-to-one records are joined in, never loaded per row or by a
    selectinload (a statement of its own each).
    """
    today = local_today()
    visits = db.session.scalars(
        select_for(Visit, user)
        .where(Visit.worker_id == user.id, Visit.visited_on == today)
        .options(joinedload(Visit.resident), joinedload(Visit.project))
        .order_by(Visit.visited_at.desc())
    ).all()
    # A follow-up is done once a later visit to the same resident (or site) exists.
    later = aliased(Visit)
    same_subject = sa.or_(
        sa.and_(Visit.resident_id.is_not(None), later.resident_id == Visit.resident_id),
        sa.and_(Visit.resident_id.is_(None), later.project_id == Visit.project_id),
    )
    follow_ups = db.session.scalars(
        select_for(Visit, user)
        .where(Visit.follow_up_on.is_not(None), Visit.follow_up_on <= today)
        .where(~sa.exists().where(same_subject, later.visited_on > Visit.visited_on))
        .options(joinedload(Visit.resident), joinedload(Visit.project))
        .order_by(Visit.follow_up_on)
        .limit(30)
    ).all()
    hazards = db.session.scalars(
        select_for(Hazard, user)
        .where(Hazard.awaiting_worker_sql(), Hazard.due_on <= today + timedelta(days=3))
        .options(joinedload(Hazard.resident), joinedload(Hazard.item), joinedload(Hazard.project))
        .order_by(Hazard.due_on, Hazard.severity)
        .limit(30)
    ).all()
    from ..handovers.queries import notes_for

    return {
        "today": today,
        # A caseload handed to this worker: the secretary's note until they hide it.
        "handover_notes": notes_for(user),
        "visits": visits,
        "follow_ups": follow_ups,
        "hazards": hazards,
        # Referrals whose follow-up date is within three days or past: one statement.
        "referrals_due": follow_ups_due(user, today),
        # Requests whose clock ends within five days or has run out.
        "requests_due": due_soon(user, days=5, limit=30),
        # Residents due a visit by their care reasons, nearest date first, capped.
        "rounds": due_list(user, limit=TODAY_LIMIT),
    }
