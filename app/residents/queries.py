"""Reads of residents and of everything that happened with them, always scoped."""

import re

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    CareReason,
    Hazard,
    Photo,
    Request,
    Resident,
    Screening,
    Visit,
    resident_care_reasons,
)
from ..pagination import Page, page_of
from ..scope import rule, select_for
from . import pinyin


def search(user, q: str = "", care: str = "", include_archived: bool = False) -> sa.Select:
    """Residents of the user's grids whose name or address contains q, optionally by reason."""
    stmt = select_for(Resident, user).options(
        selectinload(Resident.care_reasons), selectinload(Resident.grid)
    )
    if not include_archived:
        stmt = stmt.where(Resident.archived_at.is_(None))
    if q:
        q = _address_query(q)
        like = f"%{_escape_like(q)}%"
        address = Resident.building + "-" + Resident.unit + "-" + Resident.room
        stmt = stmt.where(
            sa.or_(
                Resident.name.like(like, escape="\\"),
                address.like(like, escape="\\"),
                (Resident.building + Resident.unit + Resident.room).like(like, escape="\\"),
                # "zfg", "zhangfu", "张fg": the stored pinyin key, still one query.
                *(
                    Resident.pinyin.like(f"%{_escape_like(form)}%", escape="\\")
                    for form in pinyin.query_forms(q)
                ),
            )
        )
    if care:
        stmt = stmt.where(
            Resident.id.in_(
                sa.select(resident_care_reasons.c.resident_id).where(
                    resident_care_reasons.c.reason_code == care
                )
            )
        )
    return stmt.order_by(Resident.name, Resident.id)


READS = ("resident_viewed", "resident_copied", "access_denied")


def access_log(resident: Resident) -> sa.Select:
    """Who opened the resident's record (or tried to), newest first."""
    from ..models import AuditEvent

    return (
        sa.select(AuditEvent)
        .where(
            AuditEvent.object_type == "resident",
            AuditEvent.object_id == str(resident.id),
            AuditEvent.action.in_(READS),
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )


def open_request_count(user, resident: Resident) -> int:
    """How many of the resident's requests the user may see are still open, counted live.

    Never stored on the resident and never a filter: no list of people by their requests.
    """
    from ..requests.deadlines import OPEN_STATUSES

    return db.session.scalar(
        sa.select(sa.func.count(Request.id)).where(
            Request.resident_id == resident.id,
            Request.status.in_(OPEN_STATUSES),
            rule(Request, user),
        )
    )


ADDRESS_WORDS = re.compile(r"\s*(?:栋|幢|号楼|单元|[/\s])\s*")


def _address_query(q: str) -> str:
    """ "5栋1单元504室" or "5 1 504" as the stored address reads: "5-1-504"."""
    if not re.search(r"[0-9]", q) or not re.fullmatch(
        r"[0-9A-Za-z]+(?:\s*(?:-|栋|幢|号楼|单元|/|\s)\s*[0-9A-Za-z]+)+\s*[室号]?", q
    ):
        return q
    return ADDRESS_WORDS.sub("-", q.strip().removesuffix("室").removesuffix("号")).strip("-")


def possible_duplicates(user, data: dict, limit: int = 5) -> list[Resident]:
    """Residents on the user's caseload with the same name and address in the same grid, or
    the same phone number: shown before a new one is added."""
    same_place = sa.and_(
        Resident.grid_id == data["grid_id"],
        Resident.name == data["name"],
        Resident.building == (data.get("building") or ""),
        Resident.unit == (data.get("unit") or ""),
        Resident.room == (data.get("room") or ""),
    )
    match = sa.or_(same_place, Resident.phone == data["phone"]) if data.get("phone") else same_place
    stmt = (
        select_for(Resident, user)
        .where(Resident.archived_at.is_(None), match)
        .options(selectinload(Resident.grid))
        .order_by(Resident.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def care_reasons() -> list[CareReason]:
    return list(db.session.scalars(sa.select(CareReason).order_by(CareReason.code)))


TIMELINE_PAGE = 15


def timeline(user, resident: Resident, number: int = 1) -> Page:
    """Visits, screenings, hazards and requests about a resident, newest first, one page."""
    kinds = [
        sa.select(
            sa.literal("visit").label("kind"), Visit.id.label("id"), Visit.visited_at.label("at")
        ).where(Visit.resident_id == resident.id, rule(Visit, user)),
        sa.select(sa.literal("screening"), Screening.id, Screening.started_at)
        .join(Visit, Visit.id == Screening.visit_id)
        .where(Visit.resident_id == resident.id, rule(Screening, user)),
        sa.select(sa.literal("hazard"), Hazard.id, Hazard.created_at).where(
            Hazard.resident_id == resident.id, rule(Hazard, user)
        ),
        sa.select(sa.literal("request"), Request.id, Request.created_at).where(
            Request.resident_id == resident.id, rule(Request, user)
        ),
    ]
    union = sa.union_all(*kinds).subquery()
    rows = db.session.execute(
        sa.select(union.c.kind, union.c.id, union.c.at)
        .order_by(union.c.at.desc(), union.c.kind, union.c.id.desc())
        .limit(TIMELINE_PAGE + 1)
        .offset((number - 1) * TIMELINE_PAGE)
    ).all()
    page = page_of(rows, number, TIMELINE_PAGE, "residents.timeline", {"resident_id": resident.id})
    objects = _load_entries(user, page.items)
    page.items = [
        (kind, objects[(kind, ident)])
        for kind, ident, _at in page.items
        if (kind, ident) in objects
    ]
    return page


def _load_entries(user, rows) -> dict:
    """Fetch the timeline's records by kind, a query per kind (never per row)."""
    ids: dict[str, list[int]] = {}
    for kind, ident, _at in rows:
        ids.setdefault(kind, []).append(ident)
    found: dict = {}
    loaders = {
        "visit": (
            Visit,
            [
                selectinload(Visit.worker),
                selectinload(Visit.screenings).selectinload(Screening.template),
            ],
        ),
        "screening": (
            Screening,
            [selectinload(Screening.template), selectinload(Screening.answers)],
        ),
        "hazard": (Hazard, [selectinload(Hazard.item)]),
        "request": (Request, [selectinload(Request.category)]),
    }
    for kind, (model, options) in loaders.items():
        if ids.get(kind):
            for obj in db.session.scalars(
                select_for(model, user).where(model.id.in_(ids[kind])).options(*options)
            ):
                found[(kind, obj.id)] = obj
    photos = photos_by_owner(user, visit_ids=ids.get("visit", []), hazard_ids=ids.get("hazard", []))
    for key, obj in found.items():
        obj.timeline_photos = photos.get(key, [])
    return found


def photos_by_owner(user, visit_ids=(), hazard_ids=()) -> dict:
    """Photos of the given visits and hazards, keyed by ('visit'|'hazard', id)."""
    result: dict = {}
    if not visit_ids and not hazard_ids:
        return result
    stmt = (
        select_for(Photo, user)
        .where(sa.or_(Photo.visit_id.in_(list(visit_ids)), Photo.hazard_id.in_(list(hazard_ids))))
        .order_by(Photo.id)
    )
    for p in db.session.scalars(stmt):
        key = ("visit", p.visit_id) if p.visit_id else ("hazard", p.hazard_id)
        result.setdefault(key, []).append(p)
    return result


def _last_visit(user) -> sa.ScalarSelect:
    """The day of a household's latest visit the user may see (correlated, one query)."""
    from ..models import Household

    return (
        sa.select(sa.func.max(Visit.visited_on))
        .where(Visit.household_id == Household.id, rule(Visit, user))
        .scalar_subquery()
    )


def buildings(user, grid_id: int) -> list:
    """The grid's buildings with how many households live there and the latest visit."""
    from ..models import Household

    last = _last_visit(user)
    return db.session.execute(
        sa.select(
            Household.building,
            sa.func.count(Household.id).label("households"),
            sa.func.max(last).label("last_visit"),
        )
        .where(rule(Household, user), Household.grid_id == grid_id)
        .where(Household.archived_at.is_(None))
        .group_by(Household.building)
        .order_by(sa.func.length(Household.building), Household.building)
    ).all()


def units(user, grid_id: int, building: str) -> list:
    """A building's units with their households and the latest visit."""
    from ..models import Household

    last = _last_visit(user)
    return db.session.execute(
        sa.select(
            Household.unit,
            sa.func.count(Household.id).label("households"),
            sa.func.max(last).label("last_visit"),
        )
        .where(rule(Household, user), Household.grid_id == grid_id)
        .where(Household.archived_at.is_(None), Household.building == building)
        .group_by(Household.unit)
        .order_by(sa.func.length(Household.unit), Household.unit)
    ).all()


def households(user, grid_id: int, building: str, unit: str) -> list:
    """A unit's households by room, each with its latest visit and its members (two queries)."""
    from ..models import Household

    rows = db.session.execute(
        sa.select(Household, _last_visit(user).label("last_visit"))
        .where(rule(Household, user), Household.grid_id == grid_id)
        .where(
            Household.archived_at.is_(None),
            Household.building == building,
            Household.unit == unit,
        )
        .order_by(sa.func.length(Household.room), Household.room)
    ).all()
    members = _members([h.id for h, _last in rows], user)
    return [(h, last, members.get(h.id, [])) for h, last in rows]


def _members(household_ids: list[int], user) -> dict[int, list[Resident]]:
    found: dict[int, list[Resident]] = {}
    if not household_ids:
        return found
    for r in db.session.scalars(
        select_for(Resident, user)
        .where(Resident.household_id.in_(household_ids), Resident.archived_at.is_(None))
        .options(selectinload(Resident.care_reasons))
        .order_by(Resident.id)
    ):
        found.setdefault(r.household_id, []).append(r)
    return found


def household_members(user, household) -> list[Resident]:
    """The residents living in the household now."""
    return _members([household.id], user).get(household.id, [])


def household_visits(user, household, limit: int = 10) -> list[Visit]:
    """The household's latest visits, to whichever member, newest first."""
    return list(
        db.session.scalars(
            select_for(Visit, user)
            .where(Visit.household_id == household.id)
            .options(
                selectinload(Visit.worker),
                selectinload(Visit.screenings).selectinload(Screening.template),
            )
            .order_by(Visit.visited_at.desc(), Visit.id.desc())
            .limit(limit)
        )
    )
