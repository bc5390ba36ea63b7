"""A caseload handed from one worker to another by the community's secretary."""

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow

if TYPE_CHECKING:
    from ..accounts.models import User


class Handover(db.Model):
    """Who handed which grids or households to whom, with the note the new worker reads.

    Past records keep their authors; this row is what says the caseload changed hands."""

    __tablename__ = "handovers"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id"))
    from_worker_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    to_worker_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    # Where chosen households went: a grid of the new worker (none for whole grids).
    to_grid_id: Mapped[int | None] = mapped_column(sa.ForeignKey("grids.id"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # What moved, as ids and counts: {"grids": [...], "households": [...], "hazards": n, ...}
    moved: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    dismissed_at: Mapped[datetime | None]

    from_worker: Mapped["User"] = relationship(foreign_keys=[from_worker_id])
    to_worker: Mapped["User"] = relationship(foreign_keys=[to_worker_id])
    by: Mapped["User"] = relationship(foreign_keys=[by_id])

    __table_args__ = (sa.Index("ix_handovers_to_worker", "to_worker_id", "dismissed_at"),)

    def __repr__(self) -> str:
        return f"<Handover {self.id} {self.from_worker_id}->{self.to_worker_id}>"
