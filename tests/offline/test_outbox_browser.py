"""The outbox on a phone: entries made without a network wait on the phone, show as waiting,
and are sent once when the network returns (Chromium, the outbox's stand-in service worker)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.models import Answer, Visit
from tests.browser.conftest import fresh_scalar, login, phone_page
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

ENTRIES = """() => gridbookOutbox.all().then(r => r.map(e => ({
  label: e.label, status: e.status, reason: e.reason, user: e.user, url: e.url})))"""

HAZARD_WAITS = """() => gridbookOutbox.all().then(r => r.some(e => e.url.endsWith("/hazard"))
  && !r.some(e => !e.url.endsWith("/hazard")
                  && e.fields.some(f => f[0] === "value" && f[1] === "hazard")))"""


def _count(model):
    return fresh_scalar(sa.select(sa.func.count(model.id)))


def controlled(pg, path: str) -> None:
    """Open a page under the service worker's control (and so kept for offline use)."""
    pg.goto(pg.base_url + path)
    until(pg, "() => !!(navigator.serviceWorker && navigator.serviceWorker.controller)", True)
    pg.goto(pg.base_url + path)
    pg.wait_for_load_state("networkidle")


def until(pg, js: str, expected, timeout: float = 30) -> None:
    """Poll a page expression (evaluated without eval: the CSP forbids it) until it matches."""
    import time

    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = pg.evaluate(js)
        if value == expected:
            return
        pg.wait_for_timeout(200)
    raise AssertionError(f"{js} is {value!r}, not {expected!r}")


def outbox_loaded(pg) -> None:
    """app.js fetches the outbox's scripts after the page is in (where they have work)."""
    until(pg, "() => !!window.gridbookOutbox", True)


def sent_all(pg, timeout: float = 30) -> None:
    outbox_loaded(pg)
    until(pg, "() => gridbookOutbox.all().then(r => r.length)", 0, timeout)
    until(pg, "() => document.querySelector('[data-outbox-count]').hidden", True, 5)


def waiting(pg) -> str:
    el = pg.locator("[data-outbox-count]")
    if el.is_hidden() or el.locator(".waiting").is_hidden():
        return "0"
    return el.locator(".n").inner_text()


def refused(pg) -> str:
    """The top bar's count of entries the server refused, which wait for the worker."""
    el = pg.locator("[data-outbox-count] .refused-n")
    return "" if el.is_hidden() else el.inner_text()


def entries(pg) -> list[dict]:
    outbox_loaded(pg)
    return pg.evaluate(ENTRIES)


def hazard_waits(pg, n: int) -> None:
    """The hazard's save waits in the outbox and the tap that opened it has left (the save
    opens the hazard with its answer): `n` entries in all."""
    until(pg, HAZARD_WAITS, True)
    until(pg, "() => gridbookOutbox.all().then(r => r.length)", n)


def open_visit_form(pg) -> None:
    pg.click("#visit-form-slot a")
    pg.wait_for_selector("#visit-form")


def log_visit(pg, summary: str) -> None:
    # A click on the hidden radio itself: a forced check clicks where it sits, which the
    # chips' layout can put under another chip's label.
    pg.dispatch_event("#visit-form input[name=purpose][value=elderly_care]", "click")
    pg.dispatch_event("#visit-form input[name=outcome][value=done]", "click")
    pg.fill("#visit-form textarea[name=summary]", summary)
    pg.click("#visit-form button[type=submit]")


def visit_queued_offline(pg, resident, summary: str, kept: bool = False) -> None:
    """worker_a, on the resident's page, loses signal and logs a visit: it waits in the
    outbox. kept: only once the caseload is on the phone (it is fetched between the worker's
    own requests, so a test's quick taps can go offline before it is)."""
    login(pg, "worker_a", PASSWORD)
    controlled(pg, f"/residents/{resident.id}")
    if kept:
        pg.wait_for_selector("body[data-offline-warmed]", state="attached", timeout=60_000)
    open_visit_form(pg)
    pg.context.set_offline(True)
    log_visit(pg, summary)
    pg.wait_for_selector(f"#outbox-here >> text=走访 {resident.name}")


def test_visit_and_answers_offline_wait_then_arrive_once(
    phone, outbox_server, world, make_resident, make_visit, shoot
):
    r = make_resident(name="王秀英")
    visit_queued_offline(phone, r, "门口聊了十分钟，身体还好")
    assert "待发送" in phone.locator("#outbox-here").inner_text()
    assert waiting(phone) == "1"
    assert _count(Visit) == 0
    shoot(phone, "1-waiting")

    phone.context.set_offline(False)
    phone.wait_for_selector("#outbox-here", state="detached", timeout=20_000)
    phone.wait_for_selector("#timeline >> text=门口聊了十分钟，身体还好")
    assert waiting(phone) == "0"
    assert _count(Visit) == 1
    assert entries(phone) == []
    shoot(phone, "2-sent")
    assert not [e for e in phone.js_errors if "net::" not in e]


def test_a_visit_saved_offline_keeps_the_time_it_was_saved_not_when_it_arrived(
    phone, outbox_server, world, make_resident
):
    r = make_resident(name="王秀英")
    visit_queued_offline(phone, r, "没信号时录的")
    outbox_loaded(phone)
    # When the phone says it queued the visit (its clock: ms since 1970 UTC).
    [queued_ms] = phone.evaluate("() => gridbookOutbox.all().then(r => r.map(e => e.created))")
    queued = datetime(1970, 1, 1) + timedelta(milliseconds=queued_ms)
    back_online = datetime.now(UTC).replace(tzinfo=None)  # the arrival is after this

    phone.context.set_offline(False)
    phone.wait_for_selector("#timeline >> text=没信号时录的", timeout=20_000)
    sent_all(phone)
    visited_at = fresh_scalar(sa.select(Visit.visited_at))
    assert visited_at == queued
    assert visited_at < back_online


def _screening(world, make_resident, make_visit):
    import uuid

    from app.extensions import db
    from app.models import ChecklistTemplate, Screening

    visit = make_visit(resident=make_resident(name="王秀英"))
    tpl = db.session.scalar(sa.select(ChecklistTemplate).where(ChecklistTemplate.code == "fire"))
    s = Screening(uuid=str(uuid.uuid4()), visit_id=visit.id, template_id=tpl.id)
    db.session.add(s)
    db.session.commit()
    return s, [i.id for i in tpl.items]


def open_hazard_form(phone, world, make_resident, make_visit):
    """worker_a on a fire checklist (`_screening`), the hazard form of its first item open and
    the photo script loaded: the screening, its item ids, the item and the form."""
    s, items = _screening(world, make_resident, make_visit)
    login(phone, "worker_a", PASSWORD)
    controlled(phone, f"/screening/{s.id}")
    outbox_loaded(phone)
    item = phone.locator(f"#item-{items[0]}")
    item.locator("button.ans-hazard").click()
    form = item.locator("form.hazard-form")
    form.wait_for()
    phone.wait_for_function("() => !!window.gridbookPhotos")
    return s, items, item, form


def test_server_stopped_answers_and_all_remaining_wait_then_arrive_in_order(
    phone, outbox_server, world, make_resident, make_visit, shoot
):
    s, items = _screening(world, make_resident, make_visit)
    login(phone, "worker_a", PASSWORD)
    controlled(phone, f"/screening/{s.id}")
    outbox_server.stop()  # the server is gone: the service worker's own fetches fail too
    phone.click(f"#item-{items[0]} button.ans-na")
    phone.wait_for_selector(f"#item-{items[0]} [data-outbox-mark]")
    phone.click(f"#item-{items[1]} button.ans-ok")
    phone.wait_for_selector(f"#item-{items[1]} [data-outbox-mark]")
    assert phone.get_attribute(f"#item-{items[0]} button.ans-na", "aria-pressed") == "true"
    # A plain form (not htmx): the worker lands back on the checklist, the entry marked.
    phone.click("#remaining-ok button")
    phone.wait_for_selector("#remaining-ok [data-outbox-mark]")
    assert waiting(phone) == "3"
    assert _count(Answer) == 0
    shoot(phone, "1-waiting")

    outbox_server.start()
    phone.reload()  # every page load asks the outbox to send
    sent_all(phone)
    assert _count(Answer) == len(items)
    na = fresh_scalar(sa.select(Answer.value).where(Answer.item_id == items[0]))
    assert na == "na"  # sent before "all remaining OK", as it was made
    assert outbox_server.replays == [
        f"/screening/{s.id}/items/{items[0]}",
        f"/screening/{s.id}/items/{items[1]}",
        f"/screening/{s.id}/remaining",
    ]


def test_answer_lost_after_commit_gives_one_record(
    phone, outbox_server, world, make_resident, shoot
):
    r = make_resident(name="王秀英")
    login(phone, "worker_a", PASSWORD)
    controlled(phone, f"/residents/{r.id}")
    open_visit_form(phone)
    outbox_server.drop_answers_to = "/visits"
    log_visit(phone, "回答在路上丢了")
    phone.wait_for_selector("#outbox-here >> text=走访 王秀英")
    assert _count(Visit) == 1  # the server saved it; the phone never heard

    outbox_server.drop_answers_to = None
    phone.reload()
    sent_all(phone)
    assert entries(phone) == []
    assert _count(Visit) == 1
    phone.wait_for_selector("#timeline >> text=回答在路上丢了")


def _jpeg_b64(shade: int = 0) -> str:
    import base64
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (30 + shade, 120, 200)).save(buf, "JPEG")
    return base64.b64encode(buf.getvalue()).decode()


# Queue entries as the service worker would have (same store, same fields), offline.
QUEUE = """async ({n, photoEvery, residentId, visitId, jpegs, user}) => {
  // A picture of its own for each photo: one picture is kept once on its visit.
  const pictures = jpegs.map((j) => Uint8Array.from(atob(j), c => c.charCodeAt(0)));
  // The phone's own day (toISOString would give UTC's, a day behind after 16:00 UTC).
  const now = new Date();
  const today = [now.getFullYear(), now.getMonth() + 1, now.getDate()]
    .map((n) => String(n).padStart(2, "0")).join("-");
  for (let i = 0; i < n; i++) {
    const fd = new FormData();
    let url;
    if (photoEvery && i % photoEvery === photoEvery - 1) {
      url = "/photos";
      fd.append("owner_type", "visit"); fd.append("owner_id", String(visitId));
      fd.append("client_uuid", gridbookOutbox.newId());
      const bytes = pictures[Math.floor(i / photoEvery) % pictures.length];
      fd.append("photos", new File([bytes], "p" + i + ".jpg", {type: "image/jpeg"}));
    } else {
      url = "/visits";
      fd.append("resident_id", String(residentId)); fd.append("purpose", "elderly_care");
      fd.append("outcome", "done"); fd.append("summary", "entry " + i);
      fd.append("visited_on", today); fd.append("follow_up_on", "");
      fd.append("client_uuid", gridbookOutbox.newId());
    }
    const meta = {user: user, label: "entry " + i, page: location.pathname};
    fd.append("_outbox", JSON.stringify(meta));
    await gridbookOutbox.enqueue(gridbookOutbox.entryFrom(url, fd, true));
  }
  return (await gridbookOutbox.all()).length;
}"""


def _queue(pg, n, resident, visit=None, photo_every=0):
    outbox_loaded(pg)
    user = pg.get_attribute("[data-outbox-count]", "data-outbox-user")
    args = {
        "n": n,
        "photoEvery": photo_every,
        "residentId": resident.id,
        "visitId": visit.id if visit else 0,
        "jpegs": [_jpeg_b64(10 * k) for k in range(-(-n // photo_every) if photo_every else 0)]
        or [_jpeg_b64()],
        "user": user,
    }
    return pg.evaluate(QUEUE, args)


def test_fifty_entries_with_ten_photos_arrive_once_in_order(
    phone, outbox_server, world, make_resident, make_visit
):
    from app.models import Photo

    r = make_resident(name="王秀英")
    v = make_visit(resident=r)
    login(phone, "worker_a", PASSWORD)
    controlled(phone, "/outbox")
    phone.context.set_offline(True)
    assert _queue(phone, 50, r, v, photo_every=5) == 50
    phone.context.set_offline(False)  # the online event starts the replay
    sent_all(phone, 120)
    assert entries(phone) == []
    assert len(outbox_server.replays) == 50  # each sent once
    assert outbox_server.replays == ["/photos" if i % 5 == 4 else "/visits" for i in range(50)]
    summaries = fresh_scalar(
        sa.select(sa.func.count(Visit.id)).where(Visit.summary.like("entry %"))
    )
    assert summaries == 40
    from app.extensions import db

    db.session.rollback()
    made = db.session.scalars(
        sa.select(Visit.summary).where(Visit.summary.like("entry %")).order_by(Visit.id)
    ).all()
    assert made == [f"entry {i}" for i in range(50) if i % 5 != 4]
    assert _count(Photo) == 10


def test_two_tabs_replaying_at_once_send_each_entry_once(
    browser, outbox_server, world, make_resident
):
    r = make_resident(name="王秀英")
    with phone_page(browser, outbox_server.url) as first:
        login(first, "worker_a", PASSWORD)
        controlled(first, "/outbox")
        first.context.set_offline(True)
        _queue(first, 12, r)
        second = first.context.new_page()
        first.context.set_offline(False)
        second.goto(outbox_server.url + "/outbox")  # its load asks the worker to send
        outbox_loaded(second)
        # Both pages also replay by themselves at the same moment (as a page without a
        # service worker would): the lock lets one run; the others find nothing left.
        for pg in (first, second, first, second):
            pg.evaluate("gridbookOutbox.replay(); 1")
        sent_all(first, 60)
        second.wait_for_timeout(500)
        assert outbox_server.replays.count("/visits") == 12
        assert _count(Visit) == 12


def test_refused_replay_is_kept_with_its_reason_fixed_and_sent_or_discarded(
    phone, outbox_server, world, make_resident, make_daily_log, shoot
):
    from app.extensions import db
    from app.models import DailyLog

    r = make_resident(name="王秀英")
    visit_queued_offline(phone, r, "审核前录的")
    _queue(phone, 1, r)
    until(phone, "() => gridbookOutbox.all().then(r => r.length)", 2)
    # Meanwhile the secretary approved the worker's day: the replays are refused.
    db.session.rollback()  # a fresh snapshot before writing (SQLite WAL)
    make_daily_log(status="approved")
    phone.context.set_offline(False)
    until(
        phone,
        "() => gridbookOutbox.all().then(r => r.map(e => e.status).join())",
        "refused,refused",
    )
    reasons = [e["reason"] for e in entries(phone)]
    assert all("审核通过" in reason for reason in reasons)
    assert _count(Visit) == 0
    # Refused entries are counted apart: they wait for the worker, not for the network.
    assert waiting(phone) == "0"
    assert refused(phone) == "2 条未保存"
    # So does the logout's warning: nothing waits for the network, two wait for the worker.
    phone.click("#account-menu summary")
    phone.click("header form[action$='/logout'] button")
    dialog = phone.locator("dialog#outbox-logout")
    assert dialog.locator(".n").inner_text() == "待发送：0 · 未保存：2"
    dialog.locator("button.cancel").click()

    phone.click("[data-outbox-count]")
    phone.wait_for_selector("#outbox-list .outbox-refused")
    assert "审核通过" in phone.locator("#outbox-list").inner_text()
    # When each was recorded, written as the server writes a moment in the page's language.
    recorded = phone.locator("#outbox-list li .meta").first.inner_text()
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d", recorded), recorded
    shoot(phone, "1-refused")

    # The day is reopened; the worker corrects the first entry's text and sends it again.
    db.session.rollback()
    db.session.execute(sa.update(DailyLog).values(status="open"))
    db.session.commit()
    first = phone.locator("#outbox-list li").first
    first.locator("button.outbox-open").click()
    # The entry's key is its identity, not a field to correct (it was offered once it became
    # a text input the page hides, for Back then Save).
    first.locator(".outbox-edit textarea[name=summary]").wait_for()
    assert first.locator(".outbox-edit [name=client_uuid]").count() == 0
    # A routine visit offers no checklist: the form shows that choice for a screening only.
    assert first.locator(".outbox-edit [name=purpose]").count() == 1
    assert first.locator(".outbox-edit [name=checklist_id]").count() == 0
    first.locator("textarea[name=summary]").fill("审核前录的，已更正")
    first.locator(".outbox-edit button[type=submit]").click()
    until(phone, "() => gridbookOutbox.all().then(r => r.length)", 1)
    assert fresh_scalar(sa.select(Visit.summary)) == "审核前录的，已更正"

    # The other is discarded, by an explicit confirmed tap only.
    phone.once("dialog", lambda d: d.dismiss())
    phone.locator("#outbox-list button.outbox-discard").click()
    assert len(entries(phone)) == 1
    phone.once("dialog", lambda d: d.accept())
    phone.locator("#outbox-list button.outbox-discard").click()
    until(phone, "() => gridbookOutbox.all().then(r => r.length)", 0)
    assert _count(Visit) == 1
    phone.wait_for_selector("#outbox-list .empty")


def test_logout_with_a_waiting_entry_and_a_second_user_on_the_phone(
    phone, outbox_server, world, make_resident, shoot
):
    r = make_resident(name="王秀英")
    login(phone, "worker_a", PASSWORD)
    controlled(phone, f"/residents/{r.id}")
    open_visit_form(phone)
    outbox_server.busy = True  # the server answers "later": the entry keeps waiting
    phone.context.set_offline(True)
    log_visit(phone, "退出前没发出去")
    phone.wait_for_selector("#outbox-here")
    # Without signal, keeping the entries is the first and main button: sending cannot work.
    phone.click("#account-menu summary")
    phone.click("header form[action$='/logout'] button")
    dialog = phone.locator("dialog#outbox-logout")
    first = dialog.locator("footer button").first
    assert first.get_attribute("class") == "keep"
    dialog.locator("button.cancel").click()
    phone.context.set_offline(False)

    phone.click("#account-menu summary")
    phone.click("header form[action$='/logout'] button")
    dialog.wait_for()
    assert dialog.locator("footer button").first.get_attribute("class") == "send"
    assert "1" in dialog.locator(".n").inner_text()
    shoot(phone, "1-logout-warning")
    # "Send now" cannot send everything (the server is busy): it says so and stays.
    dialog.locator("button.send").click()
    dialog.locator(".form-error").wait_for()
    dialog.locator("button.keep").click()
    phone.wait_for_url("**/login")
    assert len(entries(phone)) == 1  # kept on the phone, not cleared with the logout

    # Another worker on the same phone sees and sends nothing of it.
    outbox_server.busy = False
    outbox_server.replays.clear()
    login(phone, "worker_a2", PASSWORD)
    phone.goto(outbox_server.url + "/outbox")
    phone.wait_for_selector("#outbox-list .empty")
    assert "退出前没发出去" not in phone.content()
    assert phone.locator("#outbox-others").inner_text() == (
        "本机保存的另一位用户的记录：1 条，待其再次登录时发送。"
    )
    assert waiting(phone) == "0"
    # Nothing of theirs waits: no "Send now"; a replay sends nothing of worker_a's either.
    assert phone.locator("#outbox-send").is_hidden()
    phone.evaluate("gridbookOutbox.replay(); 1")
    phone.wait_for_timeout(1000)
    assert outbox_server.replays == []
    assert _count(Visit) == 0

    # worker_a2 has nothing waiting: logging out asks nothing, and keeps worker_a's entry.
    phone.click("#account-menu summary")
    phone.click("header form[action$='/logout'] button")
    phone.wait_for_url("**/login")
    login(phone, "worker_a", PASSWORD)
    phone.goto(outbox_server.url + f"/residents/{r.id}")
    sent_all(phone)
    assert _count(Visit) == 1
    assert fresh_scalar(sa.select(Visit.worker_id)) == world.worker_a.id


def test_storage_full_says_so_and_loses_nothing_queued(
    phone, outbox_server, world, make_resident, make_visit, tmp_path
):
    r = make_resident(name="王秀英")
    v = make_visit(resident=r)
    login(phone, "worker_a", PASSWORD)
    controlled(phone, f"/visits/{v.id}")
    phone.context.set_offline(True)
    _queue(phone, 1, r)
    # The phone's storage is full. (Chromium's quota override, CDP Storage.overrideQuotaForOrigin,
    # is not enforced on IndexedDB writes in time to test it: the store's write fails instead,
    # in the service worker, as IndexedDB fails it: a QuotaExceededError.)
    (sw,) = phone.context.service_workers
    sw.evaluate(
        """() => { self.gridbookOutbox.enqueue = () =>
             Promise.reject(new DOMException("quota", "QuotaExceededError")); }"""
    )
    photo = tmp_path / "photo.jpg"
    import base64

    photo.write_bytes(base64.b64decode(_jpeg_b64()))
    phone.set_input_files("form.photo-upload input[type=file]", str(photo))
    phone.wait_for_selector(".toast-error >> text=存储空间已满")
    assert len(entries(phone)) == 1  # the entry queued before is still there
    # What was chosen stays in the form, to save again once space is freed.
    assert (
        phone.evaluate("document.querySelector('form.photo-upload input[type=file]').files.length")
        == 1
    )
    phone.context.set_offline(False)
    sent_all(phone)
    assert fresh_scalar(sa.select(sa.func.count(Visit.id))) == 2  # v and the queued one


def test_without_a_service_worker_the_page_keeps_the_entry(
    browser, live_server, world, make_resident
):
    r = make_resident(name="王秀英")
    # A browser that will not run service workers (or the first page before one is active).
    with phone_page(browser, live_server.url, service_workers="block") as pg:
        login(pg, "worker_a", PASSWORD)
        pg.goto(live_server.url + f"/residents/{r.id}")
        assert pg.evaluate("() => !navigator.serviceWorker.controller")
        open_visit_form(pg)
        # The form's swap makes app.js fetch the outbox's scripts; with no worker to serve
        # them from its cache, they must arrive before the link goes.
        outbox_loaded(pg)
        pg.context.set_offline(True)
        log_visit(pg, "没有服务工作线程时录的")
        pg.wait_for_selector("#outbox-here >> text=走访 王秀英")
        assert _count(Visit) == 0
        # app.js's red "not sent" came first; the outbox's note that the entry is kept
        # supersedes it, as any later outcome does, rather than sitting beside it.
        pg.wait_for_selector(".toast >> text=已保存在本机")
        assert pg.locator(".toast-error").count() == 0
        pg.context.set_offline(False)  # the page sends it itself
        sent_all(pg)
        assert _count(Visit) == 1


def test_plain_form_online_passes_through_the_service_worker(
    phone, outbox_server, world, make_resident, make_visit
):
    s, items = _screening(world, make_resident, make_visit)
    login(phone, "worker_a", PASSWORD)
    controlled(phone, f"/screening/{s.id}")
    phone.click("#remaining-ok button")
    phone.wait_for_selector("#remaining-ok", state="detached")
    assert phone.url.endswith(f"/screening/{s.id}#finish-screening")
    assert _count(Answer) == len(items)
    assert entries(phone) == []


def test_a_hazard_tapped_offline_is_described_offline_and_arrives_with_its_answer(
    phone, outbox_server, world, make_resident, make_visit, shoot
):
    from app.models import Hazard

    s, items = _screening(world, make_resident, make_visit)
    login(phone, "worker_a", PASSWORD)
    controlled(phone, f"/screening/{s.id}")
    outbox_loaded(phone)
    phone.context.set_offline(True)
    item = phone.locator(f"#item-{items[0]}")
    item.locator("button.ans-hazard").click()
    # The server would have sent the hazard's form back; offline the page brings its own.
    form = item.locator("form.hazard-form")
    form.wait_for()
    # It says what it needs, as the server's form does: the note, then the Save.
    unsaved = form.locator(".hazard-unsaved")
    expect(unsaved).to_have_text("尚未保存：请填写隐患情况后保存。")
    form.locator("textarea[name=note]").fill("楼道堆放纸箱，已提醒清理")
    expect(unsaved).to_have_text("尚未保存：请点“保存隐患”。")
    severity = form.locator("select[name=severity] option").nth(1).get_attribute("value")
    form.locator("select[name=severity]").select_option(severity)
    # Its label names its own field: ids are made unique per item.
    note_id = form.locator("textarea[name=note]").get_attribute("id")
    assert note_id.endswith(f"-{items[0]}")
    assert form.locator(f"label[for='{note_id}']").count() == 1
    form.locator("button[type=submit]").click()
    # The save opens the hazard with its answer: the tap leaves the outbox (the server would
    # refuse it alone, a hazard being saved only with its note).
    hazard_waits(phone, 1)
    assert waiting(phone) == "1"
    assert _count(Hazard) == 0
    expect(unsaved).to_be_hidden()
    shoot(phone, "1-hazard-waiting")

    # Drawn again from the phone (a reload, the way back from finishing): what was typed is
    # shown, not an empty form that looks as if it were lost.
    phone.reload()
    form = phone.locator(f"#item-{items[0]} form.hazard-form")
    form.wait_for()
    until(
        phone,
        f"() => document.querySelector('#item-{items[0]} textarea[name=note]').value",
        "楼道堆放纸箱，已提醒清理",
    )
    assert form.locator("select[name=severity]").input_value() == severity
    assert phone.get_attribute(f"#item-{items[0]} button.ans-hazard", "aria-pressed") == "true"
    assert waiting(phone) == "1"

    phone.context.set_offline(False)
    phone.reload()  # every page load asks the outbox to send
    sent_all(phone)
    hazard = fresh_scalar(sa.select(Hazard))
    assert hazard.note == "楼道堆放纸箱，已提醒清理"
    assert hazard.severity == severity
    assert _count(Hazard) == 1
    assert outbox_server.replays == [f"/screening/{s.id}/items/{items[0]}/hazard"]
    assert fresh_scalar(sa.select(Answer.value)) == "hazard"


def test_an_entry_sent_before_the_outbox_script_arrives_waits_for_it(
    browser, live_server, world, make_resident
):
    import re

    r = make_resident(name="王秀英")
    with phone_page(browser, live_server.url, service_workers="block") as pg:
        login(pg, "worker_a", PASSWORD)
        pg.goto(live_server.url + f"/residents/{r.id}")
        # The outbox's scripts are held back (a slow link), and the visit's POST finds no
        # network: the tap lands in the page's first moment, before outbox.js is there.
        held = []
        pg.route(re.compile(r"/static/js/outbox[^/]*\.js"), lambda route: held.append(route))
        pg.route(
            re.compile(r"/visits$"),
            lambda route: (
                route.abort("internetdisconnected")
                if route.request.method == "POST"
                else route.continue_()
            ),
        )
        open_visit_form(pg)
        log_visit(pg, "脚本还没到就点了保存")
        pg.wait_for_timeout(500)
        assert held  # the scripts were asked for and are still on their way
        assert pg.evaluate("() => !window.gridbookOutbox")
        assert _count(Visit) == 0
        pg.unroute(re.compile(r"/static/js/outbox[^/]*\.js"))
        for route in held:
            route.continue_()
        # outbox.js takes the held tap, finds no network and keeps it, as any other entry.
        pg.wait_for_selector("#outbox-here >> text=走访 王秀英")
        assert "待发送" in pg.locator("#outbox-here").inner_text()
        assert not pg.locator("#visit-form .form-error:visible").count()

        pg.unroute(re.compile(r"/visits$"))
        pg.reload()  # every page load sends what waits
        sent_all(pg)
        assert _count(Visit) == 1
        assert fresh_scalar(sa.select(Visit.summary)) == "脚本还没到就点了保存"


def test_a_request_saved_then_back_without_signal_then_save_is_one_request(
    phone, outbox_server, world, make_resident
):
    """Back after a save, the signal gone: the phone's copy of the form comes back with what
    was typed and the key Chrome put back, which the page served offline keeps (offline.js
    gives a form from the phone's cache a fresh key; Chrome puts the typed one back): the Save
    waits in the outbox and, sent, lands on the request the first Save made."""
    from app.models import Request

    r = make_resident(name="陈阿姨")
    login(phone, "worker_a", PASSWORD)
    controlled(phone, f"/requests/new?resident={r.id}")
    form = phone.locator("#request-form")
    form.locator("select[name=category]").select_option("R18")
    form.locator("textarea[name=summary]").fill("问养老补贴怎么申请")
    form.locator("button[type=submit]").click()
    phone.wait_for_url(lambda url: "/requests/new" not in url)
    assert _count(Request) == 1

    phone.context.set_offline(True)
    phone.go_back()
    phone.wait_for_load_state("load")
    until(phone, "() => document.body.hasAttribute('data-offline-at')", True)
    assert form.locator("textarea[name=summary]").input_value() == "问养老补贴怎么申请"
    key = form.locator("input[name=client_uuid]").input_value()
    assert key == fresh_scalar(sa.select(Request.uuid))
    form.locator("button[type=submit]").click()
    until(phone, "() => gridbookOutbox.all().then(r => r.length)", 1)

    phone.context.set_offline(False)
    sent_all(phone)
    assert _count(Request) == 1


def test_the_outbox_opened_offline_drops_its_offline_notice_once_entries_arrive(
    phone, outbox_server, world, make_resident
):
    """The walk: the outbox page, opened without signal, said "离线 · 截至 19:41 的内容" over
    "没有等待发送的记录。" after everything had been sent, until a reload."""
    r = make_resident(name="谢超")
    visit_queued_offline(phone, r, "offline then sent", kept=True)
    phone.goto(outbox_server.url + "/outbox")
    phone.wait_for_selector("#offline-banner:not([hidden])")
    phone.context.set_offline(False)  # the online event starts the replay
    phone.wait_for_function(
        "() => document.getElementById('offline-banner').hidden", timeout=20_000
    )
    assert _count(Visit) == 1
    assert entries(phone) == []
