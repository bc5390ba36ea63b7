"""Residents on a caseload, and the stated reasons they are on it."""

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..i18n import Bilingual
from ..timeutil import utcnow

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

    def __repr__(self) -> str:
        return f"<CareReason {self.code}>"


class Resident(db.Model):
    __tablename__ = "residents"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str | None] = mapped_column(sa.String(36), unique=True)
    grid_id: Mapped[int] = mapped_column(sa.ForeignKey("grids.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(50))
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

    grid: Mapped["Grid"] = relationship()
    care_reasons: Mapped[list[CareReason]] = relationship(
        secondary=resident_care_reasons, order_by="CareReason.code"
    )
    __table_args__ = (
        sa.CheckConstraint("household_size >= 0 AND household_size <= 50", name="household"),
        sa.Index("ix_residents_grid_name", "grid_id", "name"),
    )

    @property
    def address(self) -> str:
        parts = [p for p in (self.building, self.unit, self.room) if p]
        return "-".join(parts)

    def __repr__(self) -> str:
        return f"<Resident {self.id}>"
