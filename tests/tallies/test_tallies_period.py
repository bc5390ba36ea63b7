"""The line above the tallies: the period counted and the day they stand on, in each language's
own words, and the notes under the tables in plain English.

The phone walk read "From Dec 1, 2026 to Dec 31, 2026 · Standing on Dec 6, 2026".
"""

import html as htmllib
import re

import pytest

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
