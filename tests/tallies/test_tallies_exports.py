"""XLSX and CSV exports: structure, language, file names, audit, formulas, small counts."""

import io
import json
from datetime import timedelta
from urllib.parse import quote

import openpyxl
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, Community, Grid
from app.tallies.disclosure import month_end, month_start
from app.tallies.export import csv_safe
from app.timeutil import local_today
from tests.tallies.files import read_csv, read_xlsx, xlsx_number_format, xlsx_text

SHEETS_EN = [
    "Cover",
    "Visits",
    "Screenings",
    "Hazards found",
    "Hazard status",
    "Hazards by week",
    "Requests",
    "Request timeliness",
    "Requests by category",
    "Referrals",
    "Households",
]
EN = {"Accept-Language": "en"}


def _body(sheet) -> list[list]:
    """The header and data rows of a tally sheet (the note below them left out)."""
    rows = sheet.rows
    return rows[: rows.index([])] if [] in rows else rows


def _period() -> str:
    today = local_today()
    return f"from={today - timedelta(days=20)}&to={today}"


def test_xlsx_has_cover_and_one_sheet_per_tally(client, world, login_as, visit_in, make_request):
    for _ in range(3):  # three alike in each grid: no small count to hide
        visit_in(purpose="elderly_care")
        visit_in(world.b1, purpose="elderly_care")
    make_request(world.a1)
    login_as(world.township_user)
    resp = client.get(f"/tallies/export.xlsx?{_period()}", headers=EN)
    assert resp.status_code == 200
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert (
        resp.headers["Cache-Control"].startswith("no-store")
        or "no-store" in resp.headers["Cache-Control"]
    )
    sheets = read_xlsx(resp.data)
    assert list(sheets) == SHEETS_EN
    cover = {row[0]: row[1] for row in sheets["Cover"].rows if row and row[0] and len(row) > 1}
    assert cover["Township"] == "Test Township"
    assert cover["Community"] == "All communities"
    # The township's period is widened to whole calendar months.
    assert cover["From"] == str(month_start(local_today() - timedelta(days=20)))
    assert cover["To"] == str(month_end(local_today()))
    assert cover["Exported at"].startswith(str(local_today())[:4])
    assert "Asia/Shanghai" in cover["Exported at"]
    visits = sheets["Visits"]
    assert visits.rows[0] == ["Purpose", "Visits"]
    assert ["Elderly care visit", 6] in visits.rows
    assert ["Total", 6] in visits.rows
    status = sheets["Hazard status"]
    assert status.rows[0][0] == "Community"
    assert [r[0] for r in _body(status)[1:]] == ["Community A", "Community B", "Total"]
    for sheet in list(sheets.values())[1:]:
        # Frozen header row, column widths, no formulas anywhere.
        assert (
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            in sheet.xml
        )
        assert "<cols>" in sheet.xml
        assert sheet.formulas == 0
    # Counts formatted as whole numbers, medians with one decimal; weeks are labelled with
    # their first and last day in the period, as ISO dates (the page writes them as its
    # language does: the file is sorted and passed on).
    assert xlsx_number_format(resp.data, visits, 1, 1) == "#,##0"
    weekly = sheets["Hazards by week"]
    first = month_start(local_today() - timedelta(days=20))
    last = min(first + timedelta(days=6 - first.weekday()), month_end(first))
    assert _body(weekly)[1][0] == f"{first} \u2013 {last}"
    assert xlsx_number_format(resp.data, status, 1, 6) == "0.0"


def test_headers_in_the_users_language(client, world, login_as):
    login_as(world.township_user)
    world.township_user.locale = "zh_Hans"
    db.session.commit()
    resp = client.get(f"/tallies/export.xlsx?{_period()}")
    zh = read_xlsx(resp.data)
    templates = zh[list(zh)[2]].rows  # screenings by checklist: template names in Chinese
    assert "消防安全" in [r[0] for r in templates if r]
    world.township_user.locale = "en"
    db.session.commit()
    en = read_xlsx(client.get(f"/tallies/export.xlsx?{_period()}").data)
    assert list(en) == SHEETS_EN
    assert "Fire safety" in [r[0] for r in _body(en["Screenings"])]
    csv_en = client.get(f"/tallies/export.csv?{_period()}").data
    _cover, sections = read_csv(csv_en)
    assert sections[0].title == "Visits by purpose"
    assert sections[0].header == ["Purpose", "Visits"]


def test_csv_is_utf8_with_bom_and_all_tallies(client, world, login_as, visit_in):
    for _ in range(3):
        visit_in(world.b2, purpose="follow_up")
    login_as(world.township_user)
    resp = client.get(f"/tallies/export.csv?{_period()}", headers=EN)
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    assert resp.data.startswith(b"\xef\xbb\xbf")
    cover, sections = read_csv(resp.data)
    assert ["Township", "Test Township"] in cover
    assert [s.title for s in sections] == [
        "Visits by purpose",
        "Screenings by checklist",
        "Hazards found by category and severity",
        "Hazards found in the period and where they stand today",
        "Hazards found by category, week by week",
        "Requests received in the period and where they stand today",
        "Requests received in the period: decisions and replies on time",
        "Requests received by category",
        "Referrals to services by status",
        "Households visited",
    ]
    assert ["Follow-up", "3"] in sections[0].rows
    # Chinese reference names survive the round trip.
    zh = client.get(f"/tallies/export.csv?{_period()}").data.decode("utf-8-sig")
    assert "消防安全" in zh


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_file_name_has_township_and_period(client, world, login_as, fmt):
    world.township.name = "城关镇"
    db.session.commit()
    login_as(world.township_user)
    resp = client.get(f"/tallies/export.{fmt}?from=2024-02-01&to=2024-02-29", headers=EN)
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    name = f"城关镇 tallies 2024-02-01_2024-02-29.{fmt}"
    # RFC 5987 for the Chinese name, with an ASCII fallback for old clients.
    assert f"filename*=UTF-8''{quote(name, safe='!#$&+-.^_`|~')}" in disposition
    assert "2024-02-01_2024-02-29" in disposition.split("filename*")[0]


def test_secretary_export_names_the_community(client, world, login_as):
    login_as(world.secretary_a)
    resp = client.get("/tallies/export.csv?from=2024-02-01&to=2024-02-29", headers=EN)
    assert (
        "Test Township tallies Community A 2024-02-01_2024-02-29.csv"
        in resp.headers["Content-Disposition"]
    )
    cover, sections = read_csv(resp.data)
    assert ["Community", "Community A"] in cover
    assert [r[0] for r in sections[3].rows] == ["A1", "A2", "Total"]
    assert "B1" not in resp.data.decode("utf-8-sig")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_every_export_is_audited(client, world, login_as, fmt):
    login_as(world.township_user)
    resp = client.get(
        f"/tallies/export.{fmt}?from=2024-02-01&to=2024-02-29&community={world.ca.id}"
    )
    assert resp.status_code == 200
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert len(events) == 1
    e = events[0]
    assert (e.user_id, e.object_type) == (world.township_user.id, "tallies")
    assert json.loads(e.detail) == {
        "format": fmt,
        "from": "2024-02-01",
        "to": "2024-02-29",
        "community": world.ca.id,
        "grid": None,
    }
    # Viewing the dashboard is not an export.
    client.get("/tallies")
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "export")
        )
        == 1
    )


@pytest.mark.parametrize(
    "value", ['=HYPERLINK("http://x","y")', "+1+2", "-3", "@SUM(A1)", "\tTAB", "\rCR"]
)
def test_csv_safe_quotes_formula_text(value):
    assert csv_safe(value) == "'" + value
    assert csv_safe(3) == 3
    assert csv_safe("plain") == "plain"
    assert csv_safe(None) == ""


def test_formula_like_names_are_text_in_both_files(client, world, login_as):
    world.township.name = "=cmd|' /C calc'!A0"
    evil = Community(township=world.township, name='=HYPERLINK("http://evil","x")')
    db.session.add(evil)
    db.session.flush()
    db.session.add_all(
        [
            Grid(community=evil, name="+SUM(1,2)"),
            Grid(community=evil, name="-2"),
            Grid(community=evil, name="@A1"),
        ]
    )
    db.session.commit()
    login_as(world.township_user)
    xlsx = client.get(f"/tallies/export.xlsx?{_period()}&community={evil.id}", headers=EN).data
    sheets = read_xlsx(xlsx)
    assert all(s.formulas == 0 for s in sheets.values())
    text = xlsx_text(xlsx)
    assert "<f>" not in text
    assert "+SUM(1,2)" in [r[0] for r in _body(sheets["Hazard status"])]
    cover = {r[0]: r[1] for r in sheets["Cover"].rows if r and len(r) > 1}
    assert cover["Community"] == '=HYPERLINK("http://evil","x")'
    csv_text = client.get(
        f"/tallies/export.csv?{_period()}&community={evil.id}", headers=EN
    ).data.decode("utf-8-sig")
    cover_rows, sections = read_csv(csv_text.encode("utf-8-sig"))
    assert ["Township", "'=cmd|' /C calc'!A0"] in cover_rows
    assert ["Community", '\'=HYPERLINK("http://evil","x")'] in cover_rows
    places = [r[0] for r in sections[3].rows]
    assert places == ["'+SUM(1,2)", "'-2", "'@A1", "Total"]
    assert sections[7].header[1:] == ["'+SUM(1,2)", "'-2", "'@A1", "Total"]


def _category_row(rows, name="Property management"):
    return next(r for r in rows if r[0] == name)


def test_small_request_counts_are_counted_as_two_in_every_figure(
    client, world, login_as, make_request
):
    for _ in range(2):
        make_request(world.a1, category="R04")
    for _ in range(3):
        make_request(world.a2, category="R04")
    make_request(world.a2, category="R06")
    login_as(world.township_user)
    period = _period()
    # Community level: Community A adds up A1's two (counted as 2) and A2's three.
    _c, sections = read_csv(client.get(f"/tallies/export.csv?{period}", headers=EN).data)
    assert _category_row(sections[7].rows) == ["Property management", "≈5", "0", "≈5"]
    # Grid level: A1's two are "<3", A2's three exact, the total counts A1 as 2.
    query = f"{period}&community={world.ca.id}"
    _c, sections = read_csv(client.get(f"/tallies/export.csv?{query}", headers=EN).data)
    assert sections[7].header == ["Category", "A1", "A2", "Total"]
    assert _category_row(sections[7].rows) == ["Property management", "<3", "3", "≈5"]
    assert _category_row(sections[7].rows, "Neighbour disputes") == [
        "Neighbour disputes",
        "0",
        "<3",
        "<3",
    ]
    assert sections[5].rows[0][:2] == ["A1", "<3"]
    assert sections[5].rows[-1][:2] == ["Total", "≈7"]
    sheets = read_xlsx(client.get(f"/tallies/export.xlsx?{query}", headers=EN).data)
    # "≈5" is the number 5, shown as "≈5" (test_xlsx_approximate_figures_are_numbers).
    assert _category_row(sheets["Requests by category"].rows) == [
        "Property management",
        "<3",
        3,
        5,
    ]
    html = client.get(f"/tallies?{query}", headers=EN).get_data(as_text=True)
    table = html[html.index('id="table-request_categories"') :]
    table = table[: table.index("</table>")]
    assert 'Property management</th><td class="num">&lt;3</td><td class="num">3</td>' in table
    # A single grid: its one dispute is "<3".
    _c, sections = read_csv(
        client.get(f"/tallies/export.csv?{period}&grid={world.a2.id}", headers=EN).data
    )
    assert _category_row(sections[7].rows, "Neighbour disputes") == [
        "Neighbour disputes",
        "<3",
        "<3",
    ]


def test_secretary_sees_exact_counts_for_own_grids(client, world, login_as, make_request):
    make_request(world.a1, category="R04")
    login_as(world.secretary_a)
    _c, sections = read_csv(client.get(f"/tallies/export.csv?{_period()}", headers=EN).data)
    assert _category_row(sections[7].rows) == ["Property management", "1", "0", "1"]


def test_xlsx_approximate_figures_are_numbers(client, world, login_as, make_request):
    """In Excel a "≈" figure adds up and sorts as the number it is, still marked approximate;
    a "<3" stays text (nothing to add up), and a legend on the sheet and cover says so."""
    for _ in range(2):
        make_request(world.a1, category="R04")
    for _ in range(3):
        make_request(world.a2, category="R04")
    login_as(world.township_user)
    query = f"{_period()}&community={world.ca.id}"
    data = client.get(f"/tallies/export.xlsx?{query}", headers=EN).data
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Requests by category"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["Category", "A1", "A2", "Total"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "Property management")
    hidden, exact, approx = row[1], row[2], row[3]
    assert (hidden.value, hidden.data_type) == ("<3", "s")
    assert hidden.alignment.horizontal == "right"
    assert (exact.value, exact.data_type, exact.number_format) == (3, "n", "#,##0")
    assert (approx.value, approx.data_type) == (5, "n")
    assert approx.number_format == '"≈"#,##0'
    # The total row's approximate figures are numbers too.
    total = next(r for r in wb["Requests"].iter_rows(min_row=2) if r[0].value == "Total")
    assert (total[1].value, total[1].data_type, total[1].number_format) == (5, "n", '"≈"#,##0')
    assert total[1].font.b
    legend = [c.value for c in ws["A"] if isinstance(c.value, str) and "≈" in c.value]
    assert "<3" in legend[-1]
    cover = {r[0].value: r[1].value for r in wb["Cover"].iter_rows() if r[0].value}
    assert "<3" in cover["Symbols"]
    assert "≈" in cover["Symbols"]
    # No figure in a count column is left as text but "<3".
    for sheet in wb.worksheets[1:]:
        for r in sheet.iter_rows(min_row=2):
            for cell in r[1:]:
                assert cell.data_type != "s" or cell.value in ("<3", None), (sheet.title, cell)
            if r[0].value is None:
                break


def test_xlsx_of_exact_figures_has_no_legend(client, world, login_as, make_request):
    make_request(world.a1, category="R04")
    login_as(world.secretary_a)
    data = client.get(f"/tallies/export.xlsx?{_period()}", headers=EN).data
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert "Symbols" not in [r[0].value for r in wb["Cover"].iter_rows()]
