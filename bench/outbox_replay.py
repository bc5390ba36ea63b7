"""Time to replay 50 outbox entries (10 of them photos), with and without a slow 3G link.

    .venv/bin/python bench/outbox_replay.py

Builds a fresh SQLite database with one worker and one resident, serves the app on
127.0.0.1 (werkzeug, threaded), logs in with Chromium (/usr/bin/chromium, phone viewport),
puts 50 entries in the phone's outbox (40 visits, and every fifth a photo of a visit, as a
JPEG of about the size photos.js sends), then times the replay from the page until the
outbox is empty and checks that every entry arrived once. The slow profile is Chromium's
network emulation (CDP Network.emulateNetworkConditions: 400 kbit/s both ways, 400 ms
latency). The page's own replayer runs the same code as the service worker's
(static/js/outbox-core.js); the page is the one whose network CDP can slow down.
Measured, never asserted; bench/README.md records the figures.
"""

import base64
import io
import logging
import random
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "correct horse battery"
ENTRIES, PHOTO_EVERY = 50, 5
SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 50_000,
    "uploadThroughput": 50_000,
}

QUEUE = """async ({n, photoEvery, residentId, visitId, jpeg, user}) => {
  const bytes = Uint8Array.from(atob(jpeg), c => c.charCodeAt(0));
  const today = new Date().toISOString().slice(0, 10);
  for (let i = 0; i < n; i++) {
    const fd = new FormData();
    let url;
    if (i % photoEvery === photoEvery - 1) {
      url = "/photos";
      fd.append("owner_type", "visit"); fd.append("owner_id", String(visitId));
      fd.append("client_uuid", gridbookOutbox.newId());
      fd.append("photos", new File([bytes], "p" + i + ".jpg", {type: "image/jpeg"}));
    } else {
      url = "/visits";
      fd.append("resident_id", String(residentId)); fd.append("purpose", "elderly_care");
      fd.append("outcome", "done"); fd.append("summary", "bench " + i);
      fd.append("visited_on", today); fd.append("follow_up_on", "");
      fd.append("client_uuid", gridbookOutbox.newId());
    }
    fd.append("_outbox", JSON.stringify({user: user, label: "bench " + i, page: "/outbox"}));
    await gridbookOutbox.enqueue(gridbookOutbox.entryFrom(url, fd, true));
  }
}"""


def _photo() -> bytes:
    """A 1600x1200 JPEG with some texture, as photos.js sends (quality 0.8)."""
    from PIL import Image, ImageDraw

    rng = random.Random(12)
    img = Image.new("RGB", (1600, 1200), (120, 130, 140))
    draw = ImageDraw.Draw(img)
    for _ in range(4000):
        x, y = rng.randrange(1600), rng.randrange(1200)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.rectangle([x, y, x + rng.randrange(4, 40), y + rng.randrange(4, 40)], fill=colour)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80)
    return buf.getvalue()


def _world(app):
    import sqlalchemy as sa

    from app.accounts.passwords import hash_password
    from app.extensions import db
    from app.models import CareReason, Community, DailyLog, Grid, Resident, Township, User, Visit
    from app.timeutil import local_today, moment_on

    t = Township(name="Bench Township")
    c = Community(township=t, name="Bench Community")
    g = Grid(community=c, name="G1")
    db.session.add_all([t, c, g])
    db.session.flush()
    worker = User(
        username="bench_worker",
        display_name="Bench Worker",
        password_hash=hash_password(PASSWORD),
        role="worker",
        community_id=c.id,
        township_id=t.id,
    )
    worker.grids = [g]
    r = Resident(grid_id=g.id, name="王秀英", building="3", unit="2", room="301")
    r.care_reasons = [db.session.get(CareReason, "elderly_alone")]
    db.session.add_all([worker, r])
    db.session.flush()
    log = DailyLog(worker_id=worker.id, community_id=c.id, day=local_today())
    db.session.add(log)
    db.session.flush()
    v = Visit(
        uuid=str(uuid.uuid4()),
        worker_id=worker.id,
        grid_id=g.id,
        resident_id=r.id,
        daily_log_id=log.id,
        visited_on=local_today(),
        visited_at=moment_on(local_today()),
        purpose="routine",
        outcome="done",
        summary="photos go here",
    )
    db.session.add(v)
    db.session.commit()
    return r.id, v.id, lambda: db.session.scalar(sa.select(sa.func.count(Visit.id)))


def _count_photos(app):
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import Photo

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Photo.id)))


def run_once(browser, slow: bool, jpeg: bytes) -> tuple[float, int, int]:
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app import create_app
    from app.extensions import db
    from app.seed import load_reference_data

    tmp = Path(tempfile.mkdtemp(prefix="outbox-bench-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}",
            "PHOTO_STORE": str(tmp / "photos"),
            "SECRET_KEY": "bench-secret",
            "RATELIMIT_ENABLED": False,
        }
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with app.app_context():
        upgrade()
        load_reference_data()
        db.session.commit()
        resident_id, visit_id, _ = _world(app)
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    context.set_default_timeout(600_000)
    page = context.new_page()
    try:
        page.goto(base + "/login")
        page.fill("input[name=username]", "bench_worker")
        page.fill("input[name=password]", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.goto(base + "/outbox")
        # app.js fetches the outbox's scripts once the page is in.
        page.wait_for_function("() => !!(window.gridbookOutbox && window.gridbookOutbox.page)")
        user = page.get_attribute("[data-outbox-count]", "data-outbox-user")
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
        if slow:
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", SLOW_3G)
        started = time.perf_counter()
        summary = page.evaluate("() => gridbookOutbox.replay()")
        elapsed = time.perf_counter() - started
        left = page.evaluate("() => gridbookOutbox.all().then(r => r.length)")
        if left or summary["saved"] != ENTRIES:
            raise SystemExit(f"not all sent: {left} left, {summary}")
        with app.app_context():
            import sqlalchemy as sa

            from app.models import Visit

            visits = db.session.scalar(
                sa.select(sa.func.count(Visit.id)).where(Visit.summary.like("bench %"))
            )
        return elapsed, visits, _count_photos(app)
    finally:
        context.close()
        server.shutdown()


def main() -> None:
    from playwright.sync_api import sync_playwright

    jpeg = _photo()
    print(
        f"{ENTRIES} entries: {ENTRIES - ENTRIES // PHOTO_EVERY} visits and "
        f"{ENTRIES // PHOTO_EVERY} photos of {len(jpeg) // 1024} KB each"
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            for slow in (False, True):
                elapsed, visits, photos = run_once(browser, slow, jpeg)
                name = "slow 3G (400 kbit/s, 400 ms)" if slow else "no throttling"
                print(
                    f"replay, {name}: {elapsed:.1f} s "
                    f"({visits} visits, {photos} photos arrived, each once)"
                )
        finally:
            browser.close()


if __name__ == "__main__":
    main()
