"""Records of every kind in two communities, for the access, CSRF and crawl tests."""

import io
import uuid
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from PIL import Image

from app.extensions import db
from app.timeutil import local_today

ROLE_USERS = (
    "worker_a",
    "worker_a2",
    "worker_b",
    "secretary_a",
    "secretary_b",
    "township_user",
    "inspector",
    "admin",
)


@dataclass
class RecordSet:
    """One of each record, all in one grid and made by that grid's worker."""

    community: object
    grid: object
    worker: object
    resident: object
    visit: object
    screening: object
    answer: object
    item: object
    hazard: object
    photo: object
    project: object
    factor: object
    request: object
    log: object
    referral: object = None
    handover: object = None


def store_photo(grid_id: int, by_id: int, visit_id: int):
    """A real photo (bytes in the store) on a visit."""
    from app.models import Photo
    from app.photos.pipeline import process_photo
    from app.photos.storage import get_store

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, "JPEG")
    out = process_photo(buf.getvalue())
    store = get_store()
    full = store.promote(store.stage(out.full_jpeg))
    thumb = store.promote(store.stage(out.thumb_jpeg))
    photo = Photo(
        uuid=str(uuid.uuid4()),
        sha256=full,
        thumb_sha256=thumb,
        width=out.width,
        height=out.height,
        size_bytes=len(out.full_jpeg),
        uploaded_by_id=by_id,
        grid_id=grid_id,
        visit_id=visit_id,
    )
    db.session.add(photo)
    db.session.commit()
    return photo


@pytest.fixture
def make_records(world, make_resident, make_visit, make_project, make_request):
    """A full set of records in a grid: resident, visit, checklist, hazard, photo, project..."""
    from app.models import (
        Answer,
        ChecklistItem,
        ChecklistTemplate,
        Handover,
        Hazard,
        Referral,
        RiskFactor,
        Screening,
    )

    def _make(grid, worker, community, name="测试居民"):
        resident = make_resident(grid=grid, name=name)
        project = make_project(community=community, name=f"Project of {community.name}")
        # A screening visit, as its fire checklist asks (screening.models.CHECKLIST_PURPOSES).
        visit = make_visit(resident=resident, worker=worker, purpose="screening")
        tpl = db.session.scalar(
            sa.select(ChecklistTemplate).where(ChecklistTemplate.code == "fire")
        )
        item = db.session.scalar(sa.select(ChecklistItem).where(ChecklistItem.code == "F1"))
        screening = Screening(uuid=str(uuid.uuid4()), visit_id=visit.id, template_id=tpl.id)
        db.session.add(screening)
        db.session.flush()
        answer = Answer(screening_id=screening.id, item_id=item.id, value="hazard")
        db.session.add(answer)
        db.session.flush()
        hazard = Hazard(
            answer_id=answer.id,
            visit_id=visit.id,
            item_id=item.id,
            template_id=tpl.id,
            grid_id=grid.id,
            resident_id=resident.id,
            severity="S2",
            note="楼道堆放纸箱",
            found_on=visit.visited_on,
            due_on=visit.visited_on,
        )
        factor = RiskFactor(project_id=project.id, factor_code="P3", likelihood=2, impact=2)
        db.session.add_all([hazard, factor])
        req = make_request(
            resident=resident,
            recorded_by=worker,
            summary="The lift is broken.",
            received_on=local_today(),
        )
        photo = store_photo(grid.id, worker.id, visit.id)
        referral = Referral(
            uuid=str(uuid.uuid4()),
            visit_id=visit.id,
            grid_id=grid.id,
            resident_id=resident.id,
            service_code="health_station",
            note="需要家庭医生上门",
            referred_on=visit.visited_on,
            created_by_id=worker.id,
        )
        db.session.add(referral)
        # A caseload handed to this grid's worker (its note is theirs to dismiss).
        handover = Handover(
            uuid=str(uuid.uuid4()),
            community_id=community.id,
            from_worker_id=worker.id,
            to_worker_id=worker.id,
            by_id=worker.id,
            note="交接说明",
            moved={},
        )
        db.session.add(handover)
        db.session.commit()
        return RecordSet(
            community=community,
            grid=grid,
            worker=worker,
            resident=resident,
            visit=visit,
            screening=screening,
            answer=answer,
            item=item,
            hazard=hazard,
            photo=photo,
            project=project,
            factor=factor,
            request=req,
            log=visit.daily_log,
            referral=referral,
            handover=handover,
        )

    return _make


@pytest.fixture
def two_sets(world, make_records):
    """Community A's records (grid A1, worker_a) and community B's (grid B1, worker_b)."""
    return {
        "a": make_records(world.a1, world.worker_a, world.ca, name="甲居民"),
        "b": make_records(world.b1, world.worker_b, world.cb, name="乙居民"),
    }


def url_args(rule, records: RecordSet, step: str = "") -> dict | None:
    """Values for the rule's arguments that point at the records of one set (None: unknown).

    `step` names the step of a route that takes several (review.step, hazards.step)."""
    values = {
        "resident_id": records.resident.id,
        "visit_id": records.visit.id,
        "hazard_id": records.hazard.id,
        "referral_id": records.referral.id,
        "photo_id": records.photo.id,
        "project_id": records.project.id,
        "factor_id": records.factor.id,
        "request_id": records.request.id,
        "log_id": records.log.id,
        "daily_log_id": records.log.id,
        "worker_id": records.worker.id,
        "day": records.log.day.isoformat(),
        "screening_id": records.screening.id,
        # The phone's address for a checklist (issue 12: started without signal).
        "screening_uuid": records.screening.uuid,
        "item_id": records.item.id,
        "user_id": records.worker.id,
        "household_id": records.resident.household_id,
        "grid_id": records.grid.id,
        "handover_id": records.handover.id,
        "slug": "accept",
        "size": 192,  # the app icon (app/offline)
        "step": step,
        # A pending sheet import's token: one nobody holds (any real one is the uploader's).
        "token": "A" * 32,
        # A year of the holiday page: the next, which a release of chinese-calendar rarely
        # carries yet (a carried year without days entered is a 404, also safe).
        "year": local_today().year + 1,
    }
    if not set(rule.arguments) <= set(values):
        return None
    return {name: values[name] for name in rule.arguments}


def table_snapshot(skip=("audit_events", "user_sessions")) -> dict[str, tuple]:
    """Row count and a digest of the rows of every table (what a safe request leaves alone)."""
    import hashlib

    snap = {}
    for table in db.metadata.sorted_tables:
        if table.name in skip:
            continue
        order = [c for c in table.primary_key.columns] or list(table.columns)
        rows = db.session.execute(sa.select(table).order_by(*order)).all()
        digest = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
        snap[table.name] = (len(rows), digest)
    db.session.rollback()
    return snap
