"""After any sequence of writes, every visit's stored open follow-up date equals the one worked
out in plain Python from all the visits (hypothesis; SQLite and PostgreSQL): visits to
residents, to sites and to both added, their day and follow-up date edited, moved to another
resident (by id or through the relationship) or site, deleted; residents added with their first
visit in the same flush; several writes in one transaction or each in its own."""

import uuid
from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.models import DailyLog, Household, Resident, Visit, resident_care_reasons

PICK = st.integers(0, 1000)  # which existing row, modulo how many there are
DAY = st.integers(-30, 0)
FOLLOW_UP = st.one_of(st.none(), st.integers(0, 14))  # days after the visit
# Times within a day, few so that two visits often share one (dated after the fact: midday).
TIME = st.sampled_from([time(4), time(8, 30), time(12)])
SUBJECT = st.sampled_from(["resident", "site", "both"])

operations = st.lists(
    st.tuples(
        st.one_of(
            st.tuples(st.just("add_visit"), SUBJECT, PICK, PICK, DAY, FOLLOW_UP),
            st.tuples(st.just("edit_visit"), PICK, DAY, FOLLOW_UP),
            st.tuples(st.just("retime_visit"), PICK, TIME),
            st.tuples(st.just("move_visit"), PICK, PICK, st.booleans()),
            st.tuples(st.just("move_site"), PICK, PICK),
            st.tuples(st.just("delete_visit"), PICK),
            st.tuples(st.just("add_resident"), DAY, FOLLOW_UP),
        ),
        st.booleans(),  # commit after it, or go on in the same transaction
    ),
    max_size=20,
)


def computed_open() -> dict:
    """Each visit's open follow-up date worked out in plain Python: its follow-up date unless a
    later visit (by day, then time, then id) to the same resident, or for a site visit the same
    project, exists."""
    visits = db.session.execute(
        sa.select(
            Visit.id,
            Visit.resident_id,
            Visit.project_id,
            Visit.visited_on,
            Visit.visited_at,
            Visit.follow_up_on,
        )
    ).all()
    out = {}
    for vid, rid, pid, day, at, follow_up in visits:
        key = (day, at, vid)
        if rid is not None:
            answered = any(
                w.resident_id == rid and (w.visited_on, w.visited_at, w.id) > key for w in visits
            )
        else:
            answered = any(
                w.project_id == pid and (w.visited_on, w.visited_at, w.id) > key for w in visits
            )
        out[vid] = None if follow_up is None or answered else follow_up
    return out


def stored_open() -> dict:
    return dict(db.session.execute(sa.select(Visit.id, Visit.follow_up_open_on)).all())


@pytest.fixture
def setting(world, make_project, today):
    """Today's log (the visits are dated from its day) and two building sites."""
    log = DailyLog(worker_id=world.worker_a.id, community_id=world.ca.id, day=today)
    db.session.add(log)
    db.session.commit()
    projects = [make_project(name="Road resurfacing"), make_project(name="Demolition")]
    return world, log, projects


def _clear() -> None:
    """Each example starts from no residents and no visits."""
    db.session.rollback()
    for model in (Visit, resident_care_reasons, Resident, Household):
        db.session.execute(sa.delete(model))
    db.session.commit()


def _pick(model, n):
    rows = list(db.session.scalars(sa.select(model).order_by(model.id)))
    return rows[n % len(rows)] if rows else None


def _visit(setting, day: int, follow_up: int | None, **subject) -> Visit:
    world, log, _projects = setting
    visited_on = log.day + timedelta(days=day)
    return Visit(
        uuid=str(uuid.uuid4()),
        worker_id=world.worker_a.id,
        grid_id=world.a1.id,
        daily_log_id=log.id,
        visited_on=visited_on,
        purpose="routine",
        outcome="done",
        follow_up_on=None if follow_up is None else visited_on + timedelta(days=follow_up),
        **subject,
    )


def _resident(setting, n: int) -> Resident:
    r = Resident(grid_id=setting[0].a1.id, name="测试", room=str(n))
    db.session.add(r)
    return r


def _apply(setting, op) -> None:
    _world, log, projects = setting
    kind, *args = op
    if kind == "add_resident":
        # The resident and their first visit in one flush: the resident's id comes with it.
        day, follow_up = args
        db.session.add(_visit(setting, day, follow_up, resident=_resident(setting, day)))
        return
    if kind == "add_visit":
        subject, n, m, day, follow_up = args
        resident = _pick(Resident, n) if subject != "site" else None
        project = projects[m % len(projects)] if subject != "resident" else None
        if resident is None and project is None:
            return
        db.session.add(
            _visit(
                setting,
                day,
                follow_up,
                resident_id=resident.id if resident else None,
                project_id=project.id if project else None,
            )
        )
        return
    visit = _pick(Visit, args[0])
    if visit is None:
        return
    if kind == "edit_visit":
        visit.visited_on = log.day + timedelta(days=args[1])
        follow_up = args[2]
        visit.follow_up_on = None if follow_up is None else visit.visited_on + timedelta(follow_up)
    elif kind == "retime_visit":
        visit.visited_at = datetime.combine(visit.visited_on, args[1])
    elif kind == "move_visit":
        resident = _pick(Resident, args[1])
        if args[2]:
            visit.resident = resident  # the id follows only in the flush
        else:
            visit.resident_id = resident.id
    elif kind == "move_site":
        visit.project_id = projects[args[1] % len(projects)].id
    else:
        db.session.delete(visit)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_the_stored_open_follow_up_equals_the_computed_one_after_any_writes(setting, ops):
    _clear()
    for n in range(3):
        _resident(setting, n)
    db.session.commit()
    for day, follow_up in ((-9, 7), (-3, None), (-1, 2)):
        _apply(setting, ("add_visit", "resident", -day, 0, day, follow_up))
    _apply(setting, ("add_visit", "site", 0, 0, -5, 3))
    db.session.commit()
    for op, commit in ops:
        _apply(setting, op)
        if commit:
            db.session.commit()
    db.session.commit()
    assert stored_open() == computed_open()


def test_the_rebuild_command_sets_every_visit(setting, runner, today):
    """`flask visits rebuild-follow-ups` puts right values written past the session."""
    _clear()
    resident = _resident(setting, 0)
    db.session.commit()
    for day, follow_up in ((-9, 7), (-3, 5), (-5, 1)):
        db.session.add(_visit(setting, day, follow_up, resident_id=resident.id))
    db.session.add(_visit(setting, -2, 4, project_id=setting[2][0].id))
    db.session.commit()
    db.session.execute(sa.update(Visit).values(follow_up_open_on=today))
    db.session.commit()
    result = runner.invoke(args=["visits", "rebuild-follow-ups"])
    assert "2 not answered yet" in result.output
    assert stored_open() == computed_open()
