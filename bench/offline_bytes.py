"""Bytes on the wire for a worker's phone (issue 12): Today cold and warm, a 12 MP photo.

    .venv/bin/python bench/offline_bytes.py [--no-slow] [--no-original]

Makes a fresh SQLite database with the demo data in a temporary folder, starts gunicorn with
gunicorn.conf.py on a free port of 127.0.0.1 and drives Debian's Chromium (/usr/bin/chromium)
with Playwright, phone-sized, logged in as the demo worker `worker1`. Prints, once on the
plain loopback and once under slow 3G (Chrome DevTools' Network.emulateNetworkConditions:
400 kbit/s each way, 400 ms round trip):

- Today, cold: the browser cache emptied, then /today: bytes received (headers and bodies,
  as Chromium counts them on the wire), requests that reached the network, time to `load`;
- Today, warm: /today opened again: the same figures (the goal is one request, the page);
- a 12-megapixel photo (4000x3000 JPEG, EXIF orientation 6, about 4 MB) chosen on a visit:
  bytes of the upload request body and the time from choosing to the thumbnail shown; and
  the same photo with static/js/photos.js blocked and Upload tapped (what the phone sent
  before, and what it sends without JavaScript) unless --no-original.

Targets (issue 12) are in bench/README.md. Never run by the test suite.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PASSWORD = "gridbook-demo"  # the published demo login (app/demo/load.py)
SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400_000 / 8,
    "uploadThroughput": 400_000 / 8,
}

from tests.photos.images import phone_photo  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(env: dict) -> int:
    """Migrate, seed, load the demo township; the id of a visit worker1 may still add to."""
    flask = [str(VENV_BIN / "flask"), "--app", "wsgi:app"]
    for cmd in (["db", "upgrade"], ["seed"], ["demo", "load"]):
        subprocess.run(flask + cmd, cwd=ROOT, env=env, check=True, capture_output=True)
    code = (
        "import sqlalchemy as sa\n"
        "from app import create_app\nfrom app.extensions import db\n"
        "from app.models import DailyLog, User, Visit\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    print(db.session.scalar(sa.select(Visit.id).join(DailyLog,"
        " Visit.daily_log_id == DailyLog.id).join(User, Visit.worker_id == User.id)"
        ".where(User.username == 'worker1', DailyLog.status == 'open')"
        ".order_by(Visit.id.desc()).limit(1)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return int(done.stdout.strip().splitlines()[-1])


def wait_until_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not come up")


class Wire:
    """What reaches the network, as Chromium's DevTools protocol reports it."""

    def __init__(self, cdp) -> None:
        self.cdp = cdp
        self.reset()
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.requestServedFromCache", self._cached)
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.send("Network.enable")

    def reset(self) -> None:
        self.urls: dict[str, str] = {}
        self.from_cache: set[str] = set()
        self.received: dict[str, int] = {}

    def _sent(self, ev) -> None:
        self.urls[ev["requestId"]] = ev["request"]["url"]

    def _cached(self, ev) -> None:
        self.from_cache.add(ev["requestId"])

    def _response(self, ev) -> None:
        resp = ev["response"]
        if resp.get("fromDiskCache") or resp.get("fromServiceWorker"):
            self.from_cache.add(ev["requestId"])

    def _finished(self, ev) -> None:
        self.received[ev["requestId"]] = int(ev["encodedDataLength"])

    def network_requests(self) -> list[str]:
        return [u for rid, u in self.urls.items() if rid not in self.from_cache]

    def bytes_received(self) -> int:
        return sum(n for rid, n in self.received.items() if rid not in self.from_cache)

    def breakdown(self) -> list[tuple[str, int]]:
        cached = self.from_cache
        return [(u, self.received.get(rid, 0)) for rid, u in self.urls.items() if rid not in cached]


class AccessLog:
    """What gunicorn served (its access log): the requests that really reached the server,
    whatever the browser's cache or a service worker answered by itself."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0

    def mark(self) -> None:
        self.offset = self.path.stat().st_size if self.path.exists() else 0

    def since_mark(self) -> list[str]:
        with open(self.path, "rb") as fh:
            fh.seek(self.offset)
            return fh.read().decode().splitlines()


def open_today(page, wire: Wire, log: AccessLog, url: str):
    wire.reset()
    log.mark()
    start = time.perf_counter()
    page.goto(url + "/today", wait_until="load")
    elapsed = time.perf_counter() - start
    page.wait_for_timeout(300)  # late events (loadingFinished of the last request)
    return wire.bytes_received(), wire.breakdown(), elapsed, log.since_mark()


# The upload's request body, as the browser sends it (htmx's XMLHttpRequest).
WATCH_UPLOAD = """() => {
  window.__uploadBytes = null;
  document.body.addEventListener("htmx:beforeSend", (evt) => {
    const xhr = evt.detail.xhr;
    xhr.upload.addEventListener("load", (e) => { window.__uploadBytes = e.total; });
  }, {once: true});
}"""


def send_photo(page, url: str, visit_id: int, photo: Path, tap: bool = False) -> tuple[int, float]:
    """Choose the photo (and tap Upload, where choosing alone does not send it)."""
    page.goto(f"{url}/visits/{visit_id}")
    gallery = page.locator(f"#photos-visit-{visit_id}")
    before = gallery.locator(".thumbs img").count()
    page.evaluate(WATCH_UPLOAD)
    start = time.perf_counter()
    gallery.locator("input[type=file]").set_input_files(str(photo))
    if tap:
        gallery.locator("form.photo-upload button[type=submit]").click()
    gallery.locator(".thumbs img").nth(before).wait_for(timeout=300_000)
    elapsed = time.perf_counter() - start
    return int(page.evaluate("window.__uploadBytes") or 0), elapsed


def kb(n: int) -> str:
    return f"{n / 1024:.1f} KB"


def run(url: str, visit_id: int, photo: Path, log: AccessLog, slow: bool, original: bool) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"],
        )
        profiles = [("loopback", None)] + ([("slow 3G", SLOW_3G)] if slow else [])
        for name, conditions in profiles:
            context = browser.new_context(
                viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN"
            )
            context.set_default_timeout(300_000)
            page = context.new_page()
            page.goto(url + "/login")
            page.fill("input[name=username]", "worker1")
            page.fill("input[name=password]", PASSWORD)
            page.click("form button[type=submit]")
            page.wait_for_load_state("load")
            cdp = context.new_cdp_session(page)
            wire = Wire(cdp)
            if conditions:
                cdp.send("Network.emulateNetworkConditions", conditions)
            cdp.send("Network.clearBrowserCache")
            cold = open_today(page, wire, log, url)
            warm = open_today(page, wire, log, url)
            print(f"\n{name}")
            for label, (size, reqs, secs, served) in (("cold", cold), ("warm", warm)):
                print(
                    f"  Today {label}: {kb(size)} on the wire, {len(reqs)} request(s), "
                    f"load in {secs:.2f} s; the server saw {len(served)} request(s)"
                )
                for req_url, size in reqs:
                    print(f"    {kb(size):>9}  {req_url.removeprefix(url)}")
                if len(served) != len(reqs):
                    print("    server: " + "; ".join(served))
            sent, secs = send_photo(page, url, visit_id, photo)
            print(f"  12 MP photo, shrunk on the phone: {kb(sent)} sent, shown in {secs:.1f} s")
            if original:
                page.route("**/static/js/photos.js*", lambda route: route.abort())
                sent, secs = send_photo(page, url, visit_id, photo, tap=True)
                print(f"  12 MP photo as chosen, no shrink: {kb(sent)} sent, shown in {secs:.1f} s")
            context.close()
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-slow", action="store_true", help="skip the slow-3G runs")
    parser.add_argument("--no-original", action="store_true", help="skip the unshrunk photo")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gridbook-bytes-") as tmp:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/bytes.db",
            "PHOTO_STORE": f"{tmp}/photos",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "2",
            "FLASK_APP": "wsgi:app",
        }
        env.pop("GRIDBOOK_HTTPS", None)
        visit_id = prepare(env)
        photo = Path(tmp) / "IMG_0001.jpg"
        photo.write_bytes(phone_photo())
        print(f"photo: {photo.name}, 4000x3000, {kb(photo.stat().st_size)}; visit {visit_id}")
        log = AccessLog(Path(tmp) / "access.log")
        server = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "-c",
                "gunicorn.conf.py",
                "--access-logfile",
                str(log.path),
                "--access-logformat",
                "%(m)s %(U)s %(s)s %(B)s",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_up(url)
            run(url, visit_id, photo, log, slow=not args.no_slow, original=not args.no_original)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=40)


if __name__ == "__main__":
    main()
