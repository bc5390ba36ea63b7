"""Fixtures for the daily-log review and hazard tests: photo rows and a whole day of work."""

import hashlib
import uuid

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Answer, ChecklistItem, ChecklistTemplate, Hazard, Photo, Screening


@pytest.fixture
def make_photo(world):
    """A photo row on a visit, answer or hazard (no image bytes: pages only link to them)."""

    def _make(visit=None, answer=None, hazard=None, grid=None, by=None, rectification=False):
        digest = hashlib.sha256(uuid.uuid4().bytes).hexdigest()
        owner_grid = (
            grid
            or (visit.grid_id if visit else None)
            or (hazard.grid_id if hazard else answer.screening.visit.grid_id)
        )
        p = Photo(
            uuid=str(uuid.uuid4()),
            sha256=digest,
            thumb_sha256=digest[::-1],
            width=10,
            height=10,
            size_bytes=100,
            uploaded_by_id=(by or world.worker_a).id,
            grid_id=owner_grid,
            visit_id=visit.id if visit else None,
            answer_id=answer.id if answer else None,
            hazard_id=hazard.id if hazard else None,
            is_rectification=rectification,
        )
        db.session.add(p)
        db.session.commit()
        return p

    return _make


@pytest.fixture
def full_day(world, make_resident, make_visit, make_photo):
    """A day of worker_a: two visits, one fire screening with a hazard, three photos."""
    r = make_resident(name="李奶奶")
    v1 = make_visit(resident=r, summary="量了血压，一切正常")
    v2 = make_visit(
        resident=make_resident(name="王大爷"), summary="楼道堆放杂物", outcome="needs_follow_up"
    )
    tpl = db.session.scalar(sa.select(ChecklistTemplate).where(ChecklistTemplate.code == "fire"))
    s = Screening(uuid=str(uuid.uuid4()), visit_id=v2.id, template_id=tpl.id)
    db.session.add(s)
    db.session.flush()
    item = db.session.scalar(sa.select(ChecklistItem).where(ChecklistItem.code == "F1"))
    ans = Answer(screening_id=s.id, item_id=item.id, value="hazard")
    db.session.add(ans)
    db.session.flush()
    hz = Hazard(
        answer_id=ans.id,
        visit_id=v2.id,
        item_id=item.id,
        template_id=tpl.id,
        grid_id=v2.grid_id,
        resident_id=v2.resident_id,
        severity="S2",
        note="楼道堆放纸箱",
        found_on=v2.visited_on,
        due_on=v2.visited_on,
    )
    db.session.add(hz)
    db.session.commit()
    make_photo(visit=v1)
    make_photo(answer=ans)
    make_photo(hazard=hz)
    make_photo(hazard=hz, rectification=True)  # the fix: not part of the day
    day = type("Day", (), {})()
    day.log, day.visits, day.screening, day.answer, day.hazard = (
        v1.daily_log,
        [v1, v2],
        s,
        ans,
        hz,
    )
    return day
