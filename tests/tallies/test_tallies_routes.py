"""The tallies dashboard: who sees it, which places, the filters, page and fragment."""

import json
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent
from app.tallies.forms import preset_dates
from app.tallies.tables import CATEGORY_COLOURS
from app.timeutil import local_today
from tests.conftest import fragment_root_ids


def _table(html: str, key: str) -> str:
    start = html.index(f'id="table-{key}"')
    return html[start : html.index("</table>", start)]


def test_township_sees_dashboard_with_charts_and_tables(client, world, login_as, visit_in):
    visit_in(purpose="screening")
    login_as(world.township_user)
    resp = client.get("/tallies", headers={"Accept-Language": "en"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "<html" in html
    assert "HX-Request" in resp.headers["Vary"]
    assert resp.headers["Cache-Control"] == "no-store"
    # Chart.js and our script only on this page, no inline script.
    assert "vendor/chart.umd.min.js" in html
    assert "js/tallies.js" in html
    assert "<script>" not in html
    assert 'data-chart-key="hazards_weekly"' in html
    assert 'data-chart-key="hazard_status"' in html
    for key in (
        "visits",
        "screenings",
        "hazards_found",
        "hazard_status",
        "hazards_weekly",
        "requests",
        "request_timeliness",
        "request_categories",
        "referrals",
        "households",
    ):
        assert f'id="table-{key}"' in html
    # Rows per community for the township; the visit counted under its purpose.
    status = _table(html, "hazard_status")
    assert "Community A" in status
    assert "Community B" in status
    # One visit is a count that could point at a household.
    visits = _table(html, "visits")
    assert 'Hazard screening</th><td class="num">&lt;3</td>' in visits
    assert "whole calendar months" in html


def test_htmx_request_gets_only_the_fragment(client, world, login_as):
    login_as(world.township_user)
    resp = client.get("/tallies?period=last_month", htmx=True)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "<html" not in html
    assert fragment_root_ids(html)[0] == "tallies"
    assert html.strip().startswith('<div id="tallies">')
    assert "HX-Request" in resp.headers["Vary"]
    start, end = preset_dates("last_month", local_today())
    assert f'value="{start.isoformat()}"' in html
    assert f'value="{end.isoformat()}"' in html


def test_other_pages_do_not_load_chart_js(client, world, login_as):
    login_as(world.township_user)
    html = client.get("/requests").get_data(as_text=True)
    assert "chart.umd.min.js" not in html


@pytest.mark.parametrize("role", ["worker_a", "admin"])
def test_workers_and_admins_get_404(client, world, login_as, role):
    login_as(getattr(world, role))
    for url in ("/tallies", "/tallies/export.xlsx", "/tallies/export.csv"):
        assert client.get(url).status_code == 404


def test_anonymous_is_sent_to_login(client, world):
    resp = client.get("/tallies")
    assert resp.status_code in (302, 303)
    assert "/login" in resp.headers["Location"]


def test_secretary_sees_own_community_by_grid(client, world, login_as, visit_in):
    visit_in(world.b1, purpose="routine")
    visit_in(world.a1, purpose="routine")
    login_as(world.secretary_a)
    html = client.get("/tallies").get_data(as_text=True)
    status = _table(html, "hazard_status")
    assert ">A1<" in status
    assert ">A2<" in status
    assert "B1" not in html
    assert "Community B" not in html
    # Only community A's visit is counted.
    assert 'class="num">1</td>' in _table(html, "visits")
    assert 'class="num">2</td>' not in _table(html, "visits")


@pytest.mark.parametrize(
    "url",
    [
        "/tallies?community={cb}",
        "/tallies?grid={b1}",
        "/tallies/export.csv?community={cb}",
        "/tallies/export.xlsx?grid={b2}",
        "/tallies?grid=999999",
        "/tallies?community=999999",
    ],
)
def test_secretary_places_outside_scope_are_404(client, world, login_as, url):
    login_as(world.secretary_a)
    resp = client.get(url.format(cb=world.cb.id, b1=world.b1.id, b2=world.b2.id))
    assert resp.status_code == 404
    refusals = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "access_denied")
    )
    assert refusals == 1


@pytest.mark.parametrize(
    "url", ["/tallies?grid=abc", "/tallies?community=1e3", "/tallies/export.csv?grid=-1"]
)
def test_a_place_that_is_no_id_is_404_not_a_message_beside_the_select(client, world, login_as, url):
    """The walk: "/tallies?grid=abc" showed WTForms' own "选择无效：无法转化类型。"."""
    login_as(world.secretary_a)
    resp = client.get(url)
    assert resp.status_code == 404
    assert "无法转化" not in resp.text


def test_township_cannot_see_another_township(client, world, login_as):
    from app.models import Community, Grid, Township

    other = Township(name="Elsewhere")
    oc = Community(township=other, name="Far")
    og = Grid(community=oc, name="F1")
    db.session.add_all([other, oc, og])
    db.session.commit()
    login_as(world.township_user)
    assert client.get(f"/tallies?community={oc.id}").status_code == 404
    assert client.get(f"/tallies?grid={og.id}").status_code == 404
    assert "Far" not in client.get("/tallies").get_data(as_text=True)


def test_community_filter_gives_rows_per_grid(client, world, login_as):
    login_as(world.township_user)
    html = client.get(f"/tallies?community={world.cb.id}").get_data(as_text=True)
    status = _table(html, "hazard_status")
    assert ">B1<" in status
    assert ">B2<" in status
    assert ">A1<" not in status


def test_grid_filter_limits_the_counts(client, world, login_as, visit_in):
    visit_in(world.a1, purpose="elderly_care")
    for _ in range(3):
        visit_in(world.a2, purpose="elderly_care")
    login_as(world.township_user)
    html = client.get(f"/tallies?grid={world.a2.id}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert 'Elderly care visit</th><td class="num">3</td>' in _table(html, "visits")
    # A grid of another community with a community chosen: the community wins.
    html = client.get(f"/tallies?community={world.cb.id}&grid={world.a2.id}").get_data(as_text=True)
    assert ">B1<" in _table(html, "hazard_status")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2024-03-10&to=2024-03-01&period=custom", "before the start date"),
        ("from=1900-01-01&to=1900-02-01&period=custom", "Pick a date between Jan 1, 2000 and"),
        ("from=garbage&to=2024-03-01&period=custom", "Not a valid date"),
        ("from=2024-02-30&to=2024-03-01", "There is no such day: check the month and the day."),
        ("from=2019-01-01&to=2024-12-31", "at most five years"),
        ("from=2024-01-01", "Fill in “To”."),
        ("from=2024-01-01&to=&period=custom", "Fill in “To”."),
        ("from=&to=2024-01-01&period=custom", "Fill in “From”."),
        ("period=yesterday", "Pick one of the periods offered"),
    ],
)
def test_bad_dates_give_a_message_not_a_500(client, world, login_as, query, message):
    login_as(world.township_user)
    resp = client.get(f"/tallies?{query}", headers={"Accept-Language": "en"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert message in html
    # An empty date is to be filled in; the format is not what is wrong with it.
    assert "YYYY-MM-DD" not in html
    assert 'id="table-visits"' not in html
    # The export refuses the same filters with the same message, and writes no audit row.
    resp = client.get(f"/tallies/export.xlsx?{query}", headers={"Accept-Language": "en"})
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "export")
        )
        == 0
    )


@pytest.mark.parametrize("preset", ["week", "month", "last_month", "last_12_months"])
def test_presets_set_the_period(client, world, login_as, preset):
    login_as(world.secretary_a)  # the township's periods are whole months (test_disclosure)
    html = client.get(f"/tallies?period={preset}&from=2001-01-01&to=2001-01-02").get_data(
        as_text=True
    )
    start, end = preset_dates(preset, local_today())
    assert f'name="from" type="date" value="{start.isoformat()}"' in html
    assert f"export.csv?from={start.isoformat()}&amp;to={end.isoformat()}" in html
    assert 'aria-pressed="true"' in html


@pytest.mark.parametrize("preset", ["week", "month", "last_month", "last_12_months"])
def test_a_preset_puts_its_dates_in_the_address(client, world, login_as, preset):
    """The address kept the dates of the period shown before the preset was tapped: a reload
    or a shared link showed another period than the page."""
    login_as(world.secretary_a)
    query = f"period={preset}&from=2001-01-01&to=2001-01-02&grid={world.a1.id}"
    resp = client.get(f"/tallies?{query}", htmx=True)
    start, end = preset_dates(preset, local_today())
    address = f"/tallies?from={start.isoformat()}&to={end.isoformat()}&grid={world.a1.id}"
    assert resp.headers["HX-Push-Url"] == address
    # That address shows the same period, with the preset's button pressed.
    html = client.get(address).get_data(as_text=True)
    assert f'name="from" type="date" value="{start.isoformat()}"' in html
    assert f'name="to" type="date" value="{end.isoformat()}"' in html
    assert re.search(rf'value="{preset}" aria-pressed="true"', html)


def test_dates_typed_stay_the_address_asked_for(client, world, login_as):
    login_as(world.secretary_a)
    resp = client.get("/tallies?from=2024-02-01&to=2024-02-29&period=custom", htmx=True)
    assert "HX-Push-Url" not in resp.headers
    resp = client.get("/tallies?period=yesterday", htmx=True)  # refused: nothing shown
    assert "HX-Push-Url" not in resp.headers


def test_custom_period_and_default_month(client, world, login_as):
    login_as(world.township_user)
    html = client.get("/tallies?from=2024-02-01&to=2024-02-29&period=custom").get_data(as_text=True)
    assert "export.xlsx?from=2024-02-01&amp;to=2024-02-29" in html
    assert 'aria-pressed="true"' not in html  # a period of one's own: no preset shows chosen
    # Five weeks, cut to February: from 1 February (a Thursday) to the 29th.
    assert _table(html, "hazards_weekly").count("<tr>") == 1 + 5
    assert "2月1日至4日" in _table(html, "hazards_weekly")
    start, end = preset_dates("month", local_today())
    html = client.get("/tallies").get_data(as_text=True)
    assert f"from={start.isoformat()}&amp;to={end.isoformat()}" in html
    # The default period is this month, and its button shows it.
    assert re.search(r'value="month" aria-pressed="true"', html)
    assert html.count('aria-pressed="true"') == 1


def _presets(html: str) -> list[str]:
    box = html[html.index('class="tally-presets"') : html.index("</fieldset>")]
    return re.findall(r'name="period" value="([a-z0-9_]+)"', box)


def test_township_is_offered_only_periods_it_can_be_shown(client, world, login_as):
    """Township figures cover whole months: no "This week" that would show whole months."""
    login_as(world.township_user)
    html = client.get("/tallies", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert _presets(html) == ["month", "last_month", "last_12_months"]
    assert "本周" not in html
    assert "本月" in html
    assert "近12个整月" in html
    login_as(world.secretary_a)  # exact counts of one's own grids: a week is a week
    html = client.get("/tallies", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert _presets(html) == ["week", "month", "last_month", "last_12_months"]
    assert "本周" in html


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("zh", "街道查看的统计按整月计算：请选择本月"),
        ("en", "Township figures cover whole calendar months: pick"),
    ],
)
def test_township_week_from_an_old_link_is_refused_with_a_reason(
    client, world, login_as, lang, message
):
    login_as(world.township_user)
    resp = client.get("/tallies?period=week", headers={"Accept-Language": lang})
    html = resp.get_data(as_text=True)
    assert message in html
    assert 'id="table-visits"' not in html
    resp = client.get("/tallies/export.xlsx?period=week", headers={"Accept-Language": lang})
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)


def test_township_dates_show_the_whole_months_counted(client, world, login_as):
    login_as(world.township_user)
    html = client.get("/tallies?from=2024-02-12&to=2024-03-03&period=custom").get_data(as_text=True)
    # A week typed in is shown as the months it touches, in the inputs as in the tables.
    assert 'name="from" type="date" value="2024-02-01"' in html
    assert 'name="to" type="date" value="2024-03-31"' in html
    assert "export.xlsx?from=2024-02-01&amp;to=2024-03-31" in html
    assert 'aria-pressed="true"' not in html


def test_preset_dates():
    today = date(2024, 3, 14)  # a Thursday
    assert preset_dates("week", today) == (date(2024, 3, 11), date(2024, 3, 17))
    assert preset_dates("month", today) == (date(2024, 3, 1), date(2024, 3, 31))
    assert preset_dates("last_month", today) == (date(2024, 2, 1), date(2024, 2, 29))
    assert preset_dates("last_month", date(2024, 1, 5)) == (date(2023, 12, 1), date(2023, 12, 31))
    assert preset_dates("month", date(2024, 12, 31)) == (date(2024, 12, 1), date(2024, 12, 31))
    # Twelve whole months before this one: each counted to its end.
    last_12 = (date(2023, 3, 1), date(2024, 2, 29))
    assert preset_dates("last_12_months", today) == last_12
    assert preset_dates("last_12_months", date(2024, 1, 5)) == (
        date(2023, 1, 1),
        date(2023, 12, 31),
    )


def test_hazard_states_and_median_on_the_page(client, world, login_as):
    today = local_today()
    found = today - timedelta(days=10)
    from app.models import ChecklistItem, Hazard

    item = db.session.scalar(sa.select(ChecklistItem).where(ChecklistItem.code == "G1"))

    def hazard(grid, status, due, rectified_after=None, severity="S1"):
        db.session.add(
            Hazard(
                item_id=item.id,
                template_id=item.template_id,
                grid_id=grid.id,
                severity=severity,
                found_on=found,
                due_on=due,
                status=status,
                rectified_on=found + timedelta(days=rectified_after)
                if rectified_after is not None
                else None,
            )
        )

    hazard(world.a1, "open", today - timedelta(days=1))  # overdue
    hazard(world.a1, "open", today + timedelta(days=1))  # open, in time
    hazard(world.a1, "rectified", today, rectified_after=2)
    hazard(world.a2, "verified", today, rectified_after=5)
    hazard(world.b1, "verified", today, rectified_after=4, severity="S3")
    db.session.commit()
    login_as(world.secretary_a)  # exact counts: the township would see these hidden
    html = client.get(f"/tallies?from={found - timedelta(days=3)}&to={today}").get_data(
        as_text=True
    )
    status = _table(html, "hazard_status")
    # A1: found 3, rectified 1, verified 0, open 2, overdue 1, median 2.
    assert (
        'A1</th><td class="num">3</td><td class="num">1</td>'
        '<td class="num">0</td><td class="num">2</td><td class="num">1</td>'
        '<td class="num">2.0</td>'
    ) in status
    # Total of the community: found 4, median of 2 and 5.
    assert (
        '<td class="num">4</td><td class="num">2</td><td class="num">1</td>'
        '<td class="num">2</td><td class="num">1</td><td class="num">3.5</td></tr></tfoot>'
    ) in status
    login_as(world.township_user)
    html = client.get(f"/tallies?from={found - timedelta(days=3)}&to={today}").get_data(
        as_text=True
    )
    # No median over hazards that include a small count, and the table says why.
    assert '<td class="num">–</td></tr></tfoot>' in _table(html, "hazard_status")
    why = "No median is shown where the hazards found include a hidden count"
    assert why in client.get(
        f"/tallies?lang=en&from={found - timedelta(days=3)}&to={today}"
    ).get_data(as_text=True)
    login_as(world.secretary_a)  # her figures are exact: no such note
    assert why not in client.get(
        f"/tallies?lang=en&from={found - timedelta(days=3)}&to={today}"
    ).get_data(as_text=True)


@pytest.mark.parametrize(
    ("track", "status", "received", "accepted", "ext", "formal", "overdue"),
    [
        ("community", "received", 3, None, None, None, False),  # acknowledge due today
        ("community", "received", 4, None, None, None, True),
        ("community", "accepted", 15, 1, None, None, False),  # resolve in 15 from receipt
        ("community", "accepted", 16, 1, None, None, True),
        ("formal", "received", 15, None, None, None, False),  # notice due on day 15
        ("formal", "received", 16, None, None, None, True),
        ("formal", "received", 40, None, None, 15, False),  # clock from becoming formal
        ("formal", "accepted", 80, 60, None, None, False),  # reply due 60 days on
        ("formal", "accepted", 80, 61, None, None, True),
        ("formal", "accepted", 100, 70, 10, None, False),  # extended by 10 days
        ("formal", "accepted", 100, 71, 10, None, True),
        ("formal", "replied", 100, 90, None, None, False),
        ("formal", "not_accepted", 100, None, None, None, False),
    ],
)
def test_request_overdue_boundaries(
    client, world, login_as, make_request, track, status, received, accepted, ext, formal, overdue
):
    """Days before today: a request is overdue the day after its due date."""
    today = local_today()
    make_request(
        world.a1,
        track=track,
        status=status,
        received_on=today - timedelta(days=received),
        accepted_on=None if accepted is None else today - timedelta(days=accepted),
        replied_on=today if status == "replied" else None,
        formal_on=None if formal is None else today - timedelta(days=formal),
        extension_days=ext,
    )
    login_as(world.secretary_a)
    html = client.get(f"/tallies?from={today - timedelta(days=365)}&to={today}").get_data(
        as_text=True
    )
    footer = _table(html, "requests").split("<tfoot>")[1]
    cells = re.findall(r'class="num">(\d+)<', footer)
    assert cells[0] == "1"
    assert cells[3] == ("1" if overdue else "0")


def test_weekly_chart_uses_a_categorical_palette_and_labels_its_bars(
    client, world, login_as, visit_in
):
    visit_in(purpose="screening")
    login_as(world.township_user)
    html = client.get("/tallies").get_data(as_text=True)
    assert "vendor/chartjs-plugin-datalabels.min.js" in html
    raw = re.search(r"data-chart-key=\"hazards_weekly\"[^>]*data-chart='([^']*)'", html).group(1)
    spec = json.loads(raw.replace("&#34;", '"').replace("&amp;", "&"))
    assert spec["labelled"] is True
    colours = [d["color"] for d in spec["datasets"]]
    assert len(spec["datasets"]) == 7
    assert len(set(colours)) == 7  # seven categories, seven distinct colours
    assert set(colours) <= {c for c, _text in CATEGORY_COLOURS}
    # Each number drawn on a bar reads against its colour (WCAG AA for text).
    for colour, text in CATEGORY_COLOURS:
        assert _contrast(colour, text) >= 4.5


def _contrast(a: str, b: str) -> float:
    def luminance(colour: str) -> float:
        colour = colour.lstrip("#")
        if len(colour) == 3:
            colour = "".join(ch * 2 for ch in colour)
        rgb = [int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize(
    ("lang", "message"),
    [("zh", "这个时段还没有开始"), ("en", "This period has not begun")],
)
def test_a_period_not_begun_says_so_instead_of_bare_zeros(client, world, login_as, lang, message):
    """Walk: next spring's months showed only zeros, as if nothing had been done."""
    login_as(world.township_user)
    today = local_today()
    later = date(today.year + 1, 3, 1)
    end = later.replace(day=30)
    query = f"/tallies?from={later.isoformat()}&to={end.isoformat()}&period=custom"
    html = client.get(query, headers={"Accept-Language": lang}).get_data(as_text=True)
    assert 'id="table-visits"' in html
    assert message in html
    # A period that has begun, even one running on past today, counts what is there: no note.
    html = client.get("/tallies", headers={"Accept-Language": lang}).get_data(as_text=True)
    assert 'id="tally-not-begun"' not in html


def _chart(html: str, key: str) -> dict:
    raw = re.search(rf"data-chart-key=\"{key}\"[^>]*data-chart='([^']*)'", html).group(1)
    return json.loads(raw.replace("&#34;", '"').replace("&amp;", "&"))


def test_a_hidden_small_count_is_a_bar_read_as_under_3_not_no_bar(client, world, login_as):
    """The walk: the township's chart drew "<3" as nothing (read as none) and "≈7" as 7."""
    from app.models import ChecklistItem, Hazard

    item = db.session.scalar(sa.select(ChecklistItem).where(ChecklistItem.code == "F3"))
    found = local_today()
    db.session.add(
        Hazard(
            item_id=item.id,
            template_id=item.template_id,
            grid_id=world.a1.id,
            severity="S1",
            found_on=found,
            due_on=found,
            status="open",
        )
    )
    db.session.commit()
    login_as(world.township_user)
    html = client.get("/tallies").get_data(as_text=True)

    drawn = []
    for key in ("hazards_weekly", "hazard_status"):
        for dataset in _chart(html, key)["datasets"]:
            if "shown" not in dataset:  # exact figures only: drawn and labelled as they are
                assert all(v is None or isinstance(v, int) for v in dataset["data"])
                continue
            for value, shown in zip(dataset["data"], dataset["shown"], strict=True):
                if shown == "<3":
                    drawn.append(value)
                if shown.startswith("\u2248"):
                    assert value == int(shown[1:])
    assert drawn
    assert set(drawn) == {2}  # as the totals beside it count it
