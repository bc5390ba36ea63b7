"""The blank checklist's hazard form and counts without signal, as the online page has them
(walk: a hazard logged offline arrived as S1 due the same day whatever its item; a hazard
tapped and never described vanished on sync; the counts stood still while answers waited)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import Answer, Hazard
from app.timeutil import local_today
from tests.browser.conftest import fresh_scalar
from tests.offline.test_checklist_offline import _blank_from_visit_form
from tests.offline.test_outbox_browser import entries, sent_all, until

pytestmark = pytest.mark.browser

ALL = "() => gridbookOutbox.all().then(r => r.length)"


def _form(pg, item_id: int):
    item = pg.locator(f"#item-{item_id}")
    item.locator("button.ans-hazard").click()
    form = item.locator("form.hazard-form")
    form.wait_for()
    return form


def test_an_offline_hazard_form_has_its_items_severity_and_deadline_and_they_arrive(
    phone, outbox_server, world, make_resident, item_defaults
):
    # Items whose own deadlines differ from their severity's on the scale (S2: 3 days), so
    # that the form is seen to take the item's.
    f1 = item_defaults("F1", default_days=5)  # S2
    f2 = item_defaults("F2", default_days=4)  # S2
    key, items = _blank_from_visit_form(phone, make_resident(name="杨国华"))
    today = local_today()

    form = _form(phone, f1.id)
    due = form.locator("input[name=due_on]")
    severity = form.locator("select[name=severity]")
    expect(severity).to_have_value("S2")
    expect(due).to_have_value((today + timedelta(days=5)).isoformat())
    # Another severity: the scale's days, as the server counts them; back: the item's own.
    severity.select_option("S1")
    expect(due).to_have_value(today.isoformat())
    severity.select_option("S3")
    expect(due).to_have_value((today + timedelta(days=7)).isoformat())
    severity.select_option("S2")
    expect(due).to_have_value((today + timedelta(days=5)).isoformat())
    form.locator("textarea[name=note]").fill("双气源")
    form.locator("button[type=submit]").click()
    until(phone, "() => document.querySelectorAll('form.hazard-form[data-queued]').length", 1)

    form = _form(phone, f2.id)
    expect(form.locator("select[name=severity]")).to_have_value("S2")
    expect(form.locator("input[name=due_on]")).to_have_value(
        (today + timedelta(days=4)).isoformat()
    )
    form.locator("select[name=severity]").select_option("S1")
    form.locator("textarea[name=note]").fill("软管老化")
    form.locator("button[type=submit]").click()
    until(phone, "() => document.querySelectorAll('form.hazard-form[data-queued]').length", 2)

    phone.context.set_offline(False)
    sent_all(phone, 60)
    db.session.rollback()
    stored = {
        h.item_id: (h.severity, (h.due_on - h.found_on).days)
        for h in db.session.scalars(sa.select(Hazard))
    }
    assert stored == {f1.id: ("S2", 5), f2.id: ("S1", 0)}


def test_a_hazard_tapped_offline_and_never_described_is_kept_not_saved_with_the_reason(
    phone, outbox_server, world, make_resident
):
    key, items = _blank_from_visit_form(phone, make_resident(name="杨国华"))
    form = _form(phone, items[0])
    form.locator("button[type=submit]").click()
    # Refused on the phone as online: the note is asked for, nothing more waits.
    expect(form.locator("small.error")).to_have_text("请描述隐患情况。")
    assert phone.evaluate(ALL) == 2  # the visit and the tap

    phone.context.set_offline(False)
    until(
        phone,
        "() => gridbookOutbox.all().then(r => r.filter(e => e.status == 'waiting').length)",
        0,
        60,
    )
    kept = [e for e in entries(phone) if e["url"].endswith(f"/items/{items[0]}")]
    assert [(e["status"], e["reason"]) for e in kept] == [("refused", "请描述隐患情况。")]
    assert fresh_scalar(sa.select(sa.func.count(Answer.id))) == 0


def _summary(pg) -> str:
    return " ".join(pg.inner_text("#screening-summary").split())


def test_the_offline_checklists_counts_follow_the_answers_waiting(
    phone, outbox_server, world, make_resident
):
    key, items = _blank_from_visit_form(phone, make_resident(name="杨国华"))
    n = len(items)
    assert _summary(phone) == f"正常 0 隐患 0 不适用 0 未检查 {n}"
    phone.click(f"#item-{items[0]} button.ans-ok")
    phone.click(f"#item-{items[1]} button.ans-na")
    until(phone, ALL, 3)
    expect(phone.locator("#screening-summary")).to_have_text(
        f"正常 1 隐患 0 不适用 1 未检查 {n - 2}", use_inner_text=True
    )
    # A hazard tapped counts once it is described and saved, as online.
    form = _form(phone, items[2])
    expect(phone.locator("#screening-summary")).to_have_text(
        f"正常 1 隐患 0 不适用 1 未检查 {n - 2}", use_inner_text=True
    )
    form.locator("textarea[name=note]").fill("插线板串接")
    form.locator("button[type=submit]").click()
    expect(phone.locator("#screening-summary")).to_have_text(
        f"正常 1 隐患 1 不适用 1 未检查 {n - 3}", use_inner_text=True
    )
    phone.click("#remaining-ok button")
    phone.wait_for_selector("#remaining-ok [data-outbox-mark]")
    expect(phone.locator("#screening-summary")).to_have_text(
        f"正常 {n - 2} 隐患 1 不适用 1 未检查 0", use_inner_text=True
    )
