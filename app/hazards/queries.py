"""Reads for the hazard board: the user's hazards by severity and due date, filtered."""

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import ChecklistTemplate, Department, Hazard
from ..scope import select_for
from ..timeutil import local_today

# "" is the board's default: everything not yet closed (open and rectified).
BOARD_STATUSES = ("open", "due", "overdue", "reported", "rectified", "verified")
PER_PAGE = 25
# "due": open on the worker's clock, overdue or due within these days (Today lists them).
DUE_AHEAD_DAYS = 3


def due_now(today: date) -> tuple:
    """Open hazards on the worker's clock, overdue or due within DUE_AHEAD_DAYS: Today's list,
    the board's filter and the worker's nav badge count the same ones."""
    return Hazard.awaiting_worker_sql(), Hazard.due_on <= today + timedelta(days=DUE_AHEAD_DAYS)


def due_select(user, today: date) -> sa.Select:
    """The user's hazards due now (due_now)."""
    return select_for(Hazard, user).where(*due_now(today))


def board(
    user, grid_id: int | None = None, template_id: int | None = None, status: str = ""
) -> sa.Select:
    """The user's hazards, most severe first, then by due date."""
    # Many-to-one: joined into the same statement (a selectinload is a statement each).
    stmt = select_for(Hazard, user).options(
        joinedload(Hazard.item),
        joinedload(Hazard.resident),
        joinedload(Hazard.project),
        joinedload(Hazard.grid),
    )
    if grid_id:
        stmt = stmt.where(Hazard.grid_id == grid_id)
    if template_id:
        stmt = stmt.where(Hazard.template_id == template_id)
    if status == "overdue":
        stmt = stmt.where(Hazard.overdue_sql(local_today()))
    elif status == "due":
        stmt = stmt.where(*due_now(local_today()))
    elif status == "reported":
        stmt = stmt.where(Hazard.status == "open", Hazard.reported_on.is_not(None))
    elif status in BOARD_STATUSES:
        stmt = stmt.where(Hazard.status == status)
    else:
        stmt = stmt.where(Hazard.status.in_(("open", "rectified")))
    return stmt.order_by(Hazard.severity, Hazard.due_on, Hazard.id)


def categories() -> list[ChecklistTemplate]:
    """Checklist templates: the hazard's category."""
    return list(db.session.scalars(sa.select(ChecklistTemplate).order_by(ChecklistTemplate.id)))


def departments() -> list[Department]:
    """Departments a hazard can be reported to, in the reference list's order."""
    return list(db.session.scalars(sa.select(Department).order_by(Department.position)))
