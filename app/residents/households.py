"""Households (户): which residents live at one address of a grid, kept in step on write.

Every flush that adds a resident or changes their grid or address places them in the
household at that address, creating it (or reopening an archived one) when needed; the
household they left is archived once nobody active lives there. Rows written without the
ORM (the sheet import's multi-row INSERT) are placed by `attach_households`, in three set
statements. A resident without any address has no household.
"""

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..timeutil import utcnow
from .models import Household, Resident

PLACE = ("grid_id", "building", "unit", "room")
WATCHED = (*PLACE, "archived_at")


def address_key(resident: Resident) -> tuple | None:
    """(grid, building, unit, room) of a resident on file, or None without an address."""
    if resident.archived_at is not None or resident.erased_at is not None:
        return None
    parts = tuple((getattr(resident, p) or "").strip() for p in ("building", "unit", "room"))
    if not any(parts):
        return None
    return (resident.grid_id, *parts)


def _changed(resident: Resident) -> bool:
    state = sa.inspect(resident)
    return any(state.attrs[name].history.has_changes() for name in WATCHED)


def _household_at(session: Session, key: tuple, placed: dict) -> Household:
    if key in placed:
        return placed[key]
    grid_id, building, unit, room = key
    at = sa.select(Household).where(
        Household.grid_id == grid_id,
        Household.building == building,
        Household.unit == unit,
        Household.room == room,
    )
    household = session.scalar(at)
    if household is None:
        # Two saves at one new address at once (two workers, an import beside a form): the
        # address's row is made once, the other save waits for it and then reads it.
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(
            insert(Household)
            .values(grid_id=grid_id, building=building, unit=unit, room=room)
            .on_conflict_do_nothing(index_elements=["grid_id", "building", "unit", "room"])
        )
        household = session.scalar(at)
    household.archived_at = None
    placed[key] = household
    return household


@event.listens_for(Session, "before_flush")
def _keep_households(session, _flush_context, _instances) -> None:
    # However a resident is written (form, import merge, demo data, fixtures), the household
    # follows: no path can leave a resident at one address and in another household.
    _visits_in_households(session)
    residents = [
        o
        for o in (*session.new, *session.dirty)
        if isinstance(o, Resident) and (o in session.new or _changed(o))
    ]
    if not residents:
        return
    with session.no_autoflush:
        placed: dict[tuple, Household] = {}
        left: set[int] = set()
        leaving: set[int] = set()
        for resident in residents:
            old = resident.household_id
            key = address_key(resident)
            if key is not None:
                household = _household_at(session, key, placed)
                if resident.household is not household:
                    resident.household = household
                moved_out = old is not None and household.id != old
            else:
                # Without an address: no household. Archived: they keep the one they lived
                # in (their history), but no longer count as living there.
                if resident.archived_at is None and resident.erased_at is None:
                    resident.household = None
                moved_out = old is not None
            if moved_out:
                left.add(old)
                if resident.id is not None:
                    leaving.add(resident.id)
        staying = {h.id for h in placed.values() if h.id is not None}
        for household_id in left - staying:
            _archive_if_empty(session, household_id, leaving)


def _visits_in_households(session: Session) -> None:
    """A new visit to a resident is a visit to the household they live in at the time."""
    from ..visits.models import Visit

    for visit in session.new:
        if isinstance(visit, Visit) and visit.resident_id and visit.household_id is None:
            with session.no_autoflush:
                resident = session.get(Resident, visit.resident_id)
            visit.household_id = resident.household_id if resident else None


def _archive_if_empty(session: Session, household_id: int, leaving: set[int]) -> None:
    someone = session.scalar(
        sa.select(Resident.id)
        .where(
            Resident.household_id == household_id,
            Resident.archived_at.is_(None),
            Resident.id.not_in(leaving) if leaving else sa.true(),
        )
        .limit(1)
    )
    if someone is None:
        household = session.get(Household, household_id)
        if household is not None and household.archived_at is None:
            household.archived_at = utcnow()


def _has_address(residents) -> sa.ColumnElement[bool]:
    return (residents.c.building + residents.c.unit + residents.c.room) != ""


def attach_households(session: Session, grid_ids: list[int]) -> None:
    """Place the grids' unplaced residents in households: create the missing ones, link, and
    reopen any archived household somebody now lives in (three statements, any row count)."""
    if not grid_ids:
        return
    r = Resident.__table__
    h = Household.__table__
    unplaced = sa.and_(
        r.c.grid_id.in_(grid_ids),
        r.c.household_id.is_(None),
        r.c.archived_at.is_(None),
        r.c.erased_at.is_(None),
        _has_address(r),
    )
    same = sa.and_(
        h.c.grid_id == r.c.grid_id,
        h.c.building == r.c.building,
        h.c.unit == r.c.unit,
        h.c.room == r.c.room,
    )
    missing = (
        sa.select(r.c.grid_id, r.c.building, r.c.unit, r.c.room, sa.literal(utcnow()))
        .where(unplaced, ~sa.exists().where(same))
        .distinct()
    )
    session.execute(
        h.insert().from_select(["grid_id", "building", "unit", "room", "created_at"], missing)
    )
    session.execute(
        r.update()
        .where(unplaced)
        .values(household_id=sa.select(h.c.id).where(same).scalar_subquery())
    )
    session.execute(
        h.update()
        .where(
            h.c.grid_id.in_(grid_ids),
            h.c.archived_at.is_not(None),
            sa.exists().where(r.c.household_id == h.c.id, r.c.archived_at.is_(None)),
        )
        .values(archived_at=None)
    )
