"""A worker's day of field records and its review by the secretary."""

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..enums import DAYLOG_STATUSES, enum_type
from ..extensions import db

if TYPE_CHECKING:
    from ..accounts.models import User


class DailyLog(db.Model):
    __tablename__ = "daily_logs"
    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id"))
    day: Mapped[date]
    status: Mapped[str] = mapped_column(enum_type(DAYLOG_STATUSES, "daylog_status"), default="open")
    submitted_at: Mapped[datetime | None]
    # When a record of the day last changed while it was submitted: the counts the reviewer
    # read are no longer the ones handed in. Cleared by the next submission.
    changed_at: Mapped[datetime | None]
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    # The last reopening of an approved day, kept apart from `comment`, which the next return
    # writes over: why records once locked were opened again stays on the day (the audit
    # log says who and when, never free text).
    reopened_at: Mapped[datetime | None]
    reopened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reopen_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    worker: Mapped["User"] = relationship(foreign_keys=[worker_id])
    reviewed_by: Mapped["User | None"] = relationship(foreign_keys=[reviewed_by_id])
    reopened_by: Mapped["User | None"] = relationship(foreign_keys=[reopened_by_id])
    __table_args__ = (
        sa.UniqueConstraint("worker_id", "day"),
        sa.Index("ix_daily_logs_community_status_day", "community_id", "status", "day"),
        # The review queue's days newest first, read only as far as its page reaches.
        sa.Index("ix_daily_logs_community_day", "community_id", "day"),
    )

    @property
    def locked(self) -> bool:
        """Approved days are read-only until the secretary reopens them."""
        return self.status == "approved"

    @property
    def changed_since_submitted(self) -> bool:
        return self.status == "submitted" and self.changed_at is not None

    @classmethod
    def locked_sql(cls):
        """`locked` in SQL, so a page can ask before the worker types what Save would refuse."""
        return cls.status == "approved"

    def __repr__(self) -> str:
        return f"<DailyLog {self.worker_id} {self.day} {self.status}>"
