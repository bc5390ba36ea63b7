"""Photos taken in the field; the image bytes live in the photo store."""

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..ids import NEVER_REUSED
from ..timeutil import utcnow

if TYPE_CHECKING:
    from ..accounts.models import User


class Photo(db.Model):
    __tablename__ = "photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    thumb_sha256: Mapped[str] = mapped_column(sa.String(64))
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    captured_at: Mapped[datetime | None]
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    grid_id: Mapped[int] = mapped_column(sa.ForeignKey("grids.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("visits.id", ondelete="CASCADE"), index=True
    )
    answer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("answers.id", ondelete="CASCADE"), index=True
    )
    hazard_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("hazards.id", ondelete="CASCADE"), index=True
    )
    # A rectification photo proves the fix; a plain hazard photo shows the problem.
    is_rectification: Mapped[bool] = mapped_column(
        sa.Boolean, default=False, server_default=sa.false()
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    uploaded_by: Mapped["User"] = relationship()
    __table_args__ = (
        sa.CheckConstraint(
            "visit_id IS NOT NULL OR answer_id IS NOT NULL OR hazard_id IS NOT NULL",
            name="owner",
        ),
        NEVER_REUSED,
    )

    def __repr__(self) -> str:
        return f"<Photo {self.id}>"
