"""The line atop a hazard form says why it is not saved, in each state the worker can put it
in: no note yet (with a photo waiting for it or not), typed and never saved, kept in the
outbox without signal (hidden: the form waits), and changed again after that (the walk: a
queued hazard typed into again said "fill in the hazard's description" over a filled note)."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import Hazard, Photo
from tests.browser.conftest import fresh_scalar
from tests.offline.test_outbox_browser import (
    open_hazard_form,
    sent_all,
    until,
)
from tests.photos.images import phone_photo

pytestmark = pytest.mark.browser

SAYS = {
    "zh": {
        "empty": "尚未保存：请填写隐患情况后保存。",
        "empty_photo": "尚未保存：请填写隐患情况，再和照片一起保存。",
        "unsaved": "尚未保存：请点“保存隐患”。",
        "changed": "修改尚未保存：请点“保存隐患”。",
        "waiting": "待发送",
    },
    "en": {
        "empty": "Not saved yet: describe the hazard and save it.",
        "empty_photo": "Not saved yet: describe the hazard, then save it with the photo.",
        "unsaved": "Not saved yet: tap “Save hazard”.",
        "changed": "Changes not saved yet: tap “Save hazard”.",
        "waiting": "Waiting to send",
    },
}
NOTE = {
    "zh": ("楼道堆放纸箱", "，已提醒清理"),
    "en": ("Boxes piled in the stairwell", "; told to clear"),
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_queued_hazard_typed_into_again_says_it_is_changed_not_that_its_note_is_missing(
    phone, outbox_server, world, make_resident, make_visit, tmp_path, shoot, lang
):
    says, (note, more) = SAYS[lang], NOTE[lang]
    world.worker_a.locale = lang if lang == "en" else "zh_Hans"
    db.session.commit()
    s, items, item, form = open_hazard_form(phone, world, make_resident, make_visit)
    unsaved = form.locator(".hazard-unsaved")
    expect(unsaved).to_have_text(says["empty"])

    # A photo first: it waits in the form for the note, and the line says so.
    photo = tmp_path / "IMG_0006.jpg"
    photo.write_bytes(phone_photo(long_side=1200))
    form.locator("input[type=file]").set_input_files(str(photo))
    # Made small, it stays in the form: photos.js sends it only with a note.
    until(phone, "() => !document.querySelector('form.hazard-form[data-shrinking]')", True)
    expect(unsaved).to_have_text(says["empty_photo"])
    # The note typed: what is missing now is the Save, not the note.
    form.locator("textarea[name=note]").fill(note)
    expect(unsaved).to_have_text(says["unsaved"])

    phone.context.set_offline(True)
    form.locator("button[type=submit]").click()
    until(phone, "() => gridbookOutbox.all().then(r => r.length)", 1)
    expect(form.locator(".photo-chosen")).to_have_text(says["waiting"])
    expect(unsaved).to_be_hidden()
    shoot(phone, "1-waiting")

    # Typed into again: unsaved because of the change; its note is there.
    form.locator("textarea[name=note]").press("End")
    form.locator("textarea[name=note]").press_sequentially(more)
    expect(unsaved).to_be_visible()
    expect(unsaved).to_have_text(says["changed"])
    unsaved.scroll_into_view_if_needed()
    shoot(phone, "2-changed")
    # Emptied, it asks for the note again (the photo still waits with it).
    form.locator("textarea[name=note]").fill("")
    expect(unsaved).to_have_text(says["empty_photo"])
    form.locator("textarea[name=note]").fill(note + more)
    expect(unsaved).to_have_text(says["changed"])

    form.locator("button[type=submit]").click()
    until(phone, "() => gridbookOutbox.all().then(r => r.length)", 2)
    expect(unsaved).to_be_hidden()

    phone.context.set_offline(False)
    phone.goto(phone.base_url + f"/screening/{s.id}")  # every page load sends what waits
    sent_all(phone)
    hazard = fresh_scalar(sa.select(Hazard))
    assert hazard.note == note + more
    assert fresh_scalar(sa.select(sa.func.count(Hazard.id))) == 1
    assert fresh_scalar(sa.select(sa.func.count(Photo.id)).where(Photo.hazard_id == hazard.id)) == 1
    assert not [e for e in phone.js_errors if "net::" not in e]


def test_a_hazard_with_a_wrong_date_is_stopped_on_the_phone_without_signal_and_saved_with_its_photo(
    phone, outbox_server, world, make_resident, make_visit, tmp_path, shoot
):
    """Without signal, choosing the photo does not queue a hazard the server would refuse: the
    phone names the date (not the note), nothing waits, the photo stays chosen; with the date
    corrected, Save queues it, and back online it is saved with the photo."""
    from app.timeutil import local_today

    s, items, item, form = open_hazard_form(phone, world, make_resident, make_visit)
    form.locator("textarea[name=note]").fill("飞线充电，电线裸露")
    form.locator("input[name=due_on]").fill("2020-01-01")

    phone.context.set_offline(True)
    photo = tmp_path / "IMG_0007.jpg"
    photo.write_bytes(phone_photo(long_side=1200))
    form.locator("input[type=file]").set_input_files(str(photo))
    date_error = form.locator("input[name=due_on] ~ small.error")
    date_error.wait_for()
    assert date_error.inner_text() == "日期太早了，请检查年份。"
    assert form.locator("textarea[name=note] ~ small.error").count() == 0
    assert phone.evaluate("() => gridbookOutbox.all().then(r => r.length)") == 0
    assert form.locator("input[type=file]").evaluate("el => el.files.length") == 1
    assert form.locator("textarea[name=note]").input_value() == "飞线充电，电线裸露"
    shoot(phone, "1-stopped-for-the-date")

    form.locator("input[name=due_on]").fill(local_today().isoformat())
    form.locator("button[type=submit]").click()
    until(phone, "() => gridbookOutbox.all().then(r => r.length)", 1)
    assert fresh_scalar(sa.select(sa.func.count(Hazard.id))) == 0

    phone.context.set_offline(False)
    phone.goto(phone.base_url + "/outbox")  # every page load sends what waits
    until(phone, "() => gridbookOutbox.all().then(r => r.length)", 0)
    hazard = fresh_scalar(sa.select(Hazard))
    assert (hazard.note, hazard.due_on) == ("飞线充电，电线裸露", local_today())
    assert fresh_scalar(sa.select(sa.func.count(Photo.id)).where(Photo.hazard_id == hazard.id)) == 1
    assert not [e for e in phone.js_errors if "net::" not in e]
