"""Finding residents by pinyin (full, initials, mixed) and by address, in one query."""

import io

import pytest
import sqlalchemy as sa
import xlsxwriter

from app.extensions import db
from app.models import Resident
from app.residents.pinyin import name_key, query_forms


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("张福贵", "zhangfugui zfg"),
        ("吕秀英", "lvxiuying lxy"),
        ("曾国藩", "zengguofan zgf"),  # the surname's reading, not the character's usual one
        ("欧阳娜娜", "ouyangnana oynn"),
        ("", " "),
    ],
)
def test_name_key(name, key):
    assert name_key(name) == key


@pytest.mark.parametrize(
    ("q", "forms"),
    [
        ("zfg", ["zfg"]),
        ("Zhang Fu", ["zhangfu"]),
        ("张fg", ["zhangfg", "zfg"]),
        ("张福贵", []),
        ("5-1-504", []),
    ],
)
def test_query_forms(q, forms):
    assert query_forms(q) == forms


@pytest.mark.parametrize("q", ["zfg", "zhangfu", "张fg", "ZFG", "fugui", "张fugui", "zhang fu gui"])
def test_pinyin_finds_the_name_in_the_htmx_fragment(client, world, login_as, make_resident, q):
    make_resident(name="张福贵", grid=world.a1)
    make_resident(name="赵芳", grid=world.a1)
    make_resident(name="张福贵", grid=world.b1, building="77")  # another community
    login_as(world.worker_a)
    frag = client.get(f"/residents?q={q}", htmx=True)
    assert frag.status_code == 200
    assert frag.text.lstrip().startswith('<div id="resident-rows"')
    assert frag.text.count("张福贵") == 1
    assert "赵芳" not in frag.text
    assert "77-" not in frag.text


@pytest.mark.parametrize("q", ["zfx", "张fx", "guiz", "%", "_fg"])
def test_pinyin_does_not_find_what_does_not_match(client, world, login_as, make_resident, q):
    make_resident(name="张福贵")
    login_as(world.worker_a)
    assert "张福贵" not in client.get("/residents", query_string={"q": q}, htmx=True).text


@pytest.mark.parametrize(
    "q",
    # "5栋1单元" as the resident's page writes the first two parts (walk: it found nobody).
    ["5-1-504", "5栋1单元504室", "5 1 504", "5/1/504", "1-504", "5栋1单元", "５栋１单元"],
)
def test_address_search(client, world, login_as, make_resident, q):
    make_resident(name="孙丽", building="5", unit="1", room="504")
    make_resident(name="钱伟", building="5", unit="2", room="504")
    login_as(world.worker_a)
    page = client.get("/residents", query_string={"q": q})
    assert "孙丽" in page.text
    assert "钱伟" not in page.text


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("2栋3单元", {"曹丽娟"}),
        ("2-3", {"曹丽娟"}),
        ("3-102", {"曹丽娟"}),
        ("1-2", {"李建华"}),
        ("2-301", {"李建华"}),
    ],
)
def test_an_address_is_matched_by_whole_parts(client, world, login_as, make_resident, q, found):
    """The walk: "2栋3单元" (read as "2-3") also listed 1-2-301, whose digits hold "2-3"."""
    make_resident(name="曹丽娟", building="2", unit="3", room="102")
    make_resident(name="李建华", building="1", unit="2", room="301")
    make_resident(name="周敏", building="12", unit="3", room="102")
    make_resident(name="吴刚", building="04", unit="1", room="504")  # as a sheet had it
    login_as(world.worker_a)
    if q == "2栋3单元":
        # A building kept as "04" is building 4, whole parts or not.
        for as_typed in ("4栋1单元", "4-1-504", "1-504"):
            rows = client.get("/residents", query_string={"q": as_typed}, htmx=True).text
            assert "吴刚" in rows, as_typed
    text = client.get("/residents", query_string={"q": q}, htmx=True).text
    assert {n for n in ("曹丽娟", "李建华", "周敏") if n in text} == found | (
        {"周敏"} if q == "3-102" else set()
    )


@pytest.mark.parametrize("q", ["4栋", "4 栋", "4号楼", "4幢", "４栋", "04栋", "a栋"])
def test_a_building_alone_finds_its_residents_and_no_others(
    client, world, login_as, make_resident, q
):
    """The walk: "4栋" found nobody, though "4栋1单元" did. A sheet may have stored the
    building as "4栋" or "04"."""
    make_resident(name="孙国强", building="4", unit="1", room="203")
    make_resident(name="钱芳", building="4栋", unit="2", room="101")
    make_resident(name="赵伟", building="04", unit="3", room="102")
    make_resident(name="周敏", building="14", unit="4", room="404")
    make_resident(name="吴刚", building="A", unit="4", room="101")
    login_as(world.worker_a)
    text = client.get("/residents", query_string={"q": q}, htmx=True).text
    if q == "a栋":
        assert "吴刚" in text
        assert "孙国强" not in text
    else:
        assert all(name in text for name in ("孙国强", "钱芳", "赵伟"))
        assert "吴刚" not in text
    assert "周敏" not in text


def test_a_floor_is_not_read_as_a_building(client, world, login_as, make_resident):
    make_resident(name="孙国强", building="4", unit="1", room="203")
    login_as(world.worker_a)
    assert "孙国强" not in client.get("/residents", query_string={"q": "4楼"}, htmx=True).text


def test_pinyin_follows_the_name_on_edit_and_erasure(client, world, login_as, make_resident):
    r = make_resident(name="张福贵")
    assert r.pinyin == "zhangfugui zfg"
    login_as(world.worker_a)
    resp = client.post(
        f"/residents/{r.id}/edit",
        data={
            "name": "李明",
            "grid_id": world.a1.id,
            "building": "3",
            "unit": "2",
            "room": "301",
            "household_size": "1",
            "care_reasons": ["elderly_alone"],
            "notes": "",
            "phone": "",
        },
    )
    assert resp.status_code == 303
    assert "李明" in client.get("/residents?q=lm", htmx=True).text
    assert "李明" not in client.get("/residents?q=zfg", htmx=True).text
    db.session.refresh(r)
    r.name = "已清除"
    db.session.commit()
    assert "liming" not in db.session.get(Resident, r.id).pinyin


def test_imported_residents_are_found_by_pinyin(client, world, login_as):
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["姓名", "网格", "房号", "关爱类型"])
    ws.write_row(1, 0, ["张福贵", "A1", "101", "独居老人"])
    wb.close()
    login_as(world.secretary_a)
    up = client.post(
        "/residents/import",
        data={"file": (io.BytesIO(out.getvalue()), "a.xlsx")},
        content_type="multipart/form-data",
    )
    assert client.post(up.headers["Location"], data={"step": "import"}).status_code == 303
    assert "张福贵" in client.get("/residents?q=zfg", htmx=True).text


def test_pinyin_search_is_one_query_whatever_matches(
    client, world, login_as, make_resident, count_queries
):
    for i in range(3):
        make_resident(name="张福贵", room=str(i))
    login_as(world.worker_a)
    client.get("/residents?q=zfg", htmx=True)  # session and locale loaded once
    with count_queries() as name_search:
        client.get("/residents?q=张", htmx=True)
    with count_queries() as pinyin_search:
        client.get("/residents?q=张fg", htmx=True)
    assert pinyin_search.count == name_search.count
    searches = [s for s in pinyin_search.statements if "FROM residents" in s and "LIKE" in s]
    assert len(searches) == 1


def test_migration_backfills_pinyin(tmp_path):
    from flask_migrate import downgrade, upgrade

    from app import create_app
    from tests.conftest import PG_URL, _base_config

    if PG_URL:
        pytest.skip("the migration tests' own database fixture covers PostgreSQL")
    app = create_app(_base_config(tmp_path, f"sqlite:///{tmp_path / 'm.db'}"))
    with app.app_context():
        upgrade(revision="212cbf3bec61")
        with db.engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO townships (id, name) VALUES (1, 't')")
            conn.exec_driver_sql(
                "INSERT INTO communities (id, township_id, name) VALUES (1, 1, 'c')"
            )
            conn.exec_driver_sql("INSERT INTO grids (id, community_id, name) VALUES (1, 1, 'g')")
            conn.exec_driver_sql(
                "INSERT INTO residents (grid_id, name, building, unit, room, household_size,"
                " notes, created_at, updated_at) VALUES (1, '张福贵', '', '', '', 1, '',"
                " '2026-01-01', '2026-01-01')"
            )
        upgrade()
        assert db.session.scalar(sa.select(Resident.pinyin)) == "zhangfugui zfg"
        db.session.remove()
        indexes = {i["name"] for i in sa.inspect(db.engine).get_indexes("residents")}
        assert "ix_residents_grid_pinyin" in indexes
        downgrade(revision="212cbf3bec61")
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("residents")}
        assert "pinyin" not in columns
        db.session.remove()
        db.engine.dispose()


def test_the_residents_list_is_in_pinyin_order(client, world, login_as, make_resident):
    """Walk: 刘, 吴, 周, 孙, 张 (by code point), where a phone's contacts read 刘 孙 吴 张 周."""
    for name in ("周杰", "张福贵", "孙丽", "吴敏", "刘德华", "曾国藩"):
        make_resident(name=name)
    login_as(world.worker_a)
    for url, htmx in (("/residents", False), ("/residents?q=", True)):
        page = client.get(url, htmx=htmx).text
        names = ["刘德华", "孙丽", "吴敏", "曾国藩", "张福贵", "周杰"]
        assert [page.index(n) for n in names] == sorted(page.index(n) for n in names), url


@pytest.mark.parametrize(
    "q", ["13812345678", "138 1234 5678", "138-1234-5678", "5678", "１３８１２"]
)
def test_a_caller_is_found_by_their_number(client, world, login_as, make_resident, q):
    """The walk: a search by the phone number on the record found nobody."""
    make_resident(name="孙丽", phone="138-1234-5678")
    make_resident(name="钱伟", phone="13900001111")
    login_as(world.worker_a)
    page = client.get("/residents", query_string={"q": q}, htmx=True).text
    assert "孙丽" in page
    assert "钱伟" not in page
