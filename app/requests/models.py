"""Residents' requests (群众诉求) and the events on their way to an answer."""

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..enums import (
    REDIRECT_CHANNELS,
    REPLY_DELIVERY,
    REQUEST_CHANNELS,
    REQUEST_STATUSES,
    REQUEST_TRACKS,
    SATISFACTION,
    enum_type,
)
from ..extensions import db
from ..i18n import Bilingual
from ..timeutil import utcnow

if TYPE_CHECKING:
    from ..accounts.models import Grid, User
    from ..residents.models import Resident


class RequestCategory(Bilingual, db.Model):
    __tablename__ = "request_categories"
    code: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    name_zh: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(100))
    usual_body: Mapped[str] = mapped_column(sa.Text, default="")
    legal_channel: Mapped[str] = mapped_column(sa.Text, default="")
    # Complaints about officials: visible to the secretary only (Art. 30).
    restricted: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())

    def __repr__(self) -> str:
        return f"<RequestCategory {self.code}>"


class Request(db.Model):
    __tablename__ = "requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id"), index=True)
    grid_id: Mapped[int] = mapped_column(sa.ForeignKey("grids.id"))
    visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("visits.id"))
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    channel: Mapped[str] = mapped_column(enum_type(REQUEST_CHANNELS, "channel"))
    category_code: Mapped[str] = mapped_column(sa.ForeignKey("request_categories.code"))
    summary: Mapped[str] = mapped_column(sa.Text)
    received_on: Mapped[date]
    track: Mapped[str] = mapped_column(enum_type(REQUEST_TRACKS, "track"), default="community")
    formal_on: Mapped[date | None]
    # Why the formal clock starts later than receipt (empty when it starts at receipt).
    formal_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    status: Mapped[str] = mapped_column(
        enum_type(REQUEST_STATUSES, "request_status"), default="received"
    )
    accepted_on: Mapped[date | None]
    # The decision on the request (acknowledged, accepted, not accepted, redirected) and whether
    # it and the reply kept their clocks; stored on flush by requests/deadlines.py for tallies.
    decided_on: Mapped[date | None]
    decided_on_time: Mapped[bool | None]
    replied_on_time: Mapped[bool | None]
    decision_reason: Mapped[str] = mapped_column(sa.Text, default="")
    redirect_channel: Mapped[str | None] = mapped_column(
        enum_type(REDIRECT_CHANNELS, "redirect_channel")
    )
    extension_days: Mapped[int | None]
    extension_reason: Mapped[str] = mapped_column(sa.Text, default="")
    replied_on: Mapped[date | None]
    reply_text: Mapped[str] = mapped_column(sa.Text, default="")
    # A formal written reply: handed over or posted, and the day the resident received it, from
    # which the review window runs (Art. 35).
    reply_delivery: Mapped[str | None] = mapped_column(enum_type(REPLY_DELIVERY, "reply_delivery"))
    reply_received_on: Mapped[date | None]
    # The resident's application for review (复查, Art. 35) to the body one level up, and its
    # answer; then the re-review (复核, Art. 36) the same way. Recorded by the secretary.
    review_applied_on: Mapped[date | None]
    review_body: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    review_answered_on: Mapped[date | None]
    review_received_on: Mapped[date | None]
    review_outcome: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    rereview_applied_on: Mapped[date | None]
    rereview_body: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    rereview_answered_on: Mapped[date | None]
    rereview_outcome: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    followed_up_on: Mapped[date | None]
    satisfaction: Mapped[str | None] = mapped_column(enum_type(SATISFACTION, "satisfaction"))
    # The running clock's due date, stored on every flush by requests/deadlines.py.
    due_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    resident: Mapped["Resident"] = relationship()
    category: Mapped[RequestCategory] = relationship()
    grid: Mapped["Grid"] = relationship()
    # The database deletes a request's events with it (ON DELETE CASCADE); without these
    # the session would first set their request_id to NULL, which the column refuses.
    events: Mapped[list["RequestEvent"]] = relationship(
        back_populates="request",
        order_by="RequestEvent.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def status_labels(self) -> str:
        """The label group its status is named from: a community request is acknowledged
        (签收), where a formal one is accepted (受理) (app/labels.py)."""
        return "request_status_community" if self.track == "community" else "request_status"

    @property
    def shown_track(self) -> str:
        """The track as pages name it: a complaint about an official (R15) is never the
        community's, even before it becomes a formal matter (Art. 30), but the liaison's."""
        if self.track == "community" and self.category is not None and self.category.restricted:
            return "liaison"
        return self.track

    __table_args__ = (
        sa.CheckConstraint(
            "extension_days IS NULL OR extension_days BETWEEN 1 AND 30", name="extension"
        ),
        sa.Index("ix_requests_grid_status", "grid_id", "status"),
        sa.Index("ix_requests_received_on", "received_on"),
        sa.Index("ix_requests_due_on", "due_on"),
        # The requests due soon or overdue in a worker's or community's grids (Today, the
        # secretary's home and badges): the open ones carry a date, the answered ones none.
        sa.Index("ix_requests_grid_due_on", "grid_id", "due_on"),
    )

    def __repr__(self) -> str:
        return f"<Request {self.id} {self.status}>"


class RequestEvent(db.Model):
    __tablename__ = "request_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("requests.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(32))
    on_date: Mapped[date]
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # 补录: dated more than BACKFILL_DAYS before it was entered; shown and counted.
    backfilled: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[Request] = relationship(back_populates="events")
    actor: Mapped["User | None"] = relationship()

    def __repr__(self) -> str:
        return f"<RequestEvent {self.id} {self.kind}>"


class HolidayDay(db.Model):
    """A day of the State Council's holiday schedule, entered by the administrator for a year
    the installed chinese-calendar does not know yet (app/requests/deadlines.py).

    A year is entered when it has any row. Days off (`working` false) and adjusted working
    weekend days (调休上班, `working` true) are listed; every other day is a working day from
    Monday to Friday."""

    __tablename__ = "holiday_days"
    day: Mapped[date] = mapped_column(primary_key=True)
    working: Mapped[bool] = mapped_column(sa.Boolean)
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<HolidayDay {self.day} {'work' if self.working else 'off'}>"
