"""Door-to-door and site visits."""

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..enums import VISIT_OUTCOMES, VISIT_PURPOSES, enum_type
from ..extensions import db
from ..ids import NEVER_REUSED
from ..timeutil import utcnow

if TYPE_CHECKING:
    from ..accounts.models import Grid, User
    from ..photos.models import Photo
    from ..projects.models import Project
    from ..residents.models import Resident
    from ..review.models import DailyLog
    from ..screening.models import Screening

# A wait in the phone's outbox shorter than this is not shown: a phone's clock may be a few
# minutes off (timeutil.CLOCK_SKEW), and a form that waited out a short gap in signal arrives
# in the order it was made. Longer, and it explains to the secretary a visit that arrived late,
# out of the day's order, or after she began the review.
OUTBOX_WAIT_SHOWN = timedelta(minutes=10)


class Visit(db.Model):
    __tablename__ = "visits"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    grid_id: Mapped[int] = mapped_column(sa.ForeignKey("grids.id"))
    resident_id: Mapped[int | None] = mapped_column(sa.ForeignKey("residents.id"))
    # The household the resident lived in when visited: a visit to a member is a visit to
    # the household (its last visit, households visited), whoever opened the door.
    household_id: Mapped[int | None] = mapped_column(sa.ForeignKey("households.id"))
    project_id: Mapped[int | None] = mapped_column(sa.ForeignKey("projects.id"))
    daily_log_id: Mapped[int] = mapped_column(sa.ForeignKey("daily_logs.id"), index=True)
    visited_on: Mapped[date]
    visited_at: Mapped[datetime] = mapped_column(default=utcnow)
    purpose: Mapped[str] = mapped_column(enum_type(VISIT_PURPOSES, "purpose"))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    outcome: Mapped[str] = mapped_column(enum_type(VISIT_OUTCOMES, "outcome"))
    follow_up_on: Mapped[date | None]
    # The follow-up date while no later visit has answered it (visits/follow_ups.py keeps it
    # in step with the visits; never set by hand).
    follow_up_open_on: Mapped[date | None]
    # When the worker pressed Save on the phone, for a visit that came from the phone's outbox
    # and whose time the server believed (timeutil.captured_moment); None for one sent online
    # or with a time not believed. Kept apart from visited_at, which an edit of the date resets.
    captured_at: Mapped[datetime | None]
    # When the visit reached the server.
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    worker: Mapped["User"] = relationship()
    grid: Mapped["Grid"] = relationship()
    resident: Mapped["Resident | None"] = relationship()
    project: Mapped["Project | None"] = relationship()
    daily_log: Mapped["DailyLog"] = relationship()
    # Deleting a visit deletes its screenings, answers and photos in the database
    # (ON DELETE CASCADE); the ORM must not try to orphan them first (NOT NULL visit_id).
    screenings: Mapped[list["Screening"]] = relationship(
        back_populates="visit", order_by="Screening.id", passive_deletes="all"
    )
    # The visit's own photos (not its answers'): loaded with the visit where a page shows
    # thumbnails, instead of a query of their own. Read-only: photos are added by their service.
    photos: Mapped[list["Photo"]] = relationship(viewonly=True, order_by="Photo.id")

    __table_args__ = (
        sa.CheckConstraint("resident_id IS NOT NULL OR project_id IS NOT NULL", name="subject"),
        sa.Index("ix_visits_grid_visited_on", "grid_id", "visited_on"),
        # A worker's own day (Today) and recent days (the phone's caseload) without reading
        # every visit the worker ever logged.
        sa.Index("ix_visits_worker_visited_on", "worker_id", "visited_on"),
        sa.Index("ix_visits_resident_visited_at", "resident_id", "visited_at"),
        sa.Index("ix_visits_project_visited_at", "project_id", "visited_at"),
        # The follow-ups due: a range of this index (visits/follow_ups.py).
        sa.Index("ix_visits_grid_follow_up_open", "grid_id", "follow_up_open_on"),
        # The visit round's last visit that met the resident, read from the index alone.
        sa.Index("ix_visits_resident_round", "resident_id", "visited_on", "outcome"),
        sa.Index("ix_visits_household_visited_on", "household_id", "visited_on"),
        NEVER_REUSED,
    )

    def __repr__(self) -> str:
        return f"<Visit {self.id} {self.visited_on}>"

    def day_status(self) -> str:
        """The day's status as it concerns this visit: one added after the day came back to
        the worker was never returned, it is simply not submitted yet."""
        log = self.daily_log
        reviewed = log.reviewed_at
        if log.status == "returned" and reviewed and self.created_at and self.created_at > reviewed:
            return "open"
        return log.status

    def outbox_wait(self) -> timedelta | None:
        """How long the visit waited in the phone's outbox, if long enough to tell the reader."""
        if self.captured_at is None or self.created_at is None:
            return None
        waited = self.created_at - self.captured_at
        return waited if waited > OUTBOX_WAIT_SHOWN else None
