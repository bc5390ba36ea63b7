"""Clock helpers: the database keeps naive UTC, people live in the township's time zone."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TZ = "Asia/Shanghai"


def utcnow() -> datetime:
    """Now, as a naive UTC datetime for storage."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_tz() -> ZoneInfo:
    """The township's time zone."""
    name = current_app.config.get("TIMEZONE", DEFAULT_TZ) if has_app_context() else DEFAULT_TZ
    return ZoneInfo(name)


def to_local(value: datetime) -> datetime:
    """A stored naive-UTC datetime in the township's time zone."""
    return value.replace(tzinfo=UTC).astimezone(local_tz())


def local_today() -> date:
    """Today's date where the grid workers are."""
    return datetime.now(local_tz()).date()


def day_start_utc(day: date) -> datetime:
    """The stored (naive UTC) instant at which a local day begins."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=local_tz())
    return start.astimezone(UTC).replace(tzinfo=None)


def moment_on(day: date) -> datetime:
    """Now if `day` is today, else midday of that local day (for a record dated after the fact)."""
    if day == local_today():
        return utcnow()
    return day_start_utc(day) + timedelta(hours=12)
