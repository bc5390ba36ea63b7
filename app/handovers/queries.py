"""Reads for handovers: the community's workers, what they hold, the notes to read."""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import Grid, Handover, Household, Resident, User
from ..places import by_name
from ..scope import select_for


def community_workers(secretary: User) -> list[User]:
    """The active workers of the secretary's community, with or without a grid yet."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.role == "worker",
                User.active.is_(True),
                User.community_id == secretary.community_id,
            )
            .options(selectinload(User.grids))
            .order_by(User.display_name, User.id)
        )
    )


# Households by grid, then as their addresses read (building 2 before 10, room 302 before 1201).
BY_ADDRESS = (
    Household.grid_id,
    sa.func.length(Household.building),
    Household.building,
    Household.unit,
    sa.func.length(Household.room),
    Household.room,
)


def households_of(grid_ids: list[int]) -> list[Household]:
    """The households on file in these grids, by address (the handover's choices)."""
    if not grid_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Household)
            .where(Household.grid_id.in_(grid_ids), Household.archived_at.is_(None))
            .options(selectinload(Household.grid))
            .order_by(*BY_ADDRESS)
        )
    )


def community_grids(secretary: User) -> list[Grid]:
    return by_name(
        db.session.scalars(sa.select(Grid).where(Grid.community_id == secretary.community_id))
    )


def recent(user: User, limit: int = 20) -> list[Handover]:
    """The handovers the user may see, newest first."""
    return list(
        db.session.scalars(
            select_for(Handover, user)
            .options(
                selectinload(Handover.from_worker),
                selectinload(Handover.to_worker),
                selectinload(Handover.by),
            )
            .order_by(Handover.created_at.desc(), Handover.id.desc())
            .limit(limit)
        )
    )


def handover_notes_select(worker: User) -> sa.Select:
    """Handover notes the worker has not dismissed yet."""
    return sa.select(Handover).where(
        Handover.to_worker_id == worker.id, Handover.dismissed_at.is_(None)
    )


def notes_for(worker: User) -> list[Handover]:
    """Handover notes the worker has not dismissed yet (shown on Today; one query)."""
    return list(
        db.session.scalars(
            handover_notes_select(worker)
            .options(joinedload(Handover.from_worker))
            .order_by(Handover.created_at.desc())
            .limit(5)
        )
    )


def handed_households(user: User, handover: Handover) -> list[Household]:
    """The households of a handover the user may see now, by address (the new worker: all
    of them, unless moved on since; the worker who gave them: none)."""
    ids = handover.moved.get("households") or []
    if not ids:
        return []
    return list(
        db.session.scalars(
            select_for(Household, user)
            .where(Household.id.in_(ids), Household.archived_at.is_(None))
            .options(selectinload(Household.grid))
            .order_by(*BY_ADDRESS)
        )
    )


def handed_grids(handover: Handover) -> list[Grid]:
    ids = handover.moved.get("grids") or []
    if not ids:
        return []
    return by_name(db.session.scalars(sa.select(Grid).where(Grid.id.in_(ids))))


def names_by_household(user: User, household_ids: list[int], most: int = 3) -> dict[int, str]:
    """The current residents' names of each household, the first `most` then "…"."""
    if not household_ids:
        return {}
    rows = db.session.execute(
        select_for(Resident, user)
        .with_only_columns(Resident.household_id, Resident.name)
        .where(Resident.household_id.in_(household_ids), Resident.archived_at.is_(None))
        .order_by(Resident.household_id, Resident.id)
    )
    found: dict[int, list[str]] = {}
    for household_id, name in rows:
        found.setdefault(household_id, []).append(name)
    return {
        h: "、".join(names[:most]) + ("…" if len(names) > most else "")
        for h, names in found.items()
    }
