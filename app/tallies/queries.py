"""Reads for the tallies: GROUP BY aggregates over the grids the user may count.

Every function takes a `Filters` (period and the grids inside the user's scope) and returns
plain counts keyed by codes and grid ids; `tables.py` turns them into labelled tables.
Grouping is always by grid in SQL (a township has few grids), so rolling up to communities
and hiding small counts (disclosure.py) happen in one place, in Python.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    ChecklistTemplate,
    Community,
    Grid,
    Referral,
    ReferralService,
    Request,
    RequestCategory,
    RequestEvent,
    TallyHouseholds,
    TallyRequestFigures,
    Township,
    User,
    Visit,
)
from ..permissions import SECRETARY, TOWNSHIP
from ..places import place_key
from ..requests.deadlines import due_on_sql
from ..scope import countable_requests, tally_grid_ids
from ..statements import kept
from ..statements import user_scope as statement_scope
from . import rollups
from .disclosure import whole_months

# Requests decided against are not counted as accepted, whatever dates they carry.
DECIDED_AGAINST = ("not_accepted", "redirected")


@dataclass
class Place:
    """A grid the user may count, with its community (names only: no personal data)."""

    grid_id: int
    grid_name: str
    community_id: int
    community_name: str


@dataclass
class Scope:
    """The places a user may count, and the township they belong to."""

    township_name: str
    places: list[Place]

    @property
    def communities(self) -> dict[int, str]:
        return {p.community_id: p.community_name for p in self.places}

    def grids_of(self, community_id: int | None) -> list[Place]:
        return [p for p in self.places if community_id in (None, p.community_id)]


@dataclass
class Filters:
    """A validated period and the grids it covers."""

    start: date
    end: date
    places: list[Place]
    by_grid: bool  # rows per grid (one community in view) rather than per community
    suppress: bool  # township views: whole months, no figure that adds up a small atom
    community_id: int | None = None
    grid_id: int | None = None
    # Which requests count (scope.countable_requests): never complaints about officials
    # outside the secretary's view.
    request_rule: sa.ColumnElement = sa.true()
    # What request_rule is built from (statements.user_scope), so that the statements holding
    # it are kept under it; None: they are built afresh.
    rule_key: tuple | None = None
    # The township whose complaints about officials the user counts, as one township-wide
    # figure whatever places are in view (scope.restricted_requests); None: no count at all.
    restricted_township: int | None = None
    grid_ids: list[int] = field(init=False)

    def __post_init__(self):
        self.grid_ids = [p.grid_id for p in self.places]

    @property
    def months(self) -> int:
        """How many calendar months the period touches (the township's: whole months)."""
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1


def user_scope(user: User) -> Scope:
    """The grids (with communities) the user may count, in display order."""
    places = kept(
        ("tallies.user_places", statement_scope(user)),
        lambda: (
            sa.select(Grid.id, Grid.name, Community.id, Community.name)
            .join(Community, Grid.community_id == Community.id)
            .where(Grid.id.in_(tally_grid_ids(user)))
        ),
    )
    rows = sorted(db.session.execute(places).all(), key=lambda r: place_key(r[3], r[1]))
    township_id = user.township_id
    if township_id is None and user.community_id is not None:
        township_id = db.session.scalar(_township_of_community(), {"id": user.community_id})
    name = db.session.scalar(_township_name(), {"id": township_id}) or ""
    return Scope(name, [Place(*r) for r in rows])


@cache
def _township_of_community() -> sa.Select:
    return sa.select(Community.township_id).where(Community.id == sa.bindparam("id"))


@cache
def _township_name() -> sa.Select:
    return sa.select(Township.name).where(Township.id == sa.bindparam("id"))


def whole_months_only(user: User) -> bool:
    """True where small counts are hidden (the township): periods are whole months."""
    return user.role in TOWNSHIP


def filters_for(
    user: User,
    scope: Scope,
    start: date,
    end: date,
    community_id: int | None = None,
    grid_id: int | None = None,
) -> Filters:
    """Filters for a period and a community or grid already checked to be in the scope."""
    places = [p for p in scope.grids_of(community_id) if grid_id in (None, p.grid_id)]
    suppress = whole_months_only(user)
    if suppress:
        start, end = whole_months(start, end)
    return Filters(
        start=start,
        end=end,
        places=places,
        by_grid=bool(community_id or grid_id) or user.role in SECRETARY,
        suppress=suppress,
        community_id=community_id,
        grid_id=grid_id,
        request_rule=countable_requests(user),
        rule_key=("countable_requests", *statement_scope(user)),
        restricted_township=user.township_id if user.role in TOWNSHIP else None,
    )


def request_overdue(today: date) -> sa.ColumnElement[bool]:
    """True for a request whose running clock (requests/deadlines.py) ran out before today."""
    return due_on_sql() < today


def request_accepted() -> sa.ColumnElement[bool]:
    """True for a request that was accepted (whatever happened after)."""
    return sa.and_(Request.accepted_on.is_not(None), Request.status.not_in(DECIDED_AGAINST))


def _count_if(condition) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _keys(counts: Counter, f: Filters) -> Counter:
    """{fine key: count}, the day (second place) filled with the period's start if unused.

    The day is read only where small counts are hidden: there the atom needs the month."""
    if f.suppress:
        return counts
    return Counter({(k[0], f.start, *k[2:]): n for k, n in counts.items()})


def visit_atoms(f: Filters) -> Counter:
    """Visits made in the period, by (grid, day, purpose); from the roll-ups."""
    out = rollups.read(rollups.VISITS, f.grid_ids, f.start, f.end, "purpose", f.suppress)
    return _keys(out, f)


def household_atoms(f: Filters) -> Counter:
    """How many households were visited in the period, by (grid, first day of the month):
    each household once a month, so that months add up and the atoms stay (grid, month).
    Whole months from the roll-up, the days of a month cut by the period from the visits."""
    from .disclosure import month_start

    out: Counter = Counter()
    months, days = _household_selects()
    inner = rollups.whole_units(rollups.VISITS, f.start, f.end)
    edges = [(f.start, f.end)]
    if inner:
        values = {"grid_ids": f.grid_ids, "start": inner[0], "end": inner[1]}
        for grid, month, n in db.session.execute(months, values):
            out[(grid, month)] += n
        edges = [(f.start, inner[0] - timedelta(days=1)), (inner[1] + timedelta(days=1), f.end)]
    for lo, hi in edges:
        if lo > hi:
            continue
        rows = db.session.execute(days, {"grid_ids": f.grid_ids, "start": lo, "end": hi}).all()
        visited = {(grid, month_start(day), household) for grid, household, day in rows}
        out.update(Counter((grid, month) for grid, month, _household in visited))
    return out


# Statements below are built once, their values bound on each read (rollups.read says why).
# The grids as numbers in the SQL, not a parameter each: a township's 200 took psycopg
# some 0.4 ms per statement to parse out (its cache stops at 4 KB) and to send.
_GRID_IDS = sa.bindparam("grid_ids", expanding=True, literal_execute=True, type_=sa.Integer())
_START = sa.bindparam("start", type_=sa.Date())
_END = sa.bindparam("end", type_=sa.Date())
_TODAY = sa.bindparam("today", type_=sa.Date())


@cache
def _household_selects() -> tuple[sa.Select, sa.Select]:
    """Households visited by grid and whole month in [start, end], from the roll-up; and the
    (grid, household, day) of the visits in [start, end]."""
    t = TallyHouseholds.__table__.c
    months = sa.select(t.grid_id, t.unit, t.n).where(
        t.grid_id.in_(_GRID_IDS), t.unit.between(_START, _END)
    )
    days = (
        sa.select(Visit.grid_id, Visit.household_id, Visit.visited_on)
        .where(
            Visit.grid_id.in_(_GRID_IDS),
            Visit.visited_on.between(_START, _END),
            Visit.household_id.is_not(None),
        )
        .group_by(Visit.grid_id, Visit.household_id, Visit.visited_on)
    )
    return months, days


def screening_atoms(f: Filters) -> Counter:
    """Screenings run on visits in the period, by (grid, day, template id); from the roll-ups."""
    out = rollups.read(rollups.SCREENINGS, f.grid_ids, f.start, f.end, "template", f.suppress)
    return _keys(out, f)


HAZARD_STATES = ("found", "rectified", "verified", "open", "overdue")
RECTIFIED = rollups.RECTIFIED


def _overdue(c) -> sa.ColumnElement[int]:
    # Today is a parameter: the statement is kept across days (rollups.PICKS).
    return sa.case((sa.and_(c("status") == "open", c("due_on") < rollups.TODAY), 1), else_=0)


@rollups.pick("purpose")
def _by_purpose(c):
    return [c("purpose")]


@rollups.pick("template")
def _by_template(c):
    return [c("template_id")]


@rollups.pick("hazard atom")
def _hazard_atom(c):
    return [c("template_id"), c("severity"), c("status"), _overdue(c)]


@rollups.pick("rectify days")
def _rectify_days(c):
    return [c("rectify_days")]


@rollups.condition("rectified")
def _rectified(c):
    return c("rectify_days").is_not(None)


@rollups.pick("hazard atom, rectify days")
def _hazard_atom_days(c):
    return [*_hazard_atom(c), c("rectify_days")]


def hazard_atoms(f: Filters, today: date) -> Counter:
    """Hazards found in the period, by (grid, day found or its unit, template id, severity,
    status, overdue today); from the roll-ups. One query feeds every hazard table."""
    return rollups.read(
        rollups.HAZARDS, f.grid_ids, f.start, f.end, "hazard atom", True, params={"today": today}
    )


def rectify_days(f: Filters) -> Counter:
    """Hazards found in the period and rectified, by (grid, whole days taken to rectify)."""
    out = rollups.read(
        rollups.HAZARDS, f.grid_ids, f.start, f.end, "rectify days", False, where="rectified"
    )
    return Counter({(g, int(d)): n for (g, _day, d), n in out.items()})


def hazard_counts(f: Filters, today: date) -> tuple[Counter, Counter]:
    """`hazard_atoms` and `rectify_days` of the period from one read of the roll-ups."""
    atoms: Counter = Counter()
    days: Counter = Counter()
    for (grid, day, *key, taken), n in rollups.read(
        rollups.HAZARDS,
        f.grid_ids,
        f.start,
        f.end,
        "hazard atom, rectify days",
        True,
        params={"today": today},
    ).items():
        atoms[(grid, day, *key)] += n
        if taken is not None:
            days[(grid, int(taken))] += n
    return atoms, days


# Positions in a request atom's key.
REQUEST_KEY = ("grid", "day", "category", "status", "accepted", "replied", "overdue", "due_soon")
REQUEST_STATES = ("received", "accepted", "replied", "overdue")


def request_atoms(
    rule: sa.ColumnElement,
    today: date,
    *,
    grid_ids: list[int] | None = None,
    start: date | None = None,
    end: date | None = None,
    amber_days: int = 5,
    rule_key: tuple | None = None,
) -> Counter:
    """Requests by REQUEST_KEY: (grid, day received, category, status, accepted, replied,
    overdue today, due within `amber_days`). The same atoms for every view of requests.

    `rule_key` names what `rule` is built from (Filters.rule_key): the statement is kept
    under it; without it the statement is built afresh."""
    by_grid, by_period = grid_ids is not None, start is not None

    def build():
        return _request_atoms_select(rule, by_grid, by_period)

    if rule_key is None:
        stmt = build()
    else:
        stmt = kept(("tallies.request_atoms", rule_key, by_grid, by_period), build)
    values = {
        "today": today,
        "soon": today + timedelta(days=amber_days),
        "grid_ids": grid_ids,
        "start": start,
        "end": end,
    }
    rows = db.session.execute(stmt, values).all()
    return Counter({tuple(r[:-1]): int(r[-1]) for r in rows})


def _request_atoms_select(rule: sa.ColumnElement, by_grid: bool, by_period: bool) -> sa.Select:
    due_on = due_on_sql()
    soon = sa.bindparam("soon", type_=sa.Date())
    flags = [
        sa.case((request_accepted(), 1), else_=0),
        sa.case((Request.replied_on.is_not(None), 1), else_=0),
        sa.case((request_overdue(_TODAY), 1), else_=0),
        sa.case((sa.and_(due_on >= _TODAY, due_on <= soon), 1), else_=0),
    ]
    stmt = sa.select(
        Request.grid_id,
        Request.received_on,
        Request.category_code,
        Request.status,
        *flags,
        sa.func.count(),
    ).where(rule)
    if by_grid:
        stmt = stmt.where(Request.grid_id.in_(_GRID_IDS))
    if by_period:
        stmt = stmt.where(Request.received_on.between(_START, _END))
    return stmt.group_by(
        Request.grid_id, Request.received_on, Request.category_code, Request.status, *flags
    )


TIMELINESS = ("decided", "decided_on_time", "replied", "replied_on_time", "entered_late")


def request_timeliness_by_grid(f: Filters) -> dict[int, dict[str, int]]:
    """Decisions and replies on the requests received in the period, and how many kept their
    clocks (stored on each request by requests/deadlines.py), by grid; with the requests that
    have a step entered late (补录)."""

    def build():
        return _timeliness_select(f.request_rule)

    if f.rule_key is None:
        stmt = build()
    else:
        stmt = kept(("tallies.request_timeliness", f.rule_key), build)
    rows = db.session.execute(stmt, {"grid_ids": f.grid_ids, "start": f.start, "end": f.end})
    return {row[0]: dict(zip(TIMELINESS, row[1:], strict=True)) for row in rows}


def _timeliness_select(rule: sa.ColumnElement) -> sa.Select:
    entered_late = (
        sa.exists()
        .where(RequestEvent.request_id == Request.id, RequestEvent.backfilled.is_(sa.true()))
        .correlate(Request)
    )
    return (
        sa.select(
            Request.grid_id,
            _count_if(Request.decided_on_time.is_not(None)),
            _count_if(Request.decided_on_time.is_(sa.true())),
            _count_if(Request.replied_on_time.is_not(None)),
            _count_if(Request.replied_on_time.is_(sa.true())),
            _count_if(entered_late),
        )
        .where(Request.grid_id.in_(_GRID_IDS), Request.received_on.between(_START, _END), rule)
        .group_by(Request.grid_id)
    )


def request_atoms_for(f: Filters, today: date) -> Counter:
    """Requests received in the period, by REQUEST_KEY."""
    from ..requests.deadlines import rules

    return request_atoms(
        f.request_rule,
        today,
        grid_ids=f.grid_ids,
        start=f.start,
        end=f.end,
        amber_days=rules().amber_days,
        rule_key=f.rule_key,
    )


def checklist_templates() -> list[ChecklistTemplate]:
    """Checklist templates (the hazard categories), in a stable order."""
    return list(db.session.scalars(_ordered(ChecklistTemplate, ChecklistTemplate.id)))


def request_categories() -> list[RequestCategory]:
    """Request categories in code order."""
    return list(db.session.scalars(_ordered(RequestCategory, RequestCategory.code)))


def restricted_atoms(f: Filters) -> Counter:
    """Complaints about officials received in the period in the user's township, by month:
    the atoms of their one township-wide figure (from the kept sums, never by place)."""
    if f.restricted_township is None:
        return Counter()
    values = {"township": f.restricted_township, "start": f.start, "end": f.end}
    rows = db.session.execute(_restricted_select(), values)
    return Counter({(month,): n for month, n in rows})


@cache
def _restricted_select() -> sa.Select:
    t = TallyRequestFigures
    return (
        sa.select(t.unit, sa.cast(sa.func.sum(t.n), sa.Integer))
        .where(
            t.level == "t",
            t.place_id == sa.bindparam("township"),
            t.dim == "cat",
            t.category.in_(sa.select(RequestCategory.code).where(RequestCategory.restricted)),
            t.unit.between(_START, _END),
        )
        .group_by(t.unit)
    )


def referral_atoms(f: Filters) -> Counter:
    """Referrals raised in the period, by (grid, day referred, service, status): counted on
    their own, never as hazards."""
    values = {"grid_ids": f.grid_ids, "start": f.start, "end": f.end}
    rows = db.session.execute(_referrals_select(), values).all()
    return Counter({tuple(r[:-1]): int(r[-1]) for r in rows})


@cache
def _referrals_select() -> sa.Select:
    return (
        sa.select(
            Referral.grid_id,
            Referral.referred_on,
            Referral.service_code,
            Referral.status,
            sa.func.count(),
        )
        .where(Referral.grid_id.in_(_GRID_IDS), Referral.referred_on.between(_START, _END))
        .group_by(Referral.grid_id, Referral.referred_on, Referral.service_code, Referral.status)
    )


def referral_services() -> list[ReferralService]:
    """The services referrals go to, in the reference list's order."""
    return list(db.session.scalars(_ordered(ReferralService, ReferralService.position)))


@cache
def _ordered(model, order) -> sa.Select:
    return sa.select(model).order_by(order)
