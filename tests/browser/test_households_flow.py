"""On the phone: walk building -> unit -> household and log a visit there; a secretary hands
a grid over and the new worker reads the note on Today."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Handover, User, Visit
from tests.browser.conftest import fresh_scalar, login, phone_page
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_worker_walks_to_a_household_and_logs_a_visit(page, world, make_resident, shoot):
    make_resident(name="王秀英", building="5", unit="1", room="504")
    neighbour = make_resident(name="刘强", building="5", unit="1", room="504", care=())
    make_resident(name="陈红", building="5", unit="2", room="101")
    make_resident(name="周平", building="12", unit="1", room="302")
    login(page, "worker_a", PASSWORD)

    page.click("#bottom-nav a[href='/residents']")
    page.click("#walk-buildings")
    page.wait_for_selector("#building-list")
    shoot(page, "1-buildings")
    page.locator("#building-list a").first.click()  # building 5 sorts before 12
    page.wait_for_selector("#unit-list")
    assert page.locator("#unit-list li").count() == 2
    shoot(page, "2-units")
    page.locator("#unit-list a").first.click()
    page.wait_for_selector("#household-list")
    assert "尚未走访" in page.locator("#household-list").inner_text()
    shoot(page, "3-households")
    page.locator("#household-list a").first.click()
    page.wait_for_selector("#household-members")
    assert page.locator("#household-members li").count() == 2

    page.check(f"#visit-form-slot input[name=resident][value='{neighbour.id}']")
    page.click("#household-visit")
    page.wait_for_selector("#visit-form")
    page.check("input[name=purpose][value=routine]")
    page.fill("textarea[name=summary]", "刘强在家，门口楼道堆放杂物已提醒清理")
    page.check("input[name=outcome][value=done]")
    shoot(page, "4-visit-form")
    page.click("#visit-form button[type=submit]")
    page.wait_for_selector("#household-visits li.entry-visit")
    # The page's own header and list follow the new visit, without a reload.
    page.wait_for_selector("#household-visits li.empty", state="detached")
    page.wait_for_function(
        "() => !document.querySelector('#household-last-visit').textContent.includes('尚未走访')"
    )
    shoot(page, "5-visit-saved")
    visit = fresh_scalar(sa.select(Visit))
    assert visit.resident_id == neighbour.id
    assert visit.household_id == neighbour.household_id

    page.go_back()
    page.reload()
    page.wait_for_selector("#household-list")
    assert "尚未走访" not in page.locator("#household-list li").first.inner_text()
    assert page.js_errors == []


def test_secretary_hands_a_grid_over_and_the_new_worker_reads_the_note(
    page, browser, live_server, world, make_resident, password_hash, shoot
):
    make_resident(name="王秀英")
    newcomer = User(
        username="worker_new",
        display_name="新来的",
        password_hash=password_hash,
        role="worker",
        community_id=world.ca.id,
        township_id=world.township.id,
    )
    db.session.add(newcomer)
    db.session.commit()

    login(page, "secretary_a", PASSWORD)
    page.goto(page.base_url + "/residents")
    page.click("#handovers-link")
    page.click("#new-handover")
    page.select_option("#from_worker_id", str(world.worker_a.id))
    page.click("#handover-from button[type=submit]")
    page.wait_for_selector("#handover-form")
    page.check(f"#handover-grids input[value='{world.a1.id}']")
    page.select_option("#to_worker_id", str(newcomer.id))
    page.fill("#note", "王秀英独居，每周二上午去看一次。")
    shoot(page, "1-handover-form")
    page.click("#handover-form button[type=submit]")
    page.wait_for_selector("#handover-list li[id^=handover-]")
    shoot(page, "2-handover-done")
    handover = fresh_scalar(sa.select(Handover))
    assert handover.moved["grids"] == [world.a1.id]

    with phone_page(browser, live_server.url) as worker:
        login(worker, "worker_new", PASSWORD)
        note = worker.locator(f"#handover-note-{handover.id}")
        note.wait_for()
        assert "王秀英独居，每周二上午去看一次。" in note.inner_text()
        shoot(worker, "3-note-on-today")
        note.locator("button[type=submit]").click()
        note.wait_for(state="detached")
        worker.click("#bottom-nav a[href='/residents']")
        worker.wait_for_selector("#resident-rows >> text=王秀英")
        assert worker.js_errors == []
