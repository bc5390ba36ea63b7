"""Clock helpers: the database keeps naive UTC, people live in the township's time zone."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TZ = "Asia/Shanghai"
# How far ahead of the server's clock a phone's may run and still be believed.
CLOCK_SKEW = timedelta(minutes=5)
# Milliseconds since 1970 UTC as the phone's outbox keeps them (Date.now()): digits only, and
# at most 13 of them (until the year 2286), so that the sum below cannot overflow.
_EPOCH_MS = re.compile(r"[0-9]{1,13}")
_EPOCH = datetime(1970, 1, 1)

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


def captured_moment(raw: str | None, day: date) -> datetime | None:
    """When the phone says a record dated `day` was made (epoch ms), if believable; else None."""
    # Not believed (the caller keeps moment_on): missing, malformed, on another local day, or
    # later than the server's now plus CLOCK_SKEW.
    if raw is None or not _EPOCH_MS.fullmatch(raw):
        return None
    moment = _EPOCH + timedelta(milliseconds=int(raw))
    now = utcnow()
    if moment > now + CLOCK_SKEW:
        return None
    # A phone a little ahead: nothing was done after it reached the server.
    moment = min(moment, now)
    if not day_start_utc(day) <= moment < day_start_utc(day + timedelta(days=1)):
        return None
    return moment
