"""Fixtures for the tallies tests."""

import contextvars
from datetime import UTC, datetime

import pytest

from app.extensions import db
from app.timeutil import clock_at

# 2026-12-05, mid-morning where the township is (Asia/Shanghai).
ON_5_DECEMBER = datetime(2026, 12, 5, 2, 0)


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


@pytest.fixture
def fifth_of_december():
    """Open a page as on 5 December 2026, in English unless told (signed in first: the
    session is today's)."""
    if datetime.now(UTC).replace(tzinfo=None) < ON_5_DECEMBER:
        pytest.skip("the clock can only be set back")

    def _get(client, url: str, lang: str = "en"):
        # The test client runs each request in an empty context (tests/conftest.py), where a
        # clock set out here would not reach: set it in there, as the client would commit.
        def _request():
            with clock_at(ON_5_DECEMBER):
                return client.get(url, headers={"Accept-Language": lang})

        db.session.commit()
        response = contextvars.Context().run(_request)
        db.session.expire_all()
        return response

    return _get
