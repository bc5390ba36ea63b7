"""A copy of everything Gridbook holds on a resident (PIPL Art. 45), as the secretary sees it.

One dictionary feeds the printable page and the download (a ZIP of data.json and the
photos). Complaints about officials are the inspector's and not in the secretary's copy.
"""

import io
import json
import zipfile
from datetime import date, datetime

import sqlalchemy as sa

from ..extensions import db
from ..models import Answer, Hazard, Photo, Request, Resident, Screening, Visit
from ..scope import select_for
from ..timeutil import to_local


def _plain(value):
    # A moment in the township's time with its offset ("2026-12-08T05:57:35+08:00"): stored
    # in UTC without a zone, it read eight hours early to the resident holding the copy.
    if isinstance(value, datetime):
        return to_local(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def resident_copy(user, resident: Resident) -> dict:
    """Every record about the resident the user may see, as plain values."""
    visits = list(
        db.session.scalars(
            select_for(Visit, user).where(Visit.resident_id == resident.id).order_by(Visit.id)
        )
    )
    visit_ids = [v.id for v in visits]
    answers = list(
        db.session.scalars(
            select_for(Answer, user)
            .join(Screening, Answer.screening_id == Screening.id)
            .where(Screening.visit_id.in_(visit_ids))
            .order_by(Answer.id)
        )
    )
    hazards = list(
        db.session.scalars(
            select_for(Hazard, user).where(Hazard.resident_id == resident.id).order_by(Hazard.id)
        )
    )
    requests = list(
        db.session.scalars(
            select_for(Request, user).where(Request.resident_id == resident.id).order_by(Request.id)
        )
    )
    photos = list(
        db.session.scalars(
            select_for(Photo, user)
            .where(
                sa.or_(
                    Photo.visit_id.in_(visit_ids),
                    Photo.answer_id.in_([a.id for a in answers]),
                    Photo.hazard_id.in_([h.id for h in hazards]),
                )
            )
            .order_by(Photo.id)
        )
    )
    return {
        "resident": {
            "name": resident.name,
            "grid": resident.grid.name,
            "building": resident.building,
            "unit": resident.unit,
            "room": resident.room,
            "phone": resident.phone or "",
            "household_size": resident.household_size,
            "care_reasons": [c.code for c in resident.care_reasons],
            "notes": resident.notes,
            "created_at": _plain(resident.created_at),
            "archived_at": _plain(resident.archived_at),
        },
        "visits": [
            {
                "id": v.id,
                "on": _plain(v.visited_on),
                "purpose": v.purpose,
                "outcome": v.outcome,
                "summary": v.summary,
                "follow_up_on": _plain(v.follow_up_on),
            }
            for v in visits
        ],
        "answers": [
            {"id": a.id, "item": a.item.code, "value": a.value, "note": a.note} for a in answers
        ],
        "hazards": [
            {
                "id": h.id,
                "severity": h.severity,
                "status": h.status,
                "found_on": _plain(h.found_on),
                "due_on": _plain(h.due_on),
                "rectified_on": _plain(h.rectified_on),
                "note": h.note,
                "rectified_note": h.rectified_note,
            }
            for h in hazards
        ],
        "requests": [
            {
                "id": r.id,
                "category": r.category_code,
                "channel": r.channel,
                "received_on": _plain(r.received_on),
                "status": r.status,
                "summary": r.summary,
                "replied_on": _plain(r.replied_on),
                "reply": r.reply_text,
            }
            for r in requests
        ],
        "photos": [{"id": p.id, "file": f"photos/{p.id}.jpg", "sha256": p.sha256} for p in photos],
    }


def copy_zip(copy: dict) -> bytes:
    """data.json and every photo file, in one ZIP."""
    from ..photos.storage import get_store

    store = get_store()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data.json", json.dumps(copy, ensure_ascii=False, indent=2))
        for photo in copy["photos"]:
            zf.writestr(photo["file"], store.read(photo["sha256"]))
    return buf.getvalue()
