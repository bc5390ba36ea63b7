"""A photo chosen in a hazard form with its note saves the hazard at once (photos.js: the photo
is never left behind). The form then reads as saved, with its photo; Save unchanged makes
nothing new and says so; Save after a change updates the same hazard (the walk: after the
photo's save the form still looked unsaved, and the worker tapped Save again)."""

import io

import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import expect

from app.extensions import db
from app.models import AuditEvent, Hazard, Photo
from tests.browser.conftest import fresh_scalar, open_pending_hazard

pytestmark = pytest.mark.browser

SAYS = {
    "zh": {
        "saved_1": "已保存，含照片 1 张。",
        "saved_0": "已保存。",
        "unsaved": "尚未保存：请点“保存隐患”。",
        "sending": "正在保存…",
        "changed": "修改尚未保存：请点“保存隐患”。",
        "no_change": "没有改动：这条隐患已经保存过了。",
        "saved_toast": "隐患已保存。",
        "note": ("电动车在客厅充电", "，已劝离"),
        "checklist": "消防安全",
    },
    "en": {
        "saved_1": "Saved, with 1 photo.",
        "saved_0": "Saved.",
        "unsaved": "Not saved yet: tap “Save hazard”.",
        "sending": "Saving…",
        "changed": "Changes not saved yet: tap “Save hazard”.",
        "no_change": "No changes: this hazard was already saved.",
        "saved_toast": "Hazard saved.",
        "note": ("E-bike charging in the living room", "; moved out"),
        "checklist": "Fire safety",
    },
}
# What a Save writes; the thumbnails' loads write reads (photo_viewed) of their own.
WRITES = ("answer_saved", "answer_changed", "hazard_opened", "hazard_updated", "photo_added")


def _jpeg(tmp_path):
    path = tmp_path / "hazard.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (1200, 900), (200, 60, 40)).save(buf, "JPEG")
    path.write_bytes(buf.getvalue())
    return path


def _writes() -> int:
    return fresh_scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action.in_(WRITES))
    )


def _count(model) -> int:
    return fresh_scalar(sa.select(sa.func.count(model.id)))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_photo_saves_the_hazard_and_the_form_then_reads_as_saved(
    page, world, make_resident, make_visit, tmp_path, shoot, lang
):
    says = SAYS[lang]
    note, more = says["note"]
    if lang == "en":
        world.worker_a.locale = "en"
        db.session.commit()
    visit = make_visit(resident=make_resident(name="王秀英"), purpose="screening")
    item = open_pending_hazard(page, visit, checklist=says["checklist"])
    page.wait_for_function("() => !!window.gridbookPhotos")
    form = item.locator("form.hazard-form")
    form.locator("textarea[name=note]").fill(note)
    expect(form.locator(".hazard-unsaved")).to_have_text(says["unsaved"])

    # The photo chosen, the hazard is saved with it. On its way, the form says so (not "tap
    # Save"), and its Save waits; saved, the form says that, and asks for nothing.
    held = []
    page.route("**/hazard", lambda route: held.append(route))
    form.locator("input[type=file]").set_input_files(str(_jpeg(tmp_path)))
    expect(form.locator(".hazard-sending")).to_have_text(says["sending"])
    expect(form.locator("button[type=submit]")).to_be_disabled()
    assert len(held) == 1
    held[0].continue_()
    page.unroute("**/hazard")
    item.locator(".hazard-box .thumbs img").wait_for()
    saved = item.locator("form.hazard-form .hazard-saved")
    expect(saved).to_have_text(says["saved_1"])
    expect(item.locator(".hazard-unsaved")).to_have_count(0)
    expect(page.locator("#toasts")).to_contain_text(says["saved_toast"])
    hazard_id = fresh_scalar(sa.select(Hazard.id))
    assert (_count(Hazard), _count(Photo)) == (1, 1)
    shoot(page, "1-saved-with-photo")

    # Save as it stands: nothing new, and the worker is told so.
    writes = _writes()
    item.locator("form.hazard-form button[type=submit]").click()
    expect(page.locator("#toasts")).to_contain_text(says["no_change"])
    expect(saved).to_have_text(says["saved_1"])
    assert (_count(Hazard), _count(Photo), _writes()) == (1, 1, writes)

    # Changed: unsaved because of the change; saved, it is the same hazard, its photo kept.
    note_box = item.locator("form.hazard-form textarea[name=note]")
    note_box.press("End")
    note_box.press_sequentially(more)
    expect(item.locator("form.hazard-form .hazard-unsaved")).to_have_text(says["changed"])
    shoot(page, "2-changed")
    item.locator("form.hazard-form button[type=submit]").click()
    expect(page.locator("#toasts")).to_contain_text(says["saved_toast"])
    expect(saved).to_have_text(says["saved_1"])
    hazard = fresh_scalar(sa.select(Hazard))
    assert (hazard.id, hazard.note) == (hazard_id, note + more)
    assert (_count(Hazard), _count(Photo), _writes()) == (1, 1, writes + 1)

    # Its photo deleted, the line counts what is left.
    page.once("dialog", lambda d: d.accept())
    item.locator(".hazard-box .photo-delete").click()
    expect(item.locator(".hazard-box .thumbs img")).to_have_count(0)
    expect(saved).to_have_text(says["saved_0"])
    assert page.js_errors == []
