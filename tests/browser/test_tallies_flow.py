"""The township office reads the tallies on a phone: charts drawn, presets swap the results."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import ChecklistItem, Hazard
from app.tallies.forms import preset_dates
from app.timeutil import local_today
from tests.browser.conftest import login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

CHARTS_DRAWN = """() => [...document.querySelectorAll('canvas[data-chart]')]
    .filter(c => window.Chart && window.Chart.getChart(c)).length"""


def _wait_for_charts(page, n=2):
    # wait_for_function evaluates a string in the page, which our CSP forbids: poll instead.
    for _ in range(100):
        if page.evaluate(CHARTS_DRAWN) == n:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{n} charts were not drawn")


def _hazards(world):
    item = db.session.scalar(sa.select(ChecklistItem).where(ChecklistItem.code == "F3"))
    today = local_today()
    for grid, days_ago, status in (
        (world.a1, 2, "open"),
        (world.b1, 20, "open"),
        (world.b2, 40, "verified"),
    ):
        found = today - timedelta(days=days_ago)
        db.session.add(
            Hazard(
                item_id=item.id,
                template_id=item.template_id,
                grid_id=grid.id,
                severity="S1",
                found_on=found,
                due_on=found,
                status=status,
                rectified_on=found if status != "open" else None,
            )
        )
    db.session.commit()


def test_township_sees_charts_and_switches_period(page, world, shoot):
    _hazards(world)
    login(page, "township_1", PASSWORD)
    assert "/tallies" in page.url
    _wait_for_charts(page)
    # The weekly chart writes each part's number on its bar (chartjs-plugin-datalabels).
    labelled = """() => Chart.getChart(document.querySelector(
        'canvas[data-chart-key=hazards_weekly]')).config.plugins.some(p => p.id === 'datalabels')"""
    assert page.evaluate(labelled)
    # A hidden small count stands as a bar labelled "<3", not as no bar (read as none).
    small = """() => { const c = Chart.getChart(document.querySelector(
        'canvas[data-chart-key=hazards_weekly]'));
        const label = c.config.options.plugins.datalabels.formatter;
        return c.data.datasets.flatMap(ds => ds.data.map(
            (v, i) => [v, label(v, {dataset: ds, dataIndex: i})])).filter(p => p[1] === '<3'); }"""
    assert page.evaluate(small)[0] == [2, "<3"]
    # Wide tables scroll in their own box; the page itself fits the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(page, "tallies-this-month")
    this_month = page.locator(".tally-period").inner_text()
    page.click("button[value=last_month]")
    # The address names the dates shown, not the preset nor the dates shown before it.
    start, end = preset_dates("last_month", local_today())
    page.wait_for_url(f"**/tallies?from={start.isoformat()}&to={end.isoformat()}")
    _wait_for_charts(page)
    assert page.locator("button[value=last_month]").get_attribute("aria-pressed") == "true"
    last_month = page.locator(".tally-period").inner_text()
    assert last_month != this_month
    page.reload()
    _wait_for_charts(page)
    assert page.locator(".tally-period").inner_text() == last_month
    assert page.locator("button[value=last_month]").get_attribute("aria-pressed") == "true"
    # htmx keeps no pages in history (app/htmx.py): Back loads the address anew.
    with page.expect_event("load"):
        page.go_back()
    assert page.url.endswith("/tallies")
    _wait_for_charts(page)
    assert page.locator(".tally-period").inner_text() == this_month
    with page.expect_event("load"):
        page.go_forward()
    assert page.url.endswith(f"/tallies?from={start.isoformat()}&to={end.isoformat()}")
    _wait_for_charts(page)
    assert page.locator(".tally-period").inner_text() == last_month
    # Choosing a community redraws the page for its grids.
    page.select_option("#community", label="Community B")
    page.wait_for_url(re.compile(r"community=\d"))
    _wait_for_charts(page)
    assert "B1" in page.locator("#table-hazard_status").inner_text()
    shoot(page, "tallies-community-b")
    with page.expect_download() as info:
        page.click("text=CSV")
    assert info.value.suggested_filename.endswith(".csv")
    assert page.js_errors == []


def test_enter_in_a_date_field_shows_the_dates_typed(page, world):
    """Enter submits with the form's first button: it was 'This month', which threw the typed
    dates away. It is now the same as tapping 'Show'."""
    first_of_month = local_today().replace(day=1)
    last_month = (first_of_month - timedelta(days=1)).replace(day=1)
    login(page, "township_1", PASSWORD)
    _wait_for_charts(page)
    page.fill("input[name=from]", last_month.replace(day=10).isoformat())
    page.fill("input[name=to]", last_month.replace(day=20).isoformat())
    page.press("input[name=to]", "Enter")
    page.wait_for_url("**period=custom**")
    _wait_for_charts(page)
    # Widened to the whole month typed (the township's figures are whole months).
    assert page.input_value("input[name=from]") == last_month.isoformat()
    assert page.input_value("input[name=to]") == (first_of_month - timedelta(days=1)).isoformat()
    assert page.js_errors == []


def test_a_table_wider_than_the_phone_says_so_and_keeps_its_row_names(page, world):
    """The walk: the weekly hazards (9 columns) were cut mid-word at the right edge, with
    nothing to say they scroll."""
    _hazards(world)
    login(page, "township_1", PASSWORD)
    wide = page.evaluate(
        """() => [...document.querySelectorAll('.scroll-x[role=region]')]
            .filter(b => b.scrollWidth > b.clientWidth + 1).map(b => b.querySelector('table').id)"""
    )
    assert wide, "no table wider than the phone to check"
    hinted = page.evaluate(
        """() => [...document.querySelectorAll('.scroll-x[role=region]')]
            .filter(b => b.querySelector(':scope > .wide-hint[aria-hidden=true]'))
            .map(b => b.querySelector('table').id)"""
    )
    assert hinted == wide
    assert page.locator(".wide-hint").first.inner_text() == "表格较宽：左右滑动查看更多列 →"
    # Scrolled to its end, the table's row names stay at the box's left edge.
    table = wide[0]
    lefts = page.evaluate(
        """id => { const t = document.getElementById(id), box = t.parentElement;
            box.scrollLeft = box.scrollWidth;
            const th = t.querySelector('tbody th[scope=row]');
            const hint = box.querySelector('.wide-hint');
            return [box.getBoundingClientRect().left, th.getBoundingClientRect().left,
                    box.scrollLeft, hint.getBoundingClientRect().right,
                    box.getBoundingClientRect().right]; }""",
        table,
    )
    assert lefts[2] > 0
    assert abs(lefts[1] - lefts[0]) < 2, lefts
    assert abs(lefts[3] - lefts[4]) < 2, lefts  # the hint too, in view at the right edge
    # Opaque, striped rows too: the figures scrolled under it do not show through.
    backgrounds = page.evaluate(
        """id => [...document.querySelectorAll(`#${id} tbody th[scope=row]`)]
            .map(th => getComputedStyle(th).backgroundColor)""",
        table,
    )
    assert set(backgrounds) == {"rgb(255, 255, 255)"}, backgrounds
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.js_errors == []
