"""Fixtures for the tallies tests."""

import pytest


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
