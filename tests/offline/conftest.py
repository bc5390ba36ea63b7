"""A server the offline tests can stop (a process of its own on the test's database), and a
phone-sized Chromium whose network the tests can cut, for the service worker's fetches too.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.browser.conftest import (  # noqa: F401 (browser, playwright_instance, shoot: fixtures)
    CHROMIUM,
    PHONE,
    _require_browser,
    browser,
    phone_page,
    playwright_instance,
    shared_playwright,
    shoot,
)
from tests.outbox_fixtures import outbox_server  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parents[2]


class AppServer:
    """The app served by `python -m tests.offline.serve` until stop()."""

    def __init__(self, config: dict):
        env = {**os.environ, "GRIDBOOK_TEST_CONFIG": json.dumps(config)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.offline.serve"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline()
        if not line.strip().isdigit():
            self.proc.kill()
            raise RuntimeError(f"test server did not start: {line!r}")
        self.url = f"http://127.0.0.1:{int(line)}"

    def stop(self) -> None:
        """End the server process: connections are refused from now on."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def is_down(self) -> bool:
        try:
            requests.get(self.url + "/healthz", timeout=2)
        except requests.ConnectionError:
            return True
        return False


@pytest.fixture
def app_server(app, reads_do_not_lock):
    """The test app (this test's database) in its own process; `stop()` cuts it off."""
    config = {
        key: app.config[key]
        for key in ("TESTING", "SQLALCHEMY_DATABASE_URI", "PHOTO_STORE", "SECRET_KEY")
    }
    config["RATELIMIT_ENABLED"] = False
    server = AppServer(config)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sw_browser():
    """Chromium with Playwright's service worker network events on (tests/browser/conftest.py
    shared_playwright), so that going offline (context.set_offline) reaches the worker's own
    fetches too."""
    _require_browser()
    chromium = shared_playwright().chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
    )
    yield chromium
    chromium.close()


@pytest.fixture
def phone_context(sw_browser):
    """A fresh phone-sized browser context (its own cookies, caches and service worker)."""
    context = sw_browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        # Where the phones are: the township's day, not the test machine's (UTC).
        timezone_id="Asia/Shanghai",
        service_workers="allow",
    )
    context.set_default_timeout(30_000)  # two cores shared with other test runs
    yield context
    context.close()


@pytest.fixture
def phone(browser, outbox_server):  # noqa: F811 (fixtures imported above)
    """A fresh phone-sized page on the app served with the outbox's service worker."""
    with phone_page(browser, outbox_server.url) as pg:
        yield pg
