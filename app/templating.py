"""Jinja filters and globals for dates, labels and the small pieces every page uses."""

from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache

from babel import dates as babel_dates
from babel.core import Locale
from babel.lists import format_list
from flask import Flask
from flask_babel import get_locale, get_timezone, to_user_timezone
from flask_babel import lazy_gettext as _l

from . import labels, places
from .i18n import date_span
from .idempotency import new_key
from .timeutil import local_today, to_local
from .validators import phone_checks


def register_filters(app: Flask) -> None:
    @app.template_filter("d")
    def _date(value: date | None, fmt: str = "medium") -> str:
        if not value:
            return ""
        if isinstance(value, datetime):
            value = to_user_timezone(value).date()
        return _written_date(value, fmt, get_locale())

    @app.template_filter("dt")
    def _datetime(value: datetime | None, fmt: str = "") -> str:
        if not value:
            return ""
        return _written_moment(value, fmt, get_locale(), get_timezone())

    # The township's date of a stored moment, to tell whether two moments fall on one day.
    @app.template_filter("local_day")
    def _local_day(value: datetime) -> date:
        return to_local(value).date()

    # A user's grids come in id order (User.grids): listed, they read in natural order.
    app.template_filter("by_name")(places.by_name)

    @app.template_filter("days_until")
    def _days_until(value: date | None) -> int | None:
        return (value - local_today()).days if value else None

    # 王五、李四和张三 in Chinese, "A, B, and C" in English: not one separator for both.
    # style="or": 甲、乙或丙, "A, B, or C".
    @app.template_filter("listed")
    def _listed(items, style: str = "standard") -> str:
        return format_list([str(item) for item in items], style=style, locale=get_locale())

    app.jinja_env.globals.update(
        new_uuid=new_key,
        today=local_today,
        date_span=date_span,
        label=labels.label,
        checklist_word=labels.checklist_word,
        phone_checks=phone_checks,
        severity_label=lambda code: labels.label("severity", code),
        _l=_l,
    )


@lru_cache(maxsize=4096)
def _written_moment(value: datetime, fmt: str, locale: Locale, zone: tzinfo) -> str:
    """A stored moment (naive UTC) in `zone`, with its date written as the pages' dates are
    ("Dec 6, 2026" beside "Dec 6, 2026, 3:47 PM", not "12/6/26, 3:47 PM"; 2026年12月6日
    15:47), and the time to the minute; "time", its time of day alone as the language writes
    it (3:47 PM, 15:47); any other `fmt`, a pattern of its own.

    Remembered by the process, as days are: a page shows the same visits' times on each of
    its loads. Babel is called as Flask-Babel would, with the request's locale and zone."""
    if fmt == "time":
        return babel_dates.format_time(value, "short", tzinfo=zone, locale=locale)
    if fmt:
        return babel_dates.format_datetime(value, fmt, tzinfo=zone, locale=locale)
    local = value if value.tzinfo else value.replace(tzinfo=UTC)
    day = local.astimezone(zone).date()
    joined = locale.datetime_formats["medium"]
    return joined.format(
        babel_dates.format_time(value, "short", tzinfo=zone, locale=locale),
        babel_dates.format_date(day, "medium", locale=locale),
    )


@lru_cache(maxsize=4096)
def _written_date(day: date, fmt: str, locale: Locale) -> str:
    """A day as `locale` writes it, remembered by the process: lists repeat the same few days
    (each row's, in its title, its tick box and its confirmation), on every page and for every
    user, and Babel takes longer to write one than the rest of its cell. A pure function of
    its key: the zone is applied before (a moment's day), and Flask-Babel would add only the
    app's own date formats, which Gridbook leaves as Babel's (extensions.Babel())."""
    return babel_dates.format_date(day, fmt, locale=locale)
