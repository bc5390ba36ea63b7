"""Time to open a cached resident page with no network, with and without a slow-3G profile.

    .venv/bin/python bench/offline_pages.py [--pages 20]

Makes a fresh SQLite database with the demo data (as bench/load.py does), starts gunicorn
with gunicorn.conf.py on a free port of 127.0.0.1, logs a demo worker in with Playwright on
/usr/bin/chromium (390x844), waits for the caseload warm-up, then stops gunicorn and opens
the worker's resident pages from the service worker's cache: plain, then with Chrome's
slow-3G profile (400 kbps, 400 ms, via CDP Network.emulateNetworkConditions). For scale it
also opens the same pages online over slow 3G before the server is stopped. Prints median
and p95 of the time from navigation to the load event (issue 12; bench/README.md).
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import prepare  # noqa: E402
from bench.servers import free_port, start_gunicorn, stop, wait_until_up  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
WORKER = "worker1"
PASSWORD = "gridbook-demo"
SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400 * 1000 / 8,
    "uploadThroughput": 400 * 1000 / 8,
}

NO_THROTTLE = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}


def _throttle_service_worker(browser, conditions: dict) -> None:
    """Apply network conditions to the service worker too: with a worker in control, it is
    the one that fetches, and a page's own emulation does not reach it."""
    cdp = browser.new_browser_cdp_session()
    targets = cdp.send("Target.getTargets")["targetInfos"]
    workers = [t for t in targets if t["type"] == "service_worker"]
    assert workers, "no service worker running"
    for n, target in enumerate(workers):
        session = cdp.send("Target.attachToTarget", {"targetId": target["targetId"]})
        for i, (method, params) in enumerate(
            (("Network.enable", {}), ("Network.emulateNetworkConditions", conditions))
        ):
            message = {"id": 1000 + 10 * n + i, "method": method, "params": params}
            cdp.send(
                "Target.sendMessageToTarget",
                {"sessionId": session["sessionId"], "message": json.dumps(message)},
            )


def _open_all(pg, urls: list[str]) -> list[float]:
    """Milliseconds from navigation start to the load event, one per page."""
    times = []
    for url in urls:
        started = time.perf_counter()
        pg.goto(url, wait_until="load")
        times.append((time.perf_counter() - started) * 1000)
        assert pg.locator("h1").count() == 1, f"no page at {url}"
    return times


def _line(label: str, times: list[float], note: str = "") -> str:
    p95 = sorted(times)[max(0, round(len(times) * 0.95) - 1)]
    return (
        f"{label:<44} median {statistics.median(times):7.0f} ms   p95 {p95:7.0f} ms   "
        f"({len(times)} pages){note}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="gridbook-offline-") as tmp:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/offline.db",
            "PHOTO_STORE": f"{tmp}/photos",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "FLASK_APP": "wsgi:app",
            "SECRET_KEY": "bench-offline-pages",
            "GUNICORN_WORKERS": "2",
        }
        env.pop("GRIDBOOK_HTTPS", None)
        residents = prepare(env)[WORKER]
        urls = [f"{url}/residents/{rid}" for rid in residents[: args.pages]]
        error_log = open(f"{tmp}/error.log", "w")  # noqa: SIM115 (gunicorn writes it until stopped)
        server = start_gunicorn(env, stderr=error_log)
        try:
            wait_until_up(url, seconds=120, proc=server)
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
                )
                context = browser.new_context(
                    viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN"
                )
                pg = context.new_page()
                pg.goto(url + "/login")
                pg.fill("input[name=username]", WORKER)
                pg.fill("input[name=password]", PASSWORD)
                started = time.perf_counter()
                pg.click("form button[type=submit]")
                pg.wait_for_selector("body[data-offline-warmed]", state="attached", timeout=300_000)
                warm_s = time.perf_counter() - started
                kept = pg.get_attribute("body", "data-offline-warmed")
                print(
                    f"caseload warm-up after login: {warm_s:.1f} s for {kept} pages "
                    f"({len(residents)} residents of {WORKER})"
                )

                online = _open_all(pg, urls)
                cdp = context.new_cdp_session(pg)
                cdp.send("Network.enable")
                cdp.send("Network.emulateNetworkConditions", SLOW_3G)
                _throttle_service_worker(browser, SLOW_3G)
                online_slow = _open_all(pg, urls)

                stop(server)
                offline_slow = _open_all(pg, urls)  # slow 3G still on, page and worker
                assert pg.get_attribute("body", "data-offline-at"), "not served from the cache"
                cdp.send("Network.emulateNetworkConditions", NO_THROTTLE)
                _throttle_service_worker(browser, NO_THROTTLE)
                offline = _open_all(pg, urls)
                assert pg.get_attribute("body", "data-offline-at"), "not served from the cache"
                browser.close()
        finally:
            stop(server)
            error_log.close()

    print(_line("resident page online", online))
    print(_line("resident page online, slow 3G", online_slow))
    print(_line("resident page offline (server stopped)", offline, "  <- cached"))
    print(_line("resident page offline, slow 3G profile on", offline_slow, "  <- cached"))


if __name__ == "__main__":
    main()
