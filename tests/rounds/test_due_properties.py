"""After any sequence of writes, every resident's stored due date equals the one worked out in
plain Python from their visits, care reasons and the cadences (hypothesis; SQLite and
PostgreSQL): visits added, edited, moved to another resident and deleted, care reasons
changed, cadences changed by the admin, residents added, archived, restored and erased;
several writes in one transaction or each in its own."""

import uuid
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.admin.services import set_visit_cadence
from app.enums import VISIT_OUTCOMES
from app.extensions import db
from app.models import (
    CareReason,
    DailyLog,
    Household,
    Resident,
    Visit,
    resident_care_reasons,
)
from app.ops.retention import ErasureReport, erase_resident
from tests.rounds.conftest import computed_due, stored_due

CODES = ["elderly_alone", "dibao", "veteran", "disability", "rental"]
PICK = st.integers(0, 1000)  # which existing row, modulo how many there are
DAY = st.integers(-120, 0)
REASONS = st.lists(st.sampled_from(CODES), max_size=3, unique=True)

operations = st.lists(
    st.tuples(
        st.one_of(
            st.tuples(st.just("add_visit"), PICK, DAY, st.sampled_from(VISIT_OUTCOMES)),
            st.tuples(st.just("edit_visit"), PICK, DAY, st.sampled_from(VISIT_OUTCOMES)),
            st.tuples(st.just("move_visit"), PICK, PICK),
            st.tuples(st.just("delete_visit"), PICK),
            st.tuples(st.just("reasons"), PICK, REASONS),
            st.tuples(
                st.just("cadence"), st.sampled_from(CODES), st.one_of(st.none(), st.integers(1, 60))
            ),
            st.tuples(st.just("archive"), PICK, st.booleans()),
            st.tuples(st.just("erase"), PICK),
            st.tuples(st.just("add_resident"), st.integers(0, 90), REASONS),
        ),
        st.booleans(),  # commit after it, or go on in the same transaction
    ),
    max_size=20,
)


@pytest.fixture
def log(world, today):
    """Today's log: the visits of the examples are dated from its day."""
    log = DailyLog(worker_id=world.worker_a.id, community_id=world.ca.id, day=today)
    db.session.add(log)
    db.session.commit()
    return log


def _clear() -> None:
    """Each example starts from no residents and the seeded cadences."""
    from app.seed import care_reason_cadences

    db.session.rollback()
    for model in (Visit, resident_care_reasons, Resident, Household):
        db.session.execute(sa.delete(model))
    for code, every in care_reason_cadences().items():
        db.session.get(CareReason, code).visit_every_days = every
    db.session.commit()


def _start(world, log) -> None:
    """Residents with reasons and visits already there, so that one write is a case."""
    for days, reasons in ((40, ["elderly_alone"]), (20, ["dibao", "veteran"]), (5, ["rental"])):
        _apply(world, log, ("add_resident", days, reasons))
    db.session.commit()
    for n, day in ((0, -9), (1, -3), (2, -1), (0, -20)):
        _apply(world, log, ("add_visit", n, day, "done"))
    db.session.commit()


def _pick(model, n):
    rows = list(db.session.scalars(sa.select(model).order_by(model.id)))
    return rows[n % len(rows)] if rows else None


def _apply(world, log, op) -> None:
    kind, *args = op
    if kind == "add_resident":
        days, reasons = args
        r = Resident(
            grid_id=world.a1.id,
            name="测试",
            room=str(days),
            created_at=datetime.now() - timedelta(days=days),
        )
        r.care_reasons = [db.session.get(CareReason, c) for c in reasons]
        db.session.add(r)
        return
    if kind == "cadence":
        code, every = args
        set_visit_cadence(db.session.get(CareReason, code), every)
        return
    if kind == "add_visit":
        n, day, outcome = args
        resident = _pick(Resident, n)
        if resident is None:
            return
        db.session.add(
            Visit(
                uuid=str(uuid.uuid4()),
                worker_id=world.worker_a.id,
                grid_id=resident.grid_id,
                resident=resident,  # the id is known only once the flush has run
                daily_log_id=log.id,
                visited_on=log.day + timedelta(days=day),
                purpose="routine",
                outcome=outcome,
            )
        )
        return
    if kind in ("edit_visit", "move_visit", "delete_visit"):
        visit = _pick(Visit, args[0])
        if visit is None:
            return
        if kind == "edit_visit":
            visit.visited_on = log.day + timedelta(days=args[1])
            visit.outcome = args[2]
        elif kind == "move_visit":
            visit.resident_id = _pick(Resident, args[1]).id
        else:
            db.session.delete(visit)
        return
    resident = _pick(Resident, args[0])
    if resident is None:
        return
    if kind == "reasons":
        resident.care_reasons = [db.session.get(CareReason, c) for c in args[1]]
    elif kind == "archive":
        resident.archived_at = datetime.now() if args[1] else None
    elif kind == "erase" and resident.erased_at is None:
        erase_resident(resident, ErasureReport())


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_the_stored_date_equals_the_computed_one_after_any_writes(world, log, ops):
    _clear()
    _start(world, log)
    for op, commit in ops:
        _apply(world, log, op)
        if commit:
            db.session.commit()
    db.session.commit()
    assert stored_due() == computed_due()
