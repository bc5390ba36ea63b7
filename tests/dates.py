"""Dates in tests, reckoned when a test runs, never when pytest collects it.

The township's day turns at 16:00 UTC: a date worked out at collection (a module-level TODAY,
a parametrize table) is a day behind in a run collected before then that runs after. A test
body takes the `today` fixture; a parametrize table holds `Days(n)` (or another `Later`),
which tests/conftest.py swaps for its value just before the test is called. The test id is
the label ("tomorrow"), the same every day. tests/test_dates.py keeps it so.
"""

from collections.abc import Callable
from datetime import timedelta

from app.timeutil import local_today


class Later:
    """A test parameter worked out just before the test runs; `label` is its part of the id."""

    def __init__(self, label: str, make: Callable[[], object]) -> None:
        self.label = label
        self.make = make

    def __repr__(self) -> str:
        return f"<{self.label}>"


class Days(Later):
    """The day `n` days from today in the township: Days(+1) is tomorrow."""

    def __init__(self, n: int) -> None:
        super().__init__(_days_label(n), lambda: local_today() + timedelta(days=n))

    @property
    def iso(self) -> Later:
        """The same day as a form sends it (2026-12-05)."""
        return Later(self.label, lambda: self.make().isoformat())


def _days_label(n: int) -> str:
    named = {-1: "yesterday", 0: "today", 1: "tomorrow"}
    return named.get(n) or (f"in {n} days" if n > 0 else f"{-n} days ago")


def resolve(value):
    """`value` with each Later in it (also inside dicts, lists and tuples) worked out now; the
    very same object when it holds none."""
    if isinstance(value, Later):
        return value.make()
    if type(value) in (list, tuple):
        items = [resolve(v) for v in value]
        changed = any(a is not b for a, b in zip(items, value, strict=True))
        return type(value)(items) if changed else value
    if type(value) is dict:
        pairs = {k: resolve(v) for k, v in value.items()}
        return pairs if any(pairs[k] is not v for k, v in value.items()) else value
    return value
