"""The stored open follow-up date (Visit.follow_up_open_on) in the write's own transaction when
two writers touch one resident at once (PostgreSQL; the rule itself:
test_follow_up_properties.py)."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Visit
from tests.conftest import PG_URL
from tests.locks import second_waits_for_first
from tests.visits.test_follow_up_properties import computed_open, stored_open


@pytest.mark.skipif(not PG_URL, reason="SQLite has one writer at a time")
def test_a_follow_up_set_while_a_later_visit_is_saved_is_answered(
    world, make_resident, make_visit, today
):
    """One worker gives an earlier visit a follow-up date while another saves a later visit to
    the same resident: the second waits for the first and then reads its date (READ COMMITTED
    would otherwise leave the follow-up open, each writer blind to the other's row)."""
    r = make_resident()
    earlier = make_visit(resident=r, day=today - timedelta(days=5))
    fields = {
        "worker_id": earlier.worker_id,
        "grid_id": earlier.grid_id,
        "resident_id": r.id,
        "daily_log_id": earlier.daily_log_id,
        "purpose": "routine",
        "outcome": "done",
        "visited_on": today,
    }
    earlier_id = earlier.id
    db.session.rollback()

    first, second = Session(db.engine), Session(db.engine)
    first.get(Visit, earlier_id).follow_up_on = today - timedelta(days=1)
    first.flush()  # not committed: the second writer cannot see the date yet

    def later():
        second.add(Visit(uuid=str(uuid.uuid4()), **fields))
        second.commit()

    second_waits_for_first(second, later, first.commit)
    first.close()
    second.close()
    db.session.rollback()
    assert db.session.get(Visit, earlier_id).follow_up_open_on is None
    assert stored_open() == computed_open()
