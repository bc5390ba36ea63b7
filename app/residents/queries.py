"""Reads of residents and of everything that happened with them, always scoped."""

import re

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, selectinload, with_loader_criteria

from ..extensions import db
from ..models import (
    CareReason,
    DailyLog,
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
from ..statements import kept, user_scope
from ..timeutil import local_today
from . import pinyin


def search(user, q: str = "", care: str = "", include_archived: bool = False) -> sa.Select:
    """Residents of the user's grids whose name or address contains q, optionally by reason."""
    stmt = select_for(Resident, user).options(
        selectinload(Resident.care_reasons), selectinload(Resident.grid)
    )
    if not include_archived:
        stmt = stmt.where(Resident.archived_at.is_(None))
    if q and (building := _building_query(q)):
        # "4栋" alone is building 4, not every address with a 4 in it (14栋, 单元4): stored
        # as "4", or as a sheet imported it, "4栋" or "04".
        number = building.upper().lstrip("0")
        stmt = stmt.where(
            sa.func.upper(sa.func.ltrim(Resident.building, "0")).in_(
                [number + suffix for suffix in ("", "栋", "幢", "号楼", "号")]
            )
        )
    elif q:
        typed, q = q, _address_query(q)
        like = f"%{_escape_like(q)}%"
        address = Resident.building + "-" + Resident.unit + "-" + Resident.room
        if q != typed or re.fullmatch(r"[0-9A-Za-z]+(?:-[0-9A-Za-z]+)+", q):
            # Read as an address ("2栋3单元" is "2-3"): whole parts, not digits inside one
            # ("2-3" is not in 1-2-301); with 栋 or 号楼 it starts with the building.
            # A building kept as "04" (as a sheet had it) is building 4, as "4栋" alone finds.
            first, _, rest = q.partition("-")
            whole = f"-{_escape_like((first.lstrip('0') or '0') + '-' + rest)}-%"
            start = re.match(r"\s*[0-9A-Za-z]+\s*(?:栋|幢|号楼)", typed)
            unpadded = sa.func.ltrim(Resident.building, "0") + "-" + Resident.unit + "-"
            address_match = ("-" + unpadded + Resident.room + "-").like(
                whole if start else "%" + whole, escape="\\"
            )
        else:
            address_match = address.like(like, escape="\\")
        stmt = stmt.where(
            sa.or_(
                # A space typed in a name, or stored in one, does not count: "赵 建国" is 赵建国.
                _without_spaces(Resident.name).like(
                    f"%{_escape_like(_without_spaces(q))}%", escape="\\"
                ),
                address_match,
                # A caller's number: the digits as stored, however the number was spaced.
                *(
                    [_without_dashes(Resident.phone).like(f"%{digits}%")]
                    if (digits := _phone_digits(q))
                    else []
                ),
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
    # In pinyin order, as a phone's contacts are: by code point 刘 came before 吴, 周, 孙, 张
    # (walk). The stored key starts with the full pinyin (pinyin.name_key).
    return stmt.order_by(Resident.pinyin, Resident.name, Resident.id)


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


def todays_log_locked(user) -> sa.Exists:
    """Whether the user's own log for today is approved: a new visit would be refused."""
    return sa.exists().where(
        DailyLog.worker_id == user.id, DailyLog.day == local_today(), DailyLog.locked_sql()
    )


def resident_page(user, resident_id: int) -> tuple[Resident, int, bool] | None:
    """The resident (with care reasons), the open requests the user may see and whether the
    user's day is approved, in one statement; None out of scope."""
    from ..requests.deadlines import OPEN_STATUSES

    open_requests = sa.select(sa.func.count(Request.id)).where(
        Request.resident_id == Resident.id,
        Request.status.in_(OPEN_STATUSES),
        rule(Request, user),
    )
    row = (
        db.session.execute(
            select_for(Resident, user)
            .add_columns(open_requests.scalar_subquery(), todays_log_locked(user))
            .where(Resident.id == resident_id)
            # Flat outer joins: joinedload nests the secondary join in parentheses, which
            # SQLite answers by materializing every resident's care reasons first.
            .outerjoin(resident_care_reasons, resident_care_reasons.c.resident_id == Resident.id)
            .outerjoin(CareReason, CareReason.code == resident_care_reasons.c.reason_code)
            .options(contains_eager(Resident.care_reasons))
            .order_by(CareReason.code)
        )
        .unique()
        .first()
    )
    return (row[0], row[1] or 0, bool(row[2])) if row is not None else None


ADDRESS_WORDS = re.compile(r"\s*(?:栋|幢|号楼|单元|[/\s])\s*")


def _building_query(q: str) -> str | None:
    """The building of a query that names one alone: "4栋", "4 号楼", "A幢"."""
    # Not "4楼" alone: that is as often the fourth floor.
    match = re.fullmatch(r"\s*([0-9A-Za-z]+)\s*(?:栋|幢|号楼)\s*", q)
    return match[1] if match else None


def _address_query(q: str) -> str:
    """ "5栋1单元504室" or "5 1 504" as the stored address reads: "5-1-504"; "4栋1单元", as
    the resident's page writes the first two parts, is "4-1"."""
    if not re.search(r"[0-9]", q) or not re.fullmatch(
        r"[0-9A-Za-z]+(?:\s*(?:-|栋|幢|号楼|单元|/|\s)\s*[0-9A-Za-z]+)+\s*(?:[室号]|单元)?", q
    ):
        return q
    q = q.strip().removesuffix("室").removesuffix("号").removesuffix("单元")
    return ADDRESS_WORDS.sub("-", q).strip("-")


def _phone_digits(q: str) -> str | None:
    """The digits of a query that is a phone number or part of one (at least 4 digits, with
    the spaces and dashes it may be written with), else None."""
    digits = re.sub(r"[\s-]", "", q)
    return digits if len(digits) >= 4 and digits.isdigit() else None


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


def _without_dashes(column):
    """A phone column without the spaces and dashes it may have been typed with."""
    return sa.func.replace(sa.func.replace(column, " ", ""), "-", "")


def _without_spaces(text):
    """The text (a string or a column) without spaces, narrow or as a Chinese keyboard types."""
    if isinstance(text, str):
        return "".join(text.split())
    return sa.func.replace(sa.func.replace(text, " ", ""), "\u3000", "")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def care_reasons() -> list[CareReason]:
    return list(db.session.scalars(sa.select(CareReason).order_by(CareReason.code)))


TIMELINE_PAGE = 15


def timeline(user, resident: Resident, number: int = 1) -> Page:
    """Visits, screenings, hazards and requests about a resident, newest first, one page."""
    # Built once per user (app/statements.py), the resident and the page bound to it.
    stmt = kept(("timeline", user_scope(user)), lambda: _timeline_select(user))
    rows = db.session.execute(
        stmt,
        {
            "resident_id": resident.id,
            "page_limit": TIMELINE_PAGE + 1,
            "page_offset": (number - 1) * TIMELINE_PAGE,
        },
    ).all()
    page = page_of(rows, number, TIMELINE_PAGE, "residents.timeline", {"resident_id": resident.id})
    objects = _load_entries(user, page.items)
    page.items = [
        (kind, objects[(kind, ident)])
        for kind, ident, _at, _visit in page.items
        if (kind, ident) in objects
    ]
    return page


def _timeline_select(user) -> sa.Select:
    resident_id = sa.bindparam("resident_id", type_=sa.Integer())
    # Ordered by the day each entry shows (a request received yesterday and entered today
    # reads "yesterday": the walk found it above today's visits), then by when it was made.
    kinds = [
        # The visit of a visit or of a screening comes along: both load in one statement.
        sa.select(
            sa.literal("visit").label("kind"),
            Visit.id.label("id"),
            Visit.visited_at.label("at"),
            Visit.id.label("visit_id"),
            Visit.visited_on.label("day"),
        ).where(Visit.resident_id == resident_id, rule(Visit, user)),
        sa.select(
            sa.literal("screening"),
            Screening.id,
            Screening.started_at,
            Screening.visit_id,
            Visit.visited_on,
        )
        .join(Visit, Visit.id == Screening.visit_id)
        .where(Visit.resident_id == resident_id, rule(Screening, user)),
        sa.select(
            sa.literal("hazard"), Hazard.id, Hazard.created_at, sa.null(), Hazard.found_on
        ).where(Hazard.resident_id == resident_id, rule(Hazard, user)),
        sa.select(
            sa.literal("request"), Request.id, Request.created_at, sa.null(), Request.received_on
        ).where(Request.resident_id == resident_id, rule(Request, user)),
    ]
    union = sa.union_all(*kinds).subquery()
    return (
        sa.select(union.c.kind, union.c.id, union.c.at, union.c.visit_id)
        .order_by(union.c.day.desc(), union.c.at.desc(), union.c.kind, union.c.id.desc())
        .limit(sa.bindparam("page_limit", type_=sa.Integer()))
        .offset(sa.bindparam("page_offset", type_=sa.Integer()))
    )


def _load_entries(user, rows) -> dict:
    """Fetch the timeline's records: visits (with the screenings on the page), hazards and
    requests, a statement each whatever the rows (even none: the cost never depends on the
    resident), everything they show joined in.

    A screening comes with its visit (one statement for both kinds); photos come with their
    visit or hazard, limited to the user's scope like any read of photos.
    """
    ids: dict[str, list[int]] = {}
    visit_ids: list[int] = []
    for kind, ident, _at, visit_id in rows:
        ids.setdefault(kind, []).append(ident)
        if visit_id is not None:
            visit_ids.append(visit_id)
    found: dict = {}
    visits_stmt, hazards_stmt, requests_stmt = kept(
        ("timeline_entries", user_scope(user)), lambda: _entries_selects(user)
    )
    visits = db.session.scalars(visits_stmt, {"ids": visit_ids}).unique()
    wanted = set(ids.get("screening", []))
    for visit in visits:
        visit.timeline_photos = list(visit.photos)
        found[("visit", visit.id)] = visit
        for s in visit.screenings:
            if s.id in wanted:
                found[("screening", s.id)] = s
    hazards = db.session.scalars(hazards_stmt, {"ids": ids.get("hazard", [])}).unique()
    for hazard in hazards:
        hazard.timeline_photos = list(hazard.photos)
        found[("hazard", hazard.id)] = hazard
    for req in db.session.scalars(requests_stmt, {"ids": ids.get("request", [])}):
        found[("request", req.id)] = req
    return found


def _entries_selects(user) -> tuple[sa.Select, sa.Select, sa.Select]:
    """The timeline's visits, hazards and requests by id (`ids`), with what they show."""
    ids = sa.bindparam("ids", expanding=True, type_=sa.Integer())
    photos_in_scope = with_loader_criteria(Photo, rule(Photo, user), include_aliases=True)
    visits = (
        select_for(Visit, user)
        .where(Visit.id.in_(ids))
        .options(
            joinedload(Visit.worker),
            joinedload(Visit.screenings).joinedload(Screening.template),
            joinedload(Visit.screenings).joinedload(Screening.answers),
            joinedload(Visit.photos),
            photos_in_scope,
        )
    )
    hazards = (
        select_for(Hazard, user)
        .where(Hazard.id.in_(ids))
        .options(joinedload(Hazard.item), joinedload(Hazard.photos), photos_in_scope)
    )
    requests = (
        select_for(Request, user).where(Request.id.in_(ids)).options(joinedload(Request.category))
    )
    return visits, hazards, requests


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
