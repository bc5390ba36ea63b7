"""Without signal on a visit: a referral waits in the outbox like a visit or a request and
arrives once; a checklist's discard does not wait, and the page says it needs signal (it
showed the browser's own "no internet" page, and a referral was neither kept nor refused in
its own words)."""

# ruff: noqa: F811  (fixtures imported from their modules are parameters below)

import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import ChecklistTemplate, Referral, Screening
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    browser,
    fresh_scalar,
    login,
    phone_page,
    playwright_instance,
    shoot,
)
from tests.conftest import PASSWORD
from tests.offline.test_outbox_browser import controlled, entries, outbox_loaded, sent_all
from tests.outbox_fixtures import outbox_server  # noqa: F401  (a fixture)

pytestmark = pytest.mark.browser

QUEUED = "没有网络：已保存在本机，恢复网络后自动发送。"
NO_SIGNAL_DISCARD = "没有信号，这次排查没有放弃，仍保持原样。有信号后再放弃。"


@pytest.fixture
def phone(browser, outbox_server):
    with phone_page(browser, outbox_server.url) as pg:
        yield pg


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
    expect(phone.locator(f"{panel} [data-outbox-mark]")).to_contain_text("待发送")
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
    shoot(phone, "2-referral-sent")
    assert not [e for e in phone.js_errors if "net::" not in e and "htmx:" not in e]


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
