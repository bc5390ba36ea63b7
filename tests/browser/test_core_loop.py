"""The core loop at a door, counted: Today -> resident -> screening visit -> checklist with one
hazard (note and photo) -> finish -> Today, in at most 12 taps and 2 text entries."""

import io
import time

import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import expect

from app.models import Answer, AuditEvent, Hazard, Photo, Screening
from tests.browser.conftest import (
    Walk,
    fresh_scalar,
    leaves_without_asking,
    login,
    queued_hazard_keeps_its_form,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _jpeg(tmp_path):
    path = tmp_path / "hazard.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (1200, 900), (200, 60, 40)).save(buf, "JPEG")
    path.write_bytes(buf.getvalue())
    return path


def test_core_loop_in_twelve_taps(page, world, make_resident, shoot, tmp_path):
    make_resident(name="王秀英", care=("elderly_alone",))
    make_resident(name="刘强", care=("disability",))
    login(page, "worker_a", PASSWORD)
    page.wait_for_selector("#today-visits")
    walk = Walk(page)
    started = time.monotonic()

    walk.tap(page.locator("main a[href='/residents']"))
    page.wait_for_selector("#resident-search")
    # The search box has the focus on arrival: the worker types at once.
    assert page.evaluate("document.activeElement.id") == "q"
    walk.texts += 1
    page.keyboard.type("秀")
    page.wait_for_selector("#resident-rows >> text=刘强", state="detached")
    shoot(page, "1-search")
    walk.tap(page.locator("#resident-rows >> text=王秀英"))

    walk.tap(page.locator("#visit-form-slot a"))
    page.wait_for_selector("#visit-form")
    checklists = page.locator("#visit-form .checklist-choice[data-purpose=screening]")
    assert not checklists.is_visible()
    walk.tap(page.locator("label.chip:has(input[name=purpose][value=screening])"))
    assert checklists.is_visible()
    assert checklists.locator("input:checked").count() == 1
    walk.tap(page.locator("label.chip:has(input[name=outcome][value=done])"))
    shoot(page, "2-visit-form")
    walk.tap(page.locator("#visit-form button[type=submit]"))
    page.wait_for_selector("#screening-summary")
    assert "/screening/" in page.url

    first = page.locator("li.checklist-item").first
    walk.tap(first.locator("button.ans-hazard"))
    note = first.locator(".hazard-form textarea[name=note]")
    walk.type(note, "电动车在客厅充电")
    with page.expect_file_chooser() as chooser:
        # Our own label, not the browser's "Choose Files": the thumb taps the label.
        walk.tap(first.locator(".hazard-form label.photo-pick-label", has_text="拍照或选择照片"))
    chooser.value.set_files(str(_jpeg(tmp_path)))
    page.wait_for_selector("li.checklist-item .hazard-box .thumbs img")
    page.wait_for_selector(".toast")
    shoot(page, "3-hazard-with-photo")

    walk.tap(page.locator("#remaining-ok button"))
    page.wait_for_selector("#finish-screening")
    shoot(page, "4-all-answered")
    walk.tap(page.locator("#finish-screening button"))
    page.wait_for_selector("#visit-screenings .status-verified")
    shoot(page, "5-visit")
    walk.tap(page.locator("#bottom-nav a[href='/today']"))
    page.wait_for_selector("#today-visits >> text=王秀英")
    shoot(page, "6-today")
    elapsed = time.monotonic() - started

    print(
        f"\ncore loop: {walk.taps} taps, {walk.texts} text entries, {walk.scrolls} scrolls, "
        f"1 photo pick, {elapsed:.1f} s"
    )
    assert walk.taps <= 12
    assert walk.texts <= 2

    hazard = fresh_scalar(sa.select(Hazard))
    assert hazard.note == "电动车在客厅充电"
    assert fresh_scalar(sa.select(sa.func.count(Photo.id)).where(Photo.hazard_id == hazard.id)) == 1
    screening = fresh_scalar(sa.select(Screening))
    assert screening.completed_at is not None

    def answers(*where) -> int:
        return fresh_scalar(
            sa.select(sa.func.count(Answer.id)).where(Answer.screening_id == screening.id, *where)
        )

    assert answers() == len(screening.template.items)
    assert answers(Answer.value == "hazard") == 1
    assert answers(Answer.value == "ok") == answers() - 1
    bulk = fresh_scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "answers_bulk_saved")
    )
    assert bulk == 1
    assert page.js_errors == []


def test_a_photo_not_sent_is_never_dropped_silently(
    page_without_worker, world, make_resident, make_visit, shoot, tmp_path
):
    # Without a service worker (the first visit): with one, the service worker keeps the entry
    # (tests/offline/test_photo_upload.py).
    page = page_without_worker
    visit = make_visit(resident=make_resident(name="王秀英"), purpose="screening")
    login(page, "worker_a", PASSWORD)
    page.goto(page.base_url + f"/visits/{visit.id}")
    page.click("#start-screening >> text=消防安全")
    first = page.locator("li.checklist-item").first
    first.locator("button.ans-hazard").click()
    first.locator(".hazard-form textarea[name=note]").fill("楼道堆放纸箱")
    # No connection: the photo is chosen but cannot be sent. The page keeps the hazard with
    # its photo on the phone (its outbox) and says so, in place of the red "not sent".
    page.route("**/hazard", lambda route: route.abort())
    first.locator(".hazard-form input[type=file]").set_input_files(str(_jpeg(tmp_path)))
    page.wait_for_selector(".toast:not(.toast-error)")
    assert "已保存在本机" in page.locator("#toasts").inner_text()
    assert page.locator(".toast-error").count() == 0
    assert page.evaluate("gridbookOutbox.all().then(r => r.map(e => e.label))") == [
        "隐患 F1：王秀英"
    ]
    shoot(page, "photo-kept")
    checklist = page.url
    queued_hazard_keeps_its_form(page, first)
    assert fresh_scalar(sa.select(sa.func.count(Photo.id))) == 0

    # With the connection back, the worker goes back to the visit, and that page sends both
    # saves (every page load does): one hazard, as last typed, and one photo.
    page.unroute("**/hazard")
    leaves_without_asking(page, visit.id)
    left = "() => window.gridbookOutbox ? gridbookOutbox.all().then(r => r.length) : -1"
    for _ in range(150):
        if page.evaluate(left) == 0:
            break
        page.wait_for_timeout(200)
    assert page.evaluate(left) == 0
    page.goto(checklist)
    expect(first.locator("textarea[name=note]")).to_have_value("楼道堆放纸箱，已提醒清理")
    expect(first.locator(".hazard-box .thumbs img")).to_have_count(1)
    hazard = fresh_scalar(sa.select(Hazard))
    assert hazard.note == "楼道堆放纸箱，已提醒清理"
    assert fresh_scalar(sa.select(sa.func.count(Hazard.id))) == 1
    assert fresh_scalar(sa.select(sa.func.count(Photo.id)).where(Photo.hazard_id == hazard.id)) == 1
