"""Complaints about officials (R15) in the tallies: of them the township sees one
township-wide count, the secretary none (Art. 30; scope.py), and nobody a count by place."""

import html

import pytest

from app.timeutil import local_today
from tests.tallies.files import read_csv, read_xlsx

EN = {"Accept-Language": "en"}
R15 = "Accusations against officials"
BY_CATEGORY = "Requests received by category"
WHOLE_TOWNSHIP = "Complaints about officials, whole township"


@pytest.fixture
def complaints(world, make_request):
    """Three ordinary requests and `n` complaints about officials, all in grid A1 this month."""

    def _make(n: int) -> None:
        today = local_today()
        for _ in range(3):
            make_request(world.a1, category="R04", received_on=today)
        for _ in range(n):
            make_request(world.a1, category="R15", received_on=today)

    return _make


def _files(client, query: str) -> dict[str, str]:
    page = client.get(f"/tallies?{query}", headers=EN)
    csv = client.get(f"/tallies/export.csv?{query}", headers=EN)
    xlsx = client.get(f"/tallies/export.xlsx?{query}", headers=EN)
    assert (page.status_code, csv.status_code, xlsx.status_code) == (200, 200, 200)
    sheet = read_xlsx(xlsx.data)["Requests by category"]
    return {
        "page": html.unescape(page.get_data(as_text=True)),
        "csv": csv.data.decode("utf-8-sig"),
        "xlsx": "\n".join(" ".join(str(c) for c in row) for row in sheet.rows),
        "csv_rows": read_csv(csv.data)[1],
        "xlsx_rows": sheet.rows,
    }


@pytest.mark.parametrize("place", ["", "community={ca}", "community={cb}", "grid={b2}"])
def test_township_sees_one_township_wide_count_of_complaints_never_a_false_zero(
    client, world, login_as, complaints, place
):
    complaints(1)
    login_as(world.township_user)
    query = "period=month&" + place.format(ca=world.ca.id, cb=world.cb.id, b2=world.b2.id)
    files = _files(client, query)
    # No row for the category: not the 0 it read while the complaint was left out, and no
    # count of it per community or grid.
    for kind in ("page", "csv", "xlsx"):
        assert R15 not in files[kind], kind
    section = next(s for s in files["csv_rows"] if s.title == BY_CATEGORY)
    assert [r[0] for r in section.rows] == [r[0] for r in files["xlsx_rows"][1:] if len(r) > 1]
    assert "Property management" in [r[0] for r in section.rows]
    # The one township-wide count, small as every other: whatever place is in view.
    line = f"{WHOLE_TOWNSHIP} (handled by the discipline liaison, not counted above): <3"
    for kind in ("page", "csv", "xlsx"):
        assert line in files[kind], kind


def test_township_wide_count_of_complaints_is_exact_from_three(client, world, login_as, complaints):
    complaints(3)
    login_as(world.township_user)
    files = _files(client, f"period=month&community={world.cb.id}")
    line = f"{WHOLE_TOWNSHIP} (handled by the discipline liaison, not counted above): 3"
    for kind in ("page", "csv", "xlsx"):
        assert line in files[kind], kind
        assert R15 not in files[kind], kind


def test_secretary_sees_neither_a_row_nor_a_count_of_complaints(
    client, world, login_as, complaints
):
    complaints(3)
    login_as(world.secretary_a)
    files = _files(client, "period=month")
    for kind in ("page", "csv", "xlsx"):
        assert R15 not in files[kind], kind
        assert WHOLE_TOWNSHIP not in files[kind], kind
    section = next(s for s in files["csv_rows"] if s.title == BY_CATEGORY)
    # The ordinary requests are counted as before.
    assert ["3", "0", "3"] in [r[1:] for r in section.rows]
