"""The line above the tallies: the period counted and the day they stand on, in each language's
own words; and the months a township officer is shown for dates picked by hand.

The phone walk read "From Dec 1, 2026 to Dec 31, 2026 · Standing on Dec 6, 2026" and, for
2025-12-06 to 2026-12-06 picked by hand, thirteen whole months where twelve were meant.
"""

import html as htmllib
import re

import pytest

from app.extensions import db
from tests.tallies.files import read_csv

# CLDR's span of days: a thin space either side of the dash in both languages' long forms.
TO = "\u2009\u2013\u2009"


def _period_line(html: str) -> str:
    at = html.index('class="tally-period"')
    line = html[html.index(">", at) + 1 : html.index("</p>", at)]
    # Spaces and new lines as one space; CLDR's thin spaces kept.
    return re.sub(r"[ \n]+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", line))).strip()


@pytest.mark.parametrize(
    ("user", "lang", "period", "as_of"),
    [
        ("secretary_a", "en", f"Period: Dec 1{TO}31, 2026", "As of Dec 5, 2026"),
        ("secretary_a", "zh", f"统计期间：2026年12月1日{TO}31日", "截至2026年12月5日"),
        # The township's periods are whole months: named as months.
        ("township_user", "en", "Period: Dec 2026", "As of Dec 5, 2026"),
        ("township_user", "zh", "统计期间：2026年12月", "截至2026年12月5日"),
    ],
)
def test_the_period_and_its_day_read_as_the_language_writes_them(
    client, world, login_as, fifth_of_december, user, lang, period, as_of
):
    login_as(getattr(world, user))
    line = _period_line(
        fifth_of_december(client, "/tallies?period=month", lang).get_data(as_text=True)
    )
    assert line.startswith(f"{period} · {as_of}")
    assert "Standing" not in line
    assert "From" not in line


@pytest.mark.parametrize(
    ("lang", "period", "picked"),
    [
        (
            "en",
            f"Period: Dec 2025{TO}Nov 2026 (12 months)",
            f"Dates picked: Dec 5, 2025{TO}Dec 5, 2026, shown as the whole months above.",
        ),
        (
            "zh",
            f"统计期间：2025年12月{TO}2026年11月 （12个月）",
            f"所选日期：2025年12月5日{TO}2026年12月5日，按上面的整月显示。",
        ),
    ],
)
def test_twelve_months_picked_by_hand_show_twelve_whole_months(
    client, world, login_as, fifth_of_december, lang, period, picked
):
    """A year picked to the day cuts December in two, at both ends: one December is shown
    (the first: it holds 27 of the picked days, the last 5), not both."""
    login_as(world.township_user)
    url = "/tallies?from=2025-12-05&to=2026-12-05&period=custom"
    html = fifth_of_december(client, url, lang).get_data(as_text=True)
    assert 'name="from" type="date" value="2025-12-01"' in html
    assert 'name="to" type="date" value="2026-11-30"' in html
    assert "export.csv?from=2025-12-01&amp;to=2026-11-30" in html
    line = _period_line(html)
    assert line.startswith(period)
    assert picked in line
    # The months shown, asked for again, are what they are: nothing more to say.
    again = fifth_of_december(client, "/tallies?from=2025-12-01&to=2026-11-30&period=custom", lang)
    again = again.get_data(as_text=True)
    assert _period_line(again).startswith(period)
    assert 'id="tally-picked"' not in again
    # The export of the dates picked covers the same months as the page.
    cover, _sections = read_csv(
        fifth_of_december(client, url.replace("/tallies", "/tallies/export.csv")).data
    )
    assert ["From", "2025-12-01"] in cover
    assert ["To", "2026-11-30"] in cover


def test_the_last_12_months_are_12_whole_months_and_dates_picked_to_them_show_it(
    client, world, login_as, fifth_of_december
):
    login_as(world.township_user)
    html = fifth_of_december(client, "/tallies?period=last_12_months").get_data(as_text=True)
    assert _period_line(html).startswith(f"Period: Dec 2025{TO}Nov 2026 (12 months)")
    assert 'value="last_12_months" aria-pressed="true"' in html
    html = fifth_of_december(client, "/tallies?from=2025-12-05&to=2026-12-05&period=custom")
    assert 'value="last_12_months" aria-pressed="true"' in html.get_data(as_text=True)


def test_a_year_picked_to_a_day_late_in_the_month_shows_the_year_it_mostly_holds(
    client, world, login_as, fifth_of_december
):
    login_as(world.township_user)
    html = fifth_of_december(client, "/tallies?from=2025-11-20&to=2026-11-20&period=custom")
    html = html.get_data(as_text=True)
    assert 'name="from" type="date" value="2025-12-01"' in html
    assert 'name="to" type="date" value="2026-11-30"' in html


def test_dates_that_do_not_make_whole_months_are_widened_and_said(
    client, world, login_as, fifth_of_december
):
    """Eleven days over a month's end: both months, and the dates picked named."""
    login_as(world.township_user)
    html = fifth_of_december(client, "/tallies?from=2026-10-25&to=2026-11-04&period=custom")
    line = _period_line(html.get_data(as_text=True))
    assert line.startswith(f"Period: Oct{TO}Nov 2026 (2 months)")
    assert f"Dates picked: Oct 25{TO}Nov 4, 2026" in line


def test_the_township_notes_read_as_plain_english(client, world, login_as, fifth_of_december):
    login_as(world.township_user)
    html = fifth_of_december(client, "/tallies?period=month").get_data(as_text=True)
    text = htmllib.unescape(html)
    for said in (
        "counted as 2 in every figure that includes it (\u201c\u2248\u201d), so that it cannot "
        "be worked out by subtraction.",
        "Overdue: still open today and past its due date.",
        "A rate is shown only where at least 10 requests were decided (or replied to) in the "
        "period, rounded to the nearest 5%; the counts behind it are shown to the community only.",
    ):
        assert said in text
    for old in ("no subtraction can work it out", "the community's own", "due date today"):
        assert old not in text


def test_grids_of_the_same_name_are_told_apart_by_their_community(
    client, world, login_as, fifth_of_december
):
    """第1网格 in two communities: each under its community's heading in the grid filter."""
    world.a1.name = world.b1.name = "第1网格"
    db.session.commit()
    login_as(world.township_user)
    html = fifth_of_december(client, "/tallies", "zh").get_data(as_text=True)
    select = html[html.index('id="grid"') : html.index("</select>", html.index('id="grid"'))]
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select, re.S)
    assert [(label, sorted(re.findall(r'value="(\d+)"', body))) for label, body in groups] == [
        ("Community A", sorted([str(world.a1.id), str(world.a2.id)])),
        ("Community B", sorted([str(world.b1.id), str(world.b2.id)])),
    ]
    # With a community chosen, its grids only; one of another community is out of the form.
    html = fifth_of_december(client, f"/tallies?community={world.cb.id}", "zh").get_data(
        as_text=True
    )
    select = html[html.index('id="grid"') : html.index("</select>", html.index('id="grid"'))]
    assert re.findall(r'<optgroup label="([^"]+)"', select) == ["Community B"]
