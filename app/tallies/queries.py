"""Reads for the tallies: GROUP BY aggregates over the grids the user may count.

Every function takes a `Filters` (period and the grids inside the user's scope) and returns
plain counts keyed by codes and grid ids; `tables.py` turns them into labelled tables.
Grouping is always by grid in SQL (a township has few grids), so rolling up to communities
and hiding small counts (disclosure.py) happen in one place, in Python.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

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
    Township,
    User,
    Visit,
)
from ..permissions import SECRETARY, TOWNSHIP
from ..places import place_key
from ..requests.deadlines import due_on_sql
from ..scope import countable_requests, tally_grid_ids
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
    grid_ids: list[int] = field(init=False)

    def __post_init__(self):
        self.grid_ids = [p.grid_id for p in self.places]


def user_scope(user: User) -> Scope:
    """The grids (with communities) the user may count, in display order."""
    rows = sorted(
        db.session.execute(
            sa.select(Grid.id, Grid.name, Community.id, Community.name)
            .join(Community, Grid.community_id == Community.id)
            .where(Grid.id.in_(tally_grid_ids(user)))
        ).all(),
        key=lambda r: place_key(r[3], r[1]),
    )
    township_id = user.township_id
    if township_id is None and user.community_id is not None:
        township_id = db.session.scalar(
            sa.select(Community.township_id).where(Community.id == user.community_id)
        )
    name = db.session.scalar(sa.select(Township.name).where(Township.id == township_id)) or ""
    return Scope(name, [Place(*r) for r in rows])


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
    out = rollups.read(
        rollups.VISITS, f.grid_ids, f.start, f.end, lambda c: [c("purpose")], f.suppress
    )
    return _keys(out, f)


def household_atoms(f: Filters) -> Counter:
    """How many households were visited in the period, by (grid, first day of the month):
    each household once a month, so that months add up and the atoms stay (grid, month).
    Whole months from the roll-up, the days of a month cut by the period from the visits."""
    from .disclosure import month_start

    out: Counter = Counter()
    inner = rollups.whole_units(rollups.VISITS, f.start, f.end)
    edges = [(f.start, f.end)]
    if inner:
        t = TallyHouseholds.__table__.c
        for grid, month, n in db.session.execute(
            sa.select(t.grid_id, t.unit, t.n).where(
                t.grid_id.in_(f.grid_ids), t.unit.between(*inner)
            )
        ):
            out[(grid, month)] += n
        edges = [(f.start, inner[0] - timedelta(days=1)), (inner[1] + timedelta(days=1), f.end)]
    for lo, hi in edges:
        if lo > hi:
            continue
        rows = db.session.execute(
            sa.select(Visit.grid_id, Visit.household_id, Visit.visited_on)
            .where(
                Visit.grid_id.in_(f.grid_ids),
                Visit.visited_on.between(lo, hi),
                Visit.household_id.is_not(None),
            )
            .group_by(Visit.grid_id, Visit.household_id, Visit.visited_on)
        ).all()
        visited = {(grid, month_start(day), household) for grid, household, day in rows}
        out.update(Counter((grid, month) for grid, month, _household in visited))
    return out


def screening_atoms(f: Filters) -> Counter:
    """Screenings run on visits in the period, by (grid, day, template id); from the roll-ups."""
    out = rollups.read(
        rollups.SCREENINGS, f.grid_ids, f.start, f.end, lambda c: [c("template_id")], f.suppress
    )
    return _keys(out, f)


HAZARD_STATES = ("found", "rectified", "verified", "open", "overdue")
RECTIFIED = rollups.RECTIFIED


def hazard_atoms(f: Filters, today: date) -> Counter:
    """Hazards found in the period, by (grid, day found or its unit, template id, severity,
    status, overdue today); from the roll-ups. One query feeds every hazard table."""

    def pick(c):
        overdue = sa.case((sa.and_(c("status") == "open", c("due_on") < today), 1), else_=0)
        return [c("template_id"), c("severity"), c("status"), overdue]

    return rollups.read(rollups.HAZARDS, f.grid_ids, f.start, f.end, pick, True)


def rectify_days(f: Filters) -> Counter:
    """Hazards found in the period and rectified, by (grid, whole days taken to rectify)."""
    out = rollups.read(
        rollups.HAZARDS,
        f.grid_ids,
        f.start,
        f.end,
        lambda c: [c("rectify_days")],
        False,
        where=lambda c: c("rectify_days").is_not(None),
    )
    return Counter({(g, int(d)): n for (g, _day, d), n in out.items()})


def hazard_counts(f: Filters, today: date) -> tuple[Counter, Counter]:
    """`hazard_atoms` and `rectify_days` of the period from one read of the roll-ups."""

    def pick(c):
        overdue = sa.case((sa.and_(c("status") == "open", c("due_on") < today), 1), else_=0)
        return [c("template_id"), c("severity"), c("status"), overdue, c("rectify_days")]

    atoms: Counter = Counter()
    days: Counter = Counter()
    for (grid, day, *key, taken), n in rollups.read(
        rollups.HAZARDS, f.grid_ids, f.start, f.end, pick, True
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
) -> Counter:
    """Requests by REQUEST_KEY: (grid, day received, category, status, accepted, replied,
    overdue today, due within `amber_days`). The same atoms for every view of requests."""
    due_on = due_on_sql()
    flags = [
        sa.case((request_accepted(), 1), else_=0),
        sa.case((Request.replied_on.is_not(None), 1), else_=0),
        sa.case((request_overdue(today), 1), else_=0),
        sa.case(
            (sa.and_(due_on >= today, due_on <= today + timedelta(days=amber_days)), 1), else_=0
        ),
    ]
    stmt = sa.select(
        Request.grid_id,
        Request.received_on,
        Request.category_code,
        Request.status,
        *flags,
        sa.func.count(),
    ).where(rule)
    if grid_ids is not None:
        stmt = stmt.where(Request.grid_id.in_(grid_ids))
    if start is not None:
        stmt = stmt.where(Request.received_on.between(start, end))
    rows = db.session.execute(
        stmt.group_by(
            Request.grid_id, Request.received_on, Request.category_code, Request.status, *flags
        )
    ).all()
    return Counter({tuple(r[:-1]): int(r[-1]) for r in rows})


TIMELINESS = ("decided", "decided_on_time", "replied", "replied_on_time", "entered_late")


def request_timeliness_by_grid(f: Filters) -> dict[int, dict[str, int]]:
    """Decisions and replies on the requests received in the period, and how many kept their
    clocks (stored on each request by requests/deadlines.py), by grid; with the requests that
    have a step entered late (补录)."""
    entered_late = (
        sa.exists()
        .where(RequestEvent.request_id == Request.id, RequestEvent.backfilled.is_(sa.true()))
        .correlate(Request)
    )
    rows = db.session.execute(
        sa.select(
            Request.grid_id,
            _count_if(Request.decided_on_time.is_not(None)),
            _count_if(Request.decided_on_time.is_(sa.true())),
            _count_if(Request.replied_on_time.is_not(None)),
            _count_if(Request.replied_on_time.is_(sa.true())),
            _count_if(entered_late),
        )
        .where(
            Request.grid_id.in_(f.grid_ids),
            Request.received_on.between(f.start, f.end),
            f.request_rule,
        )
        .group_by(Request.grid_id)
    )
    return {row[0]: dict(zip(TIMELINESS, row[1:], strict=True)) for row in rows}


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
    )


def checklist_templates() -> list[ChecklistTemplate]:
    """Checklist templates (the hazard categories), in a stable order."""
    return list(db.session.scalars(sa.select(ChecklistTemplate).order_by(ChecklistTemplate.id)))


def request_categories() -> list[RequestCategory]:
    """Request categories in code order."""
    return list(db.session.scalars(sa.select(RequestCategory).order_by(RequestCategory.code)))


def referral_atoms(f: Filters) -> Counter:
    """Referrals raised in the period, by (grid, day referred, service, status): counted on
    their own, never as hazards."""
    rows = db.session.execute(
        sa.select(
            Referral.grid_id,
            Referral.referred_on,
            Referral.service_code,
            Referral.status,
            sa.func.count(),
        )
        .where(Referral.grid_id.in_(f.grid_ids), Referral.referred_on.between(f.start, f.end))
        .group_by(Referral.grid_id, Referral.referred_on, Referral.service_code, Referral.status)
    ).all()
    return Counter({tuple(r[:-1]): int(r[-1]) for r in rows})


def referral_services() -> list[ReferralService]:
    """The services referrals go to, in the reference list's order."""
    return list(db.session.scalars(sa.select(ReferralService).order_by(ReferralService.position)))
