"""Without a network, a save the server would refuse is not kept in the outbox to be refused
once the worker has left the door: the form says why at once, beside the fields, in the
page's language, and keeps what was typed. And the outbox page speaks its language's
punctuation, and offers "Send now" only with something to send."""

import pytest
import sqlalchemy as sa

from app.models import Hazard, Request, Visit
from tests.browser.conftest import fresh_scalar, login
from tests.conftest import PASSWORD
from tests.offline.test_outbox_browser import (
    _screening,
    controlled,
    entries,
    open_visit_form,
    outbox_loaded,
    sent_all,
    until,
    visit_queued_offline,
    waiting,
)

# The phone's own day, `days` from today (the township's zone: the browser context's).
PHONE_DAY = """(days) => { const d = new Date(); d.setDate(d.getDate() + days);
  return [d.getFullYear(), d.getMonth() + 1, d.getDate()]
    .map((n) => String(n).padStart(2, "0")).join("-"); }"""


def _count(model):
    return fresh_scalar(sa.select(sa.func.count(model.id)))


def _focused_name(pg) -> str:
    return pg.evaluate("() => document.activeElement && document.activeElement.name")


# What the page says, in each of its languages.
WORDS = {
    "zh": {
        "visit": "走访 邓秀英",
        "outcome": "请选择走访结果。",
        "future": "日期不能晚于今天。",
        "reason": "未保存的原因：走访结果：请选择走访结果。",
        "counts": "待发送：0 · 未保存：1",
    },
    "en": {
        "visit": "Visit: 邓秀英",
        "outcome": "Choose an outcome.",
        "future": "This date is in the future.",
        "reason": "Why it was not saved: Outcome: Choose an outcome.",
        "counts": "Waiting to send: 0 · Not saved: 1",
    },
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_visit_without_its_outcome_offline_is_not_kept_and_says_why_at_the_door(
    phone, outbox_server, world, make_resident, shoot, lang
):
    words = WORDS[lang]
    r = make_resident(name="邓秀英")
    login(phone, "worker_a", PASSWORD)
    controlled(phone, f"/residents/{r.id}?lang={lang}")
    open_visit_form(phone)
    outbox_loaded(phone)
    phone.context.set_offline(True)
    form = phone.locator("#visit-form")
    form.locator("input[name=purpose][value=elderly_care]").dispatch_event("click")
    form.locator("textarea[name=summary]").fill("没信号，忘了选结果")
    form.locator("input[name=visited_on]").fill(phone.evaluate(PHONE_DAY, 1))
    form.locator("button[type=submit]").click()

    # The server's messages, where the server puts them (templates/_macros/forms.html).
    outcome = form.locator("fieldset:has(input[name=outcome]) > small.error")
    outcome.wait_for()
    assert outcome.inner_text() == words["outcome"]
    date = form.locator("input[name=visited_on]")
    assert form.locator("#visited_on-error").inner_text() == words["future"]
    assert date.get_attribute("aria-invalid") == "true"
    assert "visited_on-error" in date.get_attribute("aria-describedby")
    assert form.locator("small.error").count() == 2
    # The first field to correct has the focus; nothing typed is lost; nothing is kept.
    assert _focused_name(phone) == "outcome"
    assert form.locator("textarea[name=summary]").input_value() == "没信号，忘了选结果"
    assert entries(phone) == []
    assert waiting(phone) == "0"
    assert phone.locator(".toast").count() == 0
    shoot(phone, f"1-refused-on-the-phone-{lang}")

    # Corrected, it waits in the outbox as any other save, and the messages are gone.
    form.locator("input[name=outcome][value=done]").dispatch_event("click")
    date.fill(phone.evaluate(PHONE_DAY, 0))
    form.locator("button[type=submit]").click()
    phone.wait_for_selector(f"#outbox-here >> text={words['visit']}")
    assert phone.locator("#visit-form small.error").count() == 0
    assert [e["status"] for e in entries(phone)] == ["waiting"]

    phone.context.set_offline(False)
    sent_all(phone)
    assert fresh_scalar(sa.select(Visit.summary)) == "没信号，忘了选结果"


def test_a_request_without_its_text_is_not_kept_when_the_server_cannot_be_reached(
    phone, outbox_server, world, make_resident, shoot
):
    """The phone believes it is online (navigator.onLine) but the server is gone: the
    service worker keeps nothing the page found wrong, and the page says why."""
    r = make_resident(name="陈阿姨")
    login(phone, "worker_a", PASSWORD)
    controlled(phone, f"/requests/new?resident={r.id}&lang=en")
    outbox_loaded(phone)
    outbox_server.stop()
    form = phone.locator("#request-form")
    form.locator("select[name=category]").select_option("R18")
    form.locator("button[type=submit]").click()

    error = form.locator("#summary-error")
    error.wait_for()
    assert error.inner_text() == "Fill in “What the resident asks for”."
    assert form.locator("textarea[name=summary]").get_attribute("aria-invalid") == "true"
    assert _focused_name(phone) == "summary"
    assert form.locator("select[name=category]").input_value() == "R18"
    assert entries(phone) == []
    shoot(phone, "1-refused-on-the-phone")

    form.locator("textarea[name=summary]").fill("Asks how to apply for the elderly allowance")
    form.locator("button[type=submit]").click()
    until(phone, "() => gridbookOutbox.all().then(r => r.length)", 1)
    assert form.locator("small.error").count() == 0

    outbox_server.start()
    phone.reload()  # every page load sends what waits
    sent_all(phone)
    assert _count(Request) == 1


def test_a_hazard_described_offline_without_a_note_is_not_kept_and_still_holds_finishing(
    phone, outbox_server, world, make_resident, make_visit
):
    s, items = _screening(world, make_resident, make_visit)
    login(phone, "worker_a", PASSWORD)
    controlled(phone, f"/screening/{s.id}")
    outbox_loaded(phone)
    phone.context.set_offline(True)
    item = phone.locator(f"#item-{items[0]}")
    item.locator("button.ans-hazard").click()
    form = item.locator("form.hazard-form")
    form.wait_for()
    until(phone, "() => gridbookOutbox.all().then(r => r.length)", 1)  # the answer waits
    form.locator("button[type=submit]").click()

    # The page's own copy of the form (ids made unique per item) says it as the server would.
    note = form.locator("textarea[name=note]")
    error = form.locator(f"#{note.get_attribute('id')}-error")
    error.wait_for()
    assert error.inner_text() == "请描述隐患情况。"
    assert _focused_name(phone) == "note"
    assert len(entries(phone)) == 1  # the answer only: no hazard without its note
    # Its Save did not go: "all remaining OK" still waits for the hazard to be described.
    phone.click("#remaining-ok button")
    phone.wait_for_selector(".toast-error >> text=有隐患还没保存")
    assert len(entries(phone)) == 1

    note.fill("楼道堆放纸箱")
    form.locator("button[type=submit]").click()
    # The described hazard carries its answer: its save takes the tap's place in the outbox.
    described = """() => gridbookOutbox.all().then(r => r.map(
      e => e.fields.some(f => f[0] === "note") ? "hazard" : "tap").join())"""
    until(phone, described, "hazard")
    phone.context.set_offline(False)
    phone.reload()
    sent_all(phone)
    assert fresh_scalar(sa.select(Hazard.note)) == "楼道堆放纸箱"


# An entry the server refuses when it arrives (queued by a page from before the phone's
# checks, or for a rule only the server knows): a visit without its outcome.
QUEUE_REFUSED = """async ({residentId, user, day}) => {
  const fd = new FormData();
  fd.append("resident_id", String(residentId)); fd.append("purpose", "elderly_care");
  fd.append("outcome", ""); fd.append("summary", "结果没选"); fd.append("visited_on", day);
  fd.append("client_uuid", gridbookOutbox.newId());
  const page = "/residents/" + residentId;
  fd.append("_outbox", JSON.stringify({user: user, label: "陈阿姨", page: page}));
  await gridbookOutbox.enqueue(gridbookOutbox.entryFrom("/visits", fd, true));
}"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_outbox_page_writes_its_languages_colons_and_offers_send_only_when_one_waits(
    phone, outbox_server, world, make_resident, shoot, lang
):
    words = WORDS[lang]
    r = make_resident(name="陈阿姨")
    login(phone, "worker_a", PASSWORD)
    controlled(phone, f"/outbox?lang={lang}")
    outbox_loaded(phone)
    phone.wait_for_selector("#outbox-list .empty")
    send = phone.locator("#outbox-send")
    assert send.is_hidden()  # nothing to send

    phone.context.set_offline(True)
    user = phone.get_attribute("[data-outbox-count]", "data-outbox-user")
    day = phone.evaluate(PHONE_DAY, 0)
    phone.evaluate(QUEUE_REFUSED, {"residentId": r.id, "user": user, "day": day})
    phone.reload()
    phone.wait_for_selector("#outbox-list .outbox-waiting")
    assert send.is_visible()

    # Back online the page sends what waits by itself ("online", outbox.js, and again 3 s and
    # 10 s later); the server answers "later" to the first, so that the entry still waits for
    # Send now. The tap is dispatched: a timer's send may have just hidden the button.
    outbox_server.busy = True
    outbox_server.replays.clear()
    phone.context.set_offline(False)
    for _ in range(150):
        if outbox_server.replays:
            break
        phone.wait_for_timeout(200)
    assert outbox_server.replays, "back online, the page sent nothing by itself"
    assert send.is_visible()
    outbox_server.busy = False
    send.dispatch_event("click")
    reason = phone.locator("#outbox-list .outbox-reason")
    reason.wait_for()
    assert reason.inner_text() == words["reason"]
    assert send.is_hidden()  # what is left waits for the worker, not for the network
    shoot(phone, f"1-refused-{lang}")

    phone.click("#account-menu summary")
    phone.click("header form[action$='/logout'] button")
    dialog = phone.locator("dialog#outbox-logout")
    assert dialog.locator(".n").inner_text() == words["counts"]
    shoot(phone, f"2-logout-{lang}")


def test_a_refused_entry_corrected_into_another_refusal_is_told_so_on_the_outbox_page(
    phone, outbox_server, world, make_resident, make_daily_log
):
    from app.extensions import db

    r = make_resident(name="王秀英")
    visit_queued_offline(phone, r, "审核前录的")
    db.session.rollback()  # a fresh snapshot before writing (SQLite WAL)
    make_daily_log(status="approved")  # the day is approved meanwhile: the visit is refused
    phone.context.set_offline(False)
    until(phone, "() => gridbookOutbox.all().then(r => r.map(e => e.status).join())", "refused")

    phone.goto(outbox_server.url + "/outbox")
    entry = phone.locator("#outbox-list li").first
    entry.locator("button.outbox-open").click()
    editor = entry.locator(".outbox-edit")
    editor.locator("input[name=visited_on]").fill("")
    editor.locator("button[type=submit]").click()
    error = editor.locator("small.error")
    error.wait_for()
    assert error.inner_text() == "请填写走访日期。"
    assert _focused_name(phone) == "visited_on"
    assert [e["status"] for e in entries(phone)] == ["refused"]  # nothing sent, nothing lost
