"""What waits behind a refused entry: a checklist's answers, hazard and finish behind its start,
a start behind its visit. Once the server refuses the entry they belong to, they are not sent
to be refused one by one as records it cannot find (which reads like lost data): they are kept
as not saved at once, each saying that what it belongs to was not saved, with what was typed
(walk: a start refused because the visit's purpose had changed, then "找不到该记录…可能已归档或
删除" under every answer)."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import Answer, DailyLog, Hazard, Screening, Visit
from tests.browser.conftest import fresh_scalar, login
from tests.conftest import PASSWORD
from tests.offline.test_outbox_browser import (
    controlled,
    entries,
    hazard_waits,
    outbox_loaded,
    sent_all,
    until,
)

pytestmark = pytest.mark.browser

STATUSES = "() => gridbookOutbox.all().then(r => r.map(e => e.status).join())"

WORDS = {
    "zh": {
        "checklist": "未发送：所属检查表未能开始（见上方）。",
        "visit": "未发送：所属走访未能保存（见上方）。",
        "mark": "所属检查表未能开始，此项未发送。",
        "purpose": "这次走访的事由是“关爱老人走访”",
        "correct": "打开修改",
        "not_saved": "未保存",
        "refused_n": "6 条未保存",
    },
    "en": {
        "checklist": "Not sent: the checklist it belongs to could not be started (see above).",
        "visit": "Not sent: the visit it belongs to was not saved (see above).",
        "mark": "The checklist it belongs to could not be started, so this was not sent.",
        "purpose": "this visit's purpose is “Elderly care visit”",
        "correct": "Open and correct",
        "not_saved": "Not saved",
        "refused_n": "6 not saved",
    },
}


def _count(model, *where):
    return fresh_scalar(sa.select(sa.func.count(model.id)).where(*where))


def _posts(server) -> list[str]:
    """Every POST the server is sent from now on, replayed or not, by its path."""
    posted: list[str] = []
    inner = server.app

    def logged(environ, start_response):
        if environ["REQUEST_METHOD"] == "POST":
            posted.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    server.app = logged
    return posted


def _kept_with_checklists(pg) -> None:
    """Logged in online once: the phone keeps the caseload and its blank checklists."""
    login(pg, "worker_a", PASSWORD)
    pg.wait_for_selector("body[data-offline-warmed]", state="attached", timeout=90_000)


def _blank_checklist(pg) -> list[int]:
    """The blank checklist opened from the phone: its items' ids."""
    pg.wait_for_url("**/screening/u/*")
    pg.wait_for_selector("#blank-checklist")
    outbox_loaded(pg)
    ids = "els => els.map(e => Number(e.id.slice(5)))"
    return pg.eval_on_selector_all("li.checklist-item", ids)


def _checklist_started_offline(pg, make_visit, make_resident) -> list[int]:
    """A hazard screening started on a visit's page without signal: its items' ids."""
    visit = make_visit(resident=make_resident(name="赵兰英"), purpose="screening")
    _kept_with_checklists(pg)
    controlled(pg, f"/visits/{visit.id}")
    outbox_loaded(pg)
    pg.context.set_offline(True)
    pg.locator("#start-screening button").first.click()
    return _blank_checklist(pg)


def _checked_offline(pg, items: list[int]) -> None:
    """A hazard described, one item not applicable, the rest OK, finished: five entries."""
    item = pg.locator(f"#item-{items[0]}")
    item.locator("button.ans-hazard").click()
    form = item.locator("form.hazard-form")
    form.wait_for()
    form.locator("textarea[name=note]").fill("楼道堆放纸箱，已提醒清理")
    form.locator("select[name=severity]").select_option("S2")
    form.locator("button[type=submit]").click()
    hazard_waits(pg, 2)
    pg.locator(f"#item-{items[1]} button.ans-na").click()
    pg.locator(f"#item-{items[1]} [data-outbox-mark]").wait_for()
    pg.click("#remaining-ok button")
    pg.wait_for_selector("#remaining-ok [data-outbox-mark]")
    pg.click("#finish-screening button")
    pg.wait_for_selector("#finish-screening [data-outbox-mark]")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_answers_of_a_checklist_start_the_server_refuses_are_not_sent_and_say_so(
    phone, outbox_server, world, make_resident, make_visit, shoot, lang
):
    if lang == "en":
        world.worker_a.locale = "en"
        db.session.commit()
    words = WORDS[lang]
    items = _checklist_started_offline(phone, make_visit, make_resident)
    _checked_offline(phone, items)
    queued = entries(phone)
    assert [e["url"] for e in queued][0] == "/screening"
    assert len(queued) == 5  # the hazard's save took the place of its tap

    # Meanwhile, on another device, the visit became an elderly-care visit: a hazard
    # checklist is not one it runs, and the server refuses to start it.
    db.session.rollback()
    db.session.execute(sa.update(Visit).values(purpose="elderly_care"))
    db.session.commit()
    posted = _posts(outbox_server)
    phone.context.set_offline(False)
    until(phone, STATUSES, ",".join(["refused"] * 5))

    # Only the start went; what belongs to it never reached the server.
    assert posted == ["/screening"]
    assert outbox_server.replays == ["/screening"]
    assert _count(Screening) == 0
    assert _count(Answer) == 0
    assert _count(Hazard) == 0
    assert _count(Visit) == 1
    assert fresh_scalar(sa.select(Visit.purpose)) == "elderly_care"

    # The blank checklist is still on the screen: its marks say why, and a further tap on it
    # is kept the same way at once, not sent.
    expect(phone.locator(f"#item-{items[1]} [data-outbox-mark]")).to_contain_text(words["mark"])
    phone.locator(f"#item-{items[2]} button.ans-ok").click()
    expect(phone.locator(".toast-error")).to_have_text(words["mark"])
    until(phone, STATUSES, ",".join(["refused"] * 6))
    assert posted == ["/screening"]

    phone.goto(outbox_server.url + "/outbox")
    rows = phone.locator("#outbox-list li.outbox-entry")
    expect(rows).to_have_count(6)
    assert phone.locator("[data-outbox-count] .refused-n").inner_text() == words["refused_n"]
    # The start says why the server refused it; each entry after it points to it.
    assert words["purpose"] in rows.nth(0).locator(".outbox-reason").inner_text()
    for n in range(1, 6):
        assert rows.nth(n).locator(".outbox-status").inner_text() == words["not_saved"]
        assert rows.nth(n).locator(".outbox-reason").inner_text() == words["checklist"]
    assert "找不到" not in phone.locator("#outbox-list").inner_text()
    assert "Not found" not in phone.locator("#outbox-list").inner_text()
    assert phone.locator("#outbox-send").is_hidden()
    shoot(phone, f"refused-{lang}", full_page=False)

    # What was typed is still there to read or copy: the hazard's note, in its editor.
    hazard_row = rows.nth(1)
    hazard_row.locator("button.outbox-open").click()
    note = hazard_row.locator(".outbox-edit textarea[name=note]")
    expect(note).to_have_value("楼道堆放纸箱，已提醒清理")
    assert hazard_row.locator("button.outbox-open").inner_text() == words["correct"]

    # Discarded by an explicit, confirmed tap, as any entry the server did not save.
    phone.once("dialog", lambda d: d.accept())
    rows.nth(5).locator("button.outbox-discard").click()
    until(phone, "() => gridbookOutbox.all().then(r => r.length)", 5)
    # Nothing of it was sent on any of these page loads either.
    assert posted == ["/screening"]


def test_a_visit_refused_keeps_its_checklist_back_until_it_is_corrected_and_sent(
    phone, outbox_server, world, make_resident, make_daily_log
):
    """The same for a visit: a checklist started on it while it waited, and that checklist's
    answers, are not sent once the visit is refused. Corrected and sent again, the visit
    takes them with it."""
    r = make_resident(name="赵兰英")
    _kept_with_checklists(phone)
    controlled(phone, f"/residents/{r.id}")
    phone.click("#visit-form-slot a")
    phone.wait_for_selector("#visit-form")
    phone.context.set_offline(True)
    phone.dispatch_event("#visit-form input[name=purpose][value=elderly_care]", "click")
    phone.dispatch_event("#visit-form input[name=outcome][value=done]", "click")
    phone.fill("#visit-form textarea[name=summary]", "先聊了几句，再做探访")
    phone.click("#visit-form button[type=submit]")
    start = phone.locator("#outbox-here .outbox-start button").first
    start.wait_for()
    start.click()
    items = _blank_checklist(phone)
    phone.click(f"#item-{items[0]} button.ans-ok")
    phone.wait_for_selector(f"#item-{items[0]} [data-outbox-mark]")
    key = phone.url.split("/screening/u/")[1].split("?")[0]

    # The worker's day was approved meanwhile: the visit is refused.
    db.session.rollback()
    make_daily_log(status="approved")
    phone.context.set_offline(False)
    until(phone, STATUSES, "refused,refused,refused")
    assert outbox_server.replays == ["/visits"]

    phone.goto(outbox_server.url + "/outbox")
    rows = phone.locator("#outbox-list li.outbox-entry")
    expect(rows).to_have_count(3)
    assert "审核通过" in rows.nth(0).locator(".outbox-reason").inner_text()
    assert rows.nth(1).locator(".outbox-reason").inner_text() == WORDS["zh"]["visit"]
    assert rows.nth(2).locator(".outbox-reason").inner_text() == WORDS["zh"]["checklist"]

    # The day is reopened; the worker sends the visit again: its checklist follows it.
    db.session.rollback()
    db.session.execute(sa.update(DailyLog).values(status="open"))
    db.session.commit()
    rows.nth(0).locator("button.outbox-open").click()
    rows.nth(0).locator(".outbox-edit button[type=submit]").click()
    sent_all(phone)
    assert outbox_server.replays == [
        "/visits",
        "/visits",
        "/screening",
        f"/screening/u/{key}/items/{items[0]}",
    ]
    screening = fresh_scalar(sa.select(Screening))
    assert screening.uuid == key
    assert fresh_scalar(sa.select(Answer.value)) == "ok"
    assert fresh_scalar(sa.select(Visit.summary)) == "先聊了几句，再做探访"
