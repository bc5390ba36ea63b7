"""Jinja filters and globals for dates, labels and the small pieces every page uses."""

from datetime import date, datetime

from flask import Flask
from flask_babel import format_date, format_datetime
from flask_babel import lazy_gettext as _l

from . import labels
from .idempotency import new_key
from .timeutil import local_today


def register_filters(app: Flask) -> None:
    @app.template_filter("d")
    def _date(value: date | None, fmt: str = "medium") -> str:
        return format_date(value, fmt) if value else ""

    @app.template_filter("dt")
    def _datetime(value: datetime | None, fmt: str = "short") -> str:
        # Stored naive UTC; Flask-Babel converts from UTC to the configured zone.
        return format_datetime(value, fmt) if value else ""

    @app.template_filter("days_until")
    def _days_until(value: date | None) -> int | None:
        return (value - local_today()).days if value else None

    app.jinja_env.globals.update(
        new_uuid=new_key,
        today=local_today,
        label=labels.label,
        severity_label=lambda code: labels.label("severity", code),
        _l=_l,
    )
