"""Local works projects, their social-impact assessment and risk register."""

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..enums import (
    ASSESSMENT_DIMENSIONS,
    PROJECT_DECISIONS,
    PROJECT_KINDS,
    PROJECT_STATUSES,
    RISK_STATUSES,
    enum_type,
)
from ..extensions import db
from ..i18n import Bilingual
from ..ids import NEVER_REUSED
from ..timeutil import utcnow
from .matrix import risk_level

if TYPE_CHECKING:
    from ..accounts.models import Community


class RiskFactorType(Bilingual, db.Model):
    """Reference list P1–P12 of what typically goes wrong around works projects."""

    __tablename__ = "risk_factor_types"
    code: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    name_zh: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    mitigations: Mapped[str] = mapped_column(sa.Text, default="")

    def __repr__(self) -> str:
        return f"<RiskFactorType {self.code}>"


class Project(db.Model):
    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str | None] = mapped_column(sa.String(36), unique=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(enum_type(PROJECT_KINDS, "project_kind"))
    location: Mapped[str] = mapped_column(sa.String(200), default="")
    contractor: Mapped[str] = mapped_column(sa.String(200), default="")
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(
        enum_type(PROJECT_STATUSES, "project_status"), default="planned"
    )
    decision: Mapped[str | None] = mapped_column(enum_type(PROJECT_DECISIONS, "decision"))
    decided_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    community: Mapped["Community"] = relationship()
    risk_factors: Mapped[list["RiskFactor"]] = relationship(
        back_populates="project", order_by="RiskFactor.id"
    )
    assessments: Mapped[list["Assessment"]] = relationship(back_populates="project")

    @property
    def overall_level(self) -> str | None:
        """The highest level among open factors, or None when nothing is open."""
        order = {"low": 1, "medium": 2, "high": 3}
        levels = [f.level for f in self.risk_factors if f.status == "open"]
        return max(levels, key=order.__getitem__) if levels else None

    def __repr__(self) -> str:
        return f"<Project {self.id} {self.name}>"


class Assessment(db.Model):
    """The finding on one dimension of the social-impact assessment."""

    __tablename__ = "assessments"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"))
    dimension: Mapped[str] = mapped_column(enum_type(ASSESSMENT_DIMENSIONS, "dimension"))
    finding: Mapped[str] = mapped_column(sa.String(20), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # The secretary's mark: this note may be read by the township (issue 14 item 5).
    note_shared: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    project: Mapped[Project] = relationship(back_populates="assessments")
    __table_args__ = (sa.UniqueConstraint("project_id", "dimension"),)

    def __repr__(self) -> str:
        return f"<Assessment {self.project_id} {self.dimension}>"


class RiskFactor(db.Model):
    __tablename__ = "risk_factors"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    factor_code: Mapped[str] = mapped_column(sa.ForeignKey("risk_factor_types.code"))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    likelihood: Mapped[int] = mapped_column(default=1)
    impact: Mapped[int] = mapped_column(default=1)
    mitigation: Mapped[str] = mapped_column(sa.Text, default="")
    owner: Mapped[str] = mapped_column(sa.String(100), default="")
    review_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(enum_type(RISK_STATUSES, "risk_status"), default="open")
    # The secretary's mark: the description and mitigation may be read by the township. The
    # owner is a person's name and stays in the community whatever the mark.
    text_shared: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    project: Mapped[Project] = relationship(back_populates="risk_factors")
    factor_type: Mapped[RiskFactorType] = relationship()
    __table_args__ = (
        sa.CheckConstraint("likelihood BETWEEN 1 AND 3", name="likelihood"),
        sa.CheckConstraint("impact BETWEEN 1 AND 3", name="impact"),
    )

    @property
    def level(self) -> str:
        return risk_level(self.likelihood, self.impact)

    def __repr__(self) -> str:
        return f"<RiskFactor {self.id} {self.factor_code}>"


class Concern(db.Model):
    """A residents' concern about a project, recorded on a visit; never a mark on a person."""

    __tablename__ = "concerns"
    __table_args__ = (NEVER_REUSED,)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    risk_factor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("risk_factors.id", ondelete="SET NULL"), index=True
    )
    visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("visits.id", ondelete="CASCADE"))
    summary: Mapped[str] = mapped_column(sa.Text)
    raised_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Concern {self.id} project={self.project_id}>"
