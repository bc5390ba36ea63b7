"""Debian's Chromium driven by Playwright, phone-sized, on the live server (tests/conftest.py).

Browser tests skip with a plain message when /usr/bin/chromium is missing, except in CI
(CI=true), where a missing browser is a failure.
"""

import atexit
import os
import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.extensions import db

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}

# Playwright's expect() waits 5 s by default: as the pages' own waits, long enough for two
# cores shared with the other engine's suite.
expect.set_options(timeout=30_000)


def pytest_collection_modifyitems(items):
    """Every test here carries the browser marker, so that `-m "not browser"` leaves none."""
    here = Path(__file__).parent
    unmarked = [
        item.nodeid
        for item in items
        if item.path.is_relative_to(here) and not item.get_closest_marker("browser")
    ]
    if unmarked:
        raise pytest.UsageError(f"browser tests without the browser marker: {unmarked}")


def _require_browser():
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"browser tests must run in CI, but {CHROMIUM} is missing")
    pytest.skip(f"browser tests skipped: {CHROMIUM} not found (apt-get install chromium)")


# One Chromium for the whole run, whichever directory's tests use it (tests/offline/ imports
# these fixtures too).
_RUNNING: dict = {}
_playwright = None


def shared_playwright():
    """One Playwright per test process: the sync API cannot run two at once, and the offline
    tests (tests/offline) launch their own Chromium from it."""
    global _playwright
    if _playwright is None:
        from playwright.sync_api import sync_playwright

        # Lets a test cut the service worker's own fetches too (context.set_offline).
        os.environ.setdefault("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")
        _playwright = sync_playwright().start()
        atexit.register(_playwright.stop)
    return _playwright


@pytest.fixture(scope="session")
def playwright_instance():
    _require_browser()
    return shared_playwright()


@pytest.fixture(scope="session")
def browser(playwright_instance):
    if "browser" not in _RUNNING:
        _RUNNING["browser"] = playwright_instance.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
    yield _RUNNING["browser"]
    if (b := _RUNNING.pop("browser", None)) is not None:
        b.close()


@contextmanager
def phone_page(browser, base_url: str, **options):
    """A fresh phone-sized browser (its own cookies) whose page collects JS errors."""
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        # Where the phones are: the township's day, not the test machine's (UTC).
        timezone_id="Asia/Shanghai",
        **options,
    )
    # Two cores shared with the other engine's suite (.ci/run runs both at once): a page may
    # take seconds to answer. A wait that passes returns as soon as it can.
    context.set_default_timeout(30_000)
    pg = context.new_page()
    pg.base_url = base_url
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.js_errors = errors
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture
def page(browser, live_server):
    with phone_page(browser, live_server.url) as pg:
        yield pg


@pytest.fixture
def page_without_worker(browser, live_server):
    """The phone before its service worker is active (the first visit), or a browser that
    runs none: a failed send is the page's own to report, and the page counts the bytes of
    an upload (through the service worker, which forwards uploads so that the outbox can
    keep them, Chromium reports no upload progress)."""
    with phone_page(browser, live_server.url, service_workers="block") as pg:
        yield pg


@pytest.fixture
def shoot(request):
    """Save a screenshot under test-artifacts/screenshots/<test>-<name>.png: the whole page, or
    (full_page=False) the screen as the phone shows it, which leaves its layout and scroll as
    they are (a whole-page shot lays the page out again at its full height)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def _shoot(pg, name: str, full_page: bool = True) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        pg.screenshot(path=str(path), full_page=full_page)
        return path

    return _shoot


def fresh_scalar(stmt):
    """Read the database as it is now (a new snapshot), from the test thread."""
    db.session.rollback()
    return db.session.scalar(stmt)


IN_VIEW = (
    "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }"
)


class Walk:
    """Taps, text entries and scrolls as a thumb would make them; a confirm's OK is a tap."""

    def __init__(self, page):
        self.page, self.taps, self.texts, self.scrolls = page, 0, 0, 0
        self.asked: list[str] = []

    def _reach(self, locator):
        locator.wait_for(state="visible")
        if not locator.evaluate(IN_VIEW):
            self.scrolls += 1
            locator.scroll_into_view_if_needed()

    def tap(self, locator):
        self._reach(locator)
        self.taps += 1
        locator.click()

    def tap_and_confirm(self, locator):
        """Tap, then OK in the confirmation the tap opens (two taps)."""

        def accept(dialog):
            self.asked.append(dialog.message)
            self.taps += 1
            dialog.accept()

        self.page.once("dialog", accept)
        self.tap(locator)

    def type(self, locator, text: str):
        self._reach(locator)
        self.texts += 1
        locator.fill(text)


def login(pg, username: str, password: str) -> None:
    pg.goto(pg.base_url + "/login")
    pg.fill("input[name=username]", username)
    pg.fill("input[name=password]", password)
    # Until the answer's page is committed, the login page itself is "idle": a slow server
    # would let the next step start from the login page, cancelling the sign-in.
    with pg.expect_navigation():
        pg.click("form button[type=submit]")
    pg.wait_for_load_state("networkidle")


def logout(pg) -> None:
    """Sign out from the account menu, as a user hands the phone on. Not clear_cookies(): a
    field worker's caseload warm-up still fetching in the background answers with her session
    cookie and sets it again, and the next user's pages came back as hers (CI, stop 27). A
    logout ends the session on the server, so such a cookie no longer signs anyone in."""
    pg.click("#account-menu summary")
    with pg.expect_navigation(url=re.compile(r"/login")):
        pg.click("form[data-logout] button[type=submit]")
    pg.wait_for_load_state("networkidle")


def open_pending_hazard(pg, visit, username: str = "worker_a", checklist: str = "消防安全"):
    """Signed in, the visit's fire checklist (`checklist`: its name in the user's language)
    with its first item tapped 隐患: the hazard form open in place, nothing saved yet. Returns
    the item."""
    from tests.conftest import PASSWORD

    login(pg, username, PASSWORD)
    pg.goto(pg.base_url + f"/visits/{visit.id}")
    pg.click(f"#start-screening >> text={checklist}")
    pg.wait_for_selector("#screening-summary")
    item = pg.locator("li.checklist-item").first
    item.locator("button.ans-hazard").click()
    item.locator(".hazard-form").wait_for()
    return item


def saves_note_and_photo(pg, form, note: str) -> None:
    """The pending hazard form saved with `note` and the photo chosen in it: one hazard with
    that note and that one photo."""
    import sqlalchemy as sa

    from app.models import Hazard, Photo

    form.locator("textarea[name=note]").fill(note)
    form.locator("button[type=submit]").click()
    pg.wait_for_selector("li.checklist-item .hazard-box .thumbs img")
    hazard = fresh_scalar(sa.select(Hazard))
    assert hazard.note == note
    assert fresh_scalar(sa.select(sa.func.count(Photo.id)).where(Photo.hazard_id == hazard.id)) == 1


UNSAVED_PHOTO = "有照片已选好但还没保存，确定不保存就离开吗？"


def queued_hazard_keeps_its_form(pg, item) -> None:
    """The pending hazard's Save (note "楼道堆放纸箱" and a photo) has just gone to the outbox
    without signal, its only entry: the form says the photo waits, not that it is unsaved,
    and keeps what was typed; typed again it is unsaved (leaving asks); saved again it waits
    again (two entries)."""
    form = item.locator("form.hazard-form")
    chosen = form.locator(".photo-chosen")
    expect(chosen).to_have_text("待发送")
    item.locator(".hazard-box .outbox-mark .outbox-thumbs img").wait_for()
    assert "尚未保存" not in item.locator(".hazard-box").inner_text()
    assert form.locator("textarea[name=note]").input_value() == "楼道堆放纸箱"
    assert form.evaluate("f => f.querySelector('input[type=file]').files.length") == 1
    # The note left (its "change" comes only now) is no edit: still waiting.
    pg.click("h1")
    expect(chosen).to_have_text("待发送")

    asked: list[str] = []

    def dismiss(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    pg.on("dialog", dismiss)
    form.locator("textarea[name=note]").fill("楼道堆放纸箱，已提醒清理")
    expect(chosen).to_have_text("已选照片 1 张，尚未保存")
    with pg.expect_event("dialog") as finishing:
        pg.click("#finish-screening button")
    assert finishing.value.message == UNSAVED_PHOTO
    with pg.expect_event("dialog"):
        pg.click(".link-line a")
    pg.remove_listener("dialog", dismiss)
    assert asked == ["confirm", "beforeunload"]
    assert "/screening/" in pg.url

    form.locator("button[type=submit]").click()
    expect(pg.locator("[data-outbox-count] .n")).to_have_text("2")
    expect(chosen).to_have_text("待发送")


def leaves_without_asking(pg, visit_id: int) -> None:
    """Back to the visit from its checklist, with no question on the way."""
    asked: list[str] = []

    def dismiss(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    pg.on("dialog", dismiss)
    pg.click(".link-line a")
    pg.wait_for_url(f"**/visits/{visit_id}")
    pg.remove_listener("dialog", dismiss)
    assert asked == []
