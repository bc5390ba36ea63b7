"""Hazard-screening checklists and their runs on visits."""

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..enums import ANSWER_VALUES, SEVERITIES, enum_type
from ..extensions import db
from ..i18n import Bilingual
from ..ids import NEVER_REUSED
from ..timeutil import utcnow

if TYPE_CHECKING:
    from ..hazards.models import Hazard
    from ..visits.models import Visit


# The visit purpose a checklist belongs to, by its template's code (app/seed/checklists.csv):
# the welfare check of an elderly person living alone is an elderly-care visit's, counted as
# care in the tallies, not as a hazard screening; the construction-site nuisance checklist is
# a project site visit's (its items are a works site's: hoarding, dust, night work, muck
# trucks), not a household's; any other checklist is a screening's. The one place that says
# so: the visit form, the visit's page, the phone's outbox and the start of a checklist
# (screening/services.py) offer and accept checklists by it.
CHECKLIST_PURPOSES = {"elderly": "elderly_care", "construction": "project"}
CHECKLIST_DEFAULT_PURPOSE = "screening"
# The purpose whose checklists are a works site's: run on a project's visits only. A
# resident's visit may have this purpose too (a talk at the door about the works nearby), but
# no site is checked on it; and a project's visit runs no household's checklist.
SITE_PURPOSE = "project"


def on_site(visit: "Visit") -> bool:
    """Whether the visit was to a project's site (its checklists are the site's)."""
    return visit.project_id is not None


class ChecklistTemplate(Bilingual, db.Model):
    __tablename__ = "checklist_templates"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(100))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True, server_default=sa.true())
    items: Mapped[list["ChecklistItem"]] = relationship(
        back_populates="template", order_by="ChecklistItem.position"
    )

    @property
    def visit_purpose(self) -> str:
        """The purpose of the visits that offer and run this checklist."""
        return CHECKLIST_PURPOSES.get(self.code, CHECKLIST_DEFAULT_PURPOSE)

    @property
    def on_site(self) -> bool:
        """Whether this is a works site's checklist (a project's visits), not a household's."""
        return self.visit_purpose == SITE_PURPOSE

    def fits(self, visit: "Visit") -> bool:
        """Whether the visit offers and runs this checklist: one of its purpose, and a site's
        on a project's visit, a household's on a resident's."""
        return self.visit_purpose == visit.purpose and self.on_site == on_site(visit)

    def __repr__(self) -> str:
        return f"<ChecklistTemplate {self.code}>"


class ChecklistItem(db.Model):
    __tablename__ = "checklist_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("checklist_templates.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    text_zh: Mapped[str] = mapped_column(sa.Text)
    text_en: Mapped[str] = mapped_column(sa.Text)
    # What a grid worker typically does about it: advice and reporting, never an order.
    action_zh: Mapped[str] = mapped_column(sa.Text, default="")
    action_en: Mapped[str] = mapped_column(sa.Text, default="")
    default_severity: Mapped[str] = mapped_column(enum_type(SEVERITIES, "item_severity"))
    default_days: Mapped[int] = mapped_column(default=7)
    # A welfare item (a person's need, not a thing to fix): "needs attention" raises a
    # referral to this suggested service, never a hazard. None: a hazard item.
    referral_service: Mapped[str | None] = mapped_column(
        sa.ForeignKey("referral_services.code"), default=None
    )
    template: Mapped[ChecklistTemplate] = relationship(back_populates="items")

    @property
    def is_welfare(self) -> bool:
        return self.referral_service is not None

    def concern_value(self) -> str:
        """The answer that says this item needs something done: a concern or a hazard."""
        return "concern" if self.is_welfare else "hazard"

    def text(self, locale: str) -> str:
        return self.text_en if locale.startswith("en") else self.text_zh

    def action(self, locale: str) -> str:
        """The typical action in `locale`: English for any English locale, otherwise Chinese."""
        return self.action_en if locale.startswith("en") else self.action_zh

    def __repr__(self) -> str:
        return f"<ChecklistItem {self.code}>"


class Screening(db.Model):
    __tablename__ = "screenings"
    __table_args__ = (NEVER_REUSED,)
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    visit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("visits.id", ondelete="CASCADE"), index=True
    )
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("checklist_templates.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]

    visit: Mapped["Visit"] = relationship(back_populates="screenings")
    template: Mapped[ChecklistTemplate] = relationship()
    answers: Mapped[list["Answer"]] = relationship(back_populates="screening")

    def __repr__(self) -> str:
        return f"<Screening {self.id} visit={self.visit_id}>"


class Answer(db.Model):
    __tablename__ = "answers"
    id: Mapped[int] = mapped_column(primary_key=True)
    screening_id: Mapped[int] = mapped_column(
        sa.ForeignKey("screenings.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("checklist_items.id"))
    value: Mapped[str] = mapped_column(enum_type(ANSWER_VALUES, "answer_value"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    answered_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    screening: Mapped[Screening] = relationship(back_populates="answers")
    item: Mapped[ChecklistItem] = relationship()
    hazard: Mapped["Hazard | None"] = relationship(back_populates="answer")
    __table_args__ = (sa.UniqueConstraint("screening_id", "item_id"), NEVER_REUSED)

    def __repr__(self) -> str:
        return f"<Answer {self.id} {self.value}>"
