"""Roll-up tables of the tallies: counts of raw rows by grid, stretch of days and key.

Each table holds, for one measure, how many raw rows share a grid, a *unit* of days and the
attributes the tallies slice by (rollups.py keeps them current at every flush and rebuilds
them). The unit is the calendar month, or for hazards the part of a week that lies within
one month: the smallest stretch any view tells apart (disclosure.py), so that whole units
answer any view and only a period's ragged edges are counted from the raw rows.
"""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class TallyVisits(db.Model):
    """Visits by grid, month and purpose."""

    __tablename__ = "tally_visits"
    grid_id: Mapped[int] = mapped_column(sa.ForeignKey("grids.id"), primary_key=True)
    unit: Mapped[date] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(sa.String(24), primary_key=True)
    n: Mapped[int]


class TallyScreenings(db.Model):
    """Screenings by their visit's grid and month, and checklist template."""

    __tablename__ = "tally_screenings"
    grid_id: Mapped[int] = mapped_column(sa.ForeignKey("grids.id"), primary_key=True)
    unit: Mapped[date] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        sa.ForeignKey("checklist_templates.id"), primary_key=True
    )
    n: Mapped[int]


class TallyVisitDays(db.Model):
    """Visits by grid, day and purpose: a secretary's days of a month cut by the period."""

    __tablename__ = "tally_visit_days"
    grid_id: Mapped[int] = mapped_column(sa.ForeignKey("grids.id"), primary_key=True)
    unit: Mapped[date] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(sa.String(24), primary_key=True)
    n: Mapped[int]


class TallyScreeningDays(db.Model):
    """Screenings by their visit's grid and day, and checklist template (as TallyVisitDays)."""

    __tablename__ = "tally_screening_days"
    grid_id: Mapped[int] = mapped_column(sa.ForeignKey("grids.id"), primary_key=True)
    unit: Mapped[date] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        sa.ForeignKey("checklist_templates.id"), primary_key=True
    )
    n: Mapped[int]


class TallyHazards(db.Model):
    """Hazards by grid, week within the month found, template, severity and status; with
    the due date of the open ones (overdue is a matter of today) and the days the rectified
    ones took. One row per distinct key (no primary key: two of its columns may be NULL).

    A row with a due date also holds its atom's (grid, unit, template, severity) open
    hazards without a due date (`open_undated`: reported to a department) and with one
    (`open_dated`), so that correcting the kept figures for the hazards not yet due reads
    those rows only (figures.py); NULL on the other rows."""

    __tablename__ = "tally_hazards"
    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(sa.ForeignKey("grids.id"))
    unit: Mapped[date]
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("checklist_templates.id"))
    severity: Mapped[str] = mapped_column(sa.String(8))
    status: Mapped[str] = mapped_column(sa.String(16))
    due_on: Mapped[date | None]
    rectify_days: Mapped[int | None]
    n: Mapped[int]
    open_undated: Mapped[int | None]
    open_dated: Mapped[int | None]

    __table_args__ = (
        sa.Index("ix_tally_hazards_grid_unit", "grid_id", "unit"),
        # Which pairs hold an open hazard not yet overdue: counted again at read time.
        sa.Index("ix_tally_hazards_due_on", "due_on"),
    )


class TallyHazardFigures(db.Model):
    """What the township's hazard tables add up, ready per place and month.

    A township figure is the sum over its atoms (disclosure.py) of the exact count of each
    atom of 3 or more, plus 2 for each small atom; so per place (a grid, a community or the
    township: `level` g, c or t) and month it is enough to hold, for each value of a table's
    dimension (`dim`), the exact sum (`exact`), the number of small atoms (`small`) and the
    plain count (`n`):

    - cell: template and severity (hazards found), by month;
    - state: status and overdue (where they stand), by month;
    - week: template, by unit (the part of a week inside one month: `unit` is its first day);
    - days: days taken to rectify (`n` only; medians), by month.

    Overdue is a matter of today: these rows count every open hazard with a due date as
    overdue, as it will be once the date has passed. The atoms holding an open hazard due
    today or later are counted again at read time (figures.py).
    """

    __tablename__ = "tally_hazard_figures"
    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(sa.String(1))
    place_id: Mapped[int]
    unit: Mapped[date]
    dim: Mapped[str] = mapped_column(sa.String(5))
    template_id: Mapped[int | None]
    severity: Mapped[str | None] = mapped_column(sa.String(8))
    status: Mapped[str | None] = mapped_column(sa.String(16))
    overdue: Mapped[int | None]
    days: Mapped[int | None]
    exact: Mapped[int]
    small: Mapped[int]
    n: Mapped[int]

    __table_args__ = (
        sa.Index("ix_tally_hazard_figures_place", "level", "place_id", "dim", "unit"),
    )


class TallyHouseholds(db.Model):
    """Households visited, each counted once, by grid and month."""

    __tablename__ = "tally_households"
    grid_id: Mapped[int] = mapped_column(sa.ForeignKey("grids.id"), primary_key=True)
    unit: Mapped[date] = mapped_column(primary_key=True)
    n: Mapped[int]


class TallyRequestFigures(db.Model):
    """What the township's request tables add up, ready per place and month, as
    TallyHazardFigures for hazards; a request's atom (queries.REQUEST_KEY) is its grid,
    month, category, status and whether it was accepted, replied to, overdue and due soon.

    - cat: category (received by category);
    - state: restricted category or not, accepted, replied, overdue (where they stand);
    - decided, decided_on_time, replied, replied_on_time, entered_late: the timeliness
      counts (`n` only) per restricted or not.

    Every running clock counts as overdue here (and none as due soon); requests with a clock
    that runs out today or later are counted again at read time (figures.py).
    """

    __tablename__ = "tally_request_figures"
    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(sa.String(1))
    place_id: Mapped[int]
    unit: Mapped[date]
    dim: Mapped[str] = mapped_column(sa.String(16))
    category: Mapped[str | None] = mapped_column(sa.String(8))
    restricted: Mapped[int | None]
    accepted: Mapped[int | None]
    replied: Mapped[int | None]
    overdue: Mapped[int | None]
    exact: Mapped[int]
    small: Mapped[int]
    n: Mapped[int]

    __table_args__ = (
        sa.Index("ix_tally_request_figures_place", "level", "place_id", "dim", "unit"),
    )
