"""A welfare item tapped "needs attention" without signal asks what, as the page does with
signal: the few words wait in the outbox behind the tap and arrive with it, so the visit's
welfare check can be finished once they are sent (walk: 需关注 finished with nothing said)."""

import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import Answer, ChecklistItem, ChecklistTemplate, Screening
from tests.offline.test_checklist_offline import _blank_opened, _log_in_and_keep
from tests.offline.test_outbox_browser import (
    controlled,
    open_visit_form,
    outbox_loaded,
    sent_all,
    until,
)

pytestmark = pytest.mark.browser

ALL = "() => gridbookOutbox.all().then(r => r.length)"


def test_needs_attention_offline_asks_what_and_the_words_arrive(
    phone, outbox_server, world, make_resident, make_visit
):
    visit = make_visit(resident=make_resident(name="孙桂兰"), purpose="elderly_care")
    tpl = db.session.scalar(sa.select(ChecklistTemplate).where(ChecklistTemplate.code == "elderly"))
    screening = Screening(visit_id=visit.id, template_id=tpl.id, uuid=str(uuid.uuid4()))
    db.session.add(screening)
    db.session.commit()
    w14 = db.session.scalar(sa.select(ChecklistItem).where(ChecklistItem.code == "W14"))

    _log_in_and_keep(phone)
    controlled(phone, f"/screening/{screening.id}")
    outbox_loaded(phone)
    phone.context.set_offline(True)
    item = phone.locator(f"#item-{w14.id}")
    item.locator("button.ans-concern").click()
    form = item.locator("form.concern-form")
    form.wait_for()
    until(phone, ALL, 1)
    # Drawn for this item: its own ids, the privacy hint named by the box as on the server's.
    box = form.locator("textarea[name=note]")
    hint = box.get_attribute("aria-describedby")
    assert hint == f"concern-note-item-{w14.id}-privacy"
    expect(phone.locator(f"#{hint}")).to_contain_text("请勿记录身份证号")

    # Nothing said: the phone says so and keeps nothing more, nor finishes the check.
    form.locator("button[type=submit]").click()
    expect(form.locator("small.error")).to_have_text("请说明需关注的情况。")
    phone.click("#finish-screening button")
    expect(phone.locator(".toast")).to_contain_text("请先说明需关注的情况")
    assert phone.evaluate(ALL) == 1

    form.locator("textarea[name=note]").fill("近一周没出门，冰箱里没有菜")
    form.locator("button[type=submit]").click()
    until(phone, ALL, 2)
    phone.click("#remaining-ok button")  # the other items: OK
    until(phone, ALL, 3)
    # Drawn again (the plain form came back to the page): what was said stands.
    expect(item.locator("form.concern-form textarea")).to_have_value("近一周没出门，冰箱里没有菜")
    phone.click("#finish-screening button")
    until(phone, ALL, 4)

    phone.context.set_offline(False)
    sent_all(phone, 60)
    db.session.rollback()
    answer = db.session.scalar(sa.select(Answer).where(Answer.item_id == w14.id))
    assert (answer.value, answer.note) == ("concern", "近一周没出门，冰箱里没有菜")
    assert db.session.get(Screening, screening.id).completed_at is not None
    phone.reload()
    expect(phone.locator(f"#item-{w14.id} form.concern-form textarea")).to_have_value(
        "近一周没出门，冰箱里没有菜"
    )


def test_needs_attention_on_a_welfare_check_begun_without_signal(
    phone, outbox_server, world, make_resident
):
    """The blank welfare check the phone keeps: the words go to the checklist's address by
    the phone's UUID, behind the visit and the tap, and all of it arrives."""
    r = make_resident(name="孙桂兰")
    w14 = db.session.scalar(sa.select(ChecklistItem).where(ChecklistItem.code == "W14"))
    _log_in_and_keep(phone)
    controlled(phone, f"/residents/{r.id}")
    open_visit_form(phone)
    phone.context.set_offline(True)
    phone.dispatch_event("#visit-form input[name=purpose][value=elderly_care]", "click")
    phone.locator("#visit-form input[name=welfare_checklist_id]").nth(1).dispatch_event("click")
    phone.dispatch_event("#visit-form input[name=outcome][value=done]", "click")
    phone.click("#visit-form button[type=submit]")
    key, _template = _blank_opened(phone)
    outbox_loaded(phone)

    item = phone.locator(f"#item-{w14.id}")
    item.locator("button.ans-concern").click()
    form = item.locator("form.concern-form")
    form.wait_for()
    assert form.get_attribute("action") == f"/screening/u/{key}/items/{w14.id}"
    form.locator("textarea[name=note]").fill("腿脚不便，下楼困难")
    form.locator("button[type=submit]").click()
    until(phone, ALL, 3)  # the visit, the tap, the words
    phone.click("#remaining-ok button")
    until(phone, ALL, 4)
    phone.click("#finish-screening button")
    until(phone, ALL, 5)

    phone.context.set_offline(False)
    sent_all(phone, 60)
    db.session.rollback()
    answer = db.session.scalar(sa.select(Answer).where(Answer.item_id == w14.id))
    assert (answer.value, answer.note) == ("concern", "腿脚不便，下楼困难")
    assert db.session.scalar(sa.select(Screening)).completed_at is not None
