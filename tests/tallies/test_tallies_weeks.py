"""The weekly hazards table follows the period: weeks cut to its days, none not yet begun.

The walk found December's table (read on the 5th) starting at "2026-11-30" and ending in
weeks of zeros that had not begun; a later walk found its weeks written "12-01 – 12-06", a
bare month and day in no language's form: the page writes them as the language writes a
span of days (Dec 1 – 6, 12月1日至6日), the exports as ISO dates.
"""

import html as htmllib
import json
import re
from datetime import date

import pytest

from tests.tallies.files import read_csv, read_xlsx

EN = {"Accept-Language": "en"}


@pytest.fixture
def found_on(make_resident, make_visit, make_hazard):
    """`n` hazards (fire checklist) found in grid A1 on `day`."""

    def _make(day: date, n: int = 1):
        for _ in range(n):
            make_hazard(visit=make_visit(resident=make_resident(), day=day))

    return _make


def _weekly_rows(page: str) -> list[list[str]]:
    table = page[page.index('id="table-hazards_weekly"') :]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    return [
        [htmllib.unescape(c) for c in re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def _sheet_rows(data: bytes) -> list[list[str]]:
    rows = read_xlsx(data)["Hazards by week"].rows
    body = rows[1 : rows.index([])] if [] in rows else rows[1:]
    return [[str(v) for v in row] for row in body]


def test_this_month_lists_only_weeks_begun_cut_to_the_month(
    client, world, login_as, fifth_of_december, found_on
):
    found_on(date(2026, 11, 30), 4)  # the same Monday's week, but November: not counted
    found_on(date(2026, 12, 1), 3)
    found_on(date(2026, 12, 4))
    login_as(world.secretary_a)
    page = fifth_of_december(client, "/tallies?period=month").get_data(as_text=True)
    assert "export.csv?from=2026-12-01&amp;to=2026-12-31" in page
    # Fire is the first checklist; the row's total last.
    assert _weekly_rows(page) == [["Dec 1\u2009\u2013\u20096", "4", *["0"] * 6, "4"]]
    assert "Week starting" not in page


def test_township_month_weeks_match_the_rollup_and_hide_small_counts(
    client, world, login_as, fifth_of_december, found_on
):
    found_on(date(2026, 12, 2), 3)
    found_on(date(2026, 11, 30), 1)  # the month before: a week of its own there
    login_as(world.township_user)
    page = fifth_of_december(client, "/tallies?period=month").get_data(as_text=True)
    assert _weekly_rows(page) == [["Dec 1\u2009\u2013\u20096", "3", *["0"] * 6, "3"]]
    # The week before: cut to November's last day, its one hazard hidden; its neighbour
    # across the month end (1 to 6 December) is another row.
    nov_dec = "from=2026-11-01&to=2026-12-31&period=custom"
    rows = _weekly_rows(fifth_of_december(client, f"/tallies?{nov_dec}").get_data(as_text=True))
    assert [r[0] for r in rows] == [
        "Nov 1",
        "Nov 2\u2009\u2013\u20098",
        "Nov 9\u2009\u2013\u200915",
        "Nov 16\u2009\u2013\u200922",
        "Nov 23\u2009\u2013\u200929",
        "Nov 30\u2009\u2013\u2009Dec 6",
    ]
    # Across the month end the row adds November's small atom (as 2) to December's three.
    assert rows[-1][1] == "\u22485"


def test_a_past_month_ends_with_its_last_days(client, world, login_as, found_on):
    found_on(date(2026, 10, 31))  # Saturday of the week that runs into November
    found_on(date(2026, 11, 1), 2)  # a Sunday: November's first week is one day
    found_on(date(2026, 11, 30))  # a Monday: its last week is one day too
    login_as(world.secretary_a)
    page = client.get("/tallies?from=2026-11-01&to=2026-11-30&period=custom", headers=EN).get_data(
        as_text=True
    )
    rows = _weekly_rows(page)
    assert len(rows) == 6
    assert rows[0] == ["Nov 1", "2", *["0"] * 6, "2"]
    assert rows[-1] == ["Nov 30", "1", *["0"] * 6, "1"]
    assert sum(int(r[-1]) for r in rows) == 3


@pytest.mark.parametrize("user", ["secretary_a", "township_user"])
def test_the_exports_list_the_same_weeks_as_the_page(
    client, world, login_as, fifth_of_december, found_on, user
):
    found_on(date(2026, 12, 1), 3)
    found_on(date(2026, 12, 3))
    login_as(getattr(world, user))
    query = "from=2026-11-01&to=2026-12-31&period=custom"
    get = fifth_of_december
    page = _weekly_rows(get(client, f"/tallies?{query}").get_data(as_text=True))
    assert len(page) == 6
    # The same weeks, each named by ISO dates with its year: a file is sorted and passed on.
    weeks = [
        "2026-11-01 \u2013 2026-11-01",
        "2026-11-02 \u2013 2026-11-08",
        "2026-11-09 \u2013 2026-11-15",
        "2026-11-16 \u2013 2026-11-22",
        "2026-11-23 \u2013 2026-11-29",
        "2026-11-30 \u2013 2026-12-06",
    ]
    in_file = [[week, *row[1:]] for week, row in zip(weeks, page, strict=True)]
    # The workbook holds "≈n" as the number n shown behind a "≈" (export.py).
    as_numbers = [[c.removeprefix("\u2248") for c in row] for row in in_file]
    assert _sheet_rows(get(client, f"/tallies/export.xlsx?{query}").data) == as_numbers
    _cover, sections = read_csv(get(client, f"/tallies/export.csv?{query}").data)
    weekly = next(s for s in sections if s.rows and s.rows[0][0] == weeks[0])
    assert weekly.rows == in_file


def test_a_period_over_two_years_labels_weeks_with_the_year(client, world, login_as):
    login_as(world.secretary_a)
    page = client.get("/tallies?from=2025-12-29&to=2026-01-06&period=custom", headers=EN).get_data(
        as_text=True
    )
    assert [r[0] for r in _weekly_rows(page)] == [
        "Dec 29, 2025\u2009\u2013\u2009Jan 4, 2026",
        "Jan 5\u2009\u2013\u20096, 2026",
    ]


@pytest.mark.parametrize(
    ("lang", "weeks"),
    [
        ("en", ["Nov 1", "Nov 2\u2009\u2013\u20098", "Nov 30\u2009\u2013\u2009Dec 6"]),
        ("zh", ["11月1日", "11月2日至8日", "11月30日至12月6日"]),
    ],
)
def test_weeks_read_as_the_language_writes_a_span_of_days_in_table_and_chart(
    client, world, login_as, fifth_of_december, lang, weeks
):
    login_as(world.secretary_a)
    page = fifth_of_december(client, "/tallies?from=2026-11-01&to=2026-12-31", lang)
    html = page.get_data(as_text=True)
    rows = [r[0] for r in _weekly_rows(html)]
    assert [rows[0], rows[1], rows[-1]] == weeks
    chart = re.search(r"data-chart-key=\"hazards_weekly\"[^>]*data-chart='([^']*)'", html)
    assert json.loads(htmllib.unescape(chart.group(1)))["labels"] == rows
