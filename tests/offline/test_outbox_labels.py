"""Visits waiting in the outbox for one person read apart: each names what it was for (walk:
"走访 赵兰英 待发送" three times over, nothing to tell which was which)."""

import contextlib

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.conftest import PASSWORD
from tests.offline.test_outbox_browser import controlled, entries, open_visit_form, until

pytestmark = pytest.mark.browser

# A visit form kept on the phone by the version before the labels by purpose: the same form,
# its data-outbox without them.
OLD_FORM = """() => { const form = document.querySelector("#visit-form");
  const spec = JSON.parse(form.getAttribute("data-outbox"));
  delete spec.labels;
  form.setAttribute("data-outbox", JSON.stringify(spec)); }"""


def _queue_visit(pg, purpose: str, n: int) -> None:
    pg.dispatch_event(f"#visit-form input[name=purpose][value={purpose}]", "click")
    pg.dispatch_event("#visit-form input[name=outcome][value=done]", "click")
    pg.fill("#visit-form textarea[name=summary]", f"{purpose}：门口聊了几句")
    uuid = "#visit-form input[name=client_uuid]"
    sent = pg.input_value(uuid)
    pg.click("#visit-form button[type=submit]")
    until(pg, "() => gridbookOutbox.all().then(r => r.length)", n)
    # The entry is stored before the page hears of it and starts the form afresh (a new
    # UUID): the next visit is filled in only after that, or the reset would wipe it and a
    # second save under the same UUID would be taken for a retry of the first.
    pg.wait_for_function(
        "([sel, old]) => document.querySelector(sel).value !== old", arg=[uuid, sent]
    )


def test_visits_waiting_for_one_resident_name_their_purpose(
    phone, outbox_server, world, make_resident, shoot
):
    r = make_resident(name="赵兰英")
    login(phone, "worker_a", PASSWORD)
    controlled(phone, f"/residents/{r.id}")
    open_visit_form(phone)
    phone.context.set_offline(True)
    # The form stays open once queued, afresh, for the next visit.
    _queue_visit(phone, "routine", 1)
    _queue_visit(phone, "follow_up", 2)
    phone.evaluate(OLD_FORM)
    _queue_visit(phone, "elderly_care", 3)

    labels = ["走访 赵兰英 · 日常走访", "走访 赵兰英 · 回访", "走访 赵兰英"]
    assert [e["label"] for e in entries(phone)] == labels
    rows = phone.locator("#outbox-here li[data-outbox-entry]")
    expect(rows).to_have_count(3)
    for row, label in zip(rows.all(), labels, strict=True):
        words = [*label.split(), "待发送"]
        assert row.inner_text().split()[: len(words)] == words
    said = ["routine：门口聊了几句", "follow_up：门口聊了几句", "elderly_care：门口聊了几句"]
    expect(rows.locator(".outbox-excerpt")).to_have_text(said)

    # The outbox's own list says the same (the server answers "later": they keep waiting).
    outbox_server.busy = True
    phone.context.set_offline(False)
    phone.goto(outbox_server.url + "/outbox")
    names = "#outbox-list li.outbox-entry > p:first-child strong"
    expect(phone.locator(names)).to_have_text(labels)
    # Each says what was written, so that two for one resident are told apart.
    expect(phone.locator("#outbox-list li.outbox-entry .outbox-excerpt")).to_have_text(said)
    # Short enough for the phone's line: none wraps beside its status. Read at a moment the
    # three are laid out: the list is drawn afresh each time the outbox tries to send, and on
    # a busy machine a read can fall while none is (CI once saw [0, 0, 0]). A name that wraps
    # is two boxes at every moment, so the wait then runs out and the read below shows it.
    one_line = """sel => { const els = [...document.querySelectorAll(sel)];
      return els.length === 3 && els.every(e => e.getClientRects().length === 1); }"""
    with contextlib.suppress(PlaywrightTimeout):
        phone.wait_for_function(one_line, arg=names, timeout=10_000)
    lines = phone.eval_on_selector_all(names, "els => els.map(e => e.getClientRects().length)")
    assert lines == [1, 1, 1]
    shoot(phone, "1-three-visits", full_page=False)

    # Corrected to another purpose on the outbox page, a visit's label follows it.
    first = phone.locator("#outbox-list li.outbox-entry").first
    first.locator("button.outbox-open").click()
    first.locator(".outbox-edit select[name=purpose]").select_option("other")
    first.locator(".outbox-edit button[type=submit]").click()
    until(phone, "() => gridbookOutbox.all().then(r => r[0].label)", "走访 赵兰英 · 其他")
    expect(phone.locator(names).first).to_have_text("走访 赵兰英 · 其他")
