"""A worker at a door: find the resident, log a visit, screen for fire hazards, add a photo."""

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image

from app.models import ChecklistTemplate, Hazard, Photo, Visit
from app.timeutil import local_today
from tests.browser.conftest import (
    fresh_scalar,
    login,
    open_pending_hazard,
    saves_note_and_photo,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _jpeg(tmp_path):
    path = tmp_path / "hazard.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (1200, 900), (200, 60, 40)).save(buf, "JPEG")
    path.write_bytes(buf.getvalue())
    return path


def test_worker_logs_visit_with_fire_screening_hazard_and_photo(
    page, world, make_resident, shoot, tmp_path
):
    make_resident(name="王秀英", care=("elderly_alone",))
    make_resident(name="刘强", care=("disability",))
    login(page, "worker_a", PASSWORD)

    page.click("#bottom-nav a[href='/residents']")
    page.fill("#q", "秀")
    page.wait_for_selector("#resident-rows >> text=刘强", state="detached")
    assert page.locator("#resident-rows >> text=王秀英").count() == 1
    assert "q=" in page.url
    shoot(page, "1-search")
    page.click("#resident-rows >> text=王秀英")
    page.wait_for_selector("h1 >> text=王秀英")

    # Three taps to start: Log a visit, purpose, outcome (summary typed), then save: a hazard
    # screening, whose first checklist (fire safety) is chosen already and opens on save.
    page.click("#visit-form-slot a")
    page.wait_for_selector("#visit-form")
    page.check("input[name=purpose][value=screening]")
    page.fill("textarea[name=summary]", "入户查消防，提醒不要在屋里给电动车充电")
    page.check("input[name=outcome][value=needs_follow_up]")
    page.fill("input[name=follow_up_on]", (local_today() + timedelta(days=7)).isoformat())
    assert page.locator("input[name=checklist_id]:checked").get_attribute("value") == str(
        fresh_scalar(sa.select(ChecklistTemplate.id).where(ChecklistTemplate.code == "fire"))
    )
    shoot(page, "2-visit-form")
    page.click("#visit-form button[type=submit]")
    page.wait_for_selector("#screening-summary")
    shoot(page, "3-visit-saved")
    visit = fresh_scalar(sa.select(Visit))
    assert visit is not None
    assert visit.purpose == "screening"
    items = page.locator("li.checklist-item")
    first, second = items.nth(0), items.nth(1)
    second.locator("button.ans-ok").click()
    page.wait_for_selector(f"#{second.get_attribute('id')} button.ans-ok[aria-pressed=true]")
    first.locator("button.ans-hazard").click()
    page.wait_for_selector("li.checklist-item .hazard-form")
    page.fill(".hazard-form textarea[name=note]", "电动车在客厅充电")
    page.click(".hazard-form button[type=submit]")
    page.wait_for_selector(".toast")
    hazard = fresh_scalar(sa.select(Hazard))
    assert hazard is not None
    assert hazard.note == "电动车在客厅充电"

    # The photo goes with the hazard form: choosing it saves note, severity and photo at once.
    box = page.locator(f"#hazard-{hazard.id}")
    box.locator(".hazard-form input[type=file]").set_input_files(str(_jpeg(tmp_path)))
    page.wait_for_selector(f"#photos-hazard-{hazard.id} img")
    shoot(page, "4-screening-hazard-photo")
    assert fresh_scalar(sa.select(sa.func.count(Photo.id))) == 1
    summary = page.locator("#screening-summary").inner_text()
    assert "1" in summary

    # Two of the items are answered: finishing says how many are left and asks (issue 13).
    page.click("#finish-screening button")
    page.wait_for_selector("#finish-unanswered")
    left = len(page.locator("#finish-unanswered li").all())
    assert f"还有 {left} 项未检查" in page.locator("#finish-unanswered").inner_text()
    shoot(page, "4b-finish-unanswered")
    page.click("#finish-as-na button")
    page.wait_for_selector("#visit-screenings .status-verified")

    page.goto(page.base_url + f"/residents/{visit.resident_id}")
    timeline = page.locator("#timeline")
    assert timeline.locator(f"#visit-{visit.id}").count() == 1
    assert timeline.locator(f"#timeline-hazard-{hazard.id} img").count() == 1
    shoot(page, "5-timeline")

    page.click("#bottom-nav a[href='/today']")
    page.wait_for_selector("#today-visits")
    assert "王秀英" in page.locator("#today-visits").inner_text()
    assert "王秀英" in page.locator("#today-hazards").inner_text()
    shoot(page, "6-today")
    assert page.js_errors == []


def test_a_photo_taken_before_the_note_waits_for_it_and_no_bare_hazard_is_saved(
    page, world, make_resident, make_visit, shoot, tmp_path
):
    """Tapping 隐患 stores nothing; a photo chosen first is held in the form (made small)
    until the note is typed, then note and photo are saved as one hazard."""
    visit = make_visit(resident=make_resident(name="王秀英"), purpose="screening")
    first = open_pending_hazard(page, visit)
    form = first.locator(".hazard-form")
    assert first.locator("button.ans-hazard").get_attribute("aria-pressed") == "true"
    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.url.endswith("/hazard") else None)
    form.locator("input[type=file]").set_input_files(str(_jpeg(tmp_path)))
    page.wait_for_function("() => !document.querySelector('form.hazard-form[data-shrinking]')")
    assert page.evaluate("() => document.activeElement.name") == "note"
    assert sent == []
    assert fresh_scalar(sa.select(sa.func.count(Hazard.id))) == 0
    shoot(page, "photo-waits-for-note")

    saves_note_and_photo(page, form, "楼道堆放纸箱")
    assert page.js_errors == []
