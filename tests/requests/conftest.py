"""Factories for residents' requests in any state, for the requests tests."""

import uuid
from datetime import timedelta

import pytest

from app.extensions import db
from app.timeutil import local_today


@pytest.fixture
def make_request(world, make_resident):
    """A request inserted as it stands after some steps (no events): for reads and clocks."""
    from app.models import Request

    def _make(
        resident=None, category="R04", status="received", track="community", received_on=None, **kw
    ):
        resident = resident or make_resident()
        req = Request(
            uuid=str(uuid.uuid4()),
            resident_id=resident.id,
            grid_id=resident.grid_id,
            recorded_by_id=kw.pop("recorded_by", world.worker_a).id,
            channel=kw.pop("channel", "visit"),
            category_code=category,
            summary=kw.pop("summary", "The lift has been broken for two weeks."),
            received_on=received_on or local_today() - timedelta(days=1),
            track=track,
            status=status,
            **kw,
        )
        db.session.add(req)
        db.session.commit()
        return req

    return _make


@pytest.fixture
def in_request(app):
    """A request context, so that translated messages can be read as text."""
    with app.test_request_context():
        yield
