"""Reads for the Today page, all through the scope layer."""

import sqlalchemy as sa
from flask import has_request_context
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..hazards import queries as hazard_queries
from ..models import Hazard, Visit
from ..referrals.queries import follow_ups_due as follow_ups_due_referrals
from ..requests.queries import due_soon
from ..review.badges import LazyBadges
from ..review.routes import prime_today_status
from ..rounds.queries import TODAY_LIMIT, due_list
from ..scope import select_for
from ..screening.queries import unfinished_count
from ..statements import kept, user_scope
from ..timeutil import local_today

# Today shows the nearest of each long list and links to the whole of it: a phone screen
# does not want 30 + 30 rows, and each row is rendering time on every visit to Today.
SECTION_LIMIT = 10
FOLLOW_UPS_PER_PAGE = 30


def follow_ups_due(user, today) -> sa.Select:
    """Visits whose follow-up date has come and that no later visit to the same resident (or
    site) has answered yet, nearest date first: their ids and the number of them all."""
    # Unanswered follow-ups carry their date in follow_up_open_on (visits/follow_ups.py): a
    # range of the (grid, date) index, not a look for a later visit of each past follow-up.
    return (
        select_for(Visit, user)
        .where(Visit.follow_up_open_on <= today)
        .with_only_columns(Visit.id, sa.func.count().over().label("total"))
        .order_by(Visit.follow_up_open_on, Visit.id)
    )


def follow_ups_page(user, today, *, limit: int, offset: int = 0) -> tuple[list[Visit], int]:
    """`limit` follow-ups due from `offset`, with what their rows show, and how many in all."""
    due = follow_ups_due(user, today).limit(limit).offset(offset).subquery()
    rows = db.session.execute(
        sa.select(Visit, due.c.total)
        .join(due, due.c.id == Visit.id)
        .options(joinedload(Visit.resident), joinedload(Visit.project))
        .order_by(Visit.follow_up_on, Visit.id)
    ).all()
    return [v for v, _total in rows], (rows[0][1] if rows else 0)


def _visits(user, today) -> sa.Select:
    """Today's visits (kind 0) and the nearest follow-ups due (kind 1, with their total)."""
    # One statement: the ids of each list (the follow-ups capped) in a union, the visits
    # loaded once with what they show.
    mine_today = (
        select_for(Visit, user)
        .where(Visit.worker_id == user.id, Visit.visited_on == today)
        .with_only_columns(Visit.id, sa.literal(0).label("kind"), sa.literal(0).label("total"))
    )
    # Each of today's visits carries its checklists not finished, and those started with
    # nothing checked: the day's submit names them, and the visit's row says which it is.
    unfinished = unfinished_count(Visit)
    empty = unfinished_count(Visit, answered=False)
    due = follow_ups_due(user, today).limit(SECTION_LIMIT).subquery()
    listed = sa.union_all(
        mine_today, sa.select(due.c.id, sa.literal(1).label("kind"), due.c.total)
    ).subquery()
    return (
        sa.select(
            Visit,
            listed.c.kind,
            listed.c.total,
            sa.case((listed.c.kind == 0, unfinished), else_=0).label("unfinished"),
            sa.case((listed.c.kind == 0, empty), else_=0).label("empty"),
        )
        .join(listed, listed.c.id == Visit.id)
        .options(joinedload(Visit.resident), joinedload(Visit.project), joinedload(Visit.daily_log))
        .order_by(
            listed.c.kind,
            sa.case((listed.c.kind == 1, Visit.follow_up_on)),
            sa.case((listed.c.kind == 1, Visit.id)),
            Visit.visited_at.desc(),
        )
    )


def _hazards(user, today) -> sa.Select:
    """The nearest hazards due, with the number of them all."""
    # The nearest ids and the count first, then only those rows joined to what they show: a
    # grid's hundred hazards due are not each joined to their resident to keep ten.
    nearest = (
        hazard_queries.due_select(user, today)
        .with_only_columns(Hazard.id, sa.func.count().over().label("total"))
        .order_by(Hazard.due_on, Hazard.severity, Hazard.id)
        .limit(SECTION_LIMIT)
        .subquery()
    )
    return (
        sa.select(Hazard, nearest.c.total)
        .join(nearest, nearest.c.id == Hazard.id)
        .options(joinedload(Hazard.resident), joinedload(Hazard.item), joinedload(Hazard.project))
        .order_by(Hazard.due_on, Hazard.severity, Hazard.id)
    )


def today_context(user) -> dict:
    """Everything the Today page shows for this worker.

    One statement per list: many-to-one records are joined in, never loaded per row or by a
    selectinload (a statement of its own each). The long lists show their nearest
    SECTION_LIMIT rows and count the rest in the same statement (a window count).
    """
    today = local_today()
    scope = user_scope(user)
    rows = db.session.execute(
        kept(("today_visits", scope, today), lambda: _visits(user, today))
    ).all()
    visits = [v for v, kind, *_counts in rows if kind == 0]
    follow_ups = [v for v, kind, *_counts in rows if kind == 1]
    follow_ups_total = next((int(r.total) for r in rows if r.kind == 1), 0)
    # Per visit of today: (checklists not finished, started with nothing checked).
    open_checklists = {
        v.id: (int(n or 0), int(e or 0)) for v, kind, _t, n, e in rows if kind == 0 and (n or e)
    }
    # The nav's counts and the day's status belong to the request (current_user's page).
    in_request = has_request_context()
    if in_request:
        prime_today_status(
            user,
            today,
            visits,
            sum(n for n, _e in open_checklists.values()),
            sum(e for _n, e in open_checklists.values()),
        )
    hazard_rows = db.session.execute(
        kept(("today_hazards", scope, today), lambda: _hazards(user, today))
    ).all()
    from ..handovers.queries import notes_for

    return {
        "today": today,
        # A caseload handed to this worker: the secretary's note until they hide it.
        "handover_notes": (
            notes_for(user) if not in_request or LazyBadges().get("handover_notes") else []
        ),
        "visits": visits,
        "open_checklists": open_checklists,
        "follow_ups": follow_ups,
        "follow_ups_total": follow_ups_total,
        "hazards": [h for h, _total in hazard_rows],
        "hazards_total": int(hazard_rows[0][1]) if hazard_rows else 0,
        # Referrals whose follow-up date is within three days or past: one statement.
        "referrals_due": follow_ups_due_referrals(user, today),
        # Requests whose clock ends within the rules' amber window or has run out.
        "requests_due": due_soon(user, limit=30),
        # Residents due a visit by their care reasons, nearest date first, capped.
        "rounds": due_list(user, limit=TODAY_LIMIT),
    }
