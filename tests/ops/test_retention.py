"""`flask retention run`: archived residents' personal data is erased after the period."""

import io
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Answer,
    AuditEvent,
    ChecklistItem,
    Photo,
    Request,
    RequestEvent,
    Resident,
    Screening,
    Visit,
)
from app.ops.retention import ERASED_NAME
from app.photos.storage import get_store
from app.timeutil import local_today, utcnow
from tests.photos.images import encoded

SECRET = "XYZZY-identifying-detail"


@pytest.fixture
def archived(app, world, make_resident, make_visit, make_hazard, make_request, client, login_as):
    """A resident with a visit, screening, hazard, request and photo, archived long ago."""
    days = app.config["RETENTION_DAYS"]
    r = make_resident(
        name="王秘密",
        phone="13700001111",
        notes=f"notes {SECRET}",
        building="9",
        unit="8",
        room="707",
        care=("elderly_alone", "disability"),
    )
    visit = make_visit(resident=r, summary=f"summary {SECRET}")
    item = db.session.scalar(sa.select(ChecklistItem).where(ChecklistItem.code == "F1"))
    screening = Screening(uuid=str(uuid.uuid4()), visit_id=visit.id, template_id=item.template_id)
    db.session.add(screening)
    db.session.flush()
    db.session.add(
        Answer(screening_id=screening.id, item_id=item.id, value="hazard", note=f"answer {SECRET}")
    )
    make_hazard(visit=visit, note=f"hazard {SECRET}", rectified_note=f"fixed {SECRET}")
    req = make_request(
        resident=r,
        category=_category(),
        summary=f"request {SECRET}",
        received_on=local_today(),
        reply_text=f"reply {SECRET}",
    )
    db.session.add(
        RequestEvent(
            request_id=req.id, kind="received", on_date=local_today(), note=f"event {SECRET}"
        )
    )
    db.session.commit()
    login_as(world.worker_a)
    resp = client.post(
        "/photos",
        content_type="multipart/form-data",
        htmx=True,
        data={
            "owner_type": "visit",
            "owner_id": str(visit.id),
            "client_uuid": str(uuid.uuid4()),
            "photos": [(io.BytesIO(encoded("JPEG")), "a.jpg")],
        },
    )
    assert resp.status_code == 200
    r.archived_at = utcnow() - timedelta(days=days + 1)
    db.session.commit()
    return r


def _category() -> str:
    from app.models import RequestCategory

    return db.session.scalar(sa.select(RequestCategory.code).order_by(RequestCategory.code))


def _texts_about(resident_id: int) -> list[str]:
    """Every free-text value still stored about the resident."""
    db.session.expire_all()
    texts = []
    visits = sa.select(Visit.id).where(Visit.resident_id == resident_id)
    texts += db.session.scalars(sa.select(Visit.summary).where(Visit.id.in_(visits))).all()
    texts += db.session.scalars(
        sa.select(Answer.note).join(Screening).where(Screening.visit_id.in_(visits))
    ).all()
    from app.models import Hazard

    for h in db.session.scalars(sa.select(Hazard).where(Hazard.resident_id == resident_id)):
        texts += [h.note, h.rectified_note, h.returned_comment]
    for q in db.session.scalars(sa.select(Request).where(Request.resident_id == resident_id)):
        texts += [q.summary, q.decision_reason, q.extension_reason, q.reply_text]
        texts += [e.note for e in q.events]
    r = db.session.get(Resident, resident_id)
    texts += [r.name, r.building, r.unit, r.room, r.phone or "", r.notes]
    return texts


def test_dry_run_changes_nothing(runner, archived):
    result = runner.invoke(args=["retention", "run", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "1 archived resident(s)" in result.output
    assert any(SECRET in t for t in _texts_about(archived.id))
    assert db.session.get(Resident, archived.id).erased_at is None


def test_retention_run_erases_personal_data_and_keeps_a_stub(app, runner, archived):
    rid = archived.id
    keys = {p.sha256 for p in db.session.scalars(sa.select(Photo))}
    assert keys
    assert all(get_store().exists(k) for k in keys)

    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0, result.output
    assert "1 resident(s)" in result.output

    r = db.session.get(Resident, rid)
    assert r.erased_at is not None
    assert r.name == ERASED_NAME
    assert r.phone is None
    assert r.care_reasons == []
    assert not any(SECRET in t for t in _texts_about(rid))
    assert "王秘密" not in _texts_about(rid)
    assert "13700001111" not in _texts_about(rid)
    # The records themselves stay (counts and tallies still add up); photos go, files too.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Photo)) == 0
    assert not any(get_store().exists(k) for k in keys)

    stub = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "resident_erased")
    ).all()
    assert [(e.object_type, e.object_id, e.detail) for e in stub] == [("resident", str(rid), "")]
    # Earlier audit rows about the resident stay, and never held personal text.
    for e in db.session.scalars(sa.select(AuditEvent)):
        assert SECRET not in e.detail
        assert "王秘密" not in e.detail

    again = runner.invoke(args=["retention", "run"])
    assert "0 resident(s)" in again.output


def test_residents_archived_recently_or_active_are_kept(app, runner, world, make_resident):
    days = app.config["RETENTION_DAYS"]
    active = make_resident(name="在册")
    recent = make_resident(name="刚归档")
    recent.archived_at = utcnow() - timedelta(days=days - 1)
    db.session.commit()
    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0
    assert "0 resident(s)" in result.output
    assert db.session.get(Resident, active.id).name == "在册"
    assert db.session.get(Resident, recent.id).name == "刚归档"
    assert db.session.get(Resident, recent.id).erased_at is None


def test_retention_days_come_from_config(app, runner, archived):
    app.config["RETENTION_DAYS"] = 10 * 365
    result = runner.invoke(args=["retention", "run"])
    assert "0 resident(s)" in result.output
    assert db.session.get(Resident, archived.id).erased_at is None
