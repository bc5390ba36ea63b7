"""Importing residents from a community's sheet: columns, checks, duplicates, one write.

A plan is worked out from the sheet, the column mapping and the user's choices without
writing anything (the preview and the dry run); `apply_plan` then writes it in the request's
one transaction, so a failed import leaves nothing behind.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..extensions import db
from ..models import CareReason, Grid, Resident, resident_care_reasons
from ..refusals import Invalid
from ..rounds.due import refresh as refresh_due
from ..timeutil import utcnow
from ..validators import (
    halfwidth,
    has_pictographs,
    hide_id_numbers,
    phone_fault,
    sensitive_category,
)
from .households import attach_households
from .pinyin import name_key

# Fields a column can fill, in the order the mapping step offers them.
FIELDS = (
    "name",
    "grid",
    "building",
    "unit",
    "room",
    "address",
    "phone",
    "household_size",
    "care_reasons",
    "notes",
)

FIELD_LABELS = {
    "name": _l("Name"),
    "grid": _l("Grid"),
    "building": _l("Building"),
    "unit": _l("Unit"),
    "room": _l("Room"),
    "address": _l("Address (e.g. 5-1-504)"),
    "phone": _l("Phone"),
    "household_size": _l("Household size"),
    "care_reasons": _l("Care reasons"),
    "notes": _l("Notes"),
}

# Headers as communities write them, normalised (`normalise_header`: width, case, spaces,
# marks and bracketed remarks do not count). A header is matched whole, never by a part of
# it, and belongs to one field only (tests/residents/test_import_headers.py holds both).
HEADERS = {
    "name": {
        "姓名",
        "名字",
        "称呼",
        "户主",
        "户主姓名",
        "住户",
        "住户姓名",
        "住户称呼",
        "居民姓名",
        "人员姓名",
        "对象姓名",
        "老人姓名",
        "name",
        "fullname",
        "residentname",
        "resident",
    },
    "grid": {"网格", "所属网格", "所在网格", "网格名称", "网格名", "grid", "gridname"},
    "building": {
        "楼栋",
        "楼号",
        "楼栋号",
        "栋",
        "栋号",
        "幢",
        "幢号",
        "楼",
        "楼幢",
        "楼幢号",
        "building",
        "buildingno",
        "buildingnumber",
        "bldg",
        "block",
    },
    "unit": {"单元", "单元号", "unit", "unitno", "unitnumber"},
    "room": {
        "房号",
        "房间号",
        "室",
        "室号",
        "户号",
        "房屋号",
        "room",
        "roomno",
        "roomnumber",
        "apartment",
        "apt",
        "flat",
        "flatno",
    },
    "address": {
        "地址",
        "住址",
        "门牌地址",
        "家庭住址",
        "家庭地址",
        "现住址",
        "居住地址",
        "现居住地址",
        "详细地址",
        "住户地址",
        "房屋地址",
        "楼栋单元房号",
        "楼栋房号",
        "address",
        "homeaddress",
        "streetaddress",
    },
    "phone": {
        "电话",
        "联系电话",
        "电话号码",
        "手机",
        "手机号",
        "手机号码",
        "联系方式",
        "联系手机",
        "移动电话",
        "固定电话",
        "座机",
        "phone",
        "phoneno",
        "phonenumber",
        "telephone",
        "tel",
        "mobile",
        "mobileno",
        "mobilephone",
        "mobilenumber",
        "cellphone",
        "contactnumber",
        "contactphone",
    },
    "household_size": {
        "家庭人口",
        "家庭人口数",
        "家庭人数",
        "家庭成员数",
        "户籍人口",
        "户籍人数",
        "户人数",
        "人口数",
        "同住人数",
        "householdsize",
        "familysize",
        "householdmembers",
        "peopleinhousehold",
    },
    "care_reasons": {
        "关爱类型",
        "关爱类别",
        "关爱对象类型",
        "关爱原因",
        "帮扶类型",
        "人员类别",
        "人员类型",
        "对象类别",
        "对象类型",
        "困难类型",
        "类别",
        "carereasons",
        "carereason",
        "caretype",
        "category",
        "whythisresidentisonthecaseload",
    },
    "notes": {
        "备注",
        "说明",
        "备注说明",
        "情况说明",
        "notes",
        "note",
        "remarks",
        "remark",
        "comments",
        "comment",
    },
}
_HEADER_FIELD = {h: f for f, names in HEADERS.items() for h in names}
# "门牌号" is the whole house number (5-1-504) in a sheet with no other column for the
# address, and the door within the building in a sheet that has a building, unit or address
# column beside it: the one header read by what stands beside it.
DOOR_PLATE = {"门牌", "门牌号", "门牌号码", "doorno", "doornumber", "housenumber"}

# Columns Gridbook must never store (DESIGN.md: no ethnicity, religion, political opinion,
# ID-card number or location trail; nothing that watches people or their complaints). A header
# containing any of these, in its bracketed remarks too, is dropped whole, whatever the user
# maps.
FORBIDDEN = (
    "身份证",
    "身份号",
    "证件号",
    "公民身份",
    "护照",
    "民族",
    "宗教",
    "信仰",
    "政治面貌",
    "党员",
    "党派",
    "重点人员",
    "重点人群",
    "稳控",
    "管控",
    "上访",
    "信访",
    "行踪",
    "轨迹",
    "idcard",
    "idnumber",
    "idno",
    "passport",
    "ethnic",
    "religio",
    "political",
)

# Required fields, and what a row lacking one is told. With no column for the field (and no
# value for the whole sheet), the sheet is told instead: `COLUMN_MISSING`.
ROW_LACKS = {
    "name": _l("The name is missing."),
    "grid": _l("No grid: add a grid column or choose a grid for the whole sheet."),
    "care_reasons": _l("No care reason: every resident on the caseload needs one."),
}
COLUMN_MISSING = {
    "name": _l(
        "No column is chosen as “%(field)s”: choose one for it under Columns above.",
        field=FIELD_LABELS["name"],
    ),
    "grid": _l(
        "No column is chosen as “%(field)s”, and no grid for rows without one: choose the "
        "grid column above, or one grid for the whole sheet.",
        field=FIELD_LABELS["grid"],
    ),
    "care_reasons": _l(
        "No column is chosen as “%(field)s”, and no care reason for rows without one: choose "
        "that column above, or one care reason for the whole sheet.",
        field=FIELD_LABELS["care_reasons"],
    ),
}

# What a row is told about its phone number, by what validators.phone_fault found.
PHONE_FAULTS = {
    "chars": lambda value: _l("The phone number “%(value)s” is not a phone number.", value=value),
    "short": lambda value: _l(
        "The phone number “%(value)s” is too short: a mobile number has 11 digits; a "
        "landline has 7 or 8, and may have its area code and a dash before them (010-12345678).",
        value=value,
    ),
    "long": lambda value: _l(
        "The phone number “%(value)s” is too long: a mobile number has 11 digits, and a "
        "landline with its area code fits in 20 characters.",
        value=value,
    ),
    "ends": lambda value: _l(
        "The phone number “%(value)s” does not begin and end with a digit, as 13812345678 or "
        "010-12345678 do.",
        value=value,
    ),
    "mobile": lambda value: _l(
        "The phone number “%(value)s” does not have the 11 digits of a mobile number.",
        value=value,
    ),
}

ID_NUMBER_RE = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")


def hide_id_like(text: str) -> str:
    """The text as a preview may show it: every run that looks like an ID number (as the row
    check reads one, full-width digits too) or is one written in groups, masked."""
    text = ID_NUMBER_RE.sub(lambda m: "*" * len(m.group()), halfwidth(text))
    return hide_id_numbers(text)


ADDRESS_RE = re.compile(
    r"^\s*(?P<b>[0-9A-Za-z]+)\s*(?:-|栋|幢|号楼|楼)\s*"
    r"(?:(?P<u>[0-9A-Za-z]+)\s*(?:-|单元)\s*)?(?P<r>[0-9A-Za-z]+)\s*(?:室|号)?\s*$"
)
REMARK_RE = re.compile(r"[(\[【][^)\]】]*[)\]】]")
SPLIT_REASONS = re.compile(r"[、,，;；/|\s]+")
ACTIONS = ("add", "merge", "skip")
DUPLICATE_CHOICES_SHOWN = 200


def _plain(text) -> str:
    """The text as compared: full-width forms as half-width, one case, and no spaces,
    punctuation or symbols (a required field's "*", a trailing "：")."""
    text = unicodedata.normalize("NFKC", "" if text is None else str(text)).casefold()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PSZC")


def normalise_header(text) -> str:
    """A header (or a care reason) as looked up: `_plain`, without bracketed remarks."""
    text = unicodedata.normalize("NFKC", "" if text is None else str(text))
    return _plain(REMARK_RE.sub("", text))


def is_forbidden(header) -> bool:
    """A column Gridbook never stores, said in its name or in a remark beside it."""
    key = _plain(header)
    return bool(key) and any(word in key for word in FORBIDDEN)


def _recognised(header) -> bool:
    key = normalise_header(header)
    return key in _HEADER_FIELD or key in DOOR_PLATE or is_forbidden(header)


@dataclass
class Columns:
    """The sheet's header row and what each column was recognised as."""

    header_index: int
    headers: list[str]
    guessed: list[str]  # a field name, or "" when not recognised
    forbidden: list[int]


def find_columns(rows: list[list]) -> Columns:
    """Find the header row among the first rows (after a title, possibly merged) and read it.

    A header of two rows (merged "姓名" over both, "地址" over 楼栋/单元/房号) reads as the
    lower row with its blanks filled from the row above.
    """
    width = max((len(r) for r in rows), default=0)

    def combined(i: int) -> list[str]:
        above = rows[i - 1] if i > 0 else []
        here = rows[i]
        return [
            cell_text(here[c] if c < len(here) else None)
            or cell_text(above[c] if c < len(above) else None)
            for c in range(width)
        ]

    best, best_score = 0, -1
    for i in range(min(len(rows), 10)):
        score = sum(1 for h in combined(i) if _recognised(h))
        if score > best_score:
            best, best_score = i, score
    headers = combined(best) if rows else []
    forbidden = [c for c, h in enumerate(headers) if h and is_forbidden(h)]
    keys = ["" if c in forbidden else normalise_header(h) for c, h in enumerate(headers)]
    placed = any(_HEADER_FIELD.get(k) in ("address", "building", "unit") for k in keys)
    guessed, taken = [], set()
    for key in keys:
        f = ("room" if placed else "address") if key in DOOR_PLATE else _HEADER_FIELD.get(key, "")
        # Two columns for one field: the first is imported, the other left for the user.
        if f in taken:
            f = ""
        taken.add(f)
        guessed.append(f)
    return Columns(best, headers, guessed, forbidden)


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    return str(value).strip()


def without_forbidden(rows: list[list], columns: Columns) -> list[list]:
    """The rows with the cells of never-stored columns blanked, before anything keeps them."""
    for row in rows[columns.header_index + 1 :]:
        for c in columns.forbidden:
            if c < len(row):
                row[c] = None
    return rows


@dataclass
class Row:
    """One sheet row, as it would be stored, with its problems and its duplicate."""

    line: int
    data: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    existing: Resident | None = None
    same_as: int | None = None  # the earlier line of the sheet it repeats
    action: str = "add"

    @property
    def duplicate(self) -> bool:
        return self.existing is not None or self.same_as is not None


@dataclass
class Plan:
    """What an import would do: rows with errors, duplicates and the action for each."""

    rows: list[Row]
    empty: int
    dropped: list[str]
    missing: list[str] = field(default_factory=list)  # required fields no column fills

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if not r.errors and r.action == action)

    @property
    def with_errors(self) -> list[Row]:
        return [r for r in self.rows if r.errors]

    @property
    def duplicates(self) -> list[Row]:
        return [r for r in self.rows if not r.errors and r.duplicate]

    def faults(self, row: Row) -> list:
        """What is wrong in the row's own cells, not in the columns chosen for the sheet."""
        # A column left unchosen is said once, beside the column choices: the same words on
        # every row buried the rows whose cells are really wrong.
        unsaid = [ROW_LACKS[f] for f in self.missing]
        return [e for e in row.errors if not any(e is u for u in unsaid)]

    @property
    def with_faults(self) -> list[Row]:
        return [r for r in self.rows if self.faults(r)]

    def nothing_to_import(self):
        """Why pressing Import would add or merge nobody; None when it would."""
        if self.count("add") + self.count("merge"):
            return None
        if self.missing:
            return _l(
                "Nothing to import yet: choose the missing columns under Columns, then press "
                "“Check again”."
            )
        if self.empty and not self.rows:
            return _l(
                "Nothing to import: the rows under the headers are empty in every column chosen."
            )
        if not self.rows:
            return _l("Nothing to import: the sheet has no rows under its headers.")
        if all(r.errors for r in self.rows):
            return _l(
                "Nothing to import: every row has an error. Correct the sheet and upload it again."
            )
        if not any(r.errors for r in self.rows):
            return _l(
                "Nothing to import: every row is already on the caseload or repeats another "
                "row, and is skipped. To merge or add them, choose so for the duplicates, then "
                "press “Check again”."
            )
        return _l("Nothing to import: every row is skipped or has an error.")


@dataclass
class Choices:
    """The user's answers in the mapping step and on duplicates."""

    mapping: list[str]
    default_grid: Grid | None = None
    default_reason: str = ""
    duplicate_default: str = "skip"
    per_row: dict = field(default_factory=dict)


def make_plan(rows: list[list], columns: Columns, choices: Choices, grids: list[Grid]) -> Plan:
    """Check every row and find duplicates against existing residents and earlier rows."""
    mapping = [
        "" if c in columns.forbidden else (choices.mapping[c] if c < len(choices.mapping) else "")
        for c in range(len(columns.headers))
    ]
    reasons = _reason_lookup()
    by_name = {}
    for g in grids:
        by_name.setdefault(g.name.strip().casefold(), []).append(g)
    out, empty = [], 0
    for i, raw in enumerate(rows[columns.header_index + 1 :], start=columns.header_index + 2):
        cells = {f: raw[c] for c, f in enumerate(mapping) if f and c < len(raw)}
        if not any(cell_text(v) for v in cells.values()):
            empty += 1
            continue
        out.append(_check_row(i, cells, choices, by_name, reasons))
    # Only the grids the sheet names are read for duplicates, not every grid in reach.
    named = {r.data["grid_id"] for r in out if not r.errors}
    _find_duplicates(out, [g.id for g in grids if g.id in named])
    choose(out, choices)
    # Named as a person says them: "身份证号码：" or "民族*" reads oddly inside a sentence.
    dropped = [columns.headers[c].strip().rstrip(":：*＊ 　") for c in columns.forbidden]
    given = {"grid": choices.default_grid is not None, "care_reasons": bool(choices.default_reason)}
    # A sheet of headers only lacks nothing but rows.
    missing = (
        [f for f in ROW_LACKS if f not in mapping and not given.get(f)] if out or empty else []
    )
    return Plan(out, empty, dropped, missing)


def _reason_lookup() -> dict[str, str]:
    lookup = {}
    for c in db.session.scalars(sa.select(CareReason)):
        short = re.sub(r"[（(][^）)]*[）)]", "", c.name_zh)
        for key in (c.code, c.name_zh, short, c.name_en):
            lookup[normalise_header(key)] = c.code
        # "留守儿童" names one of "困境儿童、留守儿童"
        for part in SPLIT_REASONS.split(short):
            lookup.setdefault(normalise_header(part), c.code)
    return lookup


def _check_row(line: int, cells: dict, choices: Choices, grids_by_name, reasons) -> Row:
    row = Row(line)
    data, errors = row.data, row.errors
    for name in ("building", "unit", "room"):
        if isinstance(cells.get(name), datetime | date):
            errors.append(
                _l(
                    "%(field)s became a date in Excel (%(value)s): format the column as text "
                    "and type it again.",
                    field=FIELD_LABELS[name],
                    value=cell_text(cells[name]),
                )
            )
    text = {f: cell_text(v) for f, v in cells.items()}
    # Typed as the resident form takes them (validators.halfwidth): ９栋 is building 9.
    for name in ("building", "unit", "room", "address", "phone"):
        if name in text:
            text[name] = halfwidth(text[name])
    data["name"] = text.get("name", "")
    if not data["name"]:
        errors.append(ROW_LACKS["name"])
    elif len(data["name"]) > 50:
        errors.append(_l("The name is longer than 50 characters."))
    elif has_pictographs(data["name"]):
        errors.append(_l("The name holds emoji or picture symbols."))
    for part in ("building", "unit", "room"):
        data[part] = text.get(part, "")
    if text.get("address"):
        m = ADDRESS_RE.match(text["address"])
        if m is None:
            errors.append(
                _l(
                    "The address “%(value)s” is not like 5-1-504; use building, unit and room "
                    "columns.",
                    value=text["address"],
                )
            )
        else:
            data["building"] = data["building"] or m["b"]
            data["unit"] = data["unit"] or (m["u"] or "")
            data["room"] = data["room"] or m["r"]
    for part in ("building", "unit", "room"):
        if len(data[part]) > 20:
            errors.append(_l("%(field)s is longer than 20 characters.", field=FIELD_LABELS[part]))
    grid_name = text.get("grid", "")
    if grid_name:
        found = grids_by_name.get(grid_name.casefold(), [])
        if len(found) == 1:
            data["grid_id"] = found[0].id
        elif found:
            errors.append(_l("More than one grid is called “%(grid)s”.", grid=grid_name))
        else:
            # Said the same way whether the grid exists elsewhere or not at all; true for an
            # administrator too, who holds no grid ("not one of your grids" was not).
            errors.append(
                _l("“%(grid)s” is not among the grids you can import into.", grid=grid_name)
            )
    elif choices.default_grid is not None:
        data["grid_id"] = choices.default_grid.id
    else:
        errors.append(ROW_LACKS["grid"])
    phone = text.get("phone", "")
    data["phone"] = phone or None
    fault = phone_fault(phone) if phone else None
    if fault is not None:
        errors.append(PHONE_FAULTS[fault](phone))
    size = text.get("household_size", "").removesuffix("人").strip()
    if not size:
        data["household_size"] = 1
    elif size.isdigit() and 1 <= int(size) <= 50:
        data["household_size"] = int(size)
    else:
        errors.append(
            _l("The household size “%(value)s” is not a number from 1 to 50.", value=size)
        )
    codes, unknown = [], False
    for part in SPLIT_REASONS.split(text.get("care_reasons", "")):
        if not part:
            continue
        code = reasons.get(normalise_header(part))
        if code is None:
            unknown = True
            errors.append(_l("Unknown care reason “%(value)s”.", value=part))
        elif code not in codes:
            codes.append(code)
    if not codes and choices.default_reason:
        codes = [choices.default_reason]
    if not codes and not unknown:
        errors.append(ROW_LACKS["care_reasons"])
    data["care_reasons"] = sorted(codes)
    data["notes"] = text.get("notes", "")
    if len(data["notes"]) > 2000:
        errors.append(_l("The notes are longer than 2000 characters."))
    if words := sensitive_category(data["notes"]):
        errors.append(
            _l(
                "The notes record ethnicity or religion (“%(words)s”); Gridbook keeps neither.",
                words=words,
            )
        )
    # Full-width digits too (halfwidth): a Chinese keyboard's ID number is still one.
    if any(ID_NUMBER_RE.search(halfwidth(v)) for v in data.values() if isinstance(v, str)):
        errors.append(
            _l("This row holds what looks like an ID-card number; Gridbook does not store them.")
        )
    return row


def _key(grid_id, name, building, unit, room) -> tuple:
    return (grid_id, name.casefold(), building.casefold(), unit.casefold(), room.casefold())


def _phone_key(phone: str | None) -> str:
    """The number's digits, without China's country code: "+86 137-0000-0000" is on file as
    13700000000 (a sheet exported from a phone's contacts carries it)."""
    digits = re.sub(r"[^0-9]", "", phone or "")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif len(digits) == 13 and digits.startswith("861"):
        digits = digits[2:]
    return digits


def _find_duplicates(rows: list[Row], grid_ids: list[int]) -> None:
    """Same name and address in the same grid, or the same phone: against the caseload
    (active residents of the importer's grids, read in one query) and earlier rows."""
    existing_by_key, existing_by_phone = {}, {}
    if grid_ids:
        for r in db.session.scalars(
            sa.select(Resident).where(
                Resident.grid_id.in_(grid_ids), Resident.archived_at.is_(None)
            )
        ):
            existing_by_key.setdefault(_key(r.grid_id, r.name, r.building, r.unit, r.room), r)
            if r.phone:
                existing_by_phone.setdefault(_phone_key(r.phone), r)
    seen_key, seen_phone = {}, {}
    for row in rows:
        if row.errors:
            continue
        d = row.data
        key = _key(d["grid_id"], d["name"], d["building"], d["unit"], d["room"])
        phone = _phone_key(d["phone"])
        row.existing = existing_by_key.get(key) or (existing_by_phone.get(phone) if phone else None)
        if row.existing is None:
            row.same_as = seen_key.get(key) or (seen_phone.get(phone) if phone else None)
        seen_key.setdefault(key, row.line)
        if phone:
            seen_phone.setdefault(phone, row.line)


def choose(rows: list[Row], choices: Choices) -> None:
    """Set each row's action: a duplicate follows its own choice or the sheet-wide one."""
    for row in rows:
        if row.errors:
            row.action = "skip"
        elif row.duplicate:
            chosen = choices.per_row.get(row.line) or choices.duplicate_default
            row.action = chosen if chosen in ACTIONS else "skip"
        else:
            row.action = "add"


def apply_plan(plan: Plan) -> dict:
    """Write the plan: add, merge or skip each row. Flushes; the request commits once.

    New residents go in as one multi-row INSERT and their reasons as another (a 5,000-row
    sheet one object at a time took seconds); merges into existing records go through the ORM.
    """
    if plan.count("add") + plan.count("merge") == 0:
        raise Invalid(_l("Nothing to import: every row is skipped or has an error."))
    reasons = {c.code: c for c in db.session.scalars(sa.select(CareReason))}
    # Where each line ended up: an existing Resident, or the index of a new row.
    target: dict[int, Resident | int | None] = {}
    new: list[dict] = []
    merged: set[int] = set()
    for row in plan.rows:
        if row.errors:
            continue
        if row.action == "skip":
            target[row.line] = row.existing
            continue
        into = row.existing if row.existing is not None else target.get(row.same_as or -1)
        if row.action == "merge" and isinstance(into, Resident):
            _merge(into, row.data, reasons)
            merged.add(into.id)
            target[row.line] = into
        elif row.action == "merge" and isinstance(into, int):
            _merge_new(new[into], row.data)
            target[row.line] = into
        else:
            target[row.line] = len(new)
            new.append(dict(row.data))
    created: list[int] = []
    if new:
        created = list(
            db.session.scalars(
                sa.insert(Resident).returning(Resident.id, sort_by_parameter_order=True),
                [new_resident_values(d) for d in new],
            )
        )
        db.session.execute(
            sa.insert(resident_care_reasons),
            [
                {"resident_id": rid, "reason_code": code}
                for rid, d in zip(created, new, strict=True)
                for code in d["care_reasons"]
            ],
        )
        # The multi-row INSERT passes by the ORM's household event: placed here, in bulk.
        attach_households(db.session, sorted({d["grid_id"] for d in new}))
        # And by the flush hook that keeps the due dates: computed here, set-based.
        refresh_due(db.session, created)
    db.session.flush()
    summary = {
        "file_rows": len(plan.rows),
        "created": len(created),
        "merged": len(merged),
        "skipped": plan.count("skip"),
        "errors": len(plan.with_errors),
        "dropped_columns": len(plan.dropped),
    }
    record("residents_imported", "resident", None, summary | {"merged_ids": sorted(merged)})
    # The result page names who was added; the audit keeps the counts only.
    return summary | {"added_names": [d["name"] for d in new]}


def new_resident_values(d: dict) -> dict:
    """The column values of a new resident from a checked row."""
    now = utcnow()
    return {
        "grid_id": d["grid_id"],
        "name": d["name"],
        "building": d["building"],
        "unit": d["unit"],
        "room": d["room"],
        "phone": d["phone"],
        "household_size": d["household_size"],
        "notes": d["notes"],
        "pinyin": name_key(d["name"]),
        "created_at": now,
        "updated_at": now,
    }


def _merge_new(into: dict, data: dict) -> None:
    """A later row of the sheet merged into an earlier new one: blanks filled, reasons joined."""
    for name in ("building", "unit", "room", "phone", "notes"):
        if data.get(name) and not into.get(name):
            into[name] = data[name]
    if data.get("household_size", 1) != 1:
        into["household_size"] = data["household_size"]
    into["care_reasons"] = sorted(set(into["care_reasons"]) | set(data["care_reasons"]))


def _merge(resident: Resident, data: dict, reasons: dict) -> None:
    """Fill in what the sheet adds to a resident: blanks, reasons, a longer note; never a
    different grid (moving a resident is an edit, not an import)."""
    for name in ("building", "unit", "room", "phone"):
        if data.get(name) and not getattr(resident, name):
            setattr(resident, name, data[name])
    if data.get("household_size", 1) != 1:
        resident.household_size = data["household_size"]
    if data.get("notes") and data["notes"] not in (resident.notes or ""):
        resident.notes = "\n".join(p for p in (resident.notes, data["notes"]) if p)[:2000]
    have = {c.code for c in resident.care_reasons}
    for code in data.get("care_reasons", []):
        if code not in have:
            resident.care_reasons.append(reasons[code])
