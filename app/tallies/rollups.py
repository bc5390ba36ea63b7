"""Roll-ups: the tallies read counts per grid and unit of days instead of the raw rows.

A *measure* names the raw rows it counts (visits, screenings, hazards), the grid and the
day of each, the key columns the tallies slice by, and its roll-up table (models.py), whose
rows hold, per (grid, unit, key), how many raw rows share them. The unit is the month, or
for hazards the part of a week inside one month (disclosure.py's smallest segment).

Kept current in the same transaction as every write: after each flush, the (grid, unit)
pairs that the flushed rows touched, before and after the change, are counted again from
the raw rows (delete the pair's roll-up rows, insert a GROUP BY of the raw rows of that grid
and unit). Recounting a pair is a few hundred rows through an index, and leaves no delta
arithmetic to get wrong: the roll-up is by construction what a recount gives. On PostgreSQL
an advisory lock per pair, held to the end of the transaction, makes concurrent writers
recount one after the other, each seeing the other's committed rows.
Core UPDATEs that bypass the session call `recount_hazard` (hazards/services.py).

Reads (`read`) take whole units inside the period from the roll-up and count the ragged
edges (a partial month or week at either end) from the measure's roll-up by day where it
has one (visits, screenings), else from the raw rows: the township's periods are whole
months, so its views touch the roll-ups only.

More tables are kept beside them, so that a dashboard reads a few hundred rows whatever
the number of records: households visited (each once a month: not a sum of days) by grid
and month, counted again with the visits; and the *figures* of the hazard and request
tables (models.TallyHazardFigures, TallyRequestFigures; figures.py reads them): per grid,
community and township and month, for each value of a table's dimension, the sums that
issue 14's small-count rule adds up (disclosure.py). A write recounts its grid's month
from `tally_hazards` (or the requests), then its community's and township's month from
the rows below (`FigureKind`, `recount_figures`); on PostgreSQL an advisory lock per
township and month orders the writers. Requests are kept apart by whether their category
is restricted (complaints about officials); a grid moved to another community needs
`flask tallies rebuild`.

Adding a measure (e.g. referrals): a table in models.py with grid_id, unit, its
key columns and n; a `Measure` below with the raw select's columns named like the table's;
the model in `touched` so flushes recount it; a migration creating the table and calling
`rebuild`; its tally query reading through `read`.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..derived import kept_by_flush
from ..extensions import db
from ..models import (
    Community,
    Grid,
    Hazard,
    Request,
    RequestCategory,
    RequestEvent,
    Screening,
    Visit,
)
from ..sqldates import days_between, month_of
from ..statements import kept as kept_statement
from .disclosure import SMALL, month_end, month_start
from .models import (
    TallyHazardFigures,
    TallyHazards,
    TallyHouseholds,
    TallyRequestFigures,
    TallyScreeningDays,
    TallyScreenings,
    TallyVisitDays,
    TallyVisits,
)

RECTIFIED = ("rectified", "verified")


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Measure:
    name: str
    number: int  # stable, for the advisory lock
    table: sa.Table
    span: str  # unit: "month", "week" (the part of a week within the month) or "day"
    grid: Callable[[], sa.ColumnElement]
    day: Callable[[], sa.ColumnElement]
    key_columns: Callable[[], dict[str, sa.ColumnElement]]  # roll-up column name -> raw expression
    source: Callable[[], sa.Select]  # FROM and JOINs of the raw rows
    # The same counts by day, kept beside it: a period's ragged edges are read from it
    # instead of the raw rows.
    days: "Measure | None" = None

    def unit(self, day: date) -> date:
        if self.span == "day":
            return day
        if self.span == "week":
            return max(month_start(day), week_start(day))
        return month_start(day)

    def unit_end(self, unit: date) -> date:
        if self.span == "day":
            return unit
        if self.span == "week":
            return min(month_end(unit), week_start(unit) + timedelta(days=6))
        return month_end(unit)

    def is_unit_start(self, day: date) -> bool:
        return self.span == "day" or day.day == 1 or (self.span == "week" and day.weekday() == 0)

    def rows(self, *where: sa.ColumnElement) -> sa.Subquery:
        """The raw rows as (grid_id, day, *keys), named like the roll-up's columns.

        Grouping happens outside this subquery, by plain column names: PostgreSQL would not
        match a CASE written twice with its own bound parameters."""
        return (
            self.source()
            .with_only_columns(
                self.grid().label("grid_id"),
                self.day().label("day"),
                *(expr.label(name) for name, expr in self.key_columns().items()),
            )
            .where(*where)
            .subquery()
        )


def _hazard_keys() -> dict[str, sa.ColumnElement]:

    return {
        "template_id": Hazard.template_id,
        "severity": Hazard.severity,
        "status": Hazard.status,
        # Overdue is "open, not reported to a department, and due before today"
        # (Hazard.overdue_sql): only those keep their due date.
        "due_on": sa.case(
            (sa.and_(Hazard.status == "open", Hazard.reported_on.is_(None)), Hazard.due_on),
            else_=sa.null(),
        ),
        "rectify_days": sa.case(
            (
                sa.and_(Hazard.status.in_(RECTIFIED), Hazard.rectified_on.is_not(None)),
                days_between(Hazard.rectified_on, Hazard.found_on),
            ),
            else_=sa.null(),
        ),
    }


def _visit_measure(name: str, number: int, table: sa.Table, span: str, days=None) -> Measure:
    return Measure(
        name,
        number,
        table,
        span,
        lambda: Visit.grid_id,
        lambda: Visit.visited_on,
        lambda: {"purpose": Visit.purpose},
        lambda: sa.select(Visit.id).select_from(Visit),
        days,
    )


def _screening_measure(name: str, number: int, table: sa.Table, span: str, days=None) -> Measure:
    return Measure(
        name,
        number,
        table,
        span,
        lambda: Visit.grid_id,
        lambda: Visit.visited_on,
        lambda: {"template_id": Screening.template_id},
        lambda: (
            sa.select(Screening.id)
            .select_from(Screening)
            .join(Visit, Screening.visit_id == Visit.id)
        ),
        days,
    )


# By day for visits and screenings only: hazards' ragged edges are a few rows through their
# grid's index, while a secretary's ragged month of visits is tens of thousands of rows at
# 10M visits, and PostgreSQL joins their screenings by reading every screening.
VISIT_DAYS = _visit_measure("visits by day", 6, TallyVisitDays.__table__, "day")
SCREENING_DAYS = _screening_measure("screenings by day", 7, TallyScreeningDays.__table__, "day")
VISITS = _visit_measure("visits", 1, TallyVisits.__table__, "month", VISIT_DAYS)
SCREENINGS = _screening_measure("screenings", 2, TallyScreenings.__table__, "month", SCREENING_DAYS)
HAZARDS = Measure(
    "hazards",
    3,
    TallyHazards.__table__,
    "week",
    lambda: Hazard.grid_id,
    lambda: Hazard.found_on,
    _hazard_keys,
    lambda: sa.select(Hazard.id).select_from(Hazard),
)
MEASURES = (VISITS, SCREENINGS, HAZARDS, VISIT_DAYS, SCREENING_DAYS)

# ---- keeping them current -----------------------------------------------------------------

Pair = tuple[Measure, int, date]  # (measure, grid id, unit start)


def _lock(session: Session, pairs: list[Pair]) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite has one writer at a time
    epoch = date(1970, 1, 1)
    for m, grid, unit in pairs:
        session.execute(
            sa.select(sa.func.pg_advisory_xact_lock(grid, m.number * 100_000 + (unit - epoch).days))
        )


def recount(session: Session, pairs: Iterable[tuple[Measure, int, date]]) -> None:
    """Count these (measure, grid, any day of the unit) again from the raw rows."""
    pairs = [(m, g, d) for m, g, d in pairs if g is not None and d is not None]
    pairs += [(m.days, g, d) for m, g, d in pairs if m.days is not None]
    units = sorted(
        {(m, g, m.unit(d)) for m, g, d in pairs}, key=lambda p: (p[0].number, p[1], p[2])
    )
    _lock(session, units)
    for m, grid, unit in units:
        _recount_unit(session, m, grid, unit)
    recount_households(session, {(g, u) for m, g, u in units if m is VISITS})
    recount_figures(session, {(g, month_start(u)) for m, g, u in units if m is HAZARDS})


def recount_requests(session: Session, pairs: Iterable[tuple[int, date]]) -> None:
    """Count the request figures of these (grid, day received) again."""
    grid_months = {(g, month_start(d)) for g, d in pairs if g is not None and d is not None}
    recount_figures(session, grid_months, REQUEST_FIGURES)


# A recount's statements take their grid and days as parameters: built once per measure,
# not on every write (building them cost more than running them: issue 19, make load).
_GRID = sa.bindparam("grid", type_=sa.Integer())
_UNIT = sa.bindparam("unit", type_=sa.Date())
_LAST = sa.bindparam("last", type_=sa.Date())


@cache
def _recount_statements(m: Measure) -> tuple[sa.Delete, sa.Insert]:
    t = m.table
    delete = sa.delete(t).where(t.c.grid_id == _GRID, t.c.unit == _UNIT)
    sub = m.rows(m.grid() == _GRID, m.day().between(_UNIT, _LAST))
    keys = [sub.c[name] for name in m.key_columns()]
    raw = sa.select(_GRID, _UNIT, *keys, sa.func.count()).group_by(*keys)
    insert = sa.insert(t).from_select(["grid_id", "unit", *m.key_columns(), "n"], raw)
    return delete, insert


def _recount_unit(session: Session, m: Measure, grid: int, unit: date) -> None:
    delete, insert = _recount_statements(m)
    params = {"grid": grid, "unit": unit, "last": m.unit_end(unit)}
    session.execute(delete, params)
    session.execute(insert, params)
    if m is HAZARDS:
        t = m.table
        fill_open_counts(session, t.c.grid_id == grid, t.c.unit == unit)


def fill_open_counts(session: Session, *where: sa.ColumnElement) -> None:
    """On each tally_hazards row with a due date (among `where`), its atom's open counts
    without and with a due date (models.TallyHazards)."""
    t = TallyHazards.__table__
    keys = [t.c.grid_id, t.c.unit, t.c.template_id, t.c.severity]
    dated = t.c.due_on.is_not(None)
    atoms = (
        sa.select(
            *keys,
            sa.func.sum(sa.case((dated, 0), else_=t.c.n)).label("undated"),
            sa.func.sum(sa.case((dated, t.c.n), else_=0)).label("dated"),
        )
        .where(t.c.status == "open", *where)
        .group_by(*keys)
        .subquery()
    )
    session.execute(
        sa.update(t)
        .where(*(key == atoms.c[key.name] for key in keys), dated)
        .values(open_undated=atoms.c.undated, open_dated=atoms.c.dated)
    )


def _values(obj, *names: str) -> list[tuple]:
    """Every combination of the attributes' current and pre-flush values."""
    state = sa.inspect(obj)
    options = []
    for name in names:
        hist = state.attrs[name].history
        vals = {*hist.added, *hist.unchanged, *hist.deleted} or {getattr(obj, name, None)}
        options.append(vals)
    out = [()]
    for vals in options:
        out = [(*o, v) for o in out for v in vals]
    return out


def touched(session: Session) -> tuple[set, set[int], set, set[int]]:
    """(measure, grid, day) of every counted row this flush adds, changes or deletes, and
    the ids of visits whose screenings changed (their grid and day are read after); the
    same for requests (grid, day received) and the requests whose events changed."""
    pairs: set = set()
    visit_ids: set[int] = set()
    requests: set = set()
    request_ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Request):
            requests.update(_values(obj, "grid_id", "received_on"))
        elif isinstance(obj, RequestEvent):
            request = obj.__dict__.get("request")
            if request is not None:
                requests.add((request.grid_id, request.received_on))
            request_ids.update(v for (v,) in _values(obj, "request_id") if v is not None)
        if isinstance(obj, Visit):
            for grid, day in _values(obj, "grid_id", "visited_on"):
                # A visit's screenings count under its grid and day (and go with it).
                pairs.update({(VISITS, grid, day), (SCREENINGS, grid, day)})
        elif isinstance(obj, Screening):
            visit = obj.__dict__.get("visit")
            if visit is not None:  # set through the relationship: no id before the flush
                pairs.add((SCREENINGS, visit.grid_id, visit.visited_on))
            visit_ids.update(v for (v,) in _values(obj, "visit_id") if v is not None)
        elif isinstance(obj, Hazard):
            for grid, day in _values(obj, "grid_id", "found_on"):
                pairs.add((HAZARDS, grid, day))
    return pairs, visit_ids, requests, request_ids


def _apply(session: Session, collected: list) -> None:
    pairs: set = set()
    visit_ids: set = set()
    requests: set = set()
    request_ids: set = set()
    for found in collected:
        for kept, more in zip((pairs, visit_ids, requests, request_ids), found, strict=True):
            kept |= more
    if visit_ids:
        rows = session.execute(
            sa.select(Visit.grid_id, Visit.visited_on).where(Visit.id.in_(visit_ids))
        )
        pairs.update((SCREENINGS, grid, day) for grid, day in rows)
    if pairs:
        recount(session, pairs)
    if request_ids:
        requests.update(
            session.execute(
                sa.select(Request.grid_id, Request.received_on).where(Request.id.in_(request_ids))
            ).tuples()
        )
    if requests:
        recount_requests(session, requests)


kept_by_flush("rollups_pending", touched, _apply, after="after_flush")


def recount_hazard(hazard: Hazard) -> None:
    """After a Core UPDATE of a hazard (the session did not see it)."""
    recount(db.session, [(HAZARDS, hazard.grid_id, hazard.found_on)])


def rebuild(
    session: Session,
    echo: Callable[[str], None] | None = None,
    only: Iterable[str] | None = None,
) -> dict[str, int]:
    """Every roll-up counted again from all the raw rows (`flask tallies rebuild`); `only`
    these measures' tables (a migration fills the tables that exist at its revision)."""
    only = (
        set(only)
        if only is not None
        else {
            *(m.name for m in MEASURES),
            "hazard open counts",
            "households",
            *(k.name for k in FIGURE_KINDS),
        }
    )
    written = {}
    for m in MEASURES:
        if m.name not in only:
            continue
        session.execute(sa.delete(m.table))
        names = ["grid_id", "unit", *m.key_columns(), "n"]
        sums: Counter = Counter()
        sub = m.rows()
        cols = [sub.c.grid_id, sub.c.day, *(sub.c[name] for name in m.key_columns())]
        raw = sa.select(*cols, sa.func.count()).group_by(*cols)
        for grid, day, *keys, n in session.execute(raw):
            sums[(grid, m.unit(day), *keys)] += n
        rows = [dict(zip(names, (*key, n), strict=True)) for key, n in sums.items()]
        for i in range(0, len(rows), 10_000):
            session.execute(sa.insert(m.table), rows[i : i + 10_000])
        written[m.name] = len(rows)
    if "hazard open counts" in only:
        fill_open_counts(session)
    if "households" in only:
        session.execute(sa.delete(TallyHouseholds))
        session.execute(
            sa.insert(TallyHouseholds).from_select(["grid_id", "unit", "n"], _households())
        )
        written["households"] = session.scalar(
            sa.select(sa.func.count()).select_from(TallyHouseholds)
        )
    for kind in FIGURE_KINDS:
        if kind.name in only:
            written[kind.name] = rebuild_figures(session, kind)
    if echo:
        for name, count in written.items():
            echo(f"{name}: {count:,} roll-up rows")
    return written


def _households(*where: sa.ColumnElement) -> sa.Select:
    """Households visited per grid and month, each once (nothing for a month without one)."""
    rows = (
        sa.select(Visit.grid_id, month_of(Visit.visited_on).label("month"), Visit.household_id)
        .where(Visit.household_id.is_not(None), *where)
        .subquery()
    )
    return sa.select(
        rows.c.grid_id, rows.c.month, sa.func.count(sa.distinct(rows.c.household_id))
    ).group_by(rows.c.grid_id, rows.c.month)


@cache
def _household_statements() -> tuple[sa.Delete, sa.Insert]:
    t = TallyHouseholds.__table__
    delete = sa.delete(t).where(t.c.grid_id == _GRID, t.c.unit == _UNIT)
    stmt = _households(Visit.grid_id == _GRID, Visit.visited_on.between(_UNIT, _LAST))
    return delete, sa.insert(t).from_select(["grid_id", "unit", "n"], stmt)


def recount_households(session: Session, grid_months: set[tuple[int, date]]) -> None:
    """Count the households visited in these (grid, first day of the month) again."""
    delete, insert = _household_statements()
    for grid, month in sorted(grid_months):
        params = {"grid": grid, "unit": month, "last": month_end(month)}
        session.execute(delete, params)
        session.execute(insert, params)


FIGURE_COLUMNS = [
    "level", "place_id", "unit", "dim", "template_id", "severity", "status", "overdue", "days",
    "exact", "small", "n",
]  # fmt: skip


def _null(type_) -> sa.ColumnElement:
    # Typed, so that PostgreSQL inserts it into a column of that type.
    return sa.cast(sa.null(), type_)


def _grid_figures(where: sa.ColumnElement) -> list[sa.Select]:
    """The hazard figures of each grid and month (every open hazard with a due date counted
    as overdue), one select per dimension, from the roll-up rows passing `where`."""
    t = TallyHazards.__table__
    rows = (
        sa.select(
            t.c.grid_id,
            t.c.unit,
            month_of(t.c.unit).label("month"),
            t.c.template_id,
            t.c.severity,
            t.c.status,
            sa.case((t.c.due_on.is_not(None), 1), else_=0).label("overdue"),
            t.c.rectify_days,
            t.c.n,
        )
        .where(where)
        .subquery()
    )
    r = rows.c
    keys = [r.grid_id, r.unit, r.month, r.template_id, r.severity, r.status, r.overdue]
    atoms = sa.select(*keys, sa.func.sum(r.n).label("n")).group_by(*keys).subquery()
    a = atoms.c
    exact = sa.func.sum(sa.case((a.n >= SMALL, a.n), else_=0))
    small = sa.func.sum(sa.case((a.n < SMALL, 1), else_=0))
    atom_sums = (exact, small, sa.func.sum(a.n))
    int_, text = sa.Integer(), sa.String()

    def select(dim, unit, cols, group, sums=atom_sums, src=a):
        full = {
            "template_id": _null(int_),
            "severity": _null(text),
            "status": _null(text),
            "overdue": _null(int_),
            "days": _null(int_),
            **cols,
        }
        return sa.select(
            sa.literal_column("'g'"),
            src.grid_id,
            unit,
            sa.literal_column(f"'{dim}'"),
            *(full[name] for name in FIGURE_COLUMNS[4:9]),
            *sums,
        ).group_by(src.grid_id, unit, *group)

    days = sa.func.sum(r.n)
    return [
        select("cell", a.month, {"template_id": a.template_id, "severity": a.severity},
               [a.template_id, a.severity]),
        select("state", a.month, {"status": a.status, "overdue": a.overdue},
               [a.status, a.overdue]),
        select("week", a.unit, {"template_id": a.template_id}, [a.template_id]),
        select("days", r.month, {"days": r.rectify_days}, [r.rectify_days],
               sums=(days, sa.literal_column("0"), days), src=r)
        .where(r.rectify_days.is_not(None)),
    ]  # fmt: skip


def _upper_figures(
    kind: "FigureKind", level: str, parent: int | None = None, *where: sa.ColumnElement
) -> sa.Select:
    """A community's (c) figures as the sums of its grids', a township's (t) of its
    communities' (every atom is in one grid, so the sums over atoms add up): of one
    `parent`, or of all of them."""
    f = kind.table.c
    if level == "c":
        below, child, parent_of = "g", Grid.id, Grid.community_id
    else:
        below, child, parent_of = "c", Community.id, Community.township_id
    keys = [f[name] for name in kind.columns[2:-3]]
    sums = [sa.func.sum(f.exact), sa.func.sum(f.small), sa.func.sum(f.n)]
    if parent is not None:
        # The children's ids first, so that the rows are read through the place index.
        children = sa.select(child).where(parent_of == parent)
        place = sa.literal(parent, sa.Integer())
        return (
            sa.select(sa.literal_column(f"'{level}'"), place, *keys, *sums)
            .where(f.level == below, f.place_id.in_(children), *where)
            .group_by(*keys)
        )
    source = kind.table.join(child.table, sa.and_(f.level == below, f.place_id == child))
    return (
        sa.select(sa.literal_column(f"'{level}'"), parent_of, *keys, *sums)
        .select_from(source)
        .where(*where)
        .group_by(parent_of, *keys)
    )


@dataclass(frozen=True)
class FigureKind:
    """A table of figures kept per place and month (models.TallyHazardFigures and
    TallyRequestFigures): its columns, and the selects giving a grid's rows for a month
    (or every grid's and month's, with None)."""

    name: str
    number: int  # stable, for the advisory lock
    table: sa.Table
    columns: list[str]  # level, place_id, unit, dim, keys..., exact, small, n
    grid_selects: Callable[[int | None, date | None], list[sa.Select]]
    # Every dimension, named so that a place's month is read through the whole index
    # (level, place_id, dim, unit) rather than all its months.
    dims: tuple[str, ...]


def recount_figures(
    session: Session, grid_months: set[tuple[int, date]], kind: "FigureKind | None" = None
) -> None:
    """Count the figures of these (grid, first day of the month) again, and of their
    communities and townships."""
    kind = kind or HAZARD_FIGURES
    if not grid_months:
        return
    places = {
        g: (c, t)
        for g, c, t in session.execute(
            sa.select(Grid.id, Grid.community_id, Community.township_id)
            .join(Community, Grid.community_id == Community.id)
            .where(Grid.id.in_({g for g, _m in grid_months}))
        )
    }
    townships = sorted({(places[g][1], m) for g, m in grid_months if g in places})
    if session.get_bind().dialect.name == "postgresql":
        # The community and township rows add up many grids': one writer per township month.
        epoch = date(1970, 1, 1)
        for township, month in townships:
            key = kind.number * 100_000 + (month - epoch).days
            session.execute(sa.select(sa.func.pg_advisory_xact_lock(township, key)))
    f = kind.table.c

    def replace(level, place, month, stmts):
        session.execute(
            sa.delete(kind.table).where(
                f.level == level,
                f.place_id == place,
                f.dim.in_(kind.dims),
                f.unit.between(month, month_end(month)),
            )
        )
        for stmt in stmts:
            session.execute(sa.insert(kind.table).from_select(kind.columns, stmt))

    for grid, month in sorted(grid_months):
        replace("g", grid, month, kind.grid_selects(grid, month))
    in_dims = f.dim.in_(kind.dims)
    for community, month in sorted({(places[g][0], m) for g, m in grid_months if g in places}):
        in_month = sa.and_(in_dims, f.unit.between(month, month_end(month)))
        stmt = _upper_figures(kind, "c", community, in_month)
        replace("c", community, month, [stmt])
    for township, month in townships:
        in_month = sa.and_(in_dims, f.unit.between(month, month_end(month)))
        stmt = _upper_figures(kind, "t", township, in_month)
        replace("t", township, month, [stmt])


def rebuild_figures(session: Session, kind: FigureKind) -> int:
    """Every grid's, community's and township's figures counted again."""
    session.execute(sa.delete(kind.table))
    for stmt in kind.grid_selects(None, None):
        session.execute(sa.insert(kind.table).from_select(kind.columns, stmt))
    for level in ("c", "t"):
        session.execute(
            sa.insert(kind.table).from_select(kind.columns, _upper_figures(kind, level))
        )
    return session.scalar(sa.select(sa.func.count()).select_from(kind.table))


def _hazard_grid_selects(grid: int | None, month: date | None) -> list[sa.Select]:
    t = TallyHazards.__table__.c
    if grid is None:
        return _grid_figures(sa.true())
    return _grid_figures(sa.and_(t.grid_id == grid, t.unit.between(month, month_end(month))))


HAZARD_FIGURES = FigureKind(
    "hazard figures",
    4,
    TallyHazardFigures.__table__,
    FIGURE_COLUMNS,
    _hazard_grid_selects,
    ("cell", "days", "state", "week"),
)

REQUEST_COLUMNS = [
    "level", "place_id", "unit", "dim", "category", "restricted", "accepted", "replied",
    "overdue", "exact", "small", "n",
]  # fmt: skip
# The timeliness counts of requests (plain sums, no atoms), each a dimension of its own.
TIMELINESS_DIMS = ("decided", "decided_on_time", "replied", "replied_on_time", "entered_late")


def _request_grid_selects(grid: int | None, month: date | None) -> list[sa.Select]:
    """A grid's request figures for a month: the atoms of the tallies (queries.REQUEST_KEY:
    grid, month, category, status, accepted, replied, overdue, due soon) with every running
    clock counted as overdue; per category, and per (restricted, accepted, replied, overdue);
    and the timeliness sums per restricted or not."""
    from .queries import request_accepted

    r = Request
    where = (
        [] if grid is None else [r.grid_id == grid, r.received_on.between(month, month_end(month))]
    )

    def flag(condition):
        return sa.case((condition, 1), else_=0)

    late = sa.exists().where(
        RequestEvent.request_id == r.id, RequestEvent.backfilled.is_(sa.true())
    )
    rows = (
        sa.select(
            r.grid_id,
            month_of(r.received_on).label("month"),
            r.category_code.label("category"),
            flag(RequestCategory.restricted.is_(sa.true())).label("restricted"),
            r.status,
            flag(request_accepted()).label("accepted"),
            flag(r.replied_on.is_not(None)).label("replied"),
            flag(r.due_on.is_not(None)).label("overdue"),
            flag(r.decided_on_time.is_not(None)).label("decided"),
            flag(r.decided_on_time.is_(sa.true())).label("decided_on_time"),
            flag(r.replied_on_time.is_not(None)).label("replied_t"),
            flag(r.replied_on_time.is_(sa.true())).label("replied_on_time"),
            flag(late).label("entered_late"),
        )
        .join(RequestCategory, RequestCategory.code == r.category_code)
        .where(*where)
        .subquery()
    )
    c = rows.c
    keys = [
        c.grid_id,
        c.month,
        c.category,
        c.restricted,
        c.status,
        c.accepted,
        c.replied,
        c.overdue,
    ]
    atoms = sa.select(*keys, sa.func.count().label("n")).group_by(*keys).subquery()
    a = atoms.c
    exact = sa.func.sum(sa.case((a.n >= SMALL, a.n), else_=0))
    small = sa.func.sum(sa.case((a.n < SMALL, 1), else_=0))
    int_, text = sa.Integer(), sa.String()

    def select(dim, cols, group, sums, src):
        full = {
            "category": _null(text),
            "restricted": _null(int_),
            "accepted": _null(int_),
            "replied": _null(int_),
            "overdue": _null(int_),
            **cols,
        }
        return sa.select(
            sa.literal_column("'g'"),
            src.grid_id,
            src.month,
            sa.literal_column(f"'{dim}'"),
            *(full[name] for name in REQUEST_COLUMNS[4:9]),
            *sums,
        ).group_by(src.grid_id, src.month, *group)

    atom_sums = (exact, small, sa.func.sum(a.n))
    state = {"restricted": a.restricted, "accepted": a.accepted, "replied": a.replied,
             "overdue": a.overdue}  # fmt: skip
    out = [
        select("cat", {"category": a.category}, [a.category], atom_sums, a),
        select("state", state, list(state.values()), atom_sums, a),
    ]
    source = {"decided": c.decided, "decided_on_time": c.decided_on_time, "replied": c.replied_t,
              "replied_on_time": c.replied_on_time, "entered_late": c.entered_late}  # fmt: skip
    for dim in TIMELINESS_DIMS:
        total = sa.func.sum(source[dim])
        out.append(
            select(
                dim,
                {"restricted": c.restricted},
                [c.restricted],
                (total, sa.literal_column("0"), total),
                c,
            ).having(total > 0)
        )
    return out


REQUEST_FIGURES = FigureKind(
    "request figures",
    5,
    TallyRequestFigures.__table__,
    REQUEST_COLUMNS,
    _request_grid_selects,
    ("cat", "state", *TIMELINESS_DIMS),
)
FIGURE_KINDS = (HAZARD_FIGURES, REQUEST_FIGURES)


# ---- reading ------------------------------------------------------------------------------


def whole_units(m: Measure, start: date, end: date) -> tuple[date, date] | None:
    """The first and last day of the whole units inside [start, end], if any."""
    first = start
    while not m.is_unit_start(first):
        first += timedelta(days=1)
    last = end
    while not m.is_unit_start(last + timedelta(days=1)):
        last -= timedelta(days=1)
    return (first, last) if first <= last else None


Col = Callable[[str], sa.ColumnElement]

# What `read` counts by and filters on, by name. Its statements are built once and kept
# under these names (issue 19: building them and their cache keys cost a fifth of a
# secretary's dashboard), so a pick must be the same whenever its name is: values it needs
# (today) are bind parameters, given to `read` in `params`, never closed over.
PICKS: dict[str, Callable[[Col], list[sa.ColumnElement]]] = {}
CONDITIONS: dict[str, Callable[[Col], sa.ColumnElement]] = {}
TODAY = sa.bindparam("today", type_=sa.Date())


def _register(registry: dict, name: str):
    def add(fn):
        # A closure or default value would be frozen into the statement kept for `name`.
        if fn.__closure__ or fn.__defaults__ or fn.__kwdefaults__:
            raise TypeError(f"{name}: a pick takes its values as bind parameters")
        if name in registry:
            raise ValueError(f"{name}: named twice")
        registry[name] = fn
        return fn

    return add


def pick(name: str):
    """Register `fn(col)`, the key columns `read` counts by, as `name`."""
    return _register(PICKS, name)


def condition(name: str):
    """Register `fn(col)`, a condition on the rows `read` counts, as `name`."""
    return _register(CONDITIONS, name)


_GRID_IDS = sa.bindparam("grid_ids", expanding=True, type_=sa.Integer())
_LO = sa.bindparam("lo", type_=sa.Date())
_HI = sa.bindparam("hi", type_=sa.Date())


def _read_select(m: Measure, source: str, pick: str, where: str | None, by_day: bool):
    """The statement counting `source` ("units": the roll-up, "days": its by-day table,
    "raw": the raw rows) of the grids `grid_ids` in [lo, hi], grouped by the pick."""
    if source == "raw":
        src = m.rows(m.grid().in_(_GRID_IDS), m.day().between(_LO, _HI))
        day, n, within = src.c.day, sa.literal(1, sa.Integer()), []
    else:
        src = m.table if source == "units" else m.days.table
        day, n = src.c.unit, src.c.n
        within = [src.c.grid_id.in_(_GRID_IDS), src.c.unit.between(_LO, _HI)]

    def col(name):
        return src.c[name]

    # Grouped outside, by plain column names (Measure.rows says why).
    picked = [e.label(f"k{i}") for i, e in enumerate(PICKS[pick](col))]
    conds = [*within, *([CONDITIONS[where](col)] if where is not None else [])]
    sub = sa.select(src.c.grid_id, day.label("day"), *picked, n.label("n")).where(*conds)
    sub = sub.subquery()
    keys = [sub.c[f"k{i}"] for i in range(len(picked))]
    group = [sub.c.grid_id, *([sub.c.day] if by_day else []), *keys]
    day_out = sub.c.day if by_day else sa.null()
    return sa.select(sub.c.grid_id, day_out, *keys, sa.func.sum(sub.c.n)).group_by(*group)


def read(
    m: Measure,
    grid_ids: list[int],
    start: date,
    end: date,
    pick: str,
    by_day: bool,
    where: str | None = None,
    params: dict | None = None,
) -> Counter:
    """Counts of the measure in [start, end] over the grids, keyed (grid, day, *pick(col)).

    `pick` and `where` name a registered pick and condition (`pick`, `condition`), which get
    `col(name)`, a key column (roll-up or raw alike); `params` binds their parameters. The
    day is the unit's first day for roll-up rows, the row's own day at the edges; None
    unless `by_day`.
    """
    if pick not in PICKS or (where is not None and where not in CONDITIONS):
        raise KeyError(f"read: register {pick!r} and {where!r} by name first")
    out: Counter = Counter()

    def counted(source: str, lo: date, hi: date) -> None:
        stmt = kept_statement(
            ("tallies.read", m.name, source, pick, where, by_day),
            lambda: _read_select(m, source, pick, where, by_day),
        )
        values = {"grid_ids": grid_ids, "lo": lo, "hi": hi, **(params or {})}
        rows = db.session.execute(stmt, values)
        for grid, day, *rest in rows:
            out[(grid, day if by_day else None, *rest[:-1])] += int(rest[-1])

    inner = whole_units(m, start, end)
    edges = [(start, end)]
    if inner:
        counted("units", *inner)
        edges = [(start, inner[0] - timedelta(days=1)), (inner[1] + timedelta(days=1), end)]
    for lo, hi in edges:
        if lo <= hi:
            counted("days" if m.days is not None else "raw", lo, hi)
    return out
