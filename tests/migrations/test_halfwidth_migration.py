"""The revision that stores full-width phone numbers and addresses as ASCII: a household at
７-２-３０１ joins the one at 7-2-301 with its residents and visits, the households-visited
tally of its months is counted again, and rows without full-width are left as they were."""

import uuid
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.extensions import db
from tests.migrations.test_migrations import (  # noqa: F401
    _counts,
    _fk_problems,
    demo_data,
    empty_db_url,
    migrate_app,
)

REVISION = "52dbc33912a4"
BEFORE = "0b3bd05a7dda"
DAY = date(2026, 11, 2)


def _world():
    """A grid with a worker and her daily log, as the app had them before the revision."""
    from app.models import Community, DailyLog, Grid, Township, User
    from app.seed import load_reference_data

    load_reference_data()
    t = Township(name="T")
    c = Community(township=t, name="C")
    g = Grid(community=c, name="G")
    db.session.add_all([t, c, g])
    db.session.flush()
    u = User(username="w", display_name="W", password_hash="x", role="worker", community_id=c.id)
    db.session.add(u)
    db.session.flush()
    # Written by columns, not as a model: the model has columns later revisions add.
    log_id = db.session.execute(
        sa.insert(
            sa.table(
                "daily_logs",
                *(sa.column(n) for n in ("worker_id", "community_id", "day", "status", "comment")),
            )
        )
        .values(worker_id=u.id, community_id=c.id, day=DAY, status="open", comment="")
        .returning(sa.column("id"))
    ).scalar_one()
    return g, u, db.session.get(DailyLog, log_id, options=[sa.orm.load_only(DailyLog.id)])


def _resident(grid, name, building, unit, room, phone=None):
    from app.models import CareReason, Resident

    r = Resident(grid_id=grid.id, name=name, building=building, unit=unit, room=room, phone=phone)
    r.care_reasons = [db.session.get(CareReason, "elderly_alone")]
    db.session.add(r)
    db.session.flush()
    return r


def _visit(resident, worker, log, day=DAY):
    from app.models import Visit

    v = Visit(
        uuid=str(uuid.uuid4()),
        worker_id=worker.id,
        grid_id=resident.grid_id,
        resident_id=resident.id,
        daily_log_id=log.id,
        visited_on=day,
        visited_at=datetime.combine(day, datetime.min.time()),
        purpose="elderly_care",
        outcome="done",
        summary="",
    )
    db.session.add(v)
    db.session.flush()
    return v


def _rows(sql: str) -> list[tuple]:
    return [tuple(r) for r in db.session.execute(sa.text(sql))]


@pytest.mark.usefixtures("migrate_app")
def test_full_width_addresses_join_the_ascii_households_and_phones_become_ascii():
    from app.models import Household, Resident, Visit

    upgrade(revision=BEFORE)
    grid, worker, log = _world()
    li = _resident(grid, "李明", "7", "2", "301", "13812345678")
    xin = _resident(grid, "测试辛", "７", "２", "３０１", "１３８１２３４５６７９")
    sun = _resident(grid, "孙悟空", "９", "２", "２０３", "１３９ １２３４　５６７８")
    zhao = _resident(grid, "赵建国", "Ａ７", "１", "１０１")
    _visit(li, worker, log)
    to_xin = _visit(xin, worker, log)
    db.session.commit()
    ids = {
        "li": li.id,
        "xin": xin.id,
        "sun": sun.id,
        "zhao": zhao.id,
        "to_xin": to_xin.id,
        "ascii": li.household_id,
        "wide": xin.household_id,
        "sun_home": sun.household_id,
    }
    assert ids["ascii"] != ids["wide"]
    # What the walk by building showed: 7栋 and ７栋, two households visited.
    assert set(_rows("SELECT building FROM households")) == {("7",), ("７",), ("９",), ("Ａ７",)}
    assert _rows("SELECT n FROM tally_households") == [(2,)]
    db.session.remove()  # SQLite: the migration writes on a connection of its own

    upgrade(revision=REVISION)

    found = {r.id: r for r in db.session.scalars(sa.select(Resident))}
    assert [(found[ids[k]].address, found[ids[k]].phone) for k in ("li", "xin", "sun", "zhao")] == [
        ("7-2-301", "13812345678"),
        ("7-2-301", "13812345679"),
        ("9-2-203", "139 1234 5678"),
        ("A7-1-101", None),
    ]
    assert found[ids["xin"]].household_id == ids["ascii"]
    assert found[ids["sun"]].household_id == ids["sun_home"]
    assert db.session.get(Visit, ids["to_xin"]).household_id == ids["ascii"]
    households = db.session.scalars(sa.select(Household).order_by(Household.id)).all()
    assert [(h.address, h.archived_at) for h in households] == [
        ("7-2-301", None),
        ("9-2-203", None),
        ("A7-1-101", None),
    ]
    assert households[0].id == ids["ascii"]
    # Both visits were to one household: the month's tally counts it once.
    assert _rows("SELECT n FROM tally_households") == [(1,)]
    db.session.remove()
    assert _fk_problems() == []

    # Nothing to undo, and nothing more to do a second time.
    before = _counts()
    downgrade(revision=BEFORE)
    upgrade(revision=REVISION)
    assert _counts() == before


@pytest.mark.usefixtures("migrate_app", "demo_data")
def test_rows_without_full_width_are_left_as_they_were():
    query = (
        "SELECT id, household_id, building, unit, room, phone FROM residents ORDER BY id",
        "SELECT id, building, unit, room, archived_at FROM households ORDER BY id",
        "SELECT grid_id, unit, n FROM tally_households ORDER BY grid_id, unit",
    )
    before = [_rows(q) for q in query]
    db.session.remove()
    counts = _counts()
    downgrade(revision=BEFORE)
    # Back to head: the data started there, and later revisions add tables of their own.
    upgrade()
    assert [_rows(q) for q in query] == before
    db.session.remove()
    assert _counts() == counts
