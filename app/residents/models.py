"""Residents on a caseload, and the stated reasons they are on it."""

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..i18n import Bilingual
from ..timeutil import utcnow
from .pinyin import KEY_LENGTH, name_key

if TYPE_CHECKING:
    from ..accounts.models import Grid

resident_care_reasons = sa.Table(
    "resident_care_reasons",
    db.metadata,
    sa.Column("resident_id", sa.ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("reason_code", sa.ForeignKey("care_reasons.code"), primary_key=True),
)


class CareReason(Bilingual, db.Model):
    __tablename__ = "care_reasons"
    code: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    name_zh: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(100))
    # Days between visits a resident with this need is due (the shortest of their reasons
    # wins); None: the reason alone puts nobody on the visit round. Set by the admin.
    visit_every_days: Mapped[int | None]
    __table_args__ = (
        sa.CheckConstraint(
            "visit_every_days IS NULL OR (visit_every_days >= 1 AND visit_every_days <= 366)",
            name="visit_every",
        ),
    )

    def __repr__(self) -> str:
        return f"<CareReason {self.code}>"


class Household(db.Model):
    """A household (户): the residents living at one address of a grid.

    One row per address, kept when everybody has left (archived) so that its visits still
    point somewhere, and reopened when somebody moves back in (households.py)."""

    __tablename__ = "households"
    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(sa.ForeignKey("grids.id"))
    building: Mapped[str] = mapped_column(sa.String(20), default="")
    unit: Mapped[str] = mapped_column(sa.String(20), default="")
    room: Mapped[str] = mapped_column(sa.String(20), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]

    grid: Mapped["Grid"] = relationship()
    __table_args__ = (
        sa.UniqueConstraint("grid_id", "building", "unit", "room", name="uq_households_address"),
    )

    @property
    def address(self) -> str:
        parts = [p for p in (self.building, self.unit, self.room) if p]
        return "-".join(parts)

    def __repr__(self) -> str:
        return f"<Household {self.id} {self.address}>"


class Resident(db.Model):
    __tablename__ = "residents"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str | None] = mapped_column(sa.String(36), unique=True)
    grid_id: Mapped[int] = mapped_column(sa.ForeignKey("grids.id"), index=True)
    # Kept in step with the grid and address on every flush (households.py).
    household_id: Mapped[int | None] = mapped_column(sa.ForeignKey("households.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    # The name's pinyin, full and initials, for search (pinyin.py). Set whenever the name is
    # set on a Resident; the default covers rows inserted without the ORM (import, demo).
    pinyin: Mapped[str] = mapped_column(
        sa.String(KEY_LENGTH),
        default=lambda ctx: name_key(ctx.get_current_parameters()["name"]),
        server_default="",
    )
    building: Mapped[str] = mapped_column(sa.String(20), default="")
    unit: Mapped[str] = mapped_column(sa.String(20), default="")
    room: Mapped[str] = mapped_column(sa.String(20), default="")
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    household_size: Mapped[int] = mapped_column(default=1)
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    archived_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]
    # The day the next visit of the round is due (rounds/due.py computes it and keeps it
    # current in every write's transaction); None: no care reason of theirs has a cadence.
    next_visit_due_on: Mapped[date | None]

    grid: Mapped["Grid"] = relationship()
    household: Mapped[Household | None] = relationship()
    care_reasons: Mapped[list[CareReason]] = relationship(
        secondary=resident_care_reasons, order_by="CareReason.code"
    )
    __table_args__ = (
        sa.CheckConstraint("household_size >= 0 AND household_size <= 50", name="household"),
        sa.Index("ix_residents_grid_name", "grid_id", "name"),
        sa.Index("ix_residents_grid_pinyin", "grid_id", "pinyin"),
        # Today's due list reads a range of it per grid of the worker.
        sa.Index("ix_residents_grid_next_visit", "grid_id", "next_visit_due_on"),
    )

    @property
    def address(self) -> str:
        parts = [p for p in (self.building, self.unit, self.room) if p]
        return "-".join(parts)

    def __repr__(self) -> str:
        return f"<Resident {self.id}>"


@sa.event.listens_for(Resident.name, "set")
def _name_set(resident: Resident, value, _old, _initiator) -> None:
    """Keep the pinyin key in step with the name, however the name is written."""
    resident.pinyin = name_key(value)
