"""Reads of residents' requests, all through the scope layer (or as counts for the township)."""

from datetime import date, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..enums import REQUEST_STATUSES
from ..extensions import db
from ..models import Community, Grid, RequestCategory, User
from ..permissions import SECRETARY
from ..places import place_key
from ..scope import countable_requests, restricted_requests, rule, select_for, tally_grid_ids
from ..statements import kept, user_scope
from ..timeutil import local_today
from .deadlines import OPEN_STATUSES, Clock, current_clock, due_on_sql, rules
from .models import Request

DUE_FILTERS = ("soon", "overdue")


def categories() -> list[RequestCategory]:
    """The 18 request categories, in code order."""
    return list(db.session.scalars(sa.select(RequestCategory).order_by(RequestCategory.code)))


def is_visible(user: User, request_id: int) -> bool:
    """Whether the user may open this request (a restricted category may hide it)."""
    stmt = sa.select(Request.id).where(Request.id == request_id, rule(Request, user))
    return db.session.scalar(stmt) is not None


class DueRequest(NamedTuple):
    request: Request
    clock: Clock | None


def _due_window(stmt: sa.Select, due: str | None, today: date, days: int) -> sa.Select:
    due_on = due_on_sql()
    if due == "soon":
        return stmt.where(due_on >= today, due_on <= today + timedelta(days=days))
    if due == "overdue":
        return stmt.where(due_on < today)
    if due == "soon_or_overdue":
        return stmt.where(due_on <= today + timedelta(days=days))
    return stmt


def list_requests(
    user: User, status: str | None = None, due: str | None = None, today: date | None = None
) -> sa.Select:
    """The requests this user may see, filtered, most urgent clock first."""
    today = today or local_today()
    # Many-to-one: joined into the same statement (a selectinload is a statement each).
    stmt = select_for(Request, user).options(
        joinedload(Request.resident),
        joinedload(Request.category),
        joinedload(Request.grid),
    )
    if status == "open":
        stmt = stmt.where(Request.status.in_(OPEN_STATUSES))
    elif status:
        stmt = stmt.where(Request.status == status)
    stmt = _due_window(stmt, due, today, rules().amber_days)
    due_on = due_on_sql()
    return stmt.order_by(due_on.is_(None), due_on, Request.received_on.desc(), Request.id.desc())


def with_clocks(requests, today: date | None = None) -> list[DueRequest]:
    """Pair each request with its running clock, for lists."""
    today = today or local_today()
    in_force = rules()
    return [DueRequest(r, current_clock(r, today, in_force)) for r in requests]


def _own_steps(stmt: sa.Select, user: User) -> sa.Select:
    # Formal steps are the secretary's; a worker is alerted to community-track clocks only.
    if user.role not in SECRETARY:
        stmt = stmt.where(Request.track == "community")
    return stmt


def due_soon(user: User, days: int | None = None, limit: int = 30) -> list[DueRequest]:
    """Requests whose clock ends within `days` (the rules' amber window unless told) or has
    run out, with their clock: the ones whose next step this user takes (Today page, the
    secretary's home)."""
    today = local_today()
    # One "due soon" for the lists, the filter, the counts and the clocks' amber colour: a
    # home card of 3 days over a list filter of 5 read as two different rules.
    days = rules().amber_days if days is None else days

    def build() -> sa.Select:
        stmt = _due_window(list_requests(user, today=today), "soon_or_overdue", today, days)
        return _own_steps(stmt, user).limit(limit)

    stmt = kept(("requests_due_soon", user_scope(user), today, days, limit), build)
    return with_clocks(db.session.scalars(stmt), today)


def alerts_select(user: User, today: date | None = None) -> sa.Select:
    """The requests the nav badge counts: open, due soon (the rules' amber window) or
    overdue, the user's steps; the same ones as the secretary's home lists."""
    today = today or local_today()
    stmt = select_for(Request, user).where(
        Request.status.in_(OPEN_STATUSES),
        Request.due_on <= today + timedelta(days=rules().amber_days),
    )
    return _own_steps(stmt, user)


def _count_columns(today: date, days: int) -> list:
    due_on = due_on_sql()
    is_open = Request.status.in_(OPEN_STATUSES)
    return [
        sa.func.sum(sa.case((is_open, 1), else_=0)).label("open"),
        sa.func.sum(
            sa.case(
                (sa.and_(due_on >= today, due_on <= today + timedelta(days=days)), 1),
                else_=0,
            )
        ).label("due_soon"),
        sa.func.sum(sa.case((due_on < today, 1), else_=0)).label("overdue"),
    ]


def open_counts(user: User) -> dict[str, int]:
    """How many of the user's requests are open, due soon (the rules' amber window), and
    overdue."""
    today = local_today()
    visible = select_for(Request, user).subquery()
    # Re-select over the scoped ids so that the counting expressions see Request's columns.
    stmt = sa.select(*_count_columns(today, rules().amber_days)).where(
        Request.id.in_(sa.select(visible.c.id))
    )
    row = db.session.execute(stmt).one()
    return {"open": row.open or 0, "due_soon": row.due_soon or 0, "overdue": row.overdue or 0}


def township_counts(user: User) -> dict:
    """Counts only, no names: by grid and by category and status, each count of 1 or 2
    counted as 2 wherever it goes (tallies/disclosure.py, the same atoms as the tallies)."""
    from ..tallies.disclosure import SMALL, SMALL_SHOWN, Atoms
    from ..tallies.queries import request_atoms

    today = local_today()
    grid_ids = list(db.session.scalars(tally_grid_ids(user)))
    atoms = Atoms(
        request_atoms(
            countable_requests(user),
            today,
            grid_ids=grid_ids,
            amber_days=rules().amber_days,
            # Kept as the tallies keep it (tallies/queries.py): built once per user's scope.
            rule_key=("countable_requests", *user_scope(user)),
        ),
        1,
        suppress=True,
    )
    measures = {
        "open": lambda k: k[3] in OPEN_STATUSES,
        "due_soon": lambda k: k[7],
        "overdue": lambda k: k[6],
    }

    def figures(in_place) -> dict:
        return {m: atoms.figure(in_place, w) for m, w in measures.items()}

    grids = sorted(
        db.session.execute(
            sa.select(Grid.id, Grid.name, Community.name.label("community"))
            .join(Community, Grid.community_id == Community.id)
            .where(Grid.id.in_(grid_ids))
        ).all(),
        key=lambda g: place_key(g.community, g.name),
    )
    grid_rows = [
        {"community": g.community, "grid": g.name, **figures(lambda k, i=g.id: k[0] == i)}
        for g in grids
    ]
    present = {k[2] for k in atoms.counts}
    by_category = [
        (
            c,
            {
                status: atoms.figure(lambda k, code=c.code, s=status: k[2] == code and k[3] == s)
                for status in REQUEST_STATUSES
            },
        )
        for c in categories()
        if c.code in present
    ]
    # Complaints about officials: one township-wide number, never by place or category.
    restricted = db.session.scalar(
        sa.select(sa.func.count(Request.id)).where(restricted_requests(user))
    )
    return {
        "by_category": by_category,
        "by_grid": grid_rows,
        "totals": figures(lambda _k: True),
        "restricted": SMALL_SHOWN if 0 < (restricted or 0) < SMALL else (restricted or 0),
    }
