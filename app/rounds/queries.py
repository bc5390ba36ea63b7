"""Who is due a visit: the last visit plus the shortest cadence of the resident's care reasons.

What counts as a visit for the round: any logged visit to the resident in which they were
met, i.e. every outcome but "not home", from the day it is logged (the worker need not wait
for the day's log to be submitted or approved). A resident never visited counts from the day
they were put on the caseload. Archived and erased residents are off the round.

The date itself is stored on the resident (due.py keeps it current with every write): the
lists read the residents due as a range of the (grid, date) index.

Everything here is one SQL statement per list, whatever the caseload: Today must not grow a
query per row. Households (issue 16) fit the same shape: group the cadence by household
(shortest over its members' reasons) and the last visit by household, in due.py's rule.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import CareReason, Grid, Resident, User, resident_care_reasons, user_grids
from ..scope import select_for
from ..statements import kept, user_scope
from ..timeutil import local_today
from .due import last_met_sql, last_not_home_sql

# Listed on Today and the round page from this many days ahead: a visit due the day after
# tomorrow fits into today's walk as well.
DUE_AHEAD_DAYS = 2
TODAY_LIMIT = 8
PER_PAGE = 30


@dataclass
class DueResident:
    resident: Resident
    due_on: date
    last_visit_on: date | None
    every_days: int
    reasons_zh: str = ""
    reasons_en: str = ""
    last_not_home_on: date | None = None

    def reasons(self, locale: str) -> str:
        """The resident's care reasons, named in `locale`."""
        return self.reasons_en if locale.startswith("en") else self.reasons_zh

    @property
    def days_left(self) -> int:
        return (self.due_on - local_today()).days


@dataclass
class DueList:
    items: list[DueResident]
    total: int
    overdue: int


def _on_round(user, worker: User | None = None) -> sa.Select:
    """Residents on the user's round: in scope, on file; of one worker's grids if given."""
    stmt = select_for(Resident, user).where(
        Resident.archived_at.is_(None), Resident.erased_at.is_(None)
    )
    if worker is not None:
        stmt = stmt.where(
            Resident.grid_id.in_(
                sa.select(user_grids.c.grid_id).where(user_grids.c.user_id == worker.id)
            )
        )
    return stmt


def _cadence(resident_ids: sa.Select) -> sa.Subquery:
    """Per resident listed, the shortest days-between-visits of their care reasons and the
    reasons' names, so that the list needs no second statement."""
    # The names in the order of their codes, as the resident's page lists them. SQLite 3.40
    # has no ORDER BY inside an aggregate; both engines join the strings in the order the
    # ordered subquery gives them (checked on every list of the large demo, bench/README).
    reasons = (
        sa.select(
            resident_care_reasons.c.resident_id,
            CareReason.visit_every_days,
            CareReason.name_zh,
            CareReason.name_en,
        )
        .join(CareReason, CareReason.code == resident_care_reasons.c.reason_code)
        .where(resident_care_reasons.c.resident_id.in_(resident_ids))
        .order_by(resident_care_reasons.c.resident_id, CareReason.code)
        .subquery("reasons")
    )
    return (
        sa.select(
            reasons.c.resident_id.label("resident_id"),
            sa.func.min(reasons.c.visit_every_days).label("every"),
            sa.func.aggregate_strings(reasons.c.name_zh, "、").label("reasons_zh"),
            sa.func.aggregate_strings(reasons.c.name_en, ", ").label("reasons_en"),
        )
        .group_by(reasons.c.resident_id)
        .subquery("cadence")
    )


def _rows(result) -> list[DueResident]:
    return [DueResident(*r[:6], last_not_home_on=r[8]) for r in result]


def due_list(
    user, limit: int = TODAY_LIMIT, worker: User | None = None, offset: int = 0
) -> DueList:
    """Residents due a visit within DUE_AHEAD_DAYS or overdue, nearest date first; with the
    total and the number overdue, in one statement (the care reasons' names included)."""
    today = local_today()
    key = ("due_list", user_scope(user), worker.id if worker else None, limit, offset, today)
    stmt = kept(key, lambda: _due_list_select(user, worker, today, limit, offset))
    rows = db.session.execute(stmt).all()
    if not rows:
        return DueList([], 0, 0)
    return DueList(_rows(rows), int(rows[0][6]), int(rows[0][7] or 0))


def _due_list_select(user, worker: User | None, today: date, limit: int, offset: int):
    due_on = Resident.next_visit_due_on
    # The page's rows first, read from the stored date's index (grid, date); the totals
    # are window sums over every resident due, taken before the LIMIT.
    listed = (
        _on_round(user, worker)
        .with_only_columns(
            Resident.id.label("id"),
            due_on.label("due_on"),
            sa.func.count().over().label("total"),
            sa.func.sum(sa.case((due_on < today, 1), else_=0)).over().label("overdue"),
        )
        .where(due_on <= today + timedelta(days=DUE_AHEAD_DAYS))
        .order_by(due_on, Resident.building, Resident.unit, Resident.room, Resident.id)
        .limit(limit)
        .offset(offset)
        .cte("listed")
    )
    # Then what those rows show: the last visit that met them, their reasons and cadence.
    last_on = last_met_sql()
    cadence = _cadence(sa.select(listed.c.id))
    return (
        sa.select(
            Resident,
            listed.c.due_on,
            last_on,
            cadence.c.every,
            cadence.c.reasons_zh,
            cadence.c.reasons_en,
            listed.c.total,
            listed.c.overdue,
            last_not_home_sql(),
        )
        .join(listed, listed.c.id == Resident.id)
        .join(cadence, cadence.c.resident_id == Resident.id)
        .order_by(listed.c.due_on, Resident.building, Resident.unit, Resident.room, Resident.id)
    )


def overdue_by_worker(user) -> list[tuple[User, int, int]]:
    """For the secretary: each worker of the community with the residents of their grids
    overdue and due today, by name. Counts only; no ordering by them, no score."""
    today = local_today()
    due_on = Resident.next_visit_due_on
    due = (
        _on_round(user)
        .with_only_columns(
            Resident.id.label("resident_id"),
            Resident.grid_id.label("grid_id"),
            due_on.label("due_on"),
        )
        .where(due_on <= today)
        .subquery("due")
    )
    community_grids = sa.select(Grid.id).where(Grid.community_id == user.community_id)
    rows = db.session.execute(
        select_for(User, user)
        .add_columns(
            sa.func.count(sa.distinct(sa.case((due.c.due_on < today, due.c.resident_id)))),
            sa.func.count(sa.distinct(sa.case((due.c.due_on == today, due.c.resident_id)))),
        )
        .join(user_grids, user_grids.c.user_id == User.id)
        .outerjoin(due, due.c.grid_id == user_grids.c.grid_id)
        .where(User.role == "worker", User.active, user_grids.c.grid_id.in_(community_grids))
        .group_by(User.id)
        .options(selectinload(User.grids))
        .order_by(User.display_name, User.id)
    ).all()
    return [(r[0], int(r[1]), int(r[2])) for r in rows]
