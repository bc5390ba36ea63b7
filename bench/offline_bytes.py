"""What issue 12 measures on a worker's phone, with and without a slow-3G profile.

    .venv/bin/python bench/offline_bytes.py [--no-slow] [--no-original] [--pages 10]

Makes a fresh SQLite database with the demo data in a temporary folder, starts gunicorn with
gunicorn.conf.py on a free port of 127.0.0.1 behind a small byte-counting relay (every byte
the browser and its service worker send or receive passes it; it can also stop answering, as
a lost network or a stopped server does), and drives Debian's Chromium (/usr/bin/chromium)
with Playwright, phone-sized, logged in as the demo worker `worker1`. Prints, once on the
plain loopback and once under slow 3G (Chrome DevTools' Network.emulateNetworkConditions:
400 kbit/s each way, 400 ms round trip, applied to the page and to the service worker):

- Today, cold: a first visit (no service worker yet, browser cache emptied): bytes on the
  wire (headers and bodies, both ways), requests that reached the server, time to `load`,
  and what each response weighed as Chromium counts it;
- Today, warm, no worker: opened again in that browser (the goal: one request, the page);
- Today, warm, installed: with the service worker in control after login and its caseload
  warm-up: the same figures;
- a cached resident page offline: the relay answers nothing, the worker's resident pages
  open from the phone (median and slowest of --pages pages);
- 50 outbox entries (40 visits, 10 photos of about 380 KB) replayed: time until the outbox
  is empty, every entry confirmed once;
- a 12-megapixel photo (4000x3000 JPEG, EXIF orientation 6, about 4 MB) chosen on a visit:
  bytes sent for it (the upload request, headers included) and the time from choosing to
  the thumbnail shown; and the same photo with static/js/photos.js blocked and Upload
  tapped (what the phone sent before, and what it sends without JavaScript) unless
  --no-original.

Targets (issue 12) are in bench/README.md. Never run by the test suite.
"""

import argparse
import base64
import contextlib
import faulthandler
import os
import signal
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PASSWORD = "gridbook-demo"  # the published demo login (app/demo/load.py)
SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400_000 / 8,
    "uploadThroughput": 400_000 / 8,
}
NO_THROTTLE = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}

from offline_pages import _throttle_service_worker  # noqa: E402
from outbox_replay import ENTRIES, PHOTO_EVERY, QUEUE  # noqa: E402
from outbox_replay import _photo as replay_photo  # noqa: E402

from bench.servers import free_port, in_app, load_demo, start_gunicorn, stop, wait_until_up  # noqa: E402
from tests.photos.images import phone_photo  # noqa: E402


def prepare(env: dict) -> tuple[int, int, list[int]]:
    """Migrate, seed, load the demo township: a visit worker1 may still add to, its resident,
    and worker1's residents."""
    load_demo(env)
    code = (
        "import sqlalchemy as sa\n"
        "from app.models import DailyLog, Resident, User, Visit\n"
        "with app.app_context():\n"
        "    w = db.session.scalar(sa.select(User).where(User.username == 'worker1'))\n"
        "    v = db.session.scalars(sa.select(Visit).join(DailyLog,"
        " Visit.daily_log_id == DailyLog.id).where(Visit.worker_id == w.id,"
        " DailyLog.status == 'open').order_by(Visit.id.desc()).limit(1)).one()\n"
        "    ids = db.session.scalars(sa.select(Resident.id).where("
        "Resident.grid_id.in_(w.grid_ids), Resident.archived_at.is_(None))).all()\n"
        "    print(v.id, v.resident_id, *ids)\n"
    )
    visit, resident, *residents = map(int, in_app(env, code).split())
    return visit, resident, residents


class Relay:
    """A TCP relay in front of gunicorn that counts the bytes each way: what goes over the
    wire whoever sends it (the page, or the service worker, which CDP's page events miss).
    `down()` drops every connection and answers new ones with a reset, as a lost network
    does; `up()` relays again."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.lock = threading.Lock()
        self.sent = self.received = 0  # as the browser sees it: sent up, received down
        self.is_down = False
        self.live: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True).start()

    def reset(self) -> None:
        with self.lock:
            self.sent = self.received = 0

    def down(self) -> None:
        self.is_down = True
        with self.lock:
            live, self.live = list(self.live), set()
        for s in live:
            self._close(s)

    def up(self) -> None:
        self.is_down = False

    @staticmethod
    def _close(s: socket.socket) -> None:
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
            s.close()
        except OSError:
            pass

    def _accept(self) -> None:
        while True:
            client, _ = self.sock.accept()
            if self.is_down:
                self._close(client)
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=30)
                server.settimeout(None)
            except OSError:
                self._close(client)
                continue
            with self.lock:
                self.live.update((client, server))
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, upward: bool) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
                with self.lock:
                    if upward:
                        self.sent += len(chunk)
                    else:
                        self.received += len(chunk)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


class Wire:
    """Each response's bytes as Chromium counts them (page requests only: the breakdown)."""

    def __init__(self, cdp) -> None:
        self.reset()
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.requestServedFromCache", lambda ev: self.cached.add(ev["requestId"]))
        cdp.on("Network.loadingFinished", self._finished)
        cdp.send("Network.enable")

    def reset(self) -> None:
        self.urls: dict[str, str] = {}
        self.cached: set[str] = set()
        self.received: dict[str, int] = {}

    def _sent(self, ev) -> None:
        self.urls[ev["requestId"]] = ev["request"]["url"]

    def _response(self, ev) -> None:
        resp = ev["response"]
        if resp.get("fromDiskCache") or resp.get("fromServiceWorker"):
            self.cached.add(ev["requestId"])

    def _finished(self, ev) -> None:
        self.received[ev["requestId"]] = int(ev["encodedDataLength"])

    def breakdown(self) -> list[tuple[str, int]]:
        return [(u, self.received.get(r, 0)) for r, u in self.urls.items() if r not in self.cached]


class AccessLog:
    """What gunicorn served (its access log): the requests that really reached the server."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0

    def mark(self) -> None:
        self.offset = self.path.stat().st_size if self.path.exists() else 0

    def since_mark(self) -> list[str]:
        with open(self.path, "rb") as fh:
            fh.seek(self.offset)
            return fh.read().decode().splitlines()


def settle(relay: Relay, quiet: float = 0.5, limit: float = 120) -> None:
    """Until nothing has crossed the relay for `quiet` seconds (late responses, a worker's
    background fetches)."""
    deadline = time.monotonic() + limit
    last = (-1, -1)
    while time.monotonic() < deadline:
        now = (relay.sent, relay.received)
        if now == last:
            return
        last = now
        time.sleep(quiet)


def open_today(page, relay: Relay, log: AccessLog, url: str, wire: Wire | None = None):
    settle(relay)
    if wire:
        wire.reset()
    relay.reset()
    log.mark()
    start = time.perf_counter()
    page.goto(url + "/today", wait_until="load")
    elapsed = time.perf_counter() - start
    settle(relay, quiet=0.3)
    return {
        "received": relay.received,
        "sent": relay.sent,
        "served": log.since_mark(),
        "secs": elapsed,
        "breakdown": wire.breakdown() if wire else [],
    }


def send_photo(page, relay: Relay, url: str, visit_id: int, photo: Path, tap: bool = False):
    """Choose the photo (and tap Upload, where choosing alone does not send it): bytes sent
    while it goes (the upload request, headers included) and seconds to its thumbnail."""
    page.goto(f"{url}/visits/{visit_id}")
    gallery = page.locator(f"#photos-visit-{visit_id}")
    before = gallery.locator(".thumbs img").count()
    settle(relay)
    relay.reset()
    start = time.perf_counter()
    gallery.locator("input[type=file]").set_input_files(str(photo))
    if tap:
        gallery.locator("form.photo-upload button[type=submit]").click()
    gallery.locator(".thumbs img").nth(before).wait_for(timeout=300_000)
    elapsed = time.perf_counter() - start
    return relay.sent, elapsed


def login(context, url: str):
    page = context.new_page()
    page.goto(url + "/login")
    page.fill("input[name=username]", "worker1")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state("load")
    return page


def kb(n: int) -> str:
    return f"{n / 1024:.1f} KB"


def print_load(label: str, got: dict, url: str) -> None:
    print(
        f"  Today {label}: {kb(got['received'])} received on the wire ({kb(got['sent'])} sent), "
        f"the server saw "
        f"{len(got['served'])} request(s), load in {got['secs']:.2f} s"
    )
    for req_url, size in got["breakdown"]:
        print(f"    {kb(size):>9}  {req_url.removeprefix(url)}")
    if not got["breakdown"] and got["served"]:
        print("    server: " + "; ".join(got["served"]))


def first_visit(browser, url, relay, log, conditions, photo, visit_id, original) -> None:
    """No service worker: Today cold and warm, the photo (and unshrunk, blocked photos.js)."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        locale="zh-CN",
        service_workers="block",
    )
    context.set_default_timeout(300_000)
    page = login(context, url)
    cdp = context.new_cdp_session(page)
    wire = Wire(cdp)
    cdp.send("Network.emulateNetworkConditions", conditions)
    cdp.send("Network.clearBrowserCache")
    cold = open_today(page, relay, log, url, wire)
    print_load("cold (first visit, no service worker yet)", cold, url)
    print_load("warm, no service worker", open_today(page, relay, log, url, wire), url)
    sent, secs = send_photo(page, relay, url, visit_id, photo)
    print(f"  12 MP photo, no service worker: {kb(sent)} sent, shown in {secs:.1f} s")
    if original:
        page.route("**/static/js/photos.js*", lambda route: route.abort())
        sent, secs = send_photo(page, relay, url, visit_id, photo, tap=True)
        print(f"  12 MP photo as chosen (photos.js blocked): {kb(sent)} sent, in {secs:.1f} s")
    context.close()


def installed(browser, url, relay, log, conditions, photo, visit_id, resident_id, residents):
    """The service worker in control: Today warm, resident pages offline, the photo, and 50
    entries replayed."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN"
    )
    context.set_default_timeout(600_000)
    page = login(context, url)
    page.wait_for_selector("body[data-offline-warmed]", state="attached", timeout=300_000)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", conditions)
    _throttle_service_worker(browser, conditions)
    print_load("warm, service worker installed", open_today(page, relay, log, url), url)

    relay.down()
    times = []
    for rid in residents:
        start = time.perf_counter()
        page.goto(f"{url}/residents/{rid}", wait_until="load")
        times.append(time.perf_counter() - start)
        assert page.get_attribute("body", "data-offline-at"), "not served from the phone"
    relay.up()
    print(
        f"  resident page offline, from the phone: median {statistics.median(times) * 1000:.0f} ms,"
        f" slowest {max(times) * 1000:.0f} ms ({len(times)} pages)"
    )

    sent, secs = send_photo(page, relay, url, visit_id, photo)
    print(f"  12 MP photo, service worker installed: {kb(sent)} sent, shown in {secs:.1f} s")

    page.goto(url + "/outbox")
    # app.js fetches the outbox's scripts once the page is in.
    page.wait_for_function("() => !!(window.gridbookOutbox && window.gridbookOutbox.page)")
    user = page.get_attribute("[data-outbox-count]", "data-outbox-user")
    jpeg = replay_photo()
    page.evaluate(
        QUEUE,
        {
            "n": ENTRIES,
            "photoEvery": PHOTO_EVERY,
            "residentId": resident_id,
            "visitId": visit_id,
            "jpeg": base64.b64encode(jpeg).decode(),
            "user": user,
        },
    )
    settle(relay)
    relay.reset()
    start = time.perf_counter()
    summary = page.evaluate("() => gridbookOutbox.replay()")
    secs = time.perf_counter() - start
    left = page.evaluate("() => gridbookOutbox.all().then(r => r.length)")
    if left or summary["saved"] != ENTRIES:
        raise SystemExit(f"replay: not all sent: {left} left, {summary}")
    print(
        f"  {ENTRIES} entries replayed ({ENTRIES // PHOTO_EVERY} photos of {kb(len(jpeg))}):"
        f" {secs:.1f} s, {kb(relay.sent)} sent, each confirmed once"
    )
    context.close()


def run(url, visit_id, resident_id, residents, photo, relay, log, slow, original) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"],
        )
        profiles = [("loopback", NO_THROTTLE)] + ([("slow 3G", SLOW_3G)] if slow else [])
        for name, conditions in profiles:
            print(f"\n{name}")
            first_visit(browser, url, relay, log, conditions, photo, visit_id, original)
            installed(browser, url, relay, log, conditions, photo, visit_id, resident_id, residents)
        browser.close()


def main() -> None:
    faulthandler.register(signal.SIGUSR1)  # `kill -USR1 <pid>`: where a stuck run waits
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-slow", action="store_true", help="skip the slow-3G runs")
    parser.add_argument("--no-original", action="store_true", help="skip the unshrunk photo")
    parser.add_argument("--pages", type=int, default=10, help="resident pages opened offline")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gridbook-bytes-") as tmp:
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/bytes.db",
            "PHOTO_STORE": f"{tmp}/photos",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "2",
            "FLASK_APP": "wsgi:app",
            "SECRET_KEY": "bench-offline-bytes",
        }
        env.pop("GRIDBOOK_HTTPS", None)
        visit_id, resident_id, residents = prepare(env)
        photo = Path(tmp) / "IMG_0001.jpg"
        photo.write_bytes(phone_photo())
        print(f"photo: {photo.name}, 4000x3000, {kb(photo.stat().st_size)}; visit {visit_id}")
        log = AccessLog(Path(tmp) / "access.log")
        server = start_gunicorn(
            env,
            "--access-logfile",
            str(log.path),
            "--access-logformat",
            "%(m)s %(U)s %(s)s %(B)s",
        )
        try:
            wait_until_up(f"http://127.0.0.1:{port}", seconds=120, proc=server)
            relay = Relay(port)
            url = f"http://127.0.0.1:{relay.port}"
            run(
                url,
                visit_id,
                resident_id,
                residents[: args.pages],
                photo,
                relay,
                log,
                slow=not args.no_slow,
                original=not args.no_original,
            )
        finally:
            stop(server)


if __name__ == "__main__":
    main()
