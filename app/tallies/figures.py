"""The tallies' figures, added up per value of each table's dimension.

A township figure is a sum over atoms (disclosure.py): each atom adds its count when it
holds 3 or more (`exact`), else it is small and adds 2 (`small` counts them). Every atom lies
in one grid and one unit of days, and has one value of each table's dimension (a hazard's
(template, severity), (status, overdue) and (unit, template); a request's category and
(accepted, replied, overdue); a visit's purpose), so the two sums of any figure are the sums
of those of the values it covers: `HazardFigures`, `RequestFigures` and `KeyFigures` hold
them per value (and per place of the view), and the tables add them up.

They come from the atoms themselves (`from_counts`: the secretaries' ragged days, and the
tests' oracle), or from the sums kept per grid, community and township and month
(`from_rollups`: models.TallyHazardFigures and TallyRequestFigures, a few hundred rows
whatever the number of records; plain counts where nothing is hidden). The kept sums count
every open hazard and running clock with a due date as overdue; the atoms holding one due
today or later are taken out and put back as of today (for hazards, from the open counts
kept on the roll-up rows due today or later).
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

import sqlalchemy as sa

from ..extensions import db
from ..models import Community, Grid, Request, RequestCategory
from ..statements import kept as kept_statement
from .disclosure import SMALL, _shown, month_end, month_start
from .models import TallyHazardFigures, TallyHazards, TallyRequestFigures
from .rollups import HAZARDS, TIMELINESS_DIMS

Sums = list[int]  # [exact, small]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass
class HazardFigures:
    """Per value: [exact count, small atoms]; `None` as place is the view's total."""

    cells: dict = field(default_factory=dict)  # (template id, severity)
    weeks: dict = field(default_factory=dict)  # (Monday, template id)
    states: dict = field(default_factory=dict)  # (place, status, overdue)
    days: dict = field(default_factory=dict)  # place -> Counter(days to rectify)

    @staticmethod
    def figure(parts: Iterable[Sums]):
        """The figure the values add up to: exact, "<3" or "≈n"."""
        exact = small = 0
        for e, s in parts:
            exact += e
            small += s
        return _shown(exact, small)

    def merge(self, other: "HazardFigures") -> None:
        """Add another period's figures (exact counts only: atoms do not add up)."""
        for mine, theirs in ((self.cells, other.cells), (self.weeks, other.weeks),
                             (self.states, other.states)):  # fmt: skip
            for key, (e, s) in theirs.items():
                _add_to(mine, key, e, s)
        for place, days in other.days.items():
            self.days.setdefault(place, Counter()).update(days)

    def _add(self, atom: tuple, n: int, place: int | None, sign: int, suppress: bool) -> None:
        _grid, unit, template, severity, status, overdue = atom
        e, s = (n, 0) if not suppress or n >= SMALL else (0, 1)
        for table, key in (
            (self.cells, (template, severity)),
            (self.weeks, (week_start(unit), template)),
            (self.states, (None, status, overdue)),
            *([(self.states, (place, status, overdue))] if place is not None else []),
        ):
            sums = table.setdefault(key, [0, 0])
            sums[0] += sign * e
            sums[1] += sign * s

    @classmethod
    def from_counts(
        cls, counts: Counter, rectify_days: Counter, place_of: dict[int, int], suppress: bool
    ) -> "HazardFigures":
        """From hazard counts keyed (grid, day, template id, severity, status, overdue) and
        rectified ones keyed (grid, days taken)."""
        out = cls()
        atoms: Counter = Counter()
        for (grid, day, *rest), n in counts.items():
            if n:
                # The township's atoms are whole units; a secretary's keys count as they are.
                atoms[(grid, HAZARDS.unit(day) if suppress else day, *rest)] += n
        for atom, n in atoms.items():
            out._add(atom, n, place_of.get(atom[0]), 1, suppress)
        for (grid, days), n in rectify_days.items():
            if not n:
                continue
            for place in (None, place_of.get(grid)) if grid in place_of else (None,):
                out.days.setdefault(place, Counter())[days] += n
        return out

    @classmethod
    def from_rollups(
        cls,
        grid_ids: list[int],
        place_of: dict[int, int],
        start: date,
        end: date,
        today: date,
        suppress: bool,
    ) -> "HazardFigures":
        """The figures of whole months (`start`, `end`) from the kept sums; exact counts
        (the sums of `n`) where nothing is hidden."""
        out = cls()
        if not grid_ids:
            return out
        targets = _targets(grid_ids, place_of)
        total = [key for key, rows in targets.items() if None in rows]

        def summed(dim, places, keys, sums=None):
            levels, ids = _among_values(places)
            stmt = kept_statement(
                ("tallies.hazard_figures", dim, levels, keys, sums, suppress),
                lambda: _hazard_summed(dim, levels, keys, sums, suppress),
            )
            return db.session.execute(stmt, {**ids, "start": start, "end": end})

        # The total's places are disjoint: their sums add up in SQL.
        for template, severity, e, s in summed("cell", total, ("template_id", "severity")):
            _add_to(out.cells, (template, severity), e, s)
        for unit, template, e, s in summed("week", total, ("unit", "template_id")):
            _add_to(out.weeks, (week_start(unit), template), e, s)
        keys = ("level", "place_id")
        for level, place, status, overdue, e, s in summed(
            "state", targets, (*keys, "status", "overdue")
        ):
            for target in targets[(level, place)]:
                _add_to(out.states, (target, status, overdue), e, s)
        for level, place, days, n in summed("days", targets, (*keys, "days"), sums=("n",)):
            for target in targets[(level, place)]:
                out.days.setdefault(target, Counter())[days] += n

        # An open hazard due today or later is not overdue yet, which splits the kept atoms
        # of its (grid, unit, template, severity) that are open: those out, today's in. Every
        # other atom is the same either way. The database works out each atom's change and
        # adds them up per value (thousands of atoms at 10M visits, a few hundred values).
        stmt = _hazards_waiting(suppress)
        params = {"today": today, "grid_ids": grid_ids, "start": start, "end": end}
        for kind, template, severity, unit, grid, e0, s0, e1, s1 in db.session.execute(
            stmt, params
        ):
            if kind == "cell":
                _add_to(out.cells, (template, severity), e0 + e1, s0 + s1)
            elif kind == "week":
                _add_to(out.weeks, (week_start(unit), template), e0 + e1, s0 + s1)
            else:
                place = place_of.get(grid)
                for target in (None, place) if place is not None else (None,):
                    _add_to(out.states, (target, "open", 0), e0, s0)
                    _add_to(out.states, (target, "open", 1), e1, s1)
        return out


# Statements built once, their values bound on each read (rollups.read says why).
# The grids as numbers in the SQL, not a parameter each: a township's 200 took psycopg
# some 0.4 ms per statement to parse out (its cache stops at 4 KB) and to send.
_GRID_IDS = sa.bindparam("grid_ids", expanding=True, literal_execute=True, type_=sa.Integer())
_START = sa.bindparam("start", type_=sa.Date())
_END = sa.bindparam("end", type_=sa.Date())
_TODAY = sa.bindparam("today", type_=sa.Date())
_PLACE_IDS = {
    level: sa.bindparam(f"{level}_ids", expanding=True, type_=sa.Integer()) for level in "gct"
}


def _hazard_summed(dim: str, levels: tuple, keys: tuple, sums: tuple | None, suppress: bool):
    """The kept hazard figures of `dim` of the places `_among_values` gives, in [start, end],
    summed by `keys`: `sums`, else the figure (exact and small, or n where nothing hides)."""
    f = TallyHazardFigures.__table__.c
    if sums is not None:
        summed = [f[name] for name in sums]
    else:
        summed = (f.exact, f.small) if suppress else (f.n, sa.literal_column("0"))
    cols = [f[name] for name in keys]
    return (
        sa.select(*cols, *(sa.func.sum(c) for c in summed))
        .where(f.dim == dim, _among(f, levels), f.unit.between(_START, _END))
        .group_by(*cols)
    )


@cache
def _hazards_waiting(suppress: bool) -> sa.Select:
    """What moving the open hazards due on `today` or later from overdue to open changes in
    the figures of the grids in [start, end]: per atom, the change of its open, not overdue
    sums (e0, s0) and of its open, overdue ones (e1, s1), added up per (template, severity),
    per (unit, template) and per grid (`kind`: cell, week, grid).

    In SQL so that only those sums cross, not the thousands of atoms. The rows due today or
    later carry their atom's open counts (models.TallyHazards), so only they are read, through
    ix_tally_hazards_due_on alone: not the grids' index, which a planner walks over every row
    of the period (`+ 0`; SQLite does so for a period in SQL, skipping over grids)."""
    t = TallyHazards.__table__.c
    atom = (t.grid_id, t.unit, t.template_id, t.severity)
    atoms = (
        sa.select(
            *atom,
            sa.func.max(t.open_undated).label("undated"),
            sa.func.max(t.open_dated).label("dated"),
            # An integer, so that PostgreSQL's sums of sums stay integers (not numeric).
            sa.cast(sa.func.sum(t.n), sa.Integer).label("n"),
        )
        .where(t.due_on >= _TODAY, (t.grid_id + 0).in_(_GRID_IDS), t.unit.between(_START, _END))
        .group_by(*atom)
        .cte("waiting")
    )
    a = atoms.c

    # An atom's figure as HazardFigures._add gives it: [exact, small]; constants in the SQL.
    zero, one, small_n = (sa.literal_column(str(i)) for i in (0, 1, SMALL))

    def exact(n):
        return sa.case((n >= small_n, n), else_=zero) if suppress else n

    def small(n):
        return sa.case((sa.or_(n >= small_n, n == zero), zero), else_=one) if suppress else zero

    d = (
        sa.select(
            a.grid_id,
            a.unit,
            a.template_id,
            a.severity,
            (exact(a.undated + a.n) - exact(a.undated)).label("e0"),
            (small(a.undated + a.n) - small(a.undated)).label("s0"),
            (exact(a.dated - a.n) - exact(a.dated)).label("e1"),
            (small(a.dated - a.n) - small(a.dated)).label("s1"),
        )
        .cte("change")
        .c
    )
    sums = [sa.func.sum(c) for c in (d.e0, d.s0, d.e1, d.s1)]
    atom_keys = ("template_id", "severity", "unit", "grid_id")

    def by(kind: str, *keys: str) -> sa.Select:
        # NULL for the other keys, cast: PostgreSQL types each column from its first values.
        cols = [d[k] if k in keys else sa.cast(sa.null(), d[k].type) for k in atom_keys]
        return sa.select(sa.literal(kind), *cols, *sums).group_by(*(d[k] for k in keys))

    return sa.union_all(
        by("cell", "template_id", "severity"),
        by("week", "unit", "template_id"),
        by("grid", "grid_id"),
    )


@cache
def _places_select() -> sa.Select:
    return (
        sa.select(Grid.id, Grid.community_id, Community.township_id)
        .join(Community, Grid.community_id == Community.id)
        .where(
            Community.township_id.in_(
                sa.select(Community.township_id)
                .join(Grid, Grid.community_id == Community.id)
                .where(Grid.id.in_(_GRID_IDS))
            )
        )
    )


class _Places:
    """Which kept places (grid, community or township) add up to a set of grids."""

    def __init__(self, grid_ids: list[int]):
        rows = db.session.execute(_places_select(), {"grid_ids": grid_ids}).all()
        self.community_of = {g: c for g, c, _t in rows}
        self.community_grids: dict[int, set[int]] = {}
        self.township_grids: dict[int, set[int]] = {}
        for g, c, t in rows:
            self.community_grids.setdefault(c, set()).add(g)
            self.township_grids.setdefault(t, set()).add(g)

    def covering(self, grids: set[int]) -> list[tuple[str, int]]:
        """The fewest kept places whose grids are exactly these."""
        for t, all_grids in self.township_grids.items():
            if grids == all_grids:
                return [("t", t)]
        out = []
        for c, all_grids in self.community_grids.items():
            if all_grids <= grids:
                out.append(("c", c))
        covered = {g for _lv, c in out for g in self.community_grids[c]}
        out += [("g", g) for g in sorted(grids - covered)]
        return out


@dataclass
class RequestFigures:
    """Per value: [exact count, small atoms], as HazardFigures; with the timeliness counts
    (plain sums, never hidden: the township sees coarse rates only) per place."""

    states: dict = field(default_factory=dict)  # (place, accepted, replied, overdue)
    categories: dict = field(default_factory=dict)  # (place, category code)
    times: dict = field(default_factory=dict)  # place -> {TIMELINESS name: count}
    # grid id -> {TIMELINESS name: count}: the parts of every place's rate (the township's
    # rates hide a total that would give away the grids' rates hidden in it).
    grid_times: dict = field(default_factory=dict)

    figure = staticmethod(HazardFigures.figure)

    def merge(self, other: "RequestFigures") -> None:
        """Add another period's figures (exact counts only: atoms do not add up)."""
        for mine, theirs in ((self.states, other.states), (self.categories, other.categories)):
            for key, (e, s) in theirs.items():
                _add_to(mine, key, e, s)
        for mine, theirs in ((self.times, other.times), (self.grid_times, other.grid_times)):
            for place, cells in theirs.items():
                sums = mine.setdefault(place, dict.fromkeys(TIMELINESS_DIMS, 0))
                for name, value in cells.items():
                    sums[name] += value

    def _add(self, atom: tuple, n: int, place: int | None, sign: int, suppress: bool) -> None:
        category, accepted, replied, overdue = atom[2], atom[4], atom[5], atom[6]
        e, s = (n, 0) if not suppress or n >= SMALL else (0, 1)
        for table, key in (
            (self.states, (None, accepted, replied, overdue)),
            (self.categories, (None, category)),
            *(
                [
                    (self.states, (place, accepted, replied, overdue)),
                    (self.categories, (place, category)),
                ]
                if place is not None
                else []
            ),
        ):
            sums = table.setdefault(key, [0, 0])
            sums[0] += sign * e
            sums[1] += sign * s

    @classmethod
    def from_counts(
        cls,
        counts: Counter,
        place_of: dict[int, int],
        suppress: bool,
        times_by_grid: dict[int, dict[str, int]] | None = None,
    ) -> "RequestFigures":
        """From request counts keyed by queries.REQUEST_KEY, and timeliness counts by grid."""
        out = cls()
        atoms: Counter = Counter()
        for (grid, day, *rest), n in counts.items():
            if n:
                atoms[(grid, month_start(day) if suppress else day, *rest)] += n
        for atom, n in atoms.items():
            out._add(atom, n, place_of.get(atom[0]), 1, suppress)
        for grid, cells in (times_by_grid or {}).items():
            out.grid_times[grid] = {**dict.fromkeys(TIMELINESS_DIMS, 0), **cells}
            for place in (None, place_of.get(grid)) if grid in place_of else (None,):
                sums = out.times.setdefault(place, dict.fromkeys(TIMELINESS_DIMS, 0))
                for name, value in cells.items():
                    sums[name] += value
        return out

    @classmethod
    def from_rollups(
        cls,
        grid_ids: list[int],
        place_of: dict[int, int],
        start: date,
        end: date,
        today: date,
        amber_days: int,
        suppress: bool,
    ) -> "RequestFigures":
        """The township's figures over whole months, from the kept sums. Complaints about
        officials (restricted categories) are kept apart and left out, as
        scope.countable_requests leaves them out of the township's and secretaries' counts."""
        out = cls()
        if not grid_ids:
            return out
        targets = _targets(grid_ids, place_of)
        levels, ids = _among_values(targets)

        def summed(name):
            stmt = kept_statement(
                ("tallies.request_figures", name, levels, suppress),
                lambda: _request_summed(name, levels, suppress),
            )
            return db.session.execute(stmt, {**ids, "start": start, "end": end})

        for level, place, accepted, replied, overdue, e, s in summed("state"):
            for target in targets[(level, place)]:
                _add_to(out.states, (target, accepted, replied, overdue), e, s)
        for level, place, category, e, s in summed("cat"):
            for target in targets[(level, place)]:
                _add_to(out.categories, (target, category), e, s)
        for level, place, dim, n in summed("times"):
            for target in targets[(level, place)]:
                sums = out.times.setdefault(target, dict.fromkeys(TIMELINESS_DIMS, 0))
                sums[dim] += n
        if suppress:
            stmt = kept_statement(
                ("tallies.request_figures", "times", ("g",), suppress),
                lambda: _request_summed("times", ("g",), suppress),
            )
            values = {"g_ids": grid_ids, "start": start, "end": end}
            for _level, grid, dim, n in db.session.execute(stmt, values):
                sums = out.grid_times.setdefault(grid, dict.fromkeys(TIMELINESS_DIMS, 0))
                sums[dim] += n

        # A running clock that runs out today or later is not overdue yet (and may be due
        # soon), which splits the kept atoms of its (grid, month, category, status, accepted,
        # replied): those out, today's in.
        def atom_key(row) -> tuple:
            grid, day, *rest, _due = row
            return (grid, month_start(day), *rest)

        live_stmt, atoms_stmt = _requests_live()
        live = db.session.execute(live_stmt, {"grid_ids": grid_ids, "today": today}).all()
        live = [row for row in live if start <= row[1] <= end]
        live_keys = {atom_key(row) for row in live}
        rows = []
        if live_keys:
            rows = db.session.execute(
                atoms_stmt,
                {
                    "grid_ids": sorted({k[0] for k in live_keys}),
                    "statuses": sorted({k[3] for k in live_keys}),
                    "start": min(k[1] for k in live_keys),
                    "end": month_end(max(k[1] for k in live_keys)),
                },
            ).all()
        kept: Counter = Counter()
        now: Counter = Counter()
        soon = today + timedelta(days=amber_days)
        for row in rows:
            key = atom_key(row)
            if key not in live_keys:
                continue
            due = row[-1]
            running = due is not None
            kept[(*key, int(running), 0)] += 1
            now[(*key, int(running and due < today), int(running and today <= due <= soon))] += 1
        for atoms, sign in ((kept, -1), (now, 1)):
            for atom, n in atoms.items():
                out._add(atom, n, place_of.get(atom[0]), sign, suppress)
        return out


def _request_summed(name: str, levels: tuple, suppress: bool) -> sa.Select:
    """The kept request figures of the places `_among_values` gives, in [start, end]: the
    states, the categories or the timeliness sums (`name`), leaving out the restricted."""
    f = TallyRequestFigures.__table__.c
    restricted = sa.select(RequestCategory.code).where(RequestCategory.restricted)
    figure = (f.exact, f.small) if suppress else (f.n, sa.literal_column("0"))
    dims, keys, where, sums = {
        "state": (["state"], [f.accepted, f.replied, f.overdue], f.restricted == 0, figure),
        "cat": (["cat"], [f.category], f.category.not_in(restricted), figure),
        "times": (TIMELINESS_DIMS, [f.dim], f.restricted == 0, (f.n,)),
    }[name]
    return (
        sa.select(f.level, f.place_id, *keys, *(sa.func.sum(c) for c in sums))
        .where(f.dim.in_(dims), _among(f, levels), f.unit.between(_START, _END), where)
        .group_by(f.level, f.place_id, *keys)
    )


@cache
def _requests_live() -> tuple[sa.Select, sa.Select]:
    """The running clocks due on `today` or later among the grids, through
    ix_requests_due_on (`+ 0`: not the grid's index); and every request of the grids and
    statuses received in [start, end], to find their atoms."""
    from .queries import request_accepted

    r = Request
    restricted = sa.select(RequestCategory.code).where(RequestCategory.restricted)
    counted = r.category_code.not_in(restricted)
    flags = [
        r.grid_id,
        r.received_on,
        r.category_code,
        r.status,
        sa.case((request_accepted(), 1), else_=0),
        sa.case((r.replied_on.is_not(None), 1), else_=0),
        r.due_on,
    ]
    live = sa.select(*flags).where((r.grid_id + 0).in_(_GRID_IDS), r.due_on >= _TODAY, counted)
    statuses = sa.bindparam("statuses", expanding=True, type_=sa.String())
    atoms = sa.select(*flags).where(
        r.grid_id.in_(_GRID_IDS),
        r.status.in_(statuses),
        r.received_on.between(_START, _END),
        counted,
    )
    return live, atoms


def _targets(grid_ids: list[int], place_of: dict[int, int]) -> dict[tuple[str, int], list]:
    """The kept places to read, each with the rows (place index, None: total) it adds to."""
    groups: dict[int, set[int]] = {}
    for grid, place in place_of.items():
        groups.setdefault(place, set()).add(grid)
    places = _Places(grid_ids)
    targets: dict[tuple[str, int], list[int | None]] = {}
    for key in places.covering(set(grid_ids)):
        targets.setdefault(key, []).append(None)
    for place, grids in groups.items():
        for key in places.covering(grids):
            targets.setdefault(key, []).append(place)
    return targets


def _among_values(keys) -> tuple[tuple[str, ...], dict[str, list[int]]]:
    """The levels of these (level, place id) and the parameters `_among` takes for them."""
    by_level: dict[str, list[int]] = {}
    for level, place in keys:
        by_level.setdefault(level, []).append(place)
    levels = tuple(sorted(by_level))
    return levels, {f"{level}_ids": by_level[level] for level in levels}


def _among(f, levels: tuple[str, ...]) -> sa.ColumnElement:
    """The places of these levels whose ids are bound as `_among_values` gives them."""
    return sa.or_(*(sa.and_(f.level == lv, f.place_id.in_(_PLACE_IDS[lv])) for lv in levels))


def _add_to(table: dict, key, e: int, s: int) -> None:
    sums = table.setdefault(key, [0, 0])
    sums[0] += e
    sums[1] += s


@dataclass
class KeyFigures:
    """Per key (a visit's purpose, a screening's template): [exact count, small atoms] of
    records whose atoms are (grid, month, key)."""

    sums: dict = field(default_factory=dict)

    figure = staticmethod(HazardFigures.figure)

    def of(self, key):
        return self.figure([self.sums[key]] if key in self.sums else [])

    def total(self):
        return self.figure(self.sums.values())

    @classmethod
    def from_counts(cls, counts: Counter, suppress: bool) -> "KeyFigures":
        """From counts keyed (grid, day, key)."""
        atoms: Counter = Counter()
        for (grid, day, key), n in counts.items():
            if n:
                atoms[(grid, month_start(day) if suppress else day, key)] += n
        out = cls()
        for (_grid, _month, key), n in atoms.items():
            _add_to(out.sums, key, *((n, 0) if not suppress or n >= SMALL else (0, 1)))
        return out

    @classmethod
    def from_rollup(
        cls, column: sa.Column, grid_ids: list[int], start: date, end: date
    ) -> "KeyFigures":
        """The township's figures over whole months: the roll-up's rows are the atoms."""
        stmt = kept_statement(
            ("tallies.key_figures", column.table.name, column.name),
            lambda: _key_figures(column),
        )
        rows = db.session.execute(stmt, {"grid_ids": grid_ids, "start": start, "end": end})
        return cls({key: [e, s] for key, e, s in rows})


def _key_figures(column: sa.Column) -> sa.Select:
    t = column.table.c
    n = t.n
    return (
        sa.select(
            column,
            sa.func.sum(sa.case((n >= SMALL, n), else_=0)),
            sa.func.sum(sa.case((n < SMALL, 1), else_=0)),
        )
        .where(t.grid_id.in_(_GRID_IDS), t.unit.between(_START, _END), n > 0)
        .group_by(column)
    )
