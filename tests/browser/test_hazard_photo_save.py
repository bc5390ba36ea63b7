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


def _jpeg(tmp_path, name="hazard.jpg", colour=(200, 60, 40)):
    path = tmp_path / name
    buf = io.BytesIO()
    Image.new("RGB", (1200, 900), colour).save(buf, "JPEG")
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
    # The page says "sending" as it starts the request; the route sees it a moment later, on
    # the next event Playwright hands over (a loaded machine makes that moment long).
    for _ in range(600):
        if held:
            break
        page.wait_for_timeout(50)
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


HELD = {
    "zh": {
        "kept": "尚未保存：请改正“整改期限”。照片已保留，改正后点“保存隐患”一起保存。",
        "date": "日期太早了，请检查年份。",
        "chosen": "已选照片 1 张，尚未保存",
        "chosen_2": "已选照片 2 张，尚未保存",
        "saved_2": "已保存，含照片 2 张。",
        "blamed": "请先填写隐患情况",
    },
    "en": {
        "kept": "Not saved yet: correct “Fix by”. The photo is kept: once corrected, tap "
        "“Save hazard” to save it with the hazard.",
        "date": "This date is too far in the past. Check the year.",
        "chosen": "Photos chosen, not saved yet: 1",
        "chosen_2": "Photos chosen, not saved yet: 2",
        "saved_2": "Saved, with 2 photos.",
        "blamed": "describe the hazard, then add the photo",
    },
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_photo_sent_with_a_wrong_date_is_kept_and_saved_with_the_corrected_hazard(
    page, world, make_resident, make_visit, tmp_path, shoot, lang
):
    """The walk: note typed, fix-by date mistyped 2020-01-01, photo chosen. The server refused
    the date and the form blamed the note ("describe the hazard, then add the photo again");
    the date corrected and saved, the hazard had no photo."""
    from datetime import timedelta

    from app.timeutil import local_today

    says, held = SAYS[lang], HELD[lang]
    if lang == "en":
        world.worker_a.locale = "en"
        db.session.commit()
    visit = make_visit(resident=make_resident(name="王秀英"), purpose="screening")
    item = open_pending_hazard(page, visit, checklist=says["checklist"])
    page.wait_for_function("() => !!window.gridbookPhotos")
    form = item.locator("form.hazard-form")
    form.locator("textarea[name=note]").fill(says["note"][0])
    form.locator("input[name=due_on]").fill("2020-01-01")
    form.locator("input[type=file]").set_input_files(str(_jpeg(tmp_path)))

    # Refused for the date, and it says so: which field, and that the photo is kept.
    expect(form.locator(".photo-held")).to_have_text(held["kept"])
    expect(form.locator("input[name=due_on] ~ small.error")).to_have_text(held["date"])
    assert held["blamed"] not in item.inner_text()
    expect(form.locator(".photo-chosen")).to_have_text(held["chosen"])
    assert form.evaluate("f => f.querySelector('input[type=file]').files.length") == 1
    assert form.locator("textarea[name=note]").input_value() == says["note"][0]
    assert (_count(Hazard), _count(Photo)) == (0, 0)
    form.locator(".photo-held").scroll_into_view_if_needed()
    shoot(page, "1-refused-photo-kept")

    # A second photo chosen before the date is mended sends the form again: refused again,
    # with both photos kept (the new choice does not replace the first in the input).
    second = _jpeg(tmp_path, "second.jpg", (40, 60, 200))
    form.locator("input[type=file]").set_input_files(str(second))
    expect(form.locator(".photo-chosen")).to_have_text(held["chosen_2"])
    expect(form.locator(".photo-held")).to_have_text(held["kept"])
    assert (_count(Hazard), _count(Photo)) == (0, 0)

    due = local_today() + timedelta(days=3)
    form.locator("input[name=due_on]").fill(due.isoformat())
    form.locator("button[type=submit]").click()
    expect(item.locator(".hazard-box .thumbs img")).to_have_count(2)
    expect(page.locator("#toasts")).to_contain_text(says["saved_toast"])
    expect(item.locator("form.hazard-form .hazard-saved")).to_have_text(held["saved_2"])
    hazard = fresh_scalar(sa.select(Hazard))
    assert (hazard.note, hazard.due_on) == (says["note"][0], due)
    assert (_count(Hazard), _count(Photo)) == (1, 2)
    assert fresh_scalar(sa.select(sa.func.count(Photo.id)).where(Photo.hazard_id == hazard.id)) == 2
    shoot(page, "2-saved-with-photos")
    assert page.js_errors == []
