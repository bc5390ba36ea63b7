"""Without signal on a visit: a referral waits in the outbox like a visit or a request and
arrives once; a checklist's discard does not wait, and the page says it needs signal (it
showed the browser's own "no internet" page, and a referral was neither kept nor refused in
its own words)."""

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import Answer, ChecklistItem, ChecklistTemplate, Referral, Screening
from app.timeutil import local_today
from tests.browser.conftest import fresh_scalar, login, phone_page
from tests.conftest import PASSWORD
from tests.offline.test_outbox_browser import controlled, entries, outbox_loaded, sent_all

pytestmark = pytest.mark.browser

QUEUED = "没有网络：已保存在本机，恢复网络后自动发送。"
NO_SIGNAL_DISCARD = "没有信号，这份检查表没有放弃，仍保持原样。有信号后再放弃。"


def _count(model) -> int:
    return fresh_scalar(sa.select(sa.func.count(model.id)))


def test_a_referral_saved_without_signal_waits_then_arrives_once(
    phone, world, make_resident, make_visit, shoot
):
    visit = make_visit(resident=make_resident(name="王秀英"))
    panel = f"#referrals-visit-{visit.id}"
    login(phone, "worker_a", PASSWORD)
    controlled(phone, f"/visits/{visit.id}")
    outbox_loaded(phone)
    phone.context.set_offline(True)
    phone.click(f"{panel} .referral-raise summary")
    form = phone.locator(f"{panel} form.referral-form")
    form.locator("select[name=service_code]").select_option("elderly_services")
    form.locator("textarea[name=note]").fill("老人腿脚不便，需要上门送餐")
    form.locator("button[type=submit]").click()

    expect(phone.locator("#toasts")).to_contain_text(QUEUED)
    # It reads as once saved: a row naming the service, the form closed (walk: the same form
    # stayed open, emptied, and a worker saved the referral again).
    _waits_as_saved(phone, panel, "转介至养老服务（助餐、助浴、居家照护）")
    [entry] = entries(phone)
    assert (entry["url"], entry["label"], entry["status"]) == (
        "/referrals",
        "转介：王秀英",
        "waiting",
    )
    # It can be corrected on /outbox if the server refuses it, as the other entries can.
    edit = phone.evaluate("() => gridbookOutbox.all().then(r => r[0].edit.map(f => f.name))")
    assert edit == ["service_code", "note", "follow_up_on"]
    # The outbox holds it now: the form starts afresh, so a second Save is not a second one.
    assert form.locator("textarea[name=note]").input_value() == ""
    assert _count(Referral) == 0
    shoot(phone, "1-referral-waiting")

    phone.context.set_offline(False)
    sent_all(phone)
    ref = fresh_scalar(sa.select(Referral))
    assert (ref.service_code, ref.note, ref.visit_id) == (
        "elderly_services",
        "老人腿脚不便，需要上门送餐",
        visit.id,
    )
    assert _count(Referral) == 1
    phone.wait_for_selector(f"{panel} #referral-row-{ref.id}")
    expect(phone.locator(f"{panel} [data-outbox-mark]")).to_have_count(0)
    shoot(phone, "2-referral-sent")
    assert not [e for e in phone.js_errors if "net::" not in e and "htmx:" not in e]


def _waits_as_saved(phone, panel: str, named: str, due: str | None = None) -> None:
    """The panel as the server draws it once the referral is saved, but for its status: one
    row naming the service, waiting to send; the form closed, "Refer to a service" offered."""
    row = phone.locator(f"{panel} .referral-list li")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(named)
    expect(row.locator(".status")).to_have_text("待发送")
    if due:
        expect(row.locator(".meta")).to_have_text(due)
    expect(phone.locator(f"{panel} form.referral-form")).to_be_hidden()
    expect(phone.locator(f"{panel} details.referral-raise")).not_to_have_attribute("open", "")
    expect(phone.locator(f"{panel} .referral-raise summary")).to_have_text("转介到服务机构")


def test_a_welfare_item_referral_without_signal_closes_its_form_and_arrives_once(
    phone, world, make_resident, make_visit, shoot
):
    """The walk's case: a checklist's welfare item needing attention, whose panel the server
    opens on the form while nothing is referred yet."""
    visit = make_visit(resident=make_resident(name="王秀英"), purpose="elderly_care")
    template = db.session.scalar(
        sa.select(ChecklistTemplate).where(ChecklistTemplate.code == "elderly")
    )
    screening = Screening(uuid=str(uuid.uuid4()), visit_id=visit.id, template_id=template.id)
    db.session.add(screening)
    db.session.flush()
    w14 = db.session.scalar(sa.select(ChecklistItem).where(ChecklistItem.code == "W14"))
    answer = Answer(screening_id=screening.id, item_id=w14.id, value="concern")
    db.session.add(answer)
    db.session.commit()
    page, panel = f"/screening/{screening.id}", f"#referrals-answer-{answer.id}"
    due = local_today() + timedelta(days=7)
    due_text = f"{due.year}年{due.month}月{due.day}日 回访"

    login(phone, "worker_a", PASSWORD)
    controlled(phone, page)
    outbox_loaded(phone)
    form = phone.locator(f"{panel} form.referral-form")
    # Behind its button, under the item's own note box (one text box at a time).
    expect(form).to_be_hidden()
    phone.click(f"{panel} .referral-raise summary")
    expect(form).to_be_visible()
    phone.context.set_offline(True)
    form.locator("textarea[name=note]").fill("老人独居，情绪低落，请社工定期上门陪伴")
    form.locator("input[name=follow_up_on]").fill(due.isoformat())
    form.locator("button[type=submit]").click()

    expect(phone.locator("#toasts")).to_contain_text(QUEUED)
    _waits_as_saved(phone, panel, "转介至社工站（心理关爱、陪伴）", due_text)
    assert len(entries(phone)) == 1
    shoot(phone, "1-waiting")

    # The page opened again without signal (the phone's copy, its form open) reads the same.
    phone.reload()
    outbox_loaded(phone)
    _waits_as_saved(phone, panel, "转介至社工站（心理关爱、陪伴）", due_text)
    # "Refer to a service" still opens the form for another referral, and it stays open.
    phone.click(f"{panel} .referral-raise summary")
    expect(form).to_be_visible()
    expect(form.locator("textarea[name=note]")).to_have_value("")
    assert len(entries(phone)) == 1
    assert _count(Referral) == 0

    phone.context.set_offline(False)
    phone.reload()  # every page load asks the outbox to send
    sent_all(phone)
    assert _count(Referral) == 1
    ref = fresh_scalar(sa.select(Referral))
    assert (ref.service_code, ref.answer_id, ref.follow_up_on) == ("social_worker", answer.id, due)
    phone.reload()
    row = phone.locator(f"{panel} .referral-list li")
    expect(row).to_have_count(1)
    expect(row.locator(".status")).to_have_text("已转介")
    expect(row).to_contain_text(due_text)
    expect(phone.locator(f"{panel} [data-outbox-mark]")).to_have_count(0)
    expect(form).to_be_hidden()
    shoot(phone, "2-sent")
    assert not [e for e in phone.js_errors if "net::" not in e and "htmx:" not in e]


def test_without_a_service_worker_a_referral_kept_by_the_page_reads_the_same(
    browser, live_server, world, make_resident, make_visit
):
    """The page keeps the entry itself (no service worker yet): the same row, the form closed
    and afresh, so that "Refer to a service" again is another referral, not this one resent."""
    visit = make_visit(resident=make_resident(name="王秀英"))
    panel = f"#referrals-visit-{visit.id}"
    with phone_page(browser, live_server.url, service_workers="block") as pg:
        login(pg, "worker_a", PASSWORD)
        pg.goto(live_server.url + f"/visits/{visit.id}")
        outbox_loaded(pg)
        pg.context.set_offline(True)
        pg.click(f"{panel} .referral-raise summary")
        form = pg.locator(f"{panel} form.referral-form")
        key = form.locator("input[name=client_uuid]").input_value()
        form.locator("select[name=service_code]").select_option("elderly_services")
        form.locator("textarea[name=note]").fill("老人腿脚不便，需要上门送餐")
        form.locator("button[type=submit]").click()

        expect(pg.locator("#toasts")).to_contain_text(QUEUED)
        _waits_as_saved(pg, panel, "转介至养老服务（助餐、助浴、居家照护）")
        assert form.locator("input[name=client_uuid]").input_value() != key
        assert form.locator("textarea[name=note]").input_value() == ""

        pg.context.set_offline(False)  # the page sends it itself
        sent_all(pg)
        assert _count(Referral) == 1


def test_a_checklist_discard_without_signal_says_it_needs_signal_and_stays(
    phone, world, make_resident, make_visit, shoot
):
    visit = make_visit(resident=make_resident(name="王秀英"))
    template = db.session.scalar(
        sa.select(ChecklistTemplate).where(ChecklistTemplate.code == "fire")
    )
    screening = Screening(uuid=str(uuid.uuid4()), visit_id=visit.id, template_id=template.id)
    db.session.add(screening)
    db.session.commit()
    page = f"/screening/{screening.id}"
    login(phone, "worker_a", PASSWORD)
    controlled(phone, page)
    outbox_loaded(phone)
    phone.context.set_offline(True)
    phone.once("dialog", lambda d: d.accept())
    phone.click("form.discard-screening button")

    expect(phone.locator("#toasts")).to_contain_text(NO_SIGNAL_DISCARD)
    assert phone.url == phone.base_url + page
    expect(phone.locator("form.discard-screening")).to_be_visible()
    assert entries(phone) == []
    assert _count(Screening) == 1
    shoot(phone, "1-discard-no-signal")

    # With signal the same tap discards it.
    phone.context.set_offline(False)
    phone.once("dialog", lambda d: d.accept())
    phone.click("form.discard-screening button")
    phone.wait_for_url(phone.base_url + f"/visits/{visit.id}")
    expect(phone.locator("body")).to_contain_text("已放弃这次排查。")
    assert _count(Screening) == 0
