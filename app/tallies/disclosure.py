"""Figures the township may see: none from which a count of 1 or 2 can be worked out.

Every record a township view counts falls into one *atom*: the records that share every
attribute any township view slices by (grid, calendar month, for hazards also the week,
category, severity, status, the clock flags). Every figure is a sum of atoms. An atom of
1 or 2 records is *small*, and every figure counts each small atom as 2, whatever it holds:
a figure that is one small atom reads "<3", a figure that adds up small atoms and others
reads "≈n". A figure with no small atom is exact.

Why that is enough: no figure, on any page or export, depends on what a small atom holds,
so turning a hidden 1 into a 2 changes nothing the township sees. Totals minus rows, the
community view minus the grid view, one period minus an overlapping one: every difference
of shown figures is again computed with each small atom counted as 2. The township's
periods are whole calendar months, so that every view is a union of whole atoms (and a
single grid is never seen over less than a month). tests/tallies/test_disclosure.py
flips every small atom of random data and checks that no view changes.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from functools import lru_cache

SMALL = 3
SMALL_SHOWN = "<3"
APPROX = "\u2248"  # ≈
# What a small atom adds to a figure, whatever it holds.
SMALL_AS = 2
# Days that make "about one month" of a period picked by hand (months_meant): a month of
# 28 to 31 days, picked to the same day of the month (one day more) or to the day before.
ABOUT_A_MONTH = (28, 32)


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


@lru_cache(maxsize=8192)
def segment(day: date, weeks: bool = False) -> tuple[date, date | None]:
    """The smallest stretch of days a township view can tell apart: the month, or for tables
    by week (hazards) the week within the month."""
    return month_start(day), (day - timedelta(days=day.weekday())) if weeks else None


def whole_months(start: date, end: date) -> tuple[date, date]:
    """A township period: widened to the first and the last day of its months."""
    return month_start(start), month_end(end)


def months_meant(start: date, end: date) -> tuple[date, date]:
    """The whole months shown for dates picked by hand: every month they touch, except where
    the days picked in the first and in the last month add up to about one month (a number of
    months to the day, give or take a day: 2025-12-06 to 2026-12-06). Those two parts are one
    month's days, so only the part holding more of them (the first on a tie) is shown as its
    whole month: twelve months picked are twelve months shown, not thirteen."""
    first, last = whole_months(start, end)
    if month_start(start) == month_start(end) or (start, end) == (first, last):
        return first, last
    head, tail = (month_end(start) - start).days + 1, end.day
    if not ABOUT_A_MONTH[0] <= head + tail <= ABOUT_A_MONTH[1]:
        return first, last
    if head >= tail:
        return first, month_start(end) - timedelta(days=1)
    return month_end(start) + timedelta(days=1), last


class Atoms:
    """Counts of records keyed by fine keys (with the day), and which atoms are small.

    `day_at` is the position of the day in a key: the atom of a key is the key with its day
    replaced by the day's segment (`weeks`: down to the week). With `suppress` off (a
    secretary's own community) every figure is exact.
    """

    def __init__(self, counts: Counter, day_at: int | None, suppress: bool, weeks: bool = False):
        self.counts = Counter({k: n for k, n in counts.items() if n})
        self.suppress = suppress
        self._atom_of: dict[tuple, tuple] = {}
        per_atom: Counter = Counter()
        for key, n in self.counts.items():
            atom = key
            if day_at is not None:
                atom = (*key[:day_at], segment(key[day_at], weeks), *key[day_at + 1 :])
            self._atom_of[key] = atom
            per_atom[atom] += n
        self.small = {atom for atom, n in per_atom.items() if n < SMALL}
        # The small atom of each key that falls in one (township views only).
        self._small_of = (
            {k: a for k, a in self._atom_of.items() if a in self.small} if suppress else {}
        )

    def figure(self, keep: Callable[[tuple], bool], weight: Callable[[tuple], int] | None = None):
        """The number of records whose key passes `keep` (each counted `weight` times, 0 or
        1); for the township with each small atom counted as 2 ("<3", "≈n")."""
        exact, small_atoms = 0, set()
        for key, n in self.counts.items():
            if not keep(key) or not (1 if weight is None else weight(key)):
                continue
            if self.suppress and self._atom_of[key] in self.small:
                small_atoms.add(self._atom_of[key])
            else:
                exact += n
        return _shown(exact, len(small_atoms))

    def figures(
        self, group: Callable[[tuple], object], weight: Callable[[tuple], int] | None = None
    ) -> dict:
        """`figure` for every value of `group(key)` at once (None: left out), in one pass
        over the counts; a value no key gives is missing (its figure is 0)."""

        def groups(key):
            if weight is not None and not weight(key):
                return ()
            g = group(key)
            return () if g is None else (g,)

        return self.figures_of(groups)

    def figures_of(self, groups: Callable[[tuple], Iterable]) -> dict:
        """`figure` for every group a key falls in (`groups(key)`: any number of them), in
        one pass over the counts; a group no key falls in is missing (its figure is 0)."""
        exact: dict = {}
        small_atoms: dict = {}
        small_of = self._small_of
        for key, n in self.counts.items():
            atom = small_of.get(key)
            for g in groups(key):
                if atom is None:
                    exact[g] = exact.get(g, 0) + n
                else:
                    small_atoms.setdefault(g, set()).add(atom)
        return {
            g: _shown(exact.get(g, 0), len(small_atoms.get(g, ())))
            for g in exact.keys() | small_atoms.keys()
        }


def _shown(exact: int, small_atoms: int):
    """A figure: exact, or with each small atom counted as 2."""
    if not small_atoms:
        return exact
    if exact == 0 and small_atoms == 1:
        return SMALL_SHOWN
    return f"{APPROX}{exact + SMALL_AS * small_atoms}"


def is_inexact(value) -> bool:
    """True for a figure shown as "<3" or "≈n"."""
    return isinstance(value, str) and (value == SMALL_SHOWN or value.startswith(APPROX))


def chart_number(value) -> int | float | None:
    """A figure as a chart bar: "≈n" as n, "<3" as no bar."""
    if value == SMALL_SHOWN:
        return None
    if isinstance(value, str) and value.startswith(APPROX):
        return int(value[len(APPROX) :])
    return value
