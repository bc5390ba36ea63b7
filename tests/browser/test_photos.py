"""A worker adds photos to a visit from the phone, opens one, and deletes one."""

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from app.models import Photo
from tests.browser.conftest import fresh_scalar, login, phone_page
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _jpeg(tmp_path, name, colour):
    path = tmp_path / name
    buf = io.BytesIO()
    Image.new("RGB", (1600, 1200), colour).save(buf, "JPEG")
    path.write_bytes(buf.getvalue())
    return path


def test_worker_adds_opens_and_deletes_visit_photos(
    page, world, make_resident, make_visit, shoot, tmp_path
):
    visit = make_visit(resident=make_resident())
    login(page, "worker_a", PASSWORD)
    page.goto(page.base_url + f"/visits/{visit.id}")
    gallery = page.locator(f"#photos-visit-{visit.id}")
    gallery.locator("input[type=file]").set_input_files(
        [str(_jpeg(tmp_path, "a.jpg", (200, 60, 40))), str(_jpeg(tmp_path, "b.jpg", (40, 90, 200)))]
    )
    # Choosing the photos sends them: no Upload tap (the button is for pages without JS).
    page.wait_for_selector(f"#photos-visit-{visit.id} .thumbs img >> nth=1")
    page.wait_for_selector(".toast")
    # The thumbnails really load (scope, CSP and headers all let them through).
    page.wait_for_function(
        "() => [...document.querySelectorAll('.thumbs img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    shoot(page, "1-uploaded")
    assert fresh_scalar(sa.select(sa.func.count(Photo.id))) == 2

    page.on("dialog", lambda d: d.accept())
    page.locator(f"#photos-visit-{visit.id} .photo-delete").first.click()
    page.wait_for_function("() => document.querySelectorAll('.thumbs img').length === 1")
    assert fresh_scalar(sa.select(sa.func.count(Photo.id))) == 1
    shoot(page, "2-deleted")

    # Bad file: the message appears where the photos are, nothing is saved.
    bad = tmp_path / "scan.jpg"
    bad.write_bytes(b"%PDF-1.4 not a photo")
    page.locator(f"#photos-visit-{visit.id} input[type=file]").set_input_files(str(bad))
    page.wait_for_selector(f"#photos-visit-{visit.id} .photo-errors")
    assert "scan.jpg" in page.locator(".photo-errors").inner_text()
    assert fresh_scalar(sa.select(sa.func.count(Photo.id))) == 1
    shoot(page, "3-refused")

    photo = fresh_scalar(sa.select(Photo))
    resp = page.goto(page.base_url + f"/photos/{photo.id}")
    assert resp.headers["content-type"] == "image/jpeg"
    assert page.js_errors == []


def test_upload_button_is_offered_only_where_no_script_sends_the_photo(
    page, browser, live_server, world, make_resident, make_visit, tmp_path
):
    visit = make_visit(resident=make_resident())
    login(page, "worker_a", PASSWORD)
    page.goto(page.base_url + f"/visits/{visit.id}")
    page.wait_for_function("() => !!window.gridbookPhotos")
    gallery = page.locator(f"#photos-visit-{visit.id}")
    # The script sends a chosen photo: an Upload tap could only ask for a file again.
    assert gallery.locator("form.photo-upload button[type=submit]").is_hidden()
    gallery.locator("input[type=file]").set_input_files(str(_jpeg(tmp_path, "a.jpg", (9, 9, 9))))
    page.wait_for_selector(f"#photos-visit-{visit.id} .thumbs img")
    assert gallery.locator("form.photo-upload button[type=submit]").is_hidden()
    assert page.js_errors == []

    # The server refuses a send (busy, a fault): the photo stays chosen and the button comes
    # back for that form, so that one tap sends the same photo again.
    answers = iter([503])

    def once(route):
        status = next(answers, None)
        route.fulfill(status=status, body="busy") if status else route.continue_()

    page.route("**/photos", once)
    gallery.locator("input[type=file]").set_input_files(str(_jpeg(tmp_path, "c.jpg", (7, 7, 7))))
    page.wait_for_selector(".toast-error")
    button = gallery.locator("form.photo-upload button[type=submit]")
    button.wait_for(state="visible")
    button.click()
    page.wait_for_function(
        f"() => document.querySelectorAll('#photos-visit-{visit.id} .thumbs img').length === 2"
    )
    assert gallery.locator("form.photo-upload button[type=submit]").is_hidden()
    assert fresh_scalar(sa.select(sa.func.count(Photo.id))) == 2

    # Without JavaScript the button is the way to send the photo, and it does.
    with phone_page(browser, live_server.url, java_script_enabled=False) as plain:
        login(plain, "worker_a", PASSWORD)
        plain.goto(plain.base_url + f"/visits/{visit.id}")
        form = plain.locator(f"#photos-visit-{visit.id} form.photo-upload")
        assert form.locator("button[type=submit]").is_visible()
        form.locator("input[type=file]").set_input_files(str(_jpeg(tmp_path, "b.jpg", (1, 2, 3))))
        form.locator("button[type=submit]").click()
        plain.wait_for_load_state()
    assert fresh_scalar(sa.select(sa.func.count(Photo.id))) == 3
