"""Issue 12, item 7: a photo shrunk on the phone keeps when it was taken (EXIF
DateTimeOriginal, read before the canvas drops the metadata, sent as `captured_at` and
checked by the server as a file's own), and its upload shows real progress under the
service worker: online the page sends it itself; if that send fails it waits in the outbox.
"""

import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import Hazard, Photo
from app.photos.pipeline import client_captured_at
from app.timeutil import local_tz
from tests.browser.conftest import (
    fresh_scalar,
    leaves_without_asking,
    login,
    queued_hazard_keeps_its_form,
)
from tests.conftest import PASSWORD
from tests.offline.test_outbox_browser import (
    controlled,
    entries,
    open_hazard_form,
    outbox_loaded,
    sent_all,
    until,
    waiting,
)
from tests.photos.images import encoded, jpeg_with_metadata, phone_photo


def _local_to_utc(text: str) -> datetime:
    taken = datetime.strptime(text, "%Y:%m:%d %H:%M:%S").replace(tzinfo=local_tz())
    return taken.astimezone(UTC).replace(tzinfo=None)


# ---- the server's side --------------------------------------------------------------------


def test_client_times_are_checked_as_strictly_as_a_files_own():
    assert client_captured_at("2026:05:06 07:08:09+08:00") == datetime(2026, 5, 5, 23, 8, 9)
    assert client_captured_at("2026:05:06 07:08:09-02:30") == datetime(2026, 5, 6, 9, 38, 9)
    assert client_captured_at("2026:05:06 07:08:09") == _local_to_utc("2026:05:06 07:08:09")
    tomorrow_plus = (datetime.now() + timedelta(days=3)).strftime("%Y:%m:%d %H:%M:%S")
    for bad in (
        "",
        None,
        "1970:01:01 00:00:00",  # a camera whose clock was never set
        tomorrow_plus,
        "2026-05-06T07:08:09",
        "2026:13:06 07:08:09",
        "2026:05:06 07:08:09+8",
        "2026:05:06 07:08:09+08:00<script>",
        "yesterday",
    ):
        assert client_captured_at(bad) is None, bad


def _upload(client, visit, files, times):
    return client.post(
        "/photos",
        data={
            "owner_type": "visit",
            "owner_id": str(visit.id),
            "client_uuid": str(uuid.uuid4()),
            "photos": [(io.BytesIO(b), f"p{n}.jpg") for n, b in enumerate(files)],
            "captured_at": times,
        },
        content_type="multipart/form-data",
        htmx=True,
    )


def test_upload_keeps_the_phones_capture_time_where_the_file_has_none(
    client, login_as, world, make_resident, make_visit
):
    login_as(world.worker_a)
    visit = make_visit(resident=make_resident())
    # As a canvas makes them: no EXIF at all (three pictures: one is stored once per visit).
    plain, other, third = (encoded("JPEG", size=s) for s in ((800, 600), (640, 480), (480, 360)))
    resp = _upload(
        client, visit, [plain, other], ["2026:05:06 07:08:09+08:00", "1970:01:01 00:00:00"]
    )
    assert resp.status_code == 200
    got = db.session.scalars(sa.select(Photo.captured_at).order_by(Photo.id)).all()
    assert got == [datetime(2026, 5, 5, 23, 8, 9), None]  # a bad time is no time, not a refusal

    # The file's own EXIF wins over what the phone says.
    _upload(client, visit, [jpeg_with_metadata()], ["2026:05:06 07:08:09+08:00"])
    newest = db.session.scalar(sa.select(Photo).order_by(Photo.id.desc()).limit(1))
    assert newest.captured_at == _local_to_utc("2024:05:06 07:08:09")

    # Times that do not pair one to one with the files are not guessed at.
    _upload(client, visit, [third], ["2026:05:06 07:08:09+08:00", "2026:05:07 07:08:09+08:00"])
    newest = db.session.scalar(sa.select(Photo).order_by(Photo.id.desc()).limit(1))
    assert newest.captured_at is None


# ---- in the browser, with the service worker in control -------------------------------------

# Records the upload form's progress bar as it changes.
WATCH_BAR = """(sel) => {
  window.__bar = [];
  const bar = document.querySelector(sel);
  new MutationObserver(() => window.__bar.push({
    active: bar.classList.contains("active"),
    value: bar.hasAttribute("value") ? bar.value : null, max: bar.max
  })).observe(bar, {attributes: true});
}"""


class Uploads:
    """The photo uploads that reach the server, with the header the page sends them by."""

    def __init__(self, server) -> None:
        self.direct: list[str | None] = []
        inner = server.wsgi

        def wsgi(environ, start_response):
            if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"] == "/photos":
                self.direct.append(environ.get("HTTP_X_GRIDBOOK_DIRECT"))
            return inner(environ, start_response)

        server.wsgi = wsgi
        server.stop()
        server.start()


@pytest.mark.browser
def test_a_photo_under_the_service_worker_shows_real_progress_and_keeps_its_time(
    phone,
    outbox_server,
    world,
    make_resident,
    make_visit,
    tmp_path,
):
    uploads = Uploads(outbox_server)
    visit = make_visit(resident=make_resident(name="王秀英"))
    login(phone, "worker_a", PASSWORD)
    controlled(phone, f"/visits/{visit.id}")
    gallery = f"#photos-visit-{visit.id}"
    phone.wait_for_function("() => !!window.gridbookPhotos")
    phone.evaluate(WATCH_BAR, f"{gallery} progress.upload")
    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(phone_photo())  # 4000x3000, DateTimeOriginal 2026:05:06 07:08:09
    phone.locator(f"{gallery} input[type=file]").set_input_files(str(photo))
    phone.locator(f"{gallery} .thumbs img").first.wait_for()

    assert uploads.direct == ["1"]  # the page sent it, past the worker
    bar = phone.evaluate("window.__bar")
    counted = [s for s in bar if s["value"] is not None and s["max"] > 1]
    assert counted, bar  # the bar showed the bytes, not only "preparing"
    assert max(s["value"] for s in counted) == counted[-1]["max"]  # ... up to all of them
    assert counted[-1]["max"] < 600 * 1024  # the small photo's request, not 4 MB
    saved = fresh_scalar(sa.select(Photo))
    assert saved.captured_at == _local_to_utc("2026:05:06 07:08:09")
    assert entries(phone) == []
    assert phone.js_errors == []


def _on_the_visits_page(phone, visit, photo):
    """The worker on the visit's page under the service worker, a phone photo at hand."""
    login(phone, "worker_a", PASSWORD)
    controlled(phone, f"/visits/{visit.id}")
    outbox_loaded(phone)
    phone.wait_for_function("() => !!window.gridbookPhotos")
    photo.write_bytes(phone_photo(long_side=2000))
    return photo


@pytest.mark.browser
def test_a_photo_whose_own_send_fails_waits_in_the_outbox_and_arrives_once(
    phone,
    outbox_server,
    world,
    make_resident,
    make_visit,
    tmp_path,
):
    visit = make_visit(resident=make_resident(name="王秀英"))
    photo = _on_the_visits_page(phone, visit, tmp_path / "IMG_0002.jpg")
    # The phone thinks it is online, but the server is gone: the page's own send fails.
    outbox_server.stop()
    phone.locator(f"#photos-visit-{visit.id} input[type=file]").set_input_files(str(photo))
    until(phone, "() => gridbookOutbox.all().then(r => r.length)", 1)
    assert waiting(phone) == "1"
    assert fresh_scalar(sa.select(sa.func.count(Photo.id))) == 0
    _says_only_that_it_waits(phone, f"#photos-visit-{visit.id}")

    outbox_server.start()
    phone.reload()  # every page load asks the outbox to send
    sent_all(phone)
    assert fresh_scalar(sa.select(sa.func.count(Photo.id))) == 1
    saved = fresh_scalar(sa.select(Photo))
    assert saved.captured_at == _local_to_utc("2026:05:06 07:08:09")  # kept in the outbox too


def _says_only_that_it_waits(phone, gallery: str) -> None:
    """The queued photo is shown waiting, from the phone's copy, and no longer as chosen."""
    phone.wait_for_selector(f"{gallery} .outbox-mark .outbox-thumbs img")
    until(
        phone,
        f"() => [...document.querySelectorAll('{gallery} .outbox-thumbs img')]"
        ".every(i => i.complete && i.naturalWidth > 0)",
        True,
    )
    assert phone.locator(f"{gallery} .photo-chosen").inner_text() == ""
    assert phone.evaluate(f"document.querySelector('{gallery} input[type=file]').files.length") == 0


@pytest.mark.browser
def test_a_photo_chosen_offline_says_only_that_it_waits(
    phone,
    outbox_server,
    world,
    make_resident,
    make_visit,
    tmp_path,
):
    visit = make_visit(resident=make_resident(name="王勇"))
    photo = _on_the_visits_page(phone, visit, tmp_path / "IMG_0003.jpg")
    phone.context.set_offline(True)
    phone.locator(f"#photos-visit-{visit.id} input[type=file]").set_input_files(str(photo))
    until(phone, "() => gridbookOutbox.all().then(r => r.length)", 1)
    _says_only_that_it_waits(phone, f"#photos-visit-{visit.id}")
    # /outbox says whose visit the photo is of.
    assert [e["label"] for e in entries(phone)] == ["照片 · 王勇的走访"]
    assert phone.js_errors == []

    phone.context.set_offline(False)
    sent_all(phone)
    assert fresh_scalar(sa.select(sa.func.count(Photo.id))) == 1


@pytest.mark.browser
@pytest.mark.parametrize("cut", ["offline", "server gone"])
def test_a_hazard_saved_without_signal_waits_with_its_photo_and_is_not_unsaved(
    phone,
    outbox_server,
    world,
    make_resident,
    make_visit,
    tmp_path,
    cut,
):
    s, items, item, form = open_hazard_form(phone, world, make_resident, make_visit)
    key = form.locator("input[name=photo_uuid]").input_value()
    photo = tmp_path / "IMG_0004.jpg"
    photo.write_bytes(phone_photo(long_side=2000))
    # "offline": the service worker keeps the Save; "server gone": the page's own send of the
    # photo (for its progress) fails, and the page keeps it.
    if cut == "offline":
        phone.context.set_offline(True)
    else:
        outbox_server.stop()
    form.locator("textarea[name=note]").fill("楼道堆放纸箱")
    form.locator("input[type=file]").set_input_files(str(photo))  # sent with its note
    until(phone, "() => gridbookOutbox.all().then(r => r.length)", 1)
    queued_hazard_keeps_its_form(phone, item)
    # Another photo chosen in the same form is another photo, under a key of its own.
    other = tmp_path / "IMG_0005.jpg"
    other.write_bytes(phone_photo(long_side=1800))
    form.locator("input[type=file]").set_input_files(str(other))
    expect(phone.locator("[data-outbox-count] .n")).to_have_text("3")
    expect(form.locator(".photo-chosen")).to_have_text("待发送")
    keys = phone.evaluate(
        "gridbookOutbox.all().then(r => r.map(e => e.fields.find(f => f[0] === 'photo_uuid')[1]))"
    )
    assert keys[:2] == [key, key]  # saved twice, one photo
    assert keys[2] != key
    leaves_without_asking(phone, s.visit_id)

    if cut == "offline":
        phone.context.set_offline(False)
    else:
        outbox_server.start()
    phone.goto(phone.base_url + f"/screening/{s.id}")  # every page load sends what waits
    sent_all(phone)
    hazard = fresh_scalar(sa.select(Hazard))
    assert hazard.note == "楼道堆放纸箱，已提醒清理"
    assert fresh_scalar(sa.select(sa.func.count(Hazard.id))) == 1
    assert fresh_scalar(sa.select(sa.func.count(Photo.id)).where(Photo.hazard_id == hazard.id)) == 2
    assert outbox_server.replays == [f"/screening/{s.id}/items/{items[0]}/hazard"] * 3
