"""Importing residents from a community's sheet: mapping, preview, duplicates, one write."""

import io
import zipfile
from datetime import datetime

import pytest
import sqlalchemy as sa
import xlsxwriter

from app.extensions import db
from app.models import AuditEvent, Resident

HEADERS = ["姓名", "网格", "楼栋", "单元", "房号", "联系电话", "家庭人口", "关爱类型", "备注"]


@pytest.fixture
def import_store(app):
    """The folder where uploads wait for their import (set per test in tests/conftest.py)."""
    from pathlib import Path

    return Path(app.config["IMPORT_STORE"])


def xlsx(rows, merge=None, text_cells=True) -> bytes:
    """A workbook with one sheet holding `rows`; `merge` is a list of (range, value)."""
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    ws = wb.add_worksheet("居民")
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, datetime):
                ws.write_datetime(r, c, value, date_format)
            elif isinstance(value, str) and value.startswith("=") and not text_cells:
                ws.write_formula(r, c, value, None, 42)
            elif value is not None:
                ws.write(r, c, value)
    for cell_range, value in merge or []:
        ws.merge_range(cell_range, value)
    wb.close()
    return out.getvalue()


def row(name="张福贵", grid="A1", building="5", unit="1", room="504", phone="13812345678",
        size="2", care="独居老人", notes=""):  # fmt: skip
    return [name, grid, building, unit, room, phone, size, care, notes]


def upload(client, data: bytes, filename="台账.xlsx"):
    return client.post(
        "/residents/import",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def preview(client, data: bytes, filename="台账.xlsx"):
    resp = upload(client, data, filename)
    assert resp.status_code == 303, resp.text[:2000]
    url = resp.headers["Location"]
    return url, client.get(url)


def import_sheet(client, data: bytes, filename="台账.xlsx", **choices):
    url, _page = preview(client, data, filename)
    return client.post(url, data={"step": "import", **choices})


def _english(user) -> None:
    user.locale = "en"
    db.session.commit()


def residents() -> list[Resident]:
    return list(db.session.scalars(sa.select(Resident).order_by(Resident.id)))


def test_sheet_imports_with_headers_recognised_and_audited(client, world, login_as, import_store):
    login_as(world.secretary_a)
    data = xlsx(
        [
            HEADERS,
            row(),
            row("李秀英", "A2", "6", "2", "101", "13900000001", "1", "残疾人、低保家庭"),
        ]
    )
    url, page = preview(client, data)
    assert page.status_code == 200
    assert "import-duplicates" not in page.text
    assert 'id="import-summary"' in page.text
    resp = client.post(url, data={"step": "import"})
    assert resp.status_code == 303
    found = residents()
    assert [(r.name, r.grid_id, r.address, r.phone, r.household_size) for r in found] == [
        ("张福贵", world.a1.id, "5-1-504", "13812345678", 2),
        ("李秀英", world.a2.id, "6-2-101", "13900000001", 1),
    ]
    assert [c.code for c in found[1].care_reasons] == ["dibao", "disability"]
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "residents_imported")
    )
    assert event is not None
    assert event.user_id == world.secretary_a.id
    # The uploaded file is gone once imported; what the import did is kept for its result
    # page (swept with the uploads).
    token = url.rsplit("/", 1)[1]
    # Sent again, it imports nothing and shows what the first import did.
    again = client.post(url, data={"step": "import"})
    assert again.headers["Location"] == f"{url}/done"
    assert len(residents()) == 2
    assert [p.suffix for p in import_store.glob(f"{token}*")] == [".result"]


def test_reimporting_the_same_file_creates_nothing_new(client, world, login_as):
    login_as(world.secretary_a)
    data = xlsx([HEADERS, row(), row("王五", room="505", phone="")])
    assert import_sheet(client, data).status_code == 303
    assert len(residents()) == 2
    url, page = preview(client, data)
    assert page.text.count('id="import-row-') == 2
    assert client.post(url, data={"step": "import"}).status_code == 422  # nothing to import
    assert len(residents()) == 2
    # Merging the same rows changes nothing either.
    assert import_sheet(client, data, duplicate_default="merge").status_code == 303
    assert len(residents()) == 2


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_every_encoding_chinese_excel_writes(client, world, login_as, encoding):
    login_as(world.secretary_a)
    text = ",".join(HEADERS) + "\r\n" + ",".join(row()) + "\r\n"
    assert import_sheet(client, text.encode(encoding), "台账.csv").status_code == 303
    assert [(r.name, r.address) for r in residents()] == [("张福贵", "5-1-504")]


def test_unknown_header_is_mapped_by_hand(client, world, login_as):
    login_as(world.secretary_a)
    data = xlsx([["第一列", "第二列", "关爱类型"], ["赵六", "7-3-302", "独居老人"]])
    url, page = preview(client, data)
    assert "第一列" in page.text
    assert _selected(page.text, "col_0") == ""
    resp = client.post(
        url, data={"step": "import", "col_0": "name", "col_1": "address", "grid": str(world.a1.id)}
    )
    assert resp.status_code == 303
    assert [(r.name, r.address, r.grid_id) for r in residents()] == [
        ("赵六", "7-3-302", world.a1.id)
    ]


def test_forbidden_columns_are_dropped_with_a_notice_and_stored_nowhere(
    client, world, login_as, import_store
):
    login_as(world.secretary_a)
    headers = [*HEADERS, "身份证号", "民族", "宗教信仰", "政治面貌"]
    data = xlsx([headers, [*row(), "110101195003071234", "回族", "伊斯兰教", "群众"]])
    url, page = preview(client, data)
    assert 'id="dropped-columns"' in page.text
    for header in ("身份证号", "民族", "宗教信仰", "政治面貌"):
        assert header in page.text
    # The notice names them as a person would, not with the sheet's trailing marks.
    _, marked = preview(client, xlsx([[*HEADERS, "身份证号码：", "民族*"], [*row(), "1", "2"]]))
    notice = marked.text.split('id="dropped-columns"')[1].split("</p>")[0]
    assert "身份证号码、民族。" in notice.replace("和", "、")
    # Not even the file kept for the preview holds them.
    kept = b"".join(p.read_bytes() for p in import_store.iterdir())
    assert b"110101195003071234" not in kept
    assert "回族".encode() not in kept
    # Even a request that maps a dropped column is not obeyed.
    assert client.post(url, data={"step": "import", "col_9": "notes"}).status_code == 303
    assert len(residents()) == 1
    dump = _database_text()
    for value in ("110101195003071234", "回族", "伊斯兰教", "群众"):
        assert value not in dump


def _database_text() -> str:
    """Every text value in every table, to prove a value is stored nowhere."""
    parts = []
    for table in db.metadata.sorted_tables:
        for record in db.session.execute(sa.select(table)).all():
            parts.extend(str(v) for v in record if v is not None)
    return "\n".join(parts)


@pytest.mark.parametrize(
    "notes", ["身份证110101195003071234", "身份证１１０１０１１９５００３０７１２３４"]
)
def test_id_number_in_a_kept_column_is_refused(client, world, login_as, notes):
    login_as(world.secretary_a)
    data = xlsx([HEADERS, row(notes=notes)])
    url, page = preview(client, data)
    assert "ID-card" in page.text or "身份证号码" in page.text
    assert client.post(url, data={"step": "import"}).status_code == 422
    assert residents() == []


@pytest.mark.parametrize(
    ("notes", "shown"),
    [
        ("身份证110101195003071234 腿脚不便", "身份证****************** 腿脚不便"),
        ("证件 1101 0519 4912 3100 2X", "证件 **********************"),
    ],
)
def test_the_first_rows_sample_hides_an_id_number(client, world, login_as, notes, shown):
    """The walk: the column table's "first row" showed the ID number in a note in full,
    above the message saying the row is refused for holding one."""
    login_as(world.secretary_a)
    _url, page = preview(client, xlsx([HEADERS, row(notes=notes)]))
    assert shown in page.text
    assert "110101195003071234" not in page.text
    assert "3100 2X" not in page.text


def test_a_name_with_emoji_is_a_row_error(client, world, login_as):
    login_as(world.secretary_a)
    data = xlsx([HEADERS, row(name="😀张三"), row(name="阿依古丽·买买提", room="505")])
    url, page = preview(client, data)
    assert "姓名里有表情符号或图形符号。" in page.text
    assert client.post(url, data={"step": "import"}).status_code == 303
    assert [r.name for r in residents()] == ["阿依古丽·买买提"]


def test_duplicates_against_caseload_and_within_sheet_choose_per_row(
    client, world, login_as, make_resident
):
    existing = make_resident(name="张福贵", building="5", unit="1", room="504", phone=None)
    by_phone = make_resident(name="钱七", building="9", unit="9", room="909", phone="13700000000")
    login_as(world.secretary_a)
    data = xlsx(
        [
            HEADERS,
            row(care="残疾人"),  # line 2: name+address of `existing`
            row("钱七七", building="1", room="101", phone="13700000000"),  # line 3: phone
            row("孙八", room="808", phone="13600000000"),  # line 4: new
            row("孙八", room="808", phone=""),  # line 5: repeats line 4
        ]
    )
    url, page = preview(client, data)
    for line in (2, 3, 5):
        assert f'id="import-row-{line}"' in page.text
    assert 'id="import-row-4"' not in page.text
    resp = client.post(
        url, data={"step": "import", "row_2": "merge", "row_3": "skip", "row_5": "add"}
    )
    assert resp.status_code == 303
    db.session.refresh(existing)
    assert sorted(c.code for c in existing.care_reasons) == ["disability", "elderly_alone"]
    assert existing.phone == "13812345678"
    db.session.refresh(by_phone)
    assert by_phone.name == "钱七"
    assert [r.name for r in residents()] == ["张福贵", "钱七", "孙八", "孙八"]


def test_a_number_with_the_country_code_is_the_same_phone_as_one_on_file(
    client, world, login_as, make_resident
):
    make_resident(name="钱七", building="9", unit="9", room="909", phone="13700000000")
    login_as(world.secretary_a)
    data = xlsx(
        [
            HEADERS,
            row("钱七七", building="1", room="101", phone="+86 137-0000-0000"),  # line 2
            row("赵九", building="1", room="102", phone="0086 13600000000"),  # line 3: new
            row("赵九九", building="1", room="103", phone="13600000000"),  # line 4: as line 3
        ]
    )
    _url, page = preview(client, data)
    assert 'id="import-row-2"' in page.text
    assert 'id="import-row-3"' not in page.text
    assert 'id="import-row-4"' in page.text


def test_full_width_cells_are_imported_as_the_ascii_ones(client, world, login_as, make_resident):
    """A sheet typed on a Chinese keyboard: ９/２/２０３ is the address 9-2-203, with the
    neighbour already there; a full-width phone is a phone, and the same as one on file."""
    neighbour = make_resident(name="李明", building="9", unit="2", room="203")
    on_file = make_resident(name="钱七", building="8", unit="1", room="101", phone="13700000000")
    login_as(world.secretary_a)
    data = xlsx(
        [
            HEADERS,
            row(
                "孙悟空", building="９", unit="２", room="２０３", phone="１３９ １２３４　５６７８"
            ),
            row("钱七七", building="8", unit="1", room="102", phone="１３７００００００００"),
        ]
    )
    url, page = preview(client, data)
    assert 'id="import-errors"' not in page.text
    assert 'id="import-row-3"' in page.text  # the phone of 钱七, on file
    assert client.post(url, data={"step": "import"}).status_code == 303
    added = db.session.scalar(sa.select(Resident).where(Resident.name == "孙悟空"))
    assert (added.address, added.phone) == ("9-2-203", "139 1234 5678")
    assert added.household_id == neighbour.household_id
    assert [r.name for r in residents()] == ["李明", "钱七", "孙悟空"]
    assert on_file.phone == "13700000000"


def test_a_full_width_address_column_is_read(client, world, login_as):
    login_as(world.secretary_a)
    data = xlsx([["姓名", "地址", "关爱类型"], ["吴一", "５栋１单元５０４室", "独居老人"]])
    assert import_sheet(client, data, grid=str(world.a1.id)).status_code == 303
    assert [r.address for r in residents()] == ["5-1-504"]


def test_rows_for_grids_outside_scope_are_refused(client, world, login_as):
    login_as(world.secretary_a)
    data = xlsx([HEADERS, row(grid="B1"), row("周九", grid="不存在的网格", room="1")])
    url, page = preview(client, data)
    # One wording whether the grid is another community's or none at all.
    assert "“B1”不在您可以导入的网格中。" in page.text
    assert "“不存在的网格”不在您可以导入的网格中。" in page.text
    assert client.post(url, data={"step": "import"}).status_code == 422
    assert residents() == []


@pytest.mark.parametrize("role", ["worker_a", "township_user"])
def test_only_secretary_and_admin_import(client, world, login_as, role):
    login_as(getattr(world, role))
    assert client.get("/residents/import").status_code == 404
    assert upload(client, xlsx([HEADERS, row()])).status_code == 404
    assert residents() == []


def test_admin_imports_into_any_grid(client, world, login_as):
    login_as(world.admin)
    assert client.get("/residents/import/template.xlsx").status_code == 200
    assert import_sheet(client, xlsx([HEADERS, row(grid="B2")])).status_code == 303
    assert [r.grid_id for r in residents()] == [world.b2.id]


def test_an_upload_belongs_to_its_user(client, world, login_as):
    login_as(world.secretary_a)
    url, _page = preview(client, xlsx([HEADERS, row()]))
    login_as(world.secretary_b)
    assert client.get(url).status_code == 409
    assert client.post(url, data={"step": "import"}).status_code == 409
    assert residents() == []
    login_as(world.secretary_a)
    assert client.get(url).status_code == 200


def test_template_round_trips(client, world, login_as):
    from openpyxl import load_workbook

    login_as(world.secretary_a)
    template = client.get("/residents/import/template.xlsx")
    assert template.status_code == 200
    assert template.headers["Content-Disposition"].startswith("attachment")
    # As downloaded it holds no resident: the example sits on the second sheet.
    url, page = preview(client, template.data)
    assert client.post(url, data={"step": "import"}).status_code == 422
    wb = load_workbook(io.BytesIO(template.data))
    wb.worksheets[0].append(row())
    filled = io.BytesIO()
    wb.save(filled)
    assert import_sheet(client, filled.getvalue()).status_code == 303
    assert [r.name for r in residents()] == ["张福贵"]


def test_a_failed_import_changes_nothing(client, world, login_as, monkeypatch):
    from app.residents import importing

    login_as(world.secretary_a)
    url, _page = preview(client, xlsx([HEADERS, row(), row("李四", room="1")]))

    def broken(*_args, **_kwargs):
        raise RuntimeError("the audit write failed")

    monkeypatch.setattr(importing, "record", broken)
    assert client.post(url, data={"step": "import"}).status_code == 500
    assert residents() == []
    # The sheet it had taken is given back: Back and Import, no new upload.
    assert client.get(url).status_code == 200


def test_cancel_deletes_the_upload(client, world, login_as, import_store):
    login_as(world.secretary_a)
    url, _page = preview(client, xlsx([HEADERS, row()]))
    assert list(import_store.iterdir())
    assert client.post(url, data={"step": "cancel"}).status_code == 303
    assert not list(import_store.iterdir())
    assert residents() == []


# ---- bad inputs: a clear message, nothing saved -------------------------------------


def _zip_bomb() -> bytes:
    """A zip that looks like a workbook and inflates a sheet to over 100 MB of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * (120 * 1024 * 1024))
    return out.getvalue()


def _encrypted() -> bytes:
    """The start of an OLE container holding an EncryptedPackage stream, as Excel writes a
    password-protected workbook (hand-built: no library here writes one)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    entry = "EncryptedPackage".encode("utf-16-le").ljust(64, b"\x00")
    return header + entry + b"\x00" * 4096


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("big.xlsx", b"PK\x03\x04" + b"\x00" * (50 * 1024 * 1024), "10 MB"),
        ("bomb.xlsx", "zip_bomb", "unpacks to far more data"),
        ("secret.xlsx", "encrypted", "password"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1000, ".xls"),
        ("photo.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "not an Excel workbook"),
        ("empty.csv", b"", "empty"),
        ("latin.csv", "姓名\n张三\n".encode("utf-16"), "not an Excel workbook"),
        ("IMG_0001.jpg", "姓名,楼栋\n张三,1\n".encode(), "not an Excel workbook"),
        ("notes.docx", "姓名,楼栋\n张三,1\n".encode(), "not an Excel workbook"),
    ],
)
def test_bad_files_are_refused_clearly(client, world, login_as, import_store, name, data, message):
    data = (
        {"zip_bomb": _zip_bomb, "encrypted": _encrypted}[data]() if isinstance(data, str) else data
    )
    _english(world.secretary_a)
    login_as(world.secretary_a)
    resp = upload(client, data, name)
    assert resp.status_code == 422
    assert message in resp.text
    assert residents() == []
    assert not import_store.exists() or not list(import_store.iterdir())


def test_bad_files_are_refused_in_chinese_by_default(client, world, login_as):
    login_as(world.secretary_a)
    resp = upload(client, _encrypted(), "secret.xlsx")
    assert resp.status_code == 422
    assert "密码" in resp.text


def test_formulas_are_stored_as_text_never_evaluated(client, world, login_as):
    login_as(world.secretary_a)
    data = xlsx(
        [
            HEADERS,
            row(notes="=1+1"),
            row('=HYPERLINK("http://x")', room="2", phone="", notes="=A1"),
        ],
        text_cells=False,
    )
    assert import_sheet(client, data).status_code == 303
    notes = {r.name: r.notes for r in residents()}
    assert notes["张福贵"] == "=1+1"
    assert notes['=HYPERLINK("http://x")'] == "=A1"


def test_merged_title_and_two_row_header(client, world, login_as):
    login_as(world.secretary_a)
    rows = [
        [None] * 9,
        ["姓名", "网格", "地址", None, None, "联系电话", "户籍人口", "关爱类型", "备注"],
        [None, None, "楼栋", "单元", "房号", None, None, None, None],
        row(),
    ]
    data = xlsx(
        rows,
        merge=[("A1:I1", "幸福社区居民台账（2026年）"), ("A2:A3", "姓名"), ("C2:E2", "地址")],
    )
    assert import_sheet(client, data).status_code == 303
    assert [(r.name, r.address) for r in residents()] == [("张福贵", "5-1-504")]


def test_empty_rows_are_ignored_and_dates_typed_as_text_kept_out(client, world, login_as):
    login_as(world.secretary_a)
    data = xlsx(
        [
            [*HEADERS, "登记日期"],
            [None] * 10,
            [*row(), "2023年5月1日"],
            [None] * 10,
            [*row("冯十", room=datetime(2026, 5, 1), phone=""), "2023/5/1"],
        ]
    )
    url, page = preview(client, data)
    assert "2 empty rows ignored" in page.text or "忽略空行 2 行" in page.text
    assert "2026-05-01" in page.text
    assert client.post(url, data={"step": "import"}).status_code == 303
    assert [r.name for r in residents()] == ["张福贵"]
    assert "2023年5月1日" not in _database_text()


@pytest.mark.parametrize(
    ("cells", "fragment"),
    [
        ({"name": ""}, "name is missing"),
        ({"phone": "call me"}, "is not a phone number"),
        ({"phone": "12345"}, "“12345” is too short: a mobile number has 11 digits"),
        ({"phone": "１２３４５"}, "“12345” is too short"),
        ({"phone": "1" * 21}, "is too long"),
        ({"phone": "1390000777"}, "“1390000777” does not have the 11 digits of a mobile"),
        ({"phone": "-138 1234 5678"}, "does not begin and end with a digit"),
        ({"size": "many"}, "not a number from 1 to 50"),
        ({"care": "不知道"}, "Unknown care reason"),
        ({"care": ""}, "No care reason"),
        ({"building": "x" * 21}, "longer than 20"),
    ],
)
def test_row_errors_in_the_users_language(client, world, login_as, cells, fragment):
    _english(world.secretary_a)
    login_as(world.secretary_a)
    url, page = preview(client, xlsx([HEADERS, row(**cells)]))
    assert fragment in page.text
    assert 'id="import-errors"' in page.text
    assert client.post(url, data={"step": "import"}).status_code == 422
    assert residents() == []


def test_a_short_phone_number_is_told_in_chinese(client, world, login_as):
    login_as(world.secretary_a)
    _url, page = preview(client, xlsx([HEADERS, row(phone="12345")]))
    assert "电话号码“12345”太短：手机号是 11 位数字" in page.text
    assert "不是有效的电话号码" not in page.text


def test_an_unknown_reason_is_one_error_in_chinese(client, world, login_as):
    login_as(world.secretary_a)
    _url, page = preview(client, xlsx([HEADERS, row(care="不知道")]))
    assert "无法识别的关爱类型“不知道”" in page.text
    assert "缺少关爱类型" not in page.text


def test_a_default_reason_and_grid_fill_rows_without_them(client, world, login_as):
    login_as(world.secretary_a)
    data = xlsx([["姓名", "房号"], ["吴一", "101"]])
    url, page = preview(client, data)
    assert "没有哪一列选作“关爱类型”，也没有选“未填关爱类型的行按”" in page.text
    resp = client.post(
        url, data={"step": "import", "grid": str(world.a2.id), "default_reason": "dibao"}
    )
    assert resp.status_code == 303
    [r] = residents()
    assert (r.grid_id, [c.code for c in r.care_reasons]) == (world.a2.id, ["dibao"])


# ---- after the import: what was done, who was added, which rows were refused and why ----


def test_the_result_page_names_who_was_added_and_each_row_refused(client, world, login_as):
    """Walk: after Import the page said only "2 行有错误未导入", no longer which rows or why."""
    login_as(world.secretary_a)
    data = xlsx([HEADERS, row(), row("", room="505"), row("王五", room="506", size="三")])
    resp = import_sheet(client, data)
    assert resp.status_code == 303
    page = client.get(resp.headers["Location"])
    assert page.status_code == 200
    text = page.text
    assert "新增：1" in text
    assert "有错误未导入：2" in text
    assert "张福贵" in text.split('id="import-added"', 1)[1]
    errors = text.split('id="import-errors"', 1)[1]
    assert "缺少姓名。" in errors.split('id="import-error-3"', 1)[1].split("</li>", 1)[0]
    assert "第 4 行：王五" in errors
    assert "家庭人口“三”不是 1 到 50 之间的数字。" in errors
    assert [r.name for r in residents()] == ["张福贵"]

    # Read again in English, the reasons are in English too (they were kept in Chinese only).
    english = client.get(resp.headers["Location"] + "?lang=en").text
    errors = english.split('id="import-errors"', 1)[1]
    assert "缺少" not in errors
    assert "Row 4: 王五" in errors
    assert "The household size “三” is not a number from 1 to 50." in errors


def test_the_result_page_is_its_importers_only(client, world, login_as):
    login_as(world.secretary_a)
    done = import_sheet(client, xlsx([HEADERS, row()])).headers["Location"]
    login_as(world.secretary_b)
    assert client.get(done).status_code == 409
    login_as(world.secretary_a)
    assert client.get(done).status_code == 200


def test_admin_finds_the_import_in_the_menu(client, world, login_as):
    login_as(world.admin)
    home = client.get("/admin/users").text
    nav = home.split('id="bottom-nav"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/residents/import"' in nav
    page = client.get("/residents/import").text
    nav = page.split('id="bottom-nav"', 1)[1].split("</nav>", 1)[0]
    assert 'aria-current="page"' in nav.split('href="/residents/import"', 1)[1].split("</a>")[0]


@pytest.mark.parametrize("role", ["worker_a", "township_user", "secretary_a"])
def test_no_import_in_the_menu_of_others(client, world, login_as, role):
    """Workers and the township may not import; the secretary finds it on the residents list."""
    login_as(getattr(world, role))
    page = client.get("/", follow_redirects=True).text
    nav = page.split('id="bottom-nav"', 1)[1].split("</nav>", 1)[0]
    assert "/residents/import" not in nav


def test_the_template_names_the_household_size_column_as_the_app_does(client, world, login_as):
    from openpyxl import load_workbook

    login_as(world.secretary_a)
    template = client.get("/residents/import/template.xlsx")
    headers = [c.value for c in load_workbook(io.BytesIO(template.data)).worksheets[0][1]]
    assert "家庭人口" in headers
    assert "户籍人口" not in headers
    # The preview maps it to the field of that name.
    _url, page = preview(client, template.data)
    assert "<td>家庭人口</td>" in page.text


def test_a_sheet_with_the_old_household_header_still_imports(client, world, login_as):
    """Sheets filled from the old template say 户籍人口: still read as the household size."""
    login_as(world.secretary_a)
    old = ["户籍人口" if h == "家庭人口" else h for h in HEADERS]
    assert "户籍人口" in old
    assert import_sheet(client, xlsx([old, row(size="3")])).status_code == 303
    assert [r.household_size for r in residents()] == [3]


@pytest.mark.parametrize(
    ("lang", "dropped", "added", "added_cut"),
    [
        ("zh", "身份证号、民族和宗教信仰", "张福贵、王五和赵六", "张福贵、王五和另外 1 人"),
        (
            "en",
            "身份证号, 民族, and 宗教信仰",
            "张福贵, 王五, and 赵六",
            "张福贵, 王五, and 1 more",
        ),
    ],
)
def test_lists_of_names_read_as_the_pages_language_lists(
    client, world, login_as, monkeypatch, lang, dropped, added, added_cut
):
    from app.residents import imports

    if lang == "en":
        _english(world.secretary_a)
    login_as(world.secretary_a)
    headers = [*HEADERS, "身份证号", "民族", "宗教信仰"]
    rows = [
        [*row(name, room=str(501 + i), phone=f"1381234567{i}"), "", "", ""]
        for i, name in enumerate(["张福贵", "王五", "赵六"])
    ]
    data = xlsx([headers, *rows])
    url, page = preview(client, data)
    assert dropped in page.text
    resp = client.post(url, data={"step": "import"})
    assert resp.status_code == 303
    done = resp.headers["Location"]
    assert f'<p id="import-added">{added}</p>' in client.get(done).text
    monkeypatch.setattr(imports, "RESULT_NAMES_SHOWN", 2)
    assert f'<p id="import-added">{added_cut}</p>' in client.get(done).text


def test_an_import_whose_commit_fails_keeps_no_result_and_no_resident(
    client, world, login_as, import_store, refuse_next_commit
):
    """The result page says who was added: it is not written unless the rows are."""
    login_as(world.secretary_a)
    url, _page = preview(client, xlsx([HEADERS, row(), row("王五", room="505", phone="")]))
    token = url.rsplit("/", 1)[1]
    refuse_next_commit(sa.exc.OperationalError("COMMIT", {}, Exception("database or disk is full")))
    assert client.post(url, data={"step": "import"}).status_code != 303
    assert residents() == []
    assert not list(import_store.glob(f"{token}*.result"))
    assert client.get(url + "/done").status_code == 409  # "no longer here", not "added: 2"


def _selected(page: str, name: str) -> str:
    """The value chosen in the select called `name` on the page."""
    select = page.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
    return select.split('selected value="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize(
    ("lang", "refusal", "message"),
    [
        (
            "en",
            sa.exc.OperationalError("COMMIT", {}, Exception("database or disk is full")),
            "Nothing was imported: the server could not save the residents. The sheet and "
            "your choices are kept; press Import again.",
        ),
        (
            "zh",
            sa.exc.IntegrityError("COMMIT", {}, Exception("UNIQUE constraint failed")),
            "导入没有成功：服务器未能保存，没有导入任何居民。表格和您的选择都还在，"
            "请再点一次“导入”。",
        ),
    ],
    ids=["disk_full", "unique_clash"],
)
def test_an_import_whose_commit_fails_comes_back_to_its_preview(
    client, world, login_as, import_store, refuse_next_commit, lang, refusal, message
):
    """Walk: the commit failed after the sheet was taken, and the secretary was told to upload
    it again and map its columns anew. Now she is back on the preview, her choices kept."""
    if lang == "en":
        _english(world.secretary_a)
    login_as(world.secretary_a)
    data = xlsx(
        [["住户称呼", "门牌地址", "电话"], ["赵六", "7-3-302", "1"], ["钱七", "8-1-101", "2"]]
    )
    url, _page = preview(client, data)
    token = url.rsplit("/", 1)[1]
    # Nothing of this is guessed from the sheet: she chose it all (the phones are no phones).
    choices = {
        "step": "import",
        "col_0": "name",
        "col_1": "address",
        "col_2": "",
        "grid": str(world.a2.id),
        "default_reason": "dibao",
    }
    refuse_next_commit(refusal)
    resp = client.post(url, data=choices)
    assert resp.status_code == 200
    assert message in resp.text
    assert 'id="import-form"' in resp.text
    for name in ("col_0", "col_1", "col_2", "grid", "default_reason"):
        assert _selected(resp.text, name) == choices[name]
    assert residents() == []
    assert not list(import_store.glob(f"{token}*.result"))
    assert client.get(url).status_code == 200  # the upload is still there

    assert client.post(url, data=choices).status_code == 303
    assert [(r.name, r.address, r.grid_id) for r in residents()] == [
        ("赵六", "7-3-302", world.a2.id),
        ("钱七", "8-1-101", world.a2.id),
    ]
    # Imported once: the sheet is gone, what the import did is kept for its result page,
    # which a form sent again leads to.
    assert client.post(url, data=choices).headers["Location"] == f"{url}/done"
    assert len(residents()) == 2
    assert [p.suffix for p in import_store.glob(f"{token}*")] == [".result"]
    assert client.get(url + "/done").status_code == 200


def test_a_second_tap_while_the_first_imports_imports_nothing(
    client, world, login_as, import_store
):
    """Whether the first request is still writing, has failed or has committed, a sheet is
    imported once."""
    from app.residents.pending import Store

    _english(world.secretary_a)
    login_as(world.secretary_a)
    url, _page = preview(client, xlsx([HEADERS, row(), row("王五", room="505", phone="")]))
    token = url.rsplit("/", 1)[1]
    store = Store(import_store)
    store.claim(token, world.secretary_a.id)  # the first tap's request, still writing
    resp = client.post(url, data={"step": "import"})
    assert resp.status_code == 409
    assert "This sheet is already being imported" in resp.text
    assert residents() == []
    store.unclaim(token)  # that request's commit failed
    assert client.post(url, data={"step": "import"}).status_code == 303
    assert len(residents()) == 2
    resp = client.post(url, data={"step": "import"})  # after it committed
    assert resp.headers["Location"] == f"{url}/done"
    assert len(residents()) == 2


def test_a_commit_of_unknown_outcome_is_not_called_not_saved(
    client, world, login_as, import_store, refuse_next_commit
):
    """The connection lost during COMMIT: the rows may have been saved, so the page must not
    say they were not. It is an error page; the sheet, not imported here, is still there."""
    login_as(world.secretary_a)
    url, _page = preview(client, xlsx([HEADERS, row()]))
    lost = Exception("server closed the connection unexpectedly")
    refuse_next_commit(sa.exc.OperationalError("COMMIT", {}, lost))
    resp = client.post(url, data={"step": "import"})
    assert resp.status_code == 500
    assert "Import again" not in resp.text
    assert "再点一次" not in resp.text
    assert residents() == []
    assert client.get(url).status_code == 200


# ---- the phone walk: headers as townships write them, columns left unchosen, nothing to do ----

TESTERS_SHEET = [
    ["住户称呼", "门牌地址", "电话", "身份证号码："],
    ["赵六", "7-3-302", "13800000001", "110101195003071234"],
    ["钱七", "8-1-101", "13800000002", "110101195003075678"],
]


def test_the_walks_sheet_is_read_by_its_headers_and_its_id_column_never_imported(
    client, world, login_as
):
    """Walk: with 住户称呼 / 门牌地址 / 电话 only 电话 was matched; both rows read 缺少姓名."""
    login_as(world.secretary_a)
    url, page = preview(client, xlsx(TESTERS_SHEET))
    assert [_selected(page.text, f"col_{i}") for i in range(3)] == ["name", "address", "phone"]
    assert 'name="col_3"' not in page.text  # dropped: nothing to choose for it
    assert "缺少姓名" not in page.text
    resp = client.post(
        url, data={"step": "import", "grid": str(world.a1.id), "default_reason": "dibao"}
    )
    assert resp.status_code == 303
    assert [(r.name, r.address, r.phone) for r in residents()] == [
        ("赵六", "7-3-302", "13800000001"),
        ("钱七", "8-1-101", "13800000002"),
    ]
    assert "110101195003071234" not in _database_text()


@pytest.mark.parametrize(
    ("lang", "name_missing", "sheet_fix", "nothing"),
    [
        (
            "zh",
            "没有哪一列选作“姓名”：请在上面的“列对应”中为它选一列。",
            "请在表中改正后重新上传",
            "暂时没有可导入的行：请先在“列对应”中选好缺少的列，再点“重新检查”。",
        ),
        (
            "en",
            "No column is chosen as “Name”: choose one for it under Columns above.",
            "Correct them in the sheet",
            "Nothing to import yet: choose the missing columns under Columns, then press "
            "“Check again”.",
        ),
    ],
)
def test_a_required_column_left_unchosen_is_said_once_beside_the_column_choices(
    client, world, login_as, lang, name_missing, sheet_fix, nothing
):
    """Walk: no column chosen for the name, and each row said "missing name" under "correct
    them in the sheet and upload again", when the fix was a choice on the same page."""
    if lang == "en":
        _english(world.secretary_a)
    login_as(world.secretary_a)
    data = xlsx([["甲", "地址", "电话"], ["赵六", "7-3-302", "13800000001"], ["钱七", "8-1-101"]])
    url, page = preview(client, data)
    missing = page.text.split('id="import-missing"', 1)[1].split("</div>", 1)[0]
    assert missing.count(name_missing) == 1
    # The grid and the care reason are wanted too, and can be given for the whole sheet.
    assert missing.count("<p>") == 3
    assert page.text.count(name_missing) == 1
    assert 'id="import-errors"' not in page.text
    assert sheet_fix not in page.text
    assert "The name is missing." not in page.text
    assert "缺少姓名" not in page.text
    assert nothing in page.text.split('id="import-nothing"', 1)[1]

    # A row whose own cell is wrong is still listed, to be put right in the sheet: only with
    # what is wrong in it.
    data = xlsx([["甲", "地址", "电话"], ["赵六", "7-3-302", "call me"], ["钱七", "8-1-101"]])
    url, page = preview(client, data)
    errors = page.text.split('id="import-errors"', 1)[1].split("</ul>", 1)[0]
    assert errors.count("<li>") == 1
    assert "call me" in errors
    assert "缺少姓名" not in errors
    assert "The name is missing." not in errors
    assert sheet_fix in page.text
    assert name_missing in page.text

    # Chosen on the page, the columns are no longer missing.
    choices = {"col_0": "name", "grid": str(world.a1.id), "default_reason": "dibao"}
    page = client.post(url, data={"step": "check", **choices})
    assert page.status_code == 200
    assert 'id="import-missing"' not in page.text
    assert 'value="import"' in page.text


@pytest.mark.parametrize(
    ("case", "nothing"),
    [
        ("missing", "暂时没有可导入的行：请先在“列对应”中选好缺少的列，再点“重新检查”。"),
        ("errors", "没有可导入的行：每一行都有错误。请在表中改正后重新上传。"),
        ("duplicates", "没有可导入的行：每一行都已在名单中，或与本表别的行重复，都会跳过。"),
        ("no_rows", "没有可导入的行：表头下面没有数据。"),
        ("numbered_blanks", "没有可导入的行：表头下面的各行在选定的列里都是空的。"),
    ],
)
def test_with_nothing_to_import_the_page_says_why_and_offers_no_import(
    client, world, login_as, make_resident, case, nothing
):
    """Walk: Import stayed offered with 0 rows to add, and pressing it answered 422."""
    login_as(world.secretary_a)
    url, page = preview(client, xlsx([HEADERS, row()]))
    assert 'value="import"' in page.text
    assert 'id="import-nothing"' not in page.text
    sheet = {
        "missing": [["甲", "乙"], ["张福贵", "5-1-504"]],
        "errors": [HEADERS, row(phone="call me"), row("", room="505")],
        "duplicates": [HEADERS, row()],
        "no_rows": [HEADERS],
        "numbered_blanks": [["序号", *HEADERS], [1], [2]],
    }[case]
    if case == "duplicates":
        make_resident(name="张福贵", building="5", unit="1", room="504")
    _url, page = preview(client, xlsx(sheet))
    assert 'value="import"' not in page.text
    assert nothing in page.text.split('id="import-nothing"', 1)[1].split("</p>", 1)[0]
    assert 'value="check"' in page.text
    assert 'value="cancel"' in page.text


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("zh", "暂时没有可导入的行：请先在“列对应”中选好缺少的列，再点“重新检查”。"),
        (
            "en",
            "Nothing to import yet: choose the missing columns under Columns, then press "
            "“Check again”.",
        ),
    ],
)
def test_an_import_sent_with_nothing_to_import_comes_back_to_its_preview_with_why(
    client, world, login_as, import_store, lang, message
):
    """Import pressed after unchoosing the name column (or from a page kept from before): the
    preview comes back with why, the choices as sent, and the sheet still there to import."""
    if lang == "en":
        _english(world.secretary_a)
    login_as(world.secretary_a)
    url, _page = preview(client, xlsx(TESTERS_SHEET))
    choices = {
        "col_0": "",
        "col_1": "address",
        "col_2": "phone",
        "grid": str(world.a2.id),
        "default_reason": "dibao",
    }
    resp = client.post(url, data={"step": "import", **choices})
    assert resp.status_code == 422
    assert 'id="import-form"' in resp.text
    assert message in resp.text.split('id="import-summary"', 1)[0]  # at the top, as it loads
    for name, value in choices.items():
        assert _selected(resp.text, name) == value
    assert 'value="import"' not in resp.text
    assert residents() == []

    choices["col_0"] = "name"
    assert client.post(url, data={"step": "import", **choices}).status_code == 303
    assert [r.name for r in residents()] == ["赵六", "钱七"]


def test_back_to_the_preview_after_the_import_shows_what_it_did(client, world, login_as):
    """Walk: Back from the result page gave 409 "这次上传已失效…" with only 返回首页."""
    login_as(world.secretary_a)
    done = import_sheet(client, xlsx([HEADERS, row()])).headers["Location"]
    preview_url = done.removesuffix("/done")
    back = client.get(preview_url)
    assert back.status_code == 303
    assert back.headers["Location"] == done
    again = client.post(preview_url, data={"step": "import"})
    assert again.status_code == 303
    assert again.headers["Location"] == done
    assert [r.name for r in residents()] == ["张福贵"]
    login_as(world.secretary_b)
    assert client.get(preview_url).status_code == 409
