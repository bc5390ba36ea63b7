"""Hazards found on screenings, chased from open to rectified to verified."""

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..enums import DEPARTMENT_PROGRESS, HAZARD_STATUSES, SEVERITIES, enum_type
from ..extensions import db
from ..i18n import Bilingual
from ..ids import NEVER_REUSED
from ..timeutil import utcnow

if TYPE_CHECKING:
    from ..accounts.models import Grid
    from ..photos.models import Photo
    from ..projects.models import Project
    from ..residents.models import Resident
    from ..screening.models import Answer, ChecklistItem, ChecklistTemplate
    from ..visits.models import Visit


class Department(Bilingual, db.Model):
    """A department a hazard beyond the worker's power is reported to (reference list)."""

    __tablename__ = "departments"
    code: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    name_zh: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(100))
    position: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<Department {self.code}>"


class Hazard(db.Model):
    __tablename__ = "hazards"
    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("answers.id", ondelete="SET NULL"), unique=True
    )
    visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("visits.id"), index=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("checklist_items.id"))
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("checklist_templates.id"))
    grid_id: Mapped[int] = mapped_column(sa.ForeignKey("grids.id"))
    resident_id: Mapped[int | None] = mapped_column(sa.ForeignKey("residents.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    severity: Mapped[str] = mapped_column(enum_type(SEVERITIES, "severity"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    found_on: Mapped[date]
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(enum_type(HAZARD_STATUSES, "hazard_status"), default="open")
    rectified_at: Mapped[datetime | None]
    rectified_on: Mapped[date | None]
    rectified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    rectified_note: Mapped[str] = mapped_column(sa.Text, default="")
    verified_at: Mapped[datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    returned_comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Reported (上报) to the responsible department: the worker's deadline is met by the report.
    reported_on: Mapped[date | None]
    department_code: Mapped[str | None] = mapped_column(sa.ForeignKey("departments.code"))
    reported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    report_note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # The department's progress as the secretary last recorded it.
    department_progress: Mapped[str | None] = mapped_column(
        enum_type(DEPARTMENT_PROGRESS, "department_progress")
    )
    department_note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    department_updated_on: Mapped[date | None]

    answer: Mapped["Answer | None"] = relationship(back_populates="hazard")
    item: Mapped["ChecklistItem"] = relationship()
    template: Mapped["ChecklistTemplate"] = relationship()
    resident: Mapped["Resident | None"] = relationship()
    project: Mapped["Project | None"] = relationship()
    visit: Mapped["Visit | None"] = relationship()
    grid: Mapped["Grid"] = relationship()
    department: Mapped[Department | None] = relationship()
    # Photos of the problem and of its fix, loaded with the hazard where a page shows them.
    photos: Mapped[list["Photo"]] = relationship(viewonly=True, order_by="Photo.id")

    __table_args__ = (
        sa.Index("ix_hazards_grid_status_due", "grid_id", "status", "due_on"),
        # Overdue (overdue_sql) and awaiting the worker are "open, not reported, due before
        # a day": a range of this index, counted without reading the rows (the nav badges).
        sa.Index(
            "ix_hazards_grid_status_reported_due", "grid_id", "status", "reported_on", "due_on"
        ),
        sa.Index("ix_hazards_found_on", "found_on"),
        NEVER_REUSED,
    )

    @classmethod
    def overdue_sql(cls, today: date) -> sa.ColumnElement[bool]:
        """The one rule for overdue, in SQL: open, past its due date, and neither rectified
        nor reported to a department (the report is what the worker's clock measures)."""
        return sa.and_(cls.status == "open", cls.due_on < today, cls.reported_on.is_(None))

    @classmethod
    def awaiting_worker_sql(cls) -> sa.ColumnElement[bool]:
        """Open hazards still on the worker's clock: not yet reported to a department."""
        return sa.and_(cls.status == "open", cls.reported_on.is_(None))

    @property
    def acted_on(self) -> bool:
        """Something was done about it: fixed (or verified), sent back after a fix, or
        reported to a department. It then stays on record with the answer and the photos of
        what was found: no change of answer withdraws it, no deleted visit takes it along."""
        return self.status != "open" or self.reported_on is not None or bool(self.returned_comment)

    def is_overdue(self, today: date) -> bool:
        """Overdue: past its due date, not rectified and not reported to a department."""
        return self.status == "open" and self.reported_on is None and self.due_on < today

    def report_days_late(self) -> int:
        """Days the report to the department came after the due date (0 when in time)."""
        if self.reported_on is None:
            return 0
        return max((self.reported_on - self.due_on).days, 0)

    def days_open(self, today: date) -> int:
        """Days from the finding to the fix (or to today while it is still open)."""
        end = self.rectified_on if self.status != "open" and self.rectified_on else today
        return max((end - self.found_on).days, 0)

    def days_overdue(self, today: date) -> int:
        """Days past the due date of an overdue hazard (0 when not overdue)."""
        return max((today - self.due_on).days, 0) if self.is_overdue(today) else 0

    def days_late(self) -> int:
        """Days a rectified hazard was fixed after its due date (0 when on time)."""
        if self.status == "open" or self.rectified_on is None:
            return 0
        return max((self.rectified_on - self.due_on).days, 0)

    def __repr__(self) -> str:
        return f"<Hazard {self.id} {self.severity} {self.status}>"
