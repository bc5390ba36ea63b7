"""Reference data every deployment needs: checklists, categories, care reasons, risk factors.

The CSV files beside this module are the project's own copies of the shared tables.
"""

import csv
from pathlib import Path

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    CareReason,
    ChecklistItem,
    ChecklistTemplate,
    Department,
    ReferralService,
    RequestCategory,
    RiskFactorType,
    resident_care_reasons,
)

HERE = Path(__file__).parent
RESTRICTED_CATEGORIES = {"R15"}  # complaints about officials (Art. 30)
# Reasons no longer allowed on a record. `open_request` tagged people for having used a
# request channel and outlived the request (Art. 18, 46): whether a resident has an open
# request is read live from the requests table instead.
RETIRED_CARE_REASONS = ("open_request",)
# Welfare items of the elderly welfare check (a person's need: health, self-care, carers,
# loneliness, benefits), with the service "needs attention" suggests referring to. They
# raise referrals, never hazards; that checklist's safety items (gas, wiring, falls...) stay
# hazard items.
WELFARE_ITEMS = {
    "W1": "family_contact",
    "W2": "health_station",
    "W3": "elderly_services",
    "W4": "family_contact",
    "W11": "police",
    "W12": "civil_affairs",
    "W13": "elderly_services",
    "W14": "social_worker",
}


def _rows(name: str) -> list[dict]:
    with open(HERE / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _upsert(model, values: dict) -> None:
    obj = db.session.get(model, values["code"])
    if obj is None:
        db.session.add(model(**values))
    else:
        for k, v in values.items():
            setattr(obj, k, v)


def load_reference_data() -> None:
    """Insert or refresh the reference tables; safe to run on every start."""
    _retire_care_reasons()
    for row in _rows("care_reasons.csv"):
        _upsert_care_reason(row)
    for row in _rows("request_categories.csv"):
        _upsert(
            RequestCategory,
            {
                "code": row["code"],
                "name_zh": row["name_zh"],
                "name_en": row["name_en"],
                "usual_body": row["usual_body"],
                "legal_channel": row["legal_channel"],
                "restricted": row["code"] in RESTRICTED_CATEGORIES,
            },
        )
    for row in _rows("project_risk_factors.csv"):
        _upsert(
            RiskFactorType,
            {
                "code": row["code"],
                "name_zh": row["factor_zh"],
                "name_en": row["factor_en"],
                "mitigations": row["typical_mitigations"],
            },
        )
    for model, name in (
        (ReferralService, "referral_services.csv"),
        (Department, "departments.csv"),
    ):
        for position, row in enumerate(_rows(name), start=1):
            _upsert(model, {**row, "position": position})
    db.session.flush()
    _load_checklists()
    _mark_welfare_items()
    db.session.flush()


def _mark_welfare_items() -> None:
    db.session.flush()
    for item in db.session.scalars(sa.select(ChecklistItem)):
        item.referral_service = WELFARE_ITEMS.get(item.code)


def care_reason_cadences() -> dict[str, int | None]:
    """The default days between visits per care reason (DOMAIN.md and local practice)."""
    return {r["code"]: int(r["visit_every_days"] or 0) or None for r in _rows("care_reasons.csv")}


def _upsert_care_reason(row: dict) -> None:
    """Names follow the seed; the visit cadence is the admin's once the row exists."""
    values = {k: row[k] for k in ("code", "name_zh", "name_en")}
    obj = db.session.get(CareReason, row["code"])
    if obj is None:
        every = int(row["visit_every_days"] or 0) or None
        db.session.add(CareReason(**values, visit_every_days=every))
    else:
        obj.name_zh, obj.name_en = values["name_zh"], values["name_en"]


def _retire_care_reasons() -> None:
    from ..rounds.due import refresh

    had = list(
        db.session.scalars(
            sa.select(resident_care_reasons.c.resident_id).where(
                resident_care_reasons.c.reason_code.in_(RETIRED_CARE_REASONS)
            )
        )
    )
    db.session.execute(
        sa.delete(resident_care_reasons).where(
            resident_care_reasons.c.reason_code.in_(RETIRED_CARE_REASONS)
        )
    )
    db.session.execute(sa.delete(CareReason).where(CareReason.code.in_(RETIRED_CARE_REASONS)))
    # The reason's cadence no longer counts for them (a bulk DELETE: no flush hook sees it).
    refresh(db.session, had)


def _load_checklists() -> None:
    templates = {t.code: t for t in db.session.scalars(sa.select(ChecklistTemplate))}
    items = {i.code: i for i in db.session.scalars(sa.select(ChecklistItem))}
    positions: dict[str, int] = {}
    for row in _rows("checklists.csv"):
        code = row["template"]
        tpl = templates.get(code)
        if tpl is None:
            tpl = ChecklistTemplate(
                code=code, name_zh=row["template_zh"], name_en=row["template_en"]
            )
            db.session.add(tpl)
            templates[code] = tpl
        else:
            tpl.name_zh, tpl.name_en = row["template_zh"], row["template_en"]
        positions[code] = positions.get(code, 0) + 1
        values = {
            "code": row["code"],
            "text_zh": row["text_zh"],
            "text_en": row["text_en"],
            "default_severity": row["severity"],
            "default_days": int(row["days_to_rectify"]),
            "action_zh": row["action_zh"],
            "action_en": row["action_en"],
            "position": positions[code],
        }
        item = items.get(row["code"])
        if item is None:
            db.session.add(ChecklistItem(template=tpl, **values))
        else:
            for k, v in values.items():
                setattr(item, k, v)
