"""Date arithmetic in SQL that SQLite and PostgreSQL write differently, as SQLAlchemy
functions: one definition each, for the round's due dates and the tallies alike."""

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class add_days(FunctionElement):
    """The date of a date or timestamp plus a number of days, on SQLite and PostgreSQL."""

    type = sa.Date()
    name = "add_days"
    inherit_cache = True


@compiles(add_days, "sqlite")
def _add_days_sqlite(element, compiler, **kw):
    start, days = list(element.clauses)
    return (
        f"date({compiler.process(start, **kw)}, '+' || {compiler.process(days, **kw)} || ' days')"
    )


@compiles(add_days)
def _add_days_default(element, compiler, **kw):
    start, days = list(element.clauses)
    # PostgreSQL: date + integer is a date.
    return f"(CAST({compiler.process(start, **kw)} AS DATE) + {compiler.process(days, **kw)})"


class days_between(FunctionElement):
    """Whole days from the second date to the first, on SQLite and PostgreSQL."""

    type = sa.Integer()
    name = "days_between"
    inherit_cache = True


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    end, start = list(element.clauses)
    return (
        f"CAST(julianday({compiler.process(end, **kw)}) - "
        f"julianday({compiler.process(start, **kw)}) AS INTEGER)"
    )


@compiles(days_between)
def _days_between_default(element, compiler, **kw):
    end, start = list(element.clauses)
    # PostgreSQL: date - date is an integer number of days.
    return f"({compiler.process(end, **kw)} - {compiler.process(start, **kw)})"


class month_of(FunctionElement):
    """The first day of the date's month, on SQLite and PostgreSQL."""

    type = sa.Date()
    name = "month_of"
    inherit_cache = True


@compiles(month_of, "sqlite")
def _month_of_sqlite(element, compiler, **kw):
    (day,) = list(element.clauses)
    return f"date({compiler.process(day, **kw)}, 'start of month')"


@compiles(month_of)
def _month_of_default(element, compiler, **kw):
    (day,) = list(element.clauses)
    return f"CAST(date_trunc('month', {compiler.process(day, **kw)}) AS DATE)"
