"""The same save made twice as it stands waits once (walk: an offline hazard's Save, tapped
again before the first was answered, showed two entries; the server kept one)."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.conftest import PASSWORD
from tests.offline.test_checklist_offline import _blank_from_visit_form
from tests.offline.test_checklist_offline_hazard import _form
from tests.offline.test_outbox_browser import until

pytestmark = pytest.mark.browser

HAZARD_SAVES = (
    "() => gridbookOutbox.all().then(r => r.filter(e => /\\/hazard$/.test(e.url))"
    ".map(e => e.fields.filter(f => f[0] === 'note')[0][1]))"
)
# The queued answers the page has had: each Save the outbox took is answered, kept or not.
COUNT_ANSWERS = """() => { window.answers = 0;
  document.body.addEventListener('outbox-queued', () => { window.answers++; }); }"""


def test_a_hazard_saved_again_unchanged_waits_once_and_changed_waits_again(
    phone, outbox_server, world, make_resident
):
    key, items = _blank_from_visit_form(phone, make_resident(name="杨国华"))
    form = _form(phone, items[0])
    form.locator("textarea[name=note]").fill("楼道堆放纸箱")
    phone.evaluate(COUNT_ANSWERS)
    save = form.locator("button[type=submit]")
    save.click()
    until(phone, "() => window.answers", 1)
    save.click()  # the same, again
    until(phone, "() => window.answers", 2)
    assert phone.evaluate(HAZARD_SAVES) == ["楼道堆放纸箱"]
    expect(phone.locator("[data-outbox-count] .n")).to_have_text("2")  # the visit, the hazard

    form.locator("textarea[name=note]").fill("楼道堆放纸箱，已提醒清理")
    save.click()
    until(phone, "() => window.answers", 3)
    form.locator("textarea[name=note]").fill("楼道堆放纸箱")
    save.click()  # back to the first words: after the second, so it is sent again
    until(phone, "() => window.answers", 4)
    assert phone.evaluate(HAZARD_SAVES) == [
        "楼道堆放纸箱",
        "楼道堆放纸箱，已提醒清理",
        "楼道堆放纸箱",
    ]


def test_two_taps_that_reach_the_outbox_together_keep_one_entry(
    phone, outbox_server, world, make_resident
):
    """Two saves stored at the same moment (the service worker answers both taps' fetches
    at once) are compared, not both stored."""
    r = make_resident(name="王秀英")
    login(phone, "worker_a", PASSWORD)
    phone.goto(f"{phone.base_url}/residents/{r.id}")
    phone.wait_for_function("() => !!window.gridbookOutbox")
    user = phone.get_attribute("[data-outbox-count]", "data-outbox-user")
    phone.context.set_offline(True)  # nothing is sent while the test counts
    kept = phone.evaluate(
        """async (user) => {
          const entry = () => {
            const fd = new FormData();
            fd.append("resident_id", "7"); fd.append("purpose", "routine");
            fd.append("outcome", "done"); fd.append("summary", "门口聊了几句");
            fd.append("client_uuid", "2f1b5c0e-8a1d-4e43-9c55-0d3b7f2f6a10");
            fd.append("_outbox", JSON.stringify({user: user, label: "x", page: "/today"}));
            return gridbookOutbox.entryFrom("/visits", fd, true);
          };
          await Promise.all([gridbookOutbox.enqueue(entry()), gridbookOutbox.enqueue(entry())]);
          return (await gridbookOutbox.all()).length;
        }""",
        user,
    )
    assert kept == 1
