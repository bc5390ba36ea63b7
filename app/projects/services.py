"""Writes for projects: the project, its register, assessment and decision, and concerns.

Services flush and audit; the request commits once (app/db.py). Audit details hold ids,
codes and statuses, never free text.
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..extensions import db
from ..idempotency import PayloadMismatch, client_key, create_once, holds, new_key
from ..models import Assessment, Concern, Project, RiskFactor, Visit
from ..refusals import Conflict, Invalid
from .queries import FactorConcerns, concern_stats

__all__ = [
    "FactorConcerns",
    "add_factor",
    "concern_stats",
    "create_project",
    "record_concern",
    "record_decision",
    "save_assessment",
    "update_factor",
    "update_project",
]

PROJECT_FIELDS = ("name", "kind", "location", "contractor", "starts_on", "ends_on", "status")
FACTOR_FIELDS = (
    "factor_code",
    "description",
    "likelihood",
    "impact",
    "mitigation",
    "owner",
    "review_on",
    "status",
    "text_shared",
)


def _clean(value):
    return value.strip() if isinstance(value, str) else value


def create_project(community_id: int, values: dict, client_uuid: str | None) -> Project:
    """Create a project in the community; a retried send returns the one already made."""

    def create() -> Project:
        project = Project(
            uuid=key, community_id=community_id, **{k: _clean(values[k]) for k in PROJECT_FIELDS}
        )
        db.session.add(project)
        db.session.flush()
        record("project_created", "project", project.id, {"kind": project.kind})
        return project

    key = client_key(client_uuid)
    sent = {"community_id": community_id, **{k: _clean(values[k]) for k in PROJECT_FIELDS}}
    try:
        project, _created = create_once(Project, key, create, lambda p: holds(p, sent))
    except PayloadMismatch as mismatch:
        if mismatch.existing.community_id == community_id:
            raise PayloadMismatch(None) from None  # the same form, changed: say so
        key = new_key()  # another community's uuid: never hand out their project
        project = create()
    return project


def update_project(project: Project, values: dict) -> None:
    """Change a project's details."""
    for key in PROJECT_FIELDS:
        setattr(project, key, _clean(values[key]))
    db.session.flush()
    record("project_updated", "project", project.id, {"status": project.status})


def add_factor(project: Project, values: dict) -> RiskFactor:
    """Add a factor to the project's register.

    The register lists each factor type once. The same entry sent again (a double tap, a
    retry) returns the row already made; a different entry for a listed type is refused,
    so the secretary edits that row instead.
    """
    values = {k: _clean(values[k]) for k in FACTOR_FIELDS}
    existing = db.session.scalar(
        sa.select(RiskFactor).where(
            RiskFactor.project_id == project.id, RiskFactor.factor_code == values["factor_code"]
        )
    )
    if existing is not None:
        if all(getattr(existing, k) == v for k, v in values.items()):
            return existing
        raise Conflict(
            _l(
                "%(code)s is already in the register: change its row instead.",
                code=existing.factor_code,
            ),
            field="factor_code",
        )
    factor = RiskFactor(project_id=project.id, **values)
    db.session.add(factor)
    db.session.flush()
    record(
        "risk_factor_added",
        "risk_factor",
        factor.id,
        {
            "project_id": project.id,
            "factor_code": factor.factor_code,
            "level": factor.level,
            "text_shared": factor.text_shared,
        },
    )
    return factor


def update_factor(factor: RiskFactor, values: dict) -> None:
    """Change a factor's assessment, mitigation, owner, review date or status."""
    for key in FACTOR_FIELDS:
        if key != "factor_code":  # the factor type is the row's identity in the register
            setattr(factor, key, _clean(values[key]))
    db.session.flush()
    record(
        "risk_factor_updated",
        "risk_factor",
        factor.id,
        {
            "project_id": factor.project_id,
            "level": factor.level,
            "status": factor.status,
            "text_shared": factor.text_shared,
        },
    )


def save_assessment(
    project: Project,
    findings: dict[str, tuple[str, str]],
    shared: dict[str, bool] | None = None,
) -> None:
    """Store the finding and note for each dimension ({dimension: (finding, note)}), and
    which notes the secretary shares with the township ({dimension: True})."""
    shared = shared or {}
    current = {a.dimension: a for a in project.assessments}
    for dimension, (finding, note) in findings.items():
        row = current.get(dimension)
        if row is None:
            row = Assessment(project_id=project.id, dimension=dimension)
            project.assessments.append(row)
        row.finding, row.note = finding or "", (note or "").strip()
        row.note_shared = bool(shared.get(dimension))
    db.session.flush()
    record(
        "assessment_saved",
        "project",
        project.id,
        {
            **{d: f for d, (f, _note) in sorted(findings.items())},
            "notes_shared": sorted(d for d in findings if shared.get(d)),
        },
    )


def record_decision(project: Project, decision: str | None, decided_on) -> None:
    """Record (or clear) the decision on the project, with its date."""
    project.decision = decision or None
    project.decided_on = decided_on if decision else None
    db.session.flush()
    record("decision_recorded", "project", project.id, {"decision": project.decision})


def record_concern(visit: Visit, factor_id: int | None, summary: str) -> Concern:
    """Record a residents' concern about the visited project, optionally on one of its factors.

    Refused (Invalid) when the visit is not about a project, the summary is empty, or the
    factor belongs to another project.
    """
    if visit.project_id is None:
        raise Invalid(_l("A concern is recorded on a visit to a project."))
    summary = (summary or "").strip()
    if not summary:
        raise Invalid(_l("Describe the concern."), field="concern_summary")
    if factor_id is not None:
        factor_project = db.session.scalar(
            sa.select(RiskFactor.project_id).where(RiskFactor.id == factor_id)
        )
        if factor_project != visit.project_id:
            raise Invalid(
                _l("This risk factor belongs to another project."), field="concern_factor_id"
            )
    concern = Concern(
        project_id=visit.project_id,
        risk_factor_id=factor_id,
        visit_id=visit.id,
        summary=summary,
        raised_on=visit.visited_on,
    )
    db.session.add(concern)
    db.session.flush()
    record(
        "concern_recorded",
        "concern",
        concern.id,
        {"project_id": visit.project_id, "risk_factor_id": factor_id, "visit_id": visit.id},
    )
    return concern
