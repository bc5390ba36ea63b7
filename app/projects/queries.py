"""Reads for the project pages, all through the scope layer."""

from datetime import date, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    Concern,
    Hazard,
    Project,
    RiskFactor,
    RiskFactorType,
    Screening,
    User,
    Visit,
)
from ..pagination import Page, paginate
from ..permissions import can
from ..scope import select_for, tally_grid_ids
from ..timeutil import local_today
from . import concerns as rules

TIMELINE_PER_PAGE = 10


class FactorConcerns(NamedTuple):
    """What the register shows about one factor's concerns."""

    count_30d: int
    latest: list[Concern]
    flagged: bool


NO_CONCERNS = FactorConcerns(0, [], False)


def sees_people(user: User) -> bool:
    """Township staff see the project's figures only: no visits, notes or concern texts."""
    return can("residents.read", user=user)


def project_page(user: User, number: int = 1) -> Page:
    """A page of the projects the user may see, with what each card shows."""
    stmt = (
        select_for(Project, user)
        .options(selectinload(Project.risk_factors), selectinload(Project.community))
        .order_by(
            Project.status == "completed", Project.starts_on.desc().nulls_last(), Project.id.desc()
        )
    )
    page = paginate(stmt, "projects.index", {}, number=number, per_page=20)
    page.extra["concerns_30d"] = concerns_30d_by_project([p.id for p in page.items])
    return page


def concerns_30d_by_project(project_ids: list[int], today: date | None = None) -> dict[int, int]:
    """Concerns raised in the last 30 days, per project (one grouped query)."""
    if not project_ids:
        return {}
    today = today or local_today()
    rows = db.session.execute(
        sa.select(Concern.project_id, sa.func.count())
        .where(
            Concern.project_id.in_(project_ids),
            Concern.raised_on >= rules.count_since(today),
            Concern.raised_on <= today,
        )
        .group_by(Concern.project_id)
    )
    return dict(rows.tuples().all())


def concern_stats(project: Project, today: date | None = None) -> dict[int | None, FactorConcerns]:
    """Per factor (None: not linked to one): concerns in 30 days, the latest 3, review flag."""
    today = today or local_today()
    recent_since, previous_since = rules.recent_since(today), rules.previous_since(today)
    in_window = sa.and_(Concern.raised_on >= rules.count_since(today), Concern.raised_on <= today)

    def count_between(start: date, end: date):
        inside = sa.and_(Concern.raised_on >= start, Concern.raised_on <= end)
        return sa.func.coalesce(sa.func.sum(sa.case((inside, 1), else_=0)), 0)

    counts = (
        db.session.execute(
            sa.select(
                Concern.risk_factor_id,
                sa.func.count(),
                count_between(recent_since, today),
                count_between(previous_since, recent_since - timedelta(days=1)),
            )
            .where(Concern.project_id == project.id, in_window)
            .group_by(Concern.risk_factor_id)
        )
        .tuples()
        .all()
    )

    rank = (
        sa.func.row_number()
        .over(
            partition_by=Concern.risk_factor_id,
            order_by=(Concern.raised_on.desc(), Concern.id.desc()),
        )
        .label("rank")
    )
    ranked = sa.select(Concern.id, rank).where(Concern.project_id == project.id).subquery()
    latest_rows = db.session.scalars(
        sa.select(Concern)
        .join(ranked, ranked.c.id == Concern.id)
        .where(ranked.c.rank <= rules.LATEST_SHOWN)
        .order_by(Concern.raised_on.desc(), Concern.id.desc())
    ).all()

    latest: dict[int | None, list[Concern]] = {}
    for concern in latest_rows:
        latest.setdefault(concern.risk_factor_id, []).append(concern)
    stats = {
        factor_id: FactorConcerns(count, latest.get(factor_id, []), rules.is_rising(recent, before))
        for factor_id, count, recent, before in counts
    }
    for factor_id, items in latest.items():
        stats.setdefault(factor_id, FactorConcerns(0, items, False))
    return stats


def factor_types() -> list[RiskFactorType]:
    """The reference list P1–P12, in code order."""
    return list(
        db.session.scalars(
            sa.select(RiskFactorType).order_by(
                sa.func.length(RiskFactorType.code), RiskFactorType.code
            )
        )
    )


def concern_factor_choices(project: Project) -> list[tuple[int, str]]:
    """(id, label) of the project's factors, for linking a concern recorded on a visit."""
    from ..i18n import localized

    factors = db.session.scalars(
        sa.select(RiskFactor)
        .where(RiskFactor.project_id == project.id)
        .options(selectinload(RiskFactor.factor_type))
        .order_by(RiskFactor.id)
    )
    return [(f.id, f"{f.factor_code} {localized(f.factor_type)}") for f in factors]


def open_hazards(project: Project, user: User) -> list[Hazard]:
    """Open hazards found on the project's site, as far as the user may read them."""
    return list(
        db.session.scalars(
            select_for(Hazard, user)
            .where(Hazard.project_id == project.id, Hazard.status == "open")
            .options(selectinload(Hazard.item))
            .order_by(Hazard.due_on, Hazard.severity)
        )
    )


def open_hazard_count(project: Project, user: User) -> int:
    """How many hazards are open on the project's site, counted within the user's area."""
    return (
        db.session.scalar(
            sa.select(sa.func.count(Hazard.id)).where(
                Hazard.project_id == project.id,
                Hazard.status == "open",
                Hazard.grid_id.in_(tally_grid_ids(user)),
            )
        )
        or 0
    )


def timeline_page(project: Project, user: User, number: int = 1) -> Page:
    """Visits to the project with their screenings, newest first, one page at a time."""
    stmt = (
        select_for(Visit, user)
        .where(Visit.project_id == project.id)
        .options(
            selectinload(Visit.screenings).selectinload(Screening.template),
            selectinload(Visit.worker),
            selectinload(Visit.resident),
        )
        .order_by(Visit.visited_on.desc(), Visit.visited_at.desc(), Visit.id.desc())
    )
    return paginate(
        stmt,
        "projects.timeline",
        {"project_id": project.id},
        number=number,
        per_page=TIMELINE_PER_PAGE,
    )


def load_project(project: Project) -> Project:
    """Load the register (with factor names) and the assessment of a project in scope."""
    return db.session.scalars(
        sa.select(Project)
        .where(Project.id == project.id)
        .options(
            selectinload(Project.risk_factors).selectinload(RiskFactor.factor_type),
            selectinload(Project.assessments),
            selectinload(Project.community),
        )
        .execution_options(populate_existing=True)
    ).one()
