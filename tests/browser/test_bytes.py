"""Issue 12, items 7 and 8, in the browser: a warm Today sends only the page, and a photo
leaves the phone small and upright (or as chosen, when the browser cannot read it or has no
JavaScript). Route-level checks: tests/offline/test_bytes.py; figures: bench/offline_bytes.py.
"""

import io

import pytest
import sqlalchemy as sa
from PIL import Image
from werkzeug.formparser import parse_form_data

from app.models import Photo
from app.photos.storage import get_store
from tests.browser.conftest import fresh_scalar, login
from tests.conftest import PASSWORD
from tests.photos.images import is_upright_red_over_blue, phone_photo

pytestmark = pytest.mark.browser


class ServerLog:
    """The requests that reach the server, whatever the browser's cache (or a service
    worker) answers by itself."""

    def __init__(self, app) -> None:
        self.seen: list[str] = []
        inner = app.wsgi_app

        def wsgi(environ, start_response):
            query = environ.get("QUERY_STRING")
            self.seen.append(environ["PATH_INFO"] + (f"?{query}" if query else ""))
            return inner(environ, start_response)

        app.wsgi_app = wsgi


def test_today_opened_again_sends_only_the_page(app, page, world, shoot):
    server = ServerLog(app)
    login(page, "worker_a", PASSWORD)
    page.goto(page.base_url + "/today")
    page.wait_for_load_state("networkidle")
    # Workbox's modules are the service worker's imports, named by workbox-sw's loader
    # (modulePathPrefix), not by the page: the page's own files are what a phone re-fetches.
    static = [p for p in server.seen if p.startswith("/static/") and "/vendor/workbox/" not in p]
    assert static  # the first pages fetched CSS and JS: by hashed URLs, compressed
    assert all("?v=" in p for p in static)
    # Compression of each static file is checked by tests/offline/test_bytes.py; here the
    # page may be answered by the service worker's precache, whose responses the page's
    # "response" events do not always show.
    assert not any("chart" in p for p in server.seen)  # Chart.js only where there are charts

    server.seen.clear()
    page.goto(page.base_url + "/today")
    page.wait_for_load_state("networkidle")
    today = [p for p in server.seen if p.split("?")[0] in ("/today", "/")]
    assert today == ["/today"]
    # The worker's own update check (each page load registers it) may ask again for the
    # scripts it imports (outbox-core.js, Workbox's modules); the page's own files, the
    # outbox's that app.js fetches included, never reach the server.
    worker_imports = ("/static/js/outbox-core.js", "/static/vendor/workbox/")
    page_static = [
        p for p in server.seen if p.startswith("/static/") and not p.startswith(worker_imports)
    ]
    assert page_static == [], server.seen
    assert page.evaluate("() => !!(window.gridbookOutbox && window.gridbookOutbox.page)")
    shoot(page, "warm")
    assert page.js_errors == []


# An entry the server will refuse (no such resident): it stays in the outbox, counted.
QUEUE_REFUSED = """async (user) => {
  const fd = new FormData();
  fd.append("resident_id", "999999"); fd.append("purpose", "routine"); fd.append("outcome", "done");
  fd.append("summary", "kept"); fd.append("client_uuid", gridbookOutbox.newId());
  fd.append("_outbox", JSON.stringify({user: user, label: "kept", page: "/somewhere"}));
  await gridbookOutbox.enqueue(gridbookOutbox.entryFrom("/visits", fd, true));
}"""


def test_a_first_visit_to_today_fetches_only_the_scripts_it_uses(
    app, page_without_worker, world, make_resident, make_visit
):
    """Issue 12, item 8 (under 40 KB): photos.js and the outbox's scripts come where they
    have work (a photo form, a form that may wait, entries on the phone, a logout), not
    with every first page."""
    page = page_without_worker
    server = ServerLog(app)
    visit = make_visit(resident=make_resident(name="王秀英"))
    login(page, "worker_a", PASSWORD)
    page.goto(page.base_url + "/today")
    page.wait_for_load_state("networkidle")
    lazy = ("/static/js/photos.js", "/static/js/outbox-core.js", "/static/js/outbox.js")
    assert "/static/js/app.js" in [p.split("?")[0] for p in server.seen]
    assert not [p for p in server.seen if p.split("?")[0] in lazy], server.seen
    assert page.evaluate("() => typeof window.gridbookOutbox") == "undefined"

    # A visit's page has a photo form and forms that may wait: all three come, by hashed URLs.
    page.goto(f"{page.base_url}/visits/{visit.id}")
    page.wait_for_function("() => !!(window.gridbookPhotos && window.gridbookOutbox)")
    fetched = [p for p in server.seen if p.split("?")[0] in lazy]
    assert sorted({p.split("?")[0] for p in fetched}) == sorted(lazy)
    assert all("?v=" in p for p in fetched)

    # With an entry kept on the phone, Today fetches the outbox again to count it.
    user = page.get_attribute("[data-outbox-count]", "data-outbox-user")
    page.wait_for_function("() => !!(window.gridbookOutbox && window.gridbookOutbox.page)")
    page.evaluate(QUEUE_REFUSED, user)
    page.goto(page.base_url + "/today")
    count = page.locator("[data-outbox-count]")
    count.wait_for(state="visible")
    # Today also replays what waits, and the server refuses this entry (no such resident):
    # whether the first count saw it waiting or already refused is a race, so the test waits
    # for where it ends, counted as not saved.
    page.wait_for_function(
        "() => { const r = document.querySelector('[data-outbox-count] .refused-n');"
        " return r && !r.hidden; }"
    )
    assert count.locator(".refused-n").inner_text() == "1 条未保存"
    assert count.locator(".waiting").is_hidden()

    # A logout still asks first about what waits.
    page.click("#account-menu summary")
    page.click("header form[action$='/logout'] button")
    page.locator("dialog#outbox-logout").wait_for()
    # Only the refused replay's own 404 (no such resident) shows in the console.
    assert [e for e in page.js_errors if "404" not in e] == []


class UploadTap:
    """Keeps the bodies of photo uploads as they reach the server."""

    def __init__(self, app) -> None:
        self.bodies: list[tuple[dict, bytes]] = []
        inner = app.wsgi_app

        def wsgi(environ, start_response):
            if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"] == "/photos":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                body = environ["wsgi.input"].read(length)
                environ["wsgi.input"] = io.BytesIO(body)
                self.bodies.append((dict(environ), body))
            return inner(environ, start_response)

        app.wsgi_app = wsgi

    def files(self, n: int = -1) -> list:
        environ, body = self.bodies[n]
        environ = {**environ, "wsgi.input": io.BytesIO(body)}
        _stream, _form, files = parse_form_data(environ)
        return files.getlist("photos")


# Records the progress bar of the upload form as it changes (class and value).
WATCH_BAR = """(sel) => {
  window.__bar = [];
  const bar = document.querySelector(sel);
  const note = () => window.__bar.push({
    active: bar.classList.contains("active"),
    value: bar.hasAttribute("value") ? bar.value : null, max: bar.max});
  new MutationObserver(note).observe(bar, {attributes: true});
}"""


def test_a_12_megapixel_photo_leaves_the_phone_small_and_upright(
    app, page_without_worker, world, make_resident, make_visit, tmp_path, shoot
):
    page = page_without_worker
    tap = UploadTap(app)
    visit = make_visit(resident=make_resident())
    original = tmp_path / "IMG_0001.jpg"
    original.write_bytes(phone_photo())
    assert original.stat().st_size > 3_000_000
    login(page, "worker_a", PASSWORD)
    page.goto(page.base_url + f"/visits/{visit.id}")
    gallery = f"#photos-visit-{visit.id}"
    page.evaluate(WATCH_BAR, f"{gallery} progress.upload")
    page.locator(f"{gallery} input[type=file]").set_input_files(str(original))
    page.wait_for_selector(f"{gallery} .thumbs img")
    shoot(page, "sent")

    (environ, body) = tap.bodies[-1]
    assert len(body) == int(environ["CONTENT_LENGTH"]) < 600 * 1024
    (sent,) = tap.files()
    assert sent.filename == "IMG_0001.jpg"
    assert sent.mimetype == "image/jpeg"
    im = Image.open(io.BytesIO(sent.read()))
    assert im.format == "JPEG"
    assert max(im.size) == 1600
    assert is_upright_red_over_blue(im)  # turned by the phone: no EXIF left to say how
    assert not im.getexif()
    assert "exif" not in im.info

    photo = fresh_scalar(sa.select(Photo))
    with app.app_context():
        stored = Image.open(io.BytesIO(get_store().read(photo.sha256)))
    assert is_upright_red_over_blue(stored)
    assert stored.size == (1200, 1600)

    bar = page.evaluate("window.__bar")
    assert {"active": True, "value": None, "max": 100} in bar  # preparing: indeterminate
    sent_states = [s for s in bar if s["active"] and s["value"] is not None and s["value"] > 0]
    assert sent_states
    assert sent_states[-1]["value"] == sent_states[-1]["max"] == len(body)
    assert not page.locator(f"{gallery} progress.upload.active").count()
    assert page.js_errors == []


def test_a_photo_the_browser_cannot_read_goes_as_chosen(
    app, page, world, make_resident, make_visit, tmp_path
):
    """A HEIC (Chromium cannot decode it) is sent untouched; the server converts it."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    heic = tmp_path / "IMG_0002.HEIC"
    Image.new("RGB", (640, 480), (30, 160, 60)).save(heic, "HEIF")
    tap = UploadTap(app)
    visit = make_visit(resident=make_resident())
    login(page, "worker_a", PASSWORD)
    page.goto(page.base_url + f"/visits/{visit.id}")
    page.locator(f"#photos-visit-{visit.id} input[type=file]").set_input_files(str(heic))
    page.wait_for_selector(f"#photos-visit-{visit.id} .thumbs img")
    (sent,) = tap.files()
    assert sent.filename == "IMG_0002.HEIC"
    assert sent.read() == heic.read_bytes()
    photo = fresh_scalar(sa.select(Photo))
    assert (photo.width, photo.height) == (640, 480)
    assert page.js_errors == []


def test_without_javascript_the_full_size_photo_is_still_taken(
    app, browser, live_server, world, make_resident, make_visit, tmp_path
):
    tap = UploadTap(app)
    visit = make_visit(resident=make_resident())
    original = tmp_path / "IMG_0003.jpg"
    original.write_bytes(phone_photo())
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    try:
        pg = context.new_page()
        pg.base_url = live_server.url
        login(pg, "worker_a", PASSWORD)
        pg.goto(live_server.url + f"/visits/{visit.id}")
        form = pg.locator(f"#photos-visit-{visit.id} form.photo-upload")
        form.locator("input[type=file]").set_input_files(str(original))
        form.locator("button[type=submit]").click()
        pg.wait_for_load_state("load")
    finally:
        context.close()
    (sent,) = tap.files()
    assert len(sent.read()) == original.stat().st_size  # the phone sent it as it was
    photo = fresh_scalar(sa.select(Photo))
    with app.app_context():
        stored = Image.open(io.BytesIO(get_store().read(photo.sha256)))
    assert is_upright_red_over_blue(stored)
    assert max(stored.size) == 1600
