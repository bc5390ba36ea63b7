"""Referrals (转介): a resident's welfare need passed to a service, followed until done."""

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..enums import REFERRAL_STATUSES, enum_type
from ..extensions import db
from ..i18n import Bilingual
from ..ids import NEVER_REUSED
from ..timeutil import utcnow

if TYPE_CHECKING:
    from ..accounts.models import Grid, User
    from ..residents.models import Resident
    from ..screening.models import Answer, ChecklistItem
    from ..visits.models import Visit


class ReferralService(Bilingual, db.Model):
    """A service a need can be referred to (reference list, seeded)."""

    __tablename__ = "referral_services"
    code: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    name_zh: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(100))
    position: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<ReferralService {self.code}>"


class Referral(db.Model):
    __tablename__ = "referrals"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    visit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("visits.id", ondelete="CASCADE"), index=True
    )
    # Raised from a welfare item of a checklist; None when raised from the visit itself.
    answer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("answers.id", ondelete="SET NULL"), index=True
    )
    item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("checklist_items.id"))
    grid_id: Mapped[int] = mapped_column(sa.ForeignKey("grids.id"))
    resident_id: Mapped[int | None] = mapped_column(sa.ForeignKey("residents.id"), index=True)
    service_code: Mapped[str] = mapped_column(sa.ForeignKey("referral_services.code"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(
        enum_type(REFERRAL_STATUSES, "referral_status"), default="referred"
    )
    referred_on: Mapped[date]
    follow_up_on: Mapped[date | None]
    accepted_on: Mapped[date | None]
    done_on: Mapped[date | None]
    outcome: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    visit: Mapped["Visit"] = relationship()
    answer: Mapped["Answer | None"] = relationship()
    item: Mapped["ChecklistItem | None"] = relationship()
    grid: Mapped["Grid"] = relationship()
    resident: Mapped["Resident | None"] = relationship()
    service: Mapped[ReferralService] = relationship()
    created_by: Mapped["User"] = relationship()

    __table_args__ = (
        sa.Index("ix_referrals_grid_status_follow_up", "grid_id", "status", "follow_up_on"),
        sa.Index("ix_referrals_referred_on", "referred_on"),
        NEVER_REUSED,
    )

    def is_follow_up_due(self, today: date) -> bool:
        """The follow-up date has come and the service has not finished."""
        return (
            self.status != "done" and self.follow_up_on is not None and self.follow_up_on <= today
        )

    def __repr__(self) -> str:
        return f"<Referral {self.id} {self.service_code} {self.status}>"
