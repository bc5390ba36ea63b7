"""Marking a hazard rectified asks for a photo of the fix first; once one is saved, the
request to add one goes (the walk: it stayed over the button until the next tap)."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_the_fix_photo_request_goes_once_a_photo_is_saved(
    page, world, make_resident, make_hazard, tmp_path
):
    hazard = make_hazard(resident=make_resident(name="王秀英"))
    photo = tmp_path / "fix.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (800, 600), (40, 160, 60)).save(buf, "JPEG")
    photo.write_bytes(buf.getvalue())
    login(page, "worker_a", PASSWORD)
    page.goto(f"{page.base_url}/hazards/{hazard.id}?lang=zh")

    form = page.locator("#rectify-form")
    form.locator("textarea[name=note]").fill("已移走电动车")
    form.locator("button[type=submit]").click()
    error = page.locator("#rectify-form .form-error")
    expect(error).to_have_text("请先上传至少一张整改照片。")
    expect(page.locator("#rectify-form textarea[name=note]")).to_have_value("已移走电动车")

    # A file that is no photo is refused: the request for one stays.
    fake = tmp_path / "notes.jpg"
    fake.write_bytes(b"just some text\n" * 20)
    upload = page.locator(f"#hazard-fix-{hazard.id} form.photo-upload input[type=file]")
    upload.set_input_files(str(fake))
    page.locator(f"#hazard-fix-{hazard.id} .photo-errors").wait_for()
    expect(error).to_have_count(1)
    page.locator(f"#hazard-fix-{hazard.id} form.photo-upload input[type=file]").set_input_files(
        str(photo)
    )
    page.locator(f"#hazard-fix-{hazard.id} .thumbs img").first.wait_for()
    expect(error).to_have_count(0)
    expect(page.locator("#rectify-form textarea[name=note]")).to_have_value("已移走电动车")
