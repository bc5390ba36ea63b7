"""The caseload kept in the background after login gives way to what the worker is doing: while
a page the worker opened is on its way, no caseload page starts (the walk of session 23, on a
3G-like link: the first save waited behind some 350 caseload pages)."""

import threading
import time

import pytest

from app.offline.keys import WARMUP_HEADER
from tests.browser.conftest import login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

WARMUP = "HTTP_" + WARMUP_HEADER.upper().replace("-", "_")


@pytest.fixture
def caseload(world, make_resident):
    return [
        make_resident(grid=world.a1, name=f"住户{i}", building="3", unit="1", room=f"{100 + i}")
        for i in range(12)
    ]


def _wait(page, event: threading.Event) -> None:
    """Wait inside Playwright: the service worker's requests pass through it (its network
    events are on) and stand still while the test thread waits on anything else."""
    for _ in range(300):
        if event.is_set():
            return
        page.wait_for_timeout(100)
    raise AssertionError("waited 30 s")


def test_the_caseload_waits_while_a_page_the_worker_opened_loads(phone, app, caseload, monkeypatch):
    started: list[tuple[float, str]] = []  # (when, path) of each caseload page asked for
    first_two = threading.Event()
    go_on = threading.Event()  # the caseload's first answers wait for it
    page_asked = threading.Event()
    page_answers = threading.Event()  # the worker's page waits for it
    inner = app.wsgi_app

    def slow(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ.get(WARMUP) == "1" and not path.startswith("/offline/"):
            started.append((time.monotonic(), path))
            if len(started) >= 2:
                first_two.set()
            go_on.wait(30)
        elif path == "/residents/buildings":
            page_asked.set()
            page_answers.wait(30)
        return inner(environ, start_response)

    monkeypatch.setattr(app, "wsgi_app", slow)
    login(phone, "worker_a", PASSWORD)
    _wait(phone, first_two)

    # The worker opens a page; its answer is slow to come.
    phone.evaluate("() => { location.href = '/residents/buildings'; }")
    _wait(phone, page_asked)
    opened = time.monotonic()
    go_on.set()  # the two caseload pages on their way are answered
    phone.wait_for_timeout(2_500)
    assert [path for at, path in started if at > opened] == []

    # The page arrives: the caseload goes on to the end.
    page_answers.set()
    phone.wait_for_selector("body[data-offline-warmed]", state="attached", timeout=60_000)
    assert phone.url.endswith("/residents/buildings")
    assert len(started) > 2 * len(caseload)
