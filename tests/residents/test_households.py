"""Households: residents at one address form one, moves and archiving keep them right, the
walk building -> unit -> household, a household's visit, and households visited in tallies."""

import uuid

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, Household, Resident, Visit
from app.timeutil import local_today


def _households(**where) -> list[Household]:
    stmt = sa.select(Household).filter_by(**where).order_by(Household.id)
    return list(db.session.scalars(stmt))


def test_residents_at_one_address_share_a_household(world, make_resident):
    a = make_resident(name="张三")
    b = make_resident(name="李四")
    other_grid = make_resident(grid=world.a2, name="王五")
    nowhere = make_resident(name="赵六", building="", unit="", room="")
    assert a.household_id is not None
    assert a.household_id == b.household_id
    assert other_grid.household_id not in (None, a.household_id)
    assert nowhere.household_id is None
    (h,) = _households(grid_id=world.a1.id)
    assert (h.building, h.unit, h.room, h.archived_at) == ("3", "2", "301", None)


def test_moving_out_the_last_resident_archives_the_household_and_moving_back_reopens(
    world, make_resident
):
    a = make_resident(name="张三")
    old = a.household_id
    a.room = "302"
    db.session.commit()
    assert a.household_id != old
    assert db.session.get(Household, old).archived_at is not None
    a.room = "301"
    db.session.commit()
    assert a.household_id == old  # the same household, not a second one at that address
    assert db.session.get(Household, old).archived_at is None
    assert len(_households(grid_id=world.a1.id)) == 2


def test_a_household_stays_while_somebody_lives_there(world, make_resident, client, login_as):
    a = make_resident(name="张三")
    make_resident(name="李四")
    login_as(world.worker_a)
    resp = client.post(f"/residents/{a.id}/archive", data={})
    assert resp.status_code == 303
    h = db.session.get(Household, a.household_id)
    assert h.archived_at is None


def test_archiving_the_only_resident_archives_the_household(world, make_resident):
    from app.residents.services import archive_resident

    a = make_resident(name="张三")
    archive_resident(a)
    db.session.commit()
    assert a.household_id is not None  # their history stays with the household
    assert db.session.get(Household, a.household_id).archived_at is not None


def test_editing_the_address_moves_the_resident(world, make_resident, client, login_as):
    a = make_resident(name="张三", phone=None)
    make_resident(name="李四", room="502")
    login_as(world.worker_a)
    data = {
        "name": "张三",
        "grid_id": world.a1.id,
        "building": "3",
        "unit": "2",
        "room": "502",
        "phone": "",
        "household_size": "2",
        "care_reasons": ["elderly_alone"],
        "notes": "",
    }
    resp = client.post(f"/residents/{a.id}/edit", data=data)
    assert resp.status_code == 303
    db.session.expire_all()
    moved = db.session.get(Resident, a.id)
    neighbour = db.session.scalar(sa.select(Resident).where(Resident.name == "李四"))
    assert moved.household_id == neighbour.household_id


def test_import_places_new_residents_in_households(world, client, login_as, make_resident):
    from tests.residents.test_import import HEADERS, import_sheet, row, xlsx

    existing = make_resident(name="老住户", building="5", unit="1", room="504")
    login_as(world.secretary_a)
    sheet = xlsx(
        [
            HEADERS,
            row(name="张福贵", phone="13800000001"),
            row(name="李桂英", phone="13800000002"),
            row(name="王芳", building="6", unit="2", room="101", phone="13800000003"),
        ]
    )
    resp = import_sheet(client, sheet)
    assert resp.status_code == 303, resp.text[:1000]
    rows = {
        r.name: r.household_id
        for r in db.session.scalars(sa.select(Resident).where(Resident.grid_id == world.a1.id))
    }
    assert rows["张福贵"] == rows["李桂英"] == existing.household_id
    assert rows["王芳"] not in (None, existing.household_id)
    assert db.session.get(Household, rows["王芳"]).address == "6-2-101"


def test_walk_buildings_units_households_with_last_visit(
    world, make_resident, make_visit, client, login_as
):
    a = make_resident(name="张三", building="5", unit="1", room="504")
    make_resident(name="李四", building="5", unit="2", room="101")
    make_resident(name="王五", building="12", unit="1", room="101")
    make_visit(resident=a)
    login_as(world.worker_a)
    page = client.get("/residents/buildings")
    assert page.status_code == 200
    assert page.text.index("5") < page.text.index("12")
    assert f"/residents/buildings/{world.a1.id}/units?building=5" in page.text
    units = client.get(f"/residents/buildings/{world.a1.id}/units?building=5")
    assert units.status_code == 200
    assert "unit=1" in units.text
    assert "unit=2" in units.text
    unit = client.get(f"/residents/buildings/{world.a1.id}/households?building=5&unit=1")
    assert "张三" in unit.text
    assert "李四" not in unit.text
    assert "not visited yet" not in unit.text
    assert "尚未走访" not in unit.text
    household = client.get(f"/residents/households/{a.household_id}")
    assert household.status_code == 200
    assert 'id="household-visit"' in household.text
    assert f'value="{a.id}"' in household.text
    assert db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "household_viewed")
    )


def test_out_of_scope_households_and_grids_are_404(world, make_resident, client, login_as):
    b = make_resident(grid=world.b1, name="外人")
    login_as(world.worker_a)
    assert client.get(f"/residents/households/{b.household_id}").status_code == 404
    assert client.get(f"/residents/buildings/{world.b1.id}/units?building=3").status_code == 404
    assert client.get(f"/residents/buildings?grid={world.b1.id}").status_code == 404
    assert client.get("/residents/households/999999").status_code == 404
    login_as(world.township_user)
    assert client.get("/residents/buildings").status_code == 404


def test_a_visit_to_a_member_is_a_visit_to_the_household(world, make_resident, client, login_as):
    a = make_resident(name="张三")
    b = make_resident(name="李四")
    login_as(world.worker_a)
    resp = client.post(
        "/visits",
        data={
            "client_uuid": str(uuid.uuid4()),
            "resident_id": b.id,
            "purpose": "routine",
            "outcome": "done",
            "summary": "敲门见到李四",
            "visited_on": local_today().isoformat(),
        },
    )
    assert resp.status_code == 303
    visit = db.session.scalar(sa.select(Visit))
    assert visit.household_id == a.household_id
    page = client.get(f"/residents/households/{a.household_id}")
    assert "敲门见到李四" in page.text


def test_tallies_count_households_visited_once_a_month(
    world, make_resident, make_visit, client, login_as
):
    a = make_resident(name="张三")
    b = make_resident(name="李四")
    c = make_resident(name="王五", room="999")
    make_visit(resident=a)
    make_visit(resident=b)
    make_visit(resident=c)
    login_as(world.secretary_a)
    page = client.get("/tallies")
    assert page.status_code == 200
    section = page.text.split('id="tally-households"')[1].split("</table>")[0]
    assert ">2<" in section  # two households, three visits
