"""The bottom bar on a phone: every tab's name whole, on one line and apart from its
neighbours, and every tab a thumb's size, at 390 and 360 px, in Chinese and in English."""

import pytest

from tests.browser.conftest import ARTIFACTS, login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

# Each tab: its box, its name's box, and the name's height in lines of its own text.
TABS = """() => [...document.querySelectorAll('#bottom-nav a')].map(a => {
  const label = a.querySelector('.nav-label');
  const s = getComputedStyle(label);
  const line = parseFloat(s.lineHeight) || 1.2 * parseFloat(s.fontSize);
  const box = r => [r.left, r.top, r.right, r.bottom];
  const l = label.getBoundingClientRect();
  return {text: label.innerText, tab: box(a.getBoundingClientRect()), label: box(l),
          lines: l.height / line, clipped: label.scrollWidth > Math.ceil(l.width)};
})"""


CURRENT = """(nav, n) => nav.querySelectorAll('a').forEach((a, i) => {
  if (i === n) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
})"""


@pytest.mark.parametrize("width", [390, 360])
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("username", ["secretary_a", "worker_a", "admin_1"])
def test_the_bottom_bar_reads_cleanly_on_a_phone(page, world, username, lang, width):
    """The tester's walk: a secretary's six English tabs wrapped or touched at 390 px
    ("Requests" against "Residents")."""
    page.set_viewport_size({"width": width, "height": 800})
    login(page, username, PASSWORD)
    page.goto(f"{page.base_url}/?lang={lang}")
    nav = page.locator("#bottom-nav")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    nav.screenshot(path=str(ARTIFACTS / f"bottom-nav-{username}-{lang}-{width}.png"))
    assert nav.locator("a[aria-current=page]").count() == 1
    count = nav.locator("a").count()
    assert count >= 4
    # The current tab's name is bold, so wider: each one in turn.
    for n in range(count):
        nav.evaluate(CURRENT, n)
        tabs = page.evaluate(TABS)
        for tab in tabs:
            left, top, right, bottom = tab["tab"]
            assert right - left >= 44, tab
            assert bottom - top >= 44, tab
            assert left >= 0, tab
            assert right <= width, tab
            assert tab["lines"] < 1.5, tab  # one line
            assert not tab["clipped"], tab
            # The name inside its own tab, with room to spare on each side.
            assert tab["label"][0] >= left + 2, tab
            assert tab["label"][2] <= right - 2, tab
        for before, after in zip(tabs, tabs[1:], strict=False):
            assert after["label"][0] - before["label"][2] >= 6, (before, after)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.js_errors == []
