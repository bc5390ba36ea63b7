"""The stored due date (Resident.next_visit_due_on) follows every write that changes it, in
the write's own transaction: visits through the form and the offline outbox, edits and
deletes, residents added (form and import), their care reasons, erasure, the admin's
cadences; the rebuild command computes the same (the migration's fill: tests/migrations)."""

import uuid
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import CareReason, Resident, Visit
from tests.conftest import PG_URL
from tests.locks import second_waits_for_first
from tests.outbox_fixtures import REPLAY, visit_data
from tests.rounds.conftest import computed_due, stored_due


def due_of(resident) -> object:
    return db.session.scalar(
        sa.select(Resident.next_visit_due_on).where(Resident.id == resident.id)
    )


def _visit_form(visit, **over) -> dict:
    data = {
        "purpose": visit.purpose,
        "summary": visit.summary,
        "outcome": visit.outcome,
        "visited_on": visit.visited_on.isoformat(),
        "follow_up_on": "",
    }
    data.update(over)
    return data


def test_a_new_resident_counts_from_the_day_they_are_added(client, world, login_as):
    login_as(world.worker_a)
    resp = client.post(
        "/residents/new",
        data={
            "name": "孙红",
            "grid_id": world.a1.id,
            "building": "5",
            "unit": "1",
            "room": "201",
            "household_size": "1",
            "care_reasons": ["elderly_alone", "dibao"],
            "notes": "",
            "client_uuid": "6a3c1f7e-1111-4222-8333-444455556666",
        },
    )
    assert resp.status_code == 303
    r = db.session.scalar(sa.select(Resident))
    assert r.next_visit_due_on == r.created_at.date() + timedelta(days=7)


@pytest.mark.parametrize("replayed", [False, True], ids=["form", "outbox replay"])
def test_a_visit_logged_moves_the_date(client, world, login_as, make_resident, replayed, today):
    r = make_resident(created_at=datetime.now() - timedelta(days=30))
    assert due_of(r) == (datetime.now() - timedelta(days=30)).date() + timedelta(days=7)
    login_as(world.worker_a)
    resp = client.post("/visits", data=visit_data(r), headers=REPLAY if replayed else {})
    assert resp.status_code == (200 if replayed else 303)
    if replayed:
        assert resp.json["status"] == "saved"
    assert due_of(r) == today + timedelta(days=7)
    login_as(world.worker_a)
    assert f'id="due-{r.id}"' not in client.get("/rounds").text


def test_a_visit_that_did_not_meet_them_leaves_the_date(client, world, login_as, make_resident):
    r = make_resident()
    before = due_of(r)
    login_as(world.worker_a)
    assert client.post("/visits", data=visit_data(r, outcome="not_home")).status_code == 303
    assert due_of(r) == before


def test_editing_a_visits_day_or_outcome_and_deleting_it(
    client, world, login_as, make_resident, make_visit, today
):
    r = make_resident(created_at=datetime.now() - timedelta(days=40))
    added = due_of(r)
    v = make_visit(resident=r, day=today - timedelta(days=3))
    assert due_of(r) == today + timedelta(days=4)
    login_as(world.worker_a)
    day = today - timedelta(days=5)
    edit = client.post(f"/visits/{v.id}/edit", data=_visit_form(v, visited_on=day.isoformat()))
    assert edit.status_code == 303
    assert due_of(r) == day + timedelta(days=7)
    edit = client.post(
        f"/visits/{v.id}/edit", data=_visit_form(v, visited_on=day.isoformat(), outcome="not_home")
    )
    assert edit.status_code == 303
    assert due_of(r) == added
    client.post(
        f"/visits/{v.id}/edit", data=_visit_form(v, visited_on=day.isoformat(), outcome="done")
    )
    assert due_of(r) == day + timedelta(days=7)
    assert client.post(f"/visits/{v.id}/delete").status_code == 303
    assert due_of(r) == added


def test_a_visit_moved_to_another_resident_moves_both_dates(
    world, make_resident, make_visit, today
):
    a = make_resident(name="甲", created_at=datetime.now() - timedelta(days=20))
    b = make_resident(name="乙", created_at=datetime.now() - timedelta(days=20))
    v = make_visit(resident=a, day=today - timedelta(days=1))
    assert due_of(a) == today + timedelta(days=6)
    db.session.get(Visit, v.id).resident_id = b.id
    db.session.commit()
    assert due_of(a) == (datetime.now() - timedelta(days=20)).date() + timedelta(days=7)
    assert due_of(b) == today + timedelta(days=6)


def test_care_reasons_changed_on_the_form(client, world, login_as, make_resident):
    r = make_resident(care=("dibao",), created_at=datetime.now() - timedelta(days=10))
    start = (datetime.now() - timedelta(days=10)).date()
    assert due_of(r) == start + timedelta(days=30)
    login_as(world.worker_a)

    def edit(reasons):
        data = {
            "name": r.name,
            "grid_id": world.a1.id,
            "building": "3",
            "unit": "2",
            "room": "301",
            "household_size": "1",
            "care_reasons": reasons,
            "notes": "",
            "phone": "",
        }
        assert client.post(f"/residents/{r.id}/edit", data=data).status_code == 303

    edit(["dibao", "tekun"])
    assert due_of(r) == start + timedelta(days=14)
    edit(["rental"])
    assert due_of(r) == start + timedelta(days=90)
    db.session.get(CareReason, "rental").visit_every_days = None
    db.session.commit()
    assert due_of(r) is None


def test_erasure_takes_them_off_the_round(world, make_resident, make_visit, today):
    from app.ops.retention import ErasureReport, erase_resident

    r = make_resident()
    make_visit(resident=r, day=today - timedelta(days=9))
    r.archived_at = datetime.now()
    db.session.commit()
    assert due_of(r) == today - timedelta(days=2)  # archived: kept, left out by archived_at
    erase_resident(db.session.get(Resident, r.id), ErasureReport())
    db.session.commit()
    assert due_of(r) is None
    assert stored_due() == computed_due()


def test_imported_residents_get_their_dates(client, world, login_as):
    from tests.residents.test_import import HEADERS, import_sheet, row, xlsx

    login_as(world.secretary_a)
    sheet = xlsx(
        [
            HEADERS,
            row(name="张福贵", care="独居老人"),
            row(name="李桂英", care="残疾人", room="505", phone="13800000002"),
        ]
    )
    assert import_sheet(client, sheet).status_code == 303
    got = {r.name: r for r in db.session.scalars(sa.select(Resident))}
    assert got["张福贵"].next_visit_due_on == got["张福贵"].created_at.date() + timedelta(days=7)
    assert got["李桂英"].next_visit_due_on == got["李桂英"].created_at.date() + timedelta(days=30)


def test_the_admins_cadence_is_one_update_for_everyone_with_the_reason(
    client, world, login_as, make_resident, count_queries
):
    with_reason = [make_resident(name=f"居民{i}", care=("dibao",)) for i in range(5)]
    other = make_resident(name="别的", care=("veteran",))
    login_as(world.admin)
    data = {
        f"every_{c.code}": c.visit_every_days or ""
        for c in db.session.scalars(sa.select(CareReason))
    }
    data["every_dibao"] = "20"
    with count_queries() as sql:
        assert client.post("/admin/cadences", data=data).status_code == 303
    updates = [s for s in sql.statements if s.lstrip().upper().startswith("UPDATE RESIDENTS")]
    assert len(updates) == 1
    for r in with_reason:
        assert due_of(r) == r.created_at.date() + timedelta(days=20)
    assert due_of(other) == other.created_at.date() + timedelta(days=90)


def test_rebuild_command_puts_every_date_right(runner, world, make_resident, make_visit, today):
    r = make_resident()
    make_visit(resident=r, day=today - timedelta(days=2))
    s = make_resident(name="李四", care=("veteran",))
    # As a bulk write past the session would leave them.
    db.session.execute(sa.update(Resident).values(next_visit_due_on=None))
    db.session.commit()
    result = runner.invoke(args=["rounds", "rebuild-due"])
    assert result.exit_code == 0, result.output
    assert "2 residents on a round" in result.output
    db.session.expire_all()
    assert due_of(r) == today + timedelta(days=5)
    assert due_of(s) == s.created_at.date() + timedelta(days=90)


def _visit_values(resident, worker, log):
    """A visit's columns for another session, read while the fixtures' objects are loaded."""
    fixed = {
        "worker_id": worker.id,
        "grid_id": resident.grid_id,
        "resident_id": resident.id,
        "daily_log_id": log.id,
        "purpose": "routine",
        "outcome": "done",
    }
    return lambda day: {**fixed, "uuid": str(uuid.uuid4()), "visited_on": day}


@pytest.mark.skipif(not PG_URL, reason="SQLite has one writer at a time")
def test_two_visits_saved_at_once_both_count(world, make_resident, make_daily_log, today):
    """The second writer waits for the first and then reads its visit (READ COMMITTED would
    otherwise compute from what was committed before either began)."""
    from sqlalchemy.orm import Session

    r = make_resident(created_at=datetime.now() - timedelta(days=60))
    log = make_daily_log()
    values = _visit_values(r, world.worker_a, log)
    db.session.rollback()

    def visit(day):
        return Visit(**values(day))

    first, second = Session(db.engine), Session(db.engine)
    first.add(visit(today))
    first.flush()  # its due date written: the resident's row is locked until it commits

    def later():
        second.add(visit(today - timedelta(days=5)))
        second.commit()

    second_waits_for_first(second, later, first.commit)
    first.close()
    second.close()
    db.session.rollback()
    assert due_of(r) == today + timedelta(days=7)
    assert stored_due() == computed_due()


@pytest.mark.skipif(not PG_URL, reason="SQLite has one writer at a time")
def test_two_visits_inserted_before_either_recounts_do_not_deadlock(
    world, make_resident, make_daily_log, today
):
    """Each visit's INSERT takes a key-share lock on its resident (the foreign key) before the
    due date is recounted; a lock on the resident that conflicted with it would leave each
    writer waiting for the other, and PostgreSQL would kill one of the two saves."""
    from sqlalchemy.orm import Session

    from app.rounds.due import refresh

    r = make_resident(created_at=datetime.now() - timedelta(days=60))
    log = make_daily_log()
    rid = r.id
    values = _visit_values(r, world.worker_a, log)
    db.session.rollback()

    def insert(session, day):
        # A Core INSERT: the flush hooks do not run, so the recount below comes after both.
        session.execute(sa.insert(Visit).values(**values(day)))

    first, second = Session(db.engine), Session(db.engine)
    insert(first, today - timedelta(days=5))
    insert(second, today)
    failures = []

    def recount_second():
        try:
            refresh(second, [rid])
            second.commit()
        except Exception as err:
            failures.append(err)
            second.rollback()

    def recount_first():
        try:
            refresh(first, [rid])
            first.commit()
        except Exception as err:
            failures.append(err)
            first.rollback()

    second_waits_for_first(second, recount_second, recount_first)
    first.close()
    second.close()
    db.session.rollback()
    assert failures == []
    assert due_of(r) == today + timedelta(days=7)
    assert stored_due() == computed_due()


def test_a_care_reason_retired_by_the_seed_no_longer_counts(app, world, make_resident):
    from app.seed import RETIRED_CARE_REASONS, load_reference_data

    code = RETIRED_CARE_REASONS[0]
    db.session.add(CareReason(code=code, name_zh="旧", name_en="Old", visit_every_days=3))
    db.session.commit()
    r = make_resident(care=("veteran", code), created_at=datetime.now() - timedelta(days=10))
    start = (datetime.now() - timedelta(days=10)).date()
    assert due_of(r) == start + timedelta(days=3)
    load_reference_data()
    db.session.commit()
    assert db.session.get(CareReason, code) is None
    assert due_of(r) == start + timedelta(days=90)
