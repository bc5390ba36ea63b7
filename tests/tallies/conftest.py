"""Fixtures for the tallies tests."""

import uuid
from datetime import date

import pytest

from app.extensions import db


@pytest.fixture
def make_request(world):
    """A resident's request on a grid, with the dates and status given."""
    from app.models import Request, Resident

    def _make(grid=None, category="R04", received_on=None, **kw):
        grid = grid or world.a1
        resident = Resident(grid_id=grid.id, name="请求人")
        db.session.add(resident)
        db.session.flush()
        r = Request(
            uuid=str(uuid.uuid4()),
            resident_id=resident.id,
            grid_id=grid.id,
            recorded_by_id=world.worker_a.id,
            channel="visit",
            category_code=category,
            summary=kw.pop("summary", "Lift broken"),
            received_on=received_on or date.today(),
            **kw,
        )
        db.session.add(r)
        db.session.commit()
        return r

    return _make


@pytest.fixture
def visit_in(world, make_resident, make_visit):
    """A visit to a new resident of the grid, by a worker of that community."""
    workers = {
        world.a1.id: world.worker_a,
        world.a2.id: world.worker_a2,
        world.b1.id: world.worker_b,
        world.b2.id: world.worker_b,
    }

    def _make(grid=None, **kw):
        grid = grid or world.a1
        resident = make_resident(grid=grid, name=kw.pop("name", "张三"))
        return make_visit(resident=resident, worker=workers[grid.id], **kw)

    return _make
