"""The one place that turns a user into scoped queries.

Every read of a record goes through `select_for` or `get_or_404`. A record outside the
caller's scope is indistinguishable from one that does not exist: 404.

Who sees what (DESIGN.md):
- worker: residents, visits, hazards, photos, requests of their own grids; the projects
  of the communities their grids belong to; their own daily logs.
- secretary: everything in their community except complaints about officials (R15, the
  restricted request categories), which may be about them (Art. 30): of those they see
  neither the request nor a count.
- inspector (township discipline liaison): the restricted requests of the township, and
  nothing else of residents. The worker (not a secretary) who recorded such a request keeps
  seeing it.
- township: projects of the township (no personal data); everything else only as
  aggregates, through `tally_grid_ids`; of restricted requests a township-wide count only.
- admin: configuration and the audit log; no residents' records.
"""

import re
import uuid
from collections.abc import Callable

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from .extensions import db
from .ids import parse_id
from .models import (
    Answer,
    Community,
    DailyLog,
    Grid,
    Handover,
    Hazard,
    Household,
    Photo,
    Project,
    Referral,
    Request,
    RequestCategory,
    Resident,
    RiskFactor,
    Screening,
    User,
    Visit,
    user_grids,
)
from .places import grids_in_order

NOTHING = sa.false()


def _user(user: User | None) -> User:
    return user if user is not None else current_user._get_current_object()


def personal_grid_ids(user: User) -> sa.Select:
    """Grids whose residents' personal records the user may read."""
    if user.role == "worker":
        return sa.select(user_grids.c.grid_id).where(user_grids.c.user_id == user.id)
    if user.role == "secretary":
        return sa.select(Grid.id).where(Grid.community_id == user.community_id)
    return sa.select(Grid.id).where(NOTHING)


def community_ids(user: User) -> sa.Select:
    """Communities the user works in (for projects and aggregates)."""
    if user.role == "worker":
        return (
            sa.select(Grid.community_id)
            .join(user_grids, user_grids.c.grid_id == Grid.id)
            .where(user_grids.c.user_id == user.id)
        )
    if user.role == "secretary":
        return sa.select(Community.id).where(Community.id == user.community_id)
    if user.role == "township":
        return sa.select(Community.id).where(Community.township_id == user.township_id)
    return sa.select(Community.id).where(NOTHING)


def tally_grid_ids(user: User) -> sa.Select:
    """Grids whose records the user may count: township for township staff, else as read."""
    if user.role == "township":
        return township_grid_ids(user)
    return personal_grid_ids(user)


def _restricted_codes() -> sa.Select:
    return sa.select(RequestCategory.code).where(RequestCategory.restricted)


def township_grid_ids(user: User) -> sa.Select:
    """Every grid of the user's township."""
    return (
        sa.select(Grid.id)
        .join(Community, Grid.community_id == Community.id)
        .where(Community.township_id == user.township_id)
    )


def countable_requests(user: User) -> sa.ColumnElement:
    """Requests a user may count in tables: those of their tally grids, never a complaint
    about an official (Art. 30); the inspector counts exactly those, township-wide."""
    if user.role == "inspector":
        return restricted_requests(user)
    return sa.and_(
        Request.grid_id.in_(tally_grid_ids(user)),
        Request.category_code.not_in(_restricted_codes()),
    )


def restricted_requests(user: User) -> sa.ColumnElement:
    """Complaints about officials in the user's township (a count for the township office,
    the records for the inspector)."""
    if user.role not in ("inspector", "township") or user.township_id is None:
        return NOTHING
    return sa.and_(
        Request.grid_id.in_(township_grid_ids(user)),
        Request.category_code.in_(_restricted_codes()),
    )


def _in_grids(column) -> Callable[[User], sa.ColumnElement]:
    return lambda user: column.in_(personal_grid_ids(user))


def _request_rule(user: User) -> sa.ColumnElement:
    if user.role == "inspector":
        return restricted_requests(user)
    unrestricted = Request.category_code.not_in(_restricted_codes())
    if user.role == "worker":
        # A complaint about an official stays with the worker who recorded it (the resident's
        # contact at the door) and the inspector. Not with a secretary who recorded one: the
        # community's head may be the official it is about (Art. 30), and is told so.
        unrestricted = sa.or_(unrestricted, Request.recorded_by_id == user.id)
    return sa.and_(Request.grid_id.in_(personal_grid_ids(user)), unrestricted)


def _daily_log_rule(user: User) -> sa.ColumnElement:
    if user.role == "worker":
        return DailyLog.worker_id == user.id
    if user.role == "secretary":
        return DailyLog.community_id == user.community_id
    return NOTHING


def _visit_ids(user: User) -> sa.Select:
    return sa.select(Visit.id).where(Visit.grid_id.in_(personal_grid_ids(user)))


def _user_rule(user: User) -> sa.ColumnElement:
    """Colleagues: a secretary sees the workers of the community; admin sees everyone."""
    if user.role == "admin":
        return sa.true()
    if user.role == "secretary":
        worker_ids = (
            sa.select(user_grids.c.user_id)
            .join(Grid, Grid.id == user_grids.c.grid_id)
            .where(Grid.community_id == user.community_id)
        )
        return sa.or_(User.id == user.id, User.id.in_(worker_ids))
    return User.id == user.id


def _handover_rule(user: User) -> sa.ColumnElement:
    """The community's handovers for its secretary; a worker's own, given or received."""
    if user.role == "secretary":
        return Handover.community_id == user.community_id
    if user.role == "worker":
        return sa.or_(Handover.to_worker_id == user.id, Handover.from_worker_id == user.id)
    return NOTHING


RULES: dict[type, Callable[[User], sa.ColumnElement]] = {
    Resident: _in_grids(Resident.grid_id),
    Household: _in_grids(Household.grid_id),
    Visit: _in_grids(Visit.grid_id),
    Hazard: _in_grids(Hazard.grid_id),
    Referral: _in_grids(Referral.grid_id),
    Photo: _in_grids(Photo.grid_id),
    Request: _request_rule,
    DailyLog: _daily_log_rule,
    Screening: lambda user: Screening.visit_id.in_(_visit_ids(user)),
    Answer: lambda user: Answer.screening_id.in_(
        sa.select(Screening.id).where(Screening.visit_id.in_(_visit_ids(user)))
    ),
    Project: lambda user: Project.community_id.in_(community_ids(user)),
    RiskFactor: lambda user: RiskFactor.project_id.in_(
        sa.select(Project.id).where(Project.community_id.in_(community_ids(user)))
    ),
    Grid: lambda user: Grid.id.in_(personal_grid_ids(user)),
    User: _user_rule,
    Handover: _handover_rule,
}


def rule(model: type, user: User | None = None) -> sa.ColumnElement:
    """The WHERE clause that limits `model` to what the user may see."""
    user = _user(user)
    if not getattr(user, "is_authenticated", False):
        return NOTHING
    return RULES[model](user)


def select_for(model: type, user: User | None = None) -> sa.Select:
    """SELECT of `model` limited to the user's scope."""
    return sa.select(model).where(rule(model, user))


def grids(user: User | None = None) -> list[Grid]:
    """The grids whose records the user works with, by name (filters and grid choices)."""
    rows = db.session.execute(
        select_for(Grid, user).add_columns(Community.name).join(Grid.community)
    ).all()
    return grids_in_order(rows)


def import_grids(user: User | None = None) -> list[Grid]:
    """Grids a sheet of residents may be imported into: the secretary's community's, or any
    for the admin setting communities up; none for anyone else."""
    user = _user(user)
    if not getattr(user, "is_authenticated", False):
        return []
    stmt = sa.select(Grid).join(Community, Community.id == Grid.community_id)
    if user.role == "secretary":
        stmt = stmt.where(Grid.community_id == user.community_id)
    elif user.role != "admin":
        return []
    rows = db.session.execute(stmt.add_columns(Community.name)).all()
    return grids_in_order(rows)


def _refuse(model: type, ident) -> None:
    from .audit.services import record_refusal

    # Same names as the route arguments (resident, daily_log, risk_factor...).
    record_refusal(re.sub(r"(?<!^)(?=[A-Z])", "_", model.__name__).lower(), ident)
    abort(404)


def get_or_404(model: type, ident, user: User | None = None, options: tuple = ()):
    """The record with this id if the user may see it, else 404 (and the refusal audited).
    `options` are loader options for what the page reads of it anyway."""
    ident = parse_id(ident)
    if ident is None:
        abort(404)
    obj = db.session.scalar(select_for(model, user).where(model.id == ident).options(*options))
    if obj is None:
        _refuse(model, ident)
    return obj


def get_by_uuid_or_404(model: type, value, user: User | None = None):
    """The record the phone made with this client UUID if the user may see it, else 404.

    What a phone recorded without signal is addressed by the UUID it gave it, before the
    server has given it an id.
    """
    try:
        key = str(uuid.UUID(str(value)))
    except ValueError:
        abort(404)
    obj = db.session.scalar(select_for(model, user).where(model.uuid == key))
    if obj is None:
        _refuse(model, key)
    return obj
