"""The dates in parametrize tables are worked out when the test runs, not when pytest
collects it (tests/dates.py says why)."""

from contextvars import ContextVar
from datetime import datetime, timedelta

import pytest

from app import timeutil
from app.timeutil import local_today
from tests.dates import Days, Later, resolve


@pytest.fixture
def clock_moved(monkeypatch):
    """Move the township's clock to `moment` (naive UTC), as tests/visits' server_at does."""

    def _move(moment: datetime) -> None:
        monkeypatch.setattr(timeutil, "_clock", ContextVar("test_clock", default=moment))

    return _move


def test_days_are_reckoned_when_resolved_not_when_written(clock_moved):
    """Written at 15:59 UTC, tomorrow is resolved at 16:01 UTC: a day later in the township."""
    clock_moved(datetime(2026, 12, 5, 15, 59))
    table = [{"visited_on": Days(+1).iso}, (Days(-31), "kept")]
    clock_moved(datetime(2026, 12, 5, 16, 1))
    assert resolve(table) == [{"visited_on": "2026-12-07"}, (datetime(2026, 11, 5).date(), "kept")]


def test_what_holds_no_later_is_passed_as_it_is():
    kept = {"on": ["2026-12-05"], "n": (1, 2)}
    assert resolve(kept) is kept
    assert resolve(Later("ten", lambda: 10)) == 10


@pytest.mark.parametrize(
    ("on", "n"), [(Days(+1), 1), (Days(0), 0), (Days(-1), -1), (Days(-31), -31), (Days(400), 400)]
)
def test_a_parametrized_day_reaches_the_test_as_todays_date_and_names_it(request, on, n):
    assert on == local_today() + timedelta(days=n)
    assert request.node.callspec.id.startswith(
        {1: "tomorrow", 0: "today", -1: "yesterday", -31: "31 days ago", 400: "in 400 days"}[n]
    )
