"""What a Chinese keyboard types into a resident's phone and address, and into the search:
full-width digits, letters and signs are the ASCII ones, spaces do not split a name, and a
refused phone number is told what is wrong with it."""

import unicodedata

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Household, Resident


def _post(client, world, **over):
    data = {
        "name": "孙红",
        "grid_id": world.a1.id,
        "building": "5",
        "unit": "1",
        "room": "201",
        "phone": "",
        "household_size": "1",
        "care_reasons": ["elderly_alone"],
        "notes": "",
        "client_uuid": "6a3c1f7e-1111-4222-8333-444455556666",
    }
    data.update(over)
    return client.post("/residents/new", data=data)


def _only_resident() -> Resident:
    return db.session.scalars(sa.select(Resident)).one()


def test_a_full_width_address_and_phone_are_stored_as_the_ascii_ones(
    client, world, login_as, make_resident
):
    neighbour = make_resident(name="李明", building="7", unit="2", room="301")
    login_as(world.worker_a)
    resp = _post(
        client,
        world,
        name="测试辛",
        building="７",
        unit="２",
        room="３０１",
        phone="１３８　１２３４　５６７９",
    )
    assert resp.status_code == 303, resp.text[:2000]
    added = db.session.scalar(sa.select(Resident).where(Resident.name == "测试辛"))
    assert (added.building, added.unit, added.room) == ("7", "2", "301")
    assert added.phone == "138 1234 5679"
    # The same address as the neighbour's: one household, one building in the walk.
    assert added.household_id == neighbour.household_id
    assert db.session.scalar(sa.select(sa.func.count(Household.id))) == 1
    page = client.get("/residents/buildings")
    assert page.text.count("7栋") == 1
    assert "７" not in page.text
    found = client.get("/residents?q=7-2-301", htmx=True)
    assert "测试辛" in found.text
    assert "李明" in found.text


def test_an_edit_stores_a_full_width_address_as_ascii(client, world, login_as, make_resident):
    r = make_resident(name="张三", building="3", unit="2", room="301")
    login_as(world.worker_a)
    resp = client.post(
        f"/residents/{r.id}/edit",
        data={
            "name": "张三",
            "grid_id": world.a1.id,
            "building": "Ａ２",
            "unit": " １ ",
            "room": "１０２（东）",
            "phone": "０１０－１２３４５６７８",
            "household_size": "1",
            "care_reasons": ["elderly_alone"],
            "notes": "",
        },
    )
    assert resp.status_code == 303, resp.text[:2000]
    db.session.refresh(r)
    assert (r.building, r.unit, r.room, r.phone) == ("A2", "1", "102(东)", "010-12345678")


@pytest.mark.parametrize(
    ("phone", "zh", "en"),
    [
        ("12345", "号码太短", "too short: a mobile number has 11 digits"),
        ("１２３４５", "号码太短", "too short: a mobile number has 11 digits"),
        ("1" * 21, "号码太长", "too long"),
        # The walk: ten digits were kept as a mobile number.
        ("1390000777", "手机号是 11 位数字：请核对", "A mobile number has 11 digits"),
        ("+86 139 0000 666", "手机号是 11 位数字：请核对", "A mobile number has 11 digits"),
        ("138-1234-", "开头和结尾都应是数字", "begins and ends with a digit"),
        ("call me", "只填数字", "digits only"),
        ("138１２３４５６７８x", "只填数字", "digits only"),
    ],
)
def test_a_refused_phone_number_is_told_what_is_wrong_with_it(
    client, world, login_as, phone, zh, en
):
    login_as(world.worker_a)
    resp = _post(client, world, phone=phone, notes="留着这段备注")
    assert resp.status_code == 200
    assert zh in resp.text
    assert "留着这段备注" in resp.text
    assert db.session.scalar(sa.select(sa.func.count(Resident.id))) == 0
    world.worker_a.locale = "en"
    db.session.commit()
    assert en in _post(client, world, phone=phone).text


@pytest.mark.parametrize(
    "phone",
    ["13812345678", "１３８１２３４５６７９", "138 1234 5678", "010-12345678", "+86 138 1234 5678"],
)
def test_phone_numbers_the_rule_takes_are_saved(client, world, login_as, phone):
    login_as(world.worker_a)
    assert _post(client, world, phone=phone).status_code == 303
    assert _only_resident().phone == unicodedata.normalize("NFKC", phone)


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("１-２", True),
        ("１－２－５０１", True),
        ("１栋２单元５０１室", True),
        ("赵 建国", True),
        ("赵　建国", True),
        (" 赵建国 ", True),
        ("ｚｊｇ", True),
        ("赵 建 民", False),
    ],
)
def test_search_takes_full_width_digits_and_spaces_in_a_name(
    client, world, login_as, make_resident, q, found
):
    make_resident(name="赵建国", building="1", unit="2", room="501")
    make_resident(name="钱多多", building="3", unit="1", room="101")
    login_as(world.worker_a)
    rows = client.get("/residents", query_string={"q": q}, htmx=True)
    assert ("赵建国" in rows.text) is found
    assert "钱多多" not in rows.text


def test_a_space_stored_in_a_name_does_not_hide_it_from_search(
    client, world, login_as, make_resident
):
    make_resident(name="欧阳 娜娜")
    login_as(world.worker_a)
    assert "欧阳 娜娜" in client.get("/residents?q=欧阳娜娜", htmx=True).text


def test_the_walk_takes_a_building_typed_full_width(client, world, login_as, make_resident):
    make_resident(name="李明", building="7", unit="2", room="301")
    login_as(world.worker_a)
    units = client.get(f"/residents/buildings/{world.a1.id}/units", query_string={"building": "７"})
    assert units.status_code == 200
    assert "2单元" in units.text


def test_the_mapping_is_nfkc_for_what_it_maps_and_leaves_chinese_text_alone():
    from app.validators import HALFWIDTH, halfwidth

    for wide, narrow in HALFWIDTH.items():
        assert unicodedata.normalize("NFKC", chr(wide)) == chr(narrow)
    # NFKC would rewrite these; a user typed them as they are.
    assert halfwidth("第㈠栋 ①号 Ⅱ区，东侧…") == "第㈠栋 ①号 Ⅱ区，东侧…"
    assert halfwidth("　７栋　 ２单元\t") == "7栋 2单元"
