"""Reads for the Today page, all through the scope layer."""

from datetime import timedelta

import sqlalchemy as sa
from flask import has_request_context
from sqlalchemy.orm import aliased, joinedload

from ..extensions import db
from ..models import Hazard, Visit
from ..referrals.queries import follow_ups_due
from ..requests.queries import due_soon
from ..review.badges import LazyBadges
from ..review.routes import prime_today_status
from ..rounds.queries import TODAY_LIMIT, due_list
from ..scope import select_for
from ..timeutil import local_today


def today_context(user) -> dict:
    """Everything the Today page shows for this worker.

    One statement per list: many-to-one records are joined in, never loaded per row or by a
    selectinload (a statement of its own each).
    """
    today = local_today()
    # Today's visits and the follow-ups due come in one statement: the ids of each list
    # (the follow-ups capped) in a union, the visits loaded once with what they show.
    mine_today = (
        select_for(Visit, user)
        .where(Visit.worker_id == user.id, Visit.visited_on == today)
        .with_only_columns(Visit.id, sa.literal(0).label("kind"))
    )
    # A follow-up is done once a later visit to the same resident (or site) exists.
    later = aliased(Visit)
    same_subject = sa.or_(
        sa.and_(Visit.resident_id.is_not(None), later.resident_id == Visit.resident_id),
        sa.and_(Visit.resident_id.is_(None), later.project_id == Visit.project_id),
    )
    due = (
        select_for(Visit, user)
        .where(Visit.follow_up_on.is_not(None), Visit.follow_up_on <= today)
        .where(~sa.exists().where(same_subject, later.visited_on > Visit.visited_on))
        .with_only_columns(Visit.id, sa.literal(1).label("kind"))
        .order_by(Visit.follow_up_on)
        .limit(30)
        .subquery()
    )
    listed = sa.union_all(mine_today, sa.select(due.c.id, due.c.kind)).subquery()
    rows = db.session.execute(
        sa.select(Visit, listed.c.kind)
        .join(listed, listed.c.id == Visit.id)
        .options(joinedload(Visit.resident), joinedload(Visit.project), joinedload(Visit.daily_log))
        .order_by(
            listed.c.kind,
            sa.case((listed.c.kind == 1, Visit.follow_up_on)),
            Visit.visited_at.desc(),
        )
    ).all()
    visits = [v for v, kind in rows if kind == 0]
    follow_ups = [v for v, kind in rows if kind == 1]
    # The nav's counts and the day's status belong to the request (current_user's page).
    in_request = has_request_context()
    if in_request:
        prime_today_status(user, today, visits)
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
        "handover_notes": (
            notes_for(user) if not in_request or LazyBadges().get("handover_notes") else []
        ),
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
