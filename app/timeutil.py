"""Clock helpers: the database keeps naive UTC, people live in the township's time zone."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TZ = "Asia/Shanghai"

# Set only by clock_at (the demo loader replaying past weeks); None everywhere else.
_clock: ContextVar[datetime | None] = ContextVar("gridbook_clock", default=None)


def utcnow() -> datetime:
    """Now, as a naive UTC datetime for storage."""
    return _clock.get() or datetime.now(UTC).replace(tzinfo=None)


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Within the block, now is `moment` (naive UTC, not in the future) for every service."""
    if moment > datetime.now(UTC).replace(tzinfo=None):
        raise ValueError("the clock can only be set back")
    token = _clock.set(moment)
    try:
        yield
    finally:
        _clock.reset(token)


def local_tz() -> ZoneInfo:
    """The township's time zone."""
    name = current_app.config.get("TIMEZONE", DEFAULT_TZ) if has_app_context() else DEFAULT_TZ
    return ZoneInfo(name)


def to_local(value: datetime) -> datetime:
    """A stored naive-UTC datetime in the township's time zone."""
    return value.replace(tzinfo=UTC).astimezone(local_tz())


def local_today() -> date:
    """Today's date where the grid workers are."""
    return to_local(utcnow()).date()


def day_start_utc(day: date) -> datetime:
    """The stored (naive UTC) instant at which a local day begins."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=local_tz())
    return start.astimezone(UTC).replace(tzinfo=None)


def moment_on(day: date) -> datetime:
    """Now if `day` is today, else midday of that local day (for a record dated after the fact)."""
    if day == local_today():
        return utcnow()
    return day_start_utc(day) + timedelta(hours=12)
