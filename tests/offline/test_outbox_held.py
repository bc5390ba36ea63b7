"""Entries held back behind a refused checklist start or visit (outbox-core.js hold) are never
stuck: corrected while a replay is under way, the parent takes them with it; a replay writes
nothing over what the worker did meanwhile (a correction, a discard); held entries whose
parent waits again or was saved go back to waiting by themselves; a discarded parent takes
what belongs to it along, in one confirmed tap; a hazard form held back starts afresh as a
queued one does."""

import threading
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import ChecklistTemplate, Screening, Visit
from app.timeutil import local_today
from tests.browser.conftest import fresh_scalar, login
from tests.conftest import PASSWORD
from tests.offline.test_outbox_browser import controlled, outbox_loaded, until
from tests.offline.test_outbox_dependents import (
    STATUSES,
    _checklist_started_offline,
)
from tests.outbox_fixtures import visit_data
from tests.photos.images import phone_photo

pytestmark = pytest.mark.browser

COUNT = "() => gridbookOutbox.all().then(r => r.length)"

# Entries stored as the service worker would have kept them (outbox-core.js entryFrom), with
# what the test sets on top: an id to point at, a status, `held`, the fields the editor offers.
KEEP = """async (rows) => {
  const user = document.querySelector("[data-outbox-count]").getAttribute("data-outbox-user");
  for (const r of rows) {
    const fd = new FormData();
    for (const [k, v] of r.fields) fd.append(k, v);
    fd.append("_outbox", JSON.stringify({user: user, label: r.label, page: "/outbox",
                                         edit: r.edit || []}));
    const entry = gridbookOutbox.entryFrom(r.url, fd, true);
    Object.assign(entry, r.set || {});
    await gridbookOutbox.put(entry);
  }
  gridbookOutbox.tell({type: "queued", user: user});
  return (await gridbookOutbox.all()).length;
}"""

SUMMARY = [{"name": "summary", "label": "情况", "kind": "textarea"}]
DAY = [{"name": "visited_on", "label": "日期", "kind": "date"}]


def _status_of(pg, entry_id: str):
    js = "(id) => gridbookOutbox.get(id).then(e => e ? e.status : null)"
    return pg.evaluate(js, entry_id)


def _until_status(pg, entry_id: str, expected) -> None:
    js = f"() => gridbookOutbox.get({entry_id!r}).then(e => e ? e.status : null)"
    until(pg, js, expected)


def _keep(pg, rows: list[dict]) -> None:
    outbox_loaded(pg)
    pg.evaluate(KEEP, rows)
    expect(pg.locator("#outbox-list li.outbox-entry")).to_have_count(
        pg.evaluate(COUNT), timeout=30_000
    )


def _visit(resident, key=None, **over) -> dict:
    data = visit_data(resident, **over)
    if key:
        data["client_uuid"] = key
    return {"url": "/visits", "label": f"走访 {resident.name}", "fields": list(data.items())}


def _welfare_check() -> ChecklistTemplate:
    elderly = ChecklistTemplate.code == "elderly"
    return db.session.scalar(sa.select(ChecklistTemplate).where(elderly))


def _start(visit_key: str, key: str) -> dict:
    """A welfare check started on a visit still waiting (outbox.js startOn)."""
    template = _welfare_check().id
    fields = [["visit_uuid", visit_key], ["template_id", str(template)], ["client_uuid", key]]
    return {"url": "/screening", "label": "独居老人探访", "fields": fields}


def _answer(checklist_key: str, n: int) -> dict:
    """The welfare check's n-th item answered OK on the checklist addressed by its key."""
    item = _welfare_check().items[n].id
    url = f"/screening/u/{checklist_key}/items/{item}"
    return {"url": url, "label": f"检查项 {n}", "fields": [["value", "ok"]]}


def _until_asked(pg, asked: list, n: int) -> None:
    """Until the page has asked its n-th question (the confirmation comes after a read)."""
    for _ in range(300):
        if len(asked) >= n:
            return
        pg.wait_for_timeout(100)
    raise AssertionError(f"asked {asked!r}, not {n} questions")


APPROVED = "这天的工作日志已审核通过，不能再修改。"


def _refused(row: dict, entry_id: str, reason=APPROVED, edit=None) -> dict:
    refused = {"id": entry_id, "status": "refused", "reason": reason}
    return {**row, "edit": edit or [], "set": refused}


def _held(row: dict, entry_id: str, by: str, what: str) -> dict:
    held = {"by": by, "what": what}
    return {**row, "set": {"id": entry_id, "status": "refused", "reason": None, "held": held}}


def _waiting(row: dict, entry_id: str, edit=None) -> dict:
    return {**row, "edit": edit or [], "set": {"id": entry_id}}


class Gate:
    """The first POST the server is sent from now on waits at its door until `open()`:
    meanwhile the replay that sent it is under way, and the worker acts on /outbox."""

    def __init__(self, server):
        self.arrived = threading.Event()
        self.go = threading.Event()
        self.lock = threading.Lock()
        inner = server.app

        def gated(environ, start_response):
            first = False
            if environ["REQUEST_METHOD"] == "POST":
                with self.lock:
                    first = not self.arrived.is_set()
                    self.arrived.set()
            if first:
                self.go.wait(120)
            return inner(environ, start_response)

        server.app = gated

    def wait(self) -> None:
        assert self.arrived.wait(60), "the replay never sent anything"

    def open(self) -> None:
        self.go.set()


@pytest.fixture
def gate(outbox_server):
    """Puts a Gate at the server's door when called; opened at the end whatever happened, so
    that no request is left waiting in the server's thread."""
    gates: list[Gate] = []

    def put() -> Gate:
        gates.append(Gate(outbox_server))
        return gates[-1]

    yield put
    for g in gates:
        g.open()


@pytest.fixture
def on_outbox(phone, outbox_server, world):
    """worker_a on /outbox, under the service worker, without signal: what the test keeps
    stays as it is until the test brings the network back."""
    login(phone, "worker_a", PASSWORD)
    controlled(phone, "/outbox")
    outbox_loaded(phone)
    phone.context.set_offline(True)
    return phone


def test_a_visit_corrected_while_the_replay_sends_earlier_entries_takes_its_checklist_along(
    on_outbox, outbox_server, make_resident, gate
):
    """The replay began with the visit refused; corrected on /outbox while it sends an earlier
    entry, the visit waits again, so the checklist started on it is not held for it: both
    are sent, the visit first (review: the replay held the checklist for the visit it still
    believed refused, then sent the visit, and nothing ever freed the checklist)."""
    phone = on_outbox
    r, other = make_resident(name="赵兰英"), make_resident(name="王秀英")
    v_key, c_key = str(uuid.uuid4()), str(uuid.uuid4())
    _keep(
        phone,
        [
            _refused(_visit(r, v_key, summary="先聊了几句"), "v", edit=SUMMARY),
            _waiting(_visit(other, summary="顺路看了看"), "e"),
            _waiting(_start(v_key, c_key), "c"),
        ],
    )
    door = gate()
    phone.context.set_offline(False)
    door.wait()  # the replay is sending the earlier visit; the checklist is next

    row = phone.locator("#outbox-list li.outbox-entry").first
    row.locator("button.outbox-open").click()
    row.locator(".outbox-edit textarea[name=summary]").fill("先聊了几句，已更正")
    row.locator(".outbox-edit button[type=submit]").click()
    _until_status(phone, "v", "waiting")
    door.open()

    until(phone, COUNT, 0)
    screening = fresh_scalar(sa.select(Screening))
    assert screening.uuid == c_key
    assert fresh_scalar(sa.select(Visit.summary).where(Visit.id == screening.visit_id)) == (
        "先聊了几句，已更正"
    )
    assert outbox_server.replays == ["/visits", "/visits", "/screening"]


def test_held_entries_whose_visit_waits_again_or_was_saved_go_back_to_waiting(
    on_outbox, outbox_server, make_resident, make_visit
):
    """What an earlier replay left held (its visit corrected, or since saved) is not stuck:
    each replay first lets wait again what is held for an entry that waits, or for one that is
    gone because it was saved."""
    phone = on_outbox
    r = make_resident(name="赵兰英")
    saved = make_visit(resident=make_resident(name="王秀英"), purpose="elderly_care")
    v_key, c_key, d_key = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    _keep(
        phone,
        [
            _waiting(_visit(r, v_key), "v"),
            _held(_start(v_key, c_key), "c", "v", "visit"),
            _held(_answer(c_key, 1), "a", "c", "checklist"),
            # Held for a visit the server has saved since: its entry is gone.
            _held(_start(saved.uuid, d_key), "d", "gone", "visit"),
        ],
    )
    phone.context.set_offline(False)
    until(phone, COUNT, 0)
    item = _welfare_check().items[1].id
    assert outbox_server.replays == [
        "/visits",
        "/screening",
        f"/screening/u/{c_key}/items/{item}",
        "/screening",
    ]
    started = fresh_scalar(sa.select(sa.func.count(Screening.id)))
    assert started == 2
    assert fresh_scalar(sa.select(Screening.visit_id).where(Screening.uuid == d_key)) == saved.id


def test_an_entry_discarded_while_it_is_sent_stays_discarded_when_the_server_refuses_it(
    on_outbox, outbox_server, make_resident, gate
):
    phone = on_outbox
    r = make_resident(name="赵兰英")
    later = (local_today() + timedelta(days=30)).isoformat()
    _keep(
        phone,
        [
            _waiting(_visit(r, visited_on=later, summary="日期填错了"), "f"),
            _waiting(_visit(r, summary="这条没问题"), "g"),
        ],
    )
    door = gate()
    phone.context.set_offline(False)
    door.wait()
    phone.once("dialog", lambda d: d.accept())
    phone.locator("#outbox-list li.outbox-entry").first.locator("button.outbox-discard").click()
    until(phone, COUNT, 1)
    door.open()

    # Refused on its way, it is not brought back: the replay went on to the next and saved it.
    until(phone, "() => gridbookOutbox.all().then(r => r.map(e => e.id).join())", "")
    assert outbox_server.replays == ["/visits", "/visits"]
    assert fresh_scalar(sa.select(Visit.summary)) == "这条没问题"


def test_an_entry_corrected_while_it_is_sent_keeps_the_correction_and_goes_again(
    on_outbox, outbox_server, make_resident, gate
):
    """The server refused what was sent; the worker had corrected it meanwhile: the refusal
    is not written over the correction, which is sent in its turn and saved."""
    phone = on_outbox
    r = make_resident(name="赵兰英")
    later = (local_today() + timedelta(days=30)).isoformat()
    _keep(phone, [_waiting(_visit(r, visited_on=later, summary="日期填错了"), "f", edit=DAY)])
    door = gate()
    phone.context.set_offline(False)
    door.wait()
    row = phone.locator("#outbox-list li.outbox-entry").first
    row.locator("button.outbox-open").click()
    row.locator(".outbox-edit input[name=visited_on]").fill(local_today().isoformat())
    row.locator(".outbox-edit button[type=submit]").click()
    until(
        phone,
        "() => gridbookOutbox.get('f').then(e => e.fields.find(p => p[0] === 'visited_on')[1])",
        local_today().isoformat(),
    )
    door.open()

    until(phone, COUNT, 0)
    assert fresh_scalar(sa.select(Visit.visited_on)) == local_today()
    assert outbox_server.replays == ["/visits", "/visits"]


def test_a_corrected_visit_and_what_it_held_wait_again_in_one_step(on_outbox, make_resident):
    """The page closed right after the corrected visit was stored: what it held waits again
    with it, not held for a visit that waits (review: two writes, the second never made)."""
    phone = on_outbox
    r = make_resident(name="赵兰英")
    v_key, c_key = str(uuid.uuid4()), str(uuid.uuid4())
    _keep(
        phone,
        [
            _refused(_visit(r, v_key), "v", edit=SUMMARY),
            _held(_start(v_key, c_key), "c", "v", "visit"),
        ],
    )
    # The page is closed right after its first write of an entry: nothing after it runs.
    phone.evaluate(
        """() => { const put = gridbookOutbox.put;
             gridbookOutbox.put = (e) => put(e).then(() => new Promise(() => {})); }"""
    )
    row = phone.locator("#outbox-list li.outbox-entry").first
    row.locator("button.outbox-open").click()
    row.locator(".outbox-edit button[type=submit]").click()
    _until_status(phone, "v", "waiting")
    outbox_loaded(phone)
    assert _status_of(phone, "c") == "waiting"
    assert phone.evaluate("() => gridbookOutbox.get('c').then(e => e.held || null)") is None


WORDS = {
    "zh": {
        "with": "确定舍弃这条记录及属于它的 3 条记录吗？舍弃后都不会发送，也无法恢复。",
        "one": "确定舍弃这条记录及属于它的 1 条记录吗？舍弃后都不会发送，也无法恢复。",
        "alone": "确定舍弃这条记录吗？舍弃后不会发送，也无法恢复。",
    },
    "en": {
        "with": "Discard this entry and the 3 entries that belong to it? None of them will be "
        "sent, and they cannot be recovered.",
        "one": "Discard this entry and the 1 entry that belongs to it? Neither will be sent, "
        "and they cannot be recovered.",
        "alone": "Discard this entry? It will not be sent and cannot be recovered.",
    },
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_discarding_a_refused_visit_discards_what_belongs_to_it_in_one_confirmed_tap(
    phone, outbox_server, world, make_resident, shoot, lang
):
    """Held entries of a discarded visit would point to nothing above them, never to be sent:
    the one confirmation counts them and they go with it. Nothing else goes."""
    if lang == "en":
        world.worker_a.locale = "en"
        db.session.commit()
    words = WORDS[lang]
    login(phone, "worker_a", PASSWORD)
    controlled(phone, "/outbox")
    phone.context.set_offline(True)
    r, other = make_resident(name="赵兰英"), make_resident(name="王秀英")
    v_key, c_key, u_key, s_key = (str(uuid.uuid4()) for _ in range(4))
    _keep(
        phone,
        [
            _refused(_visit(r, v_key), "v"),
            _held(_start(v_key, c_key), "c", "v", "visit"),
            _held(_answer(c_key, 1), "a1", "c", "checklist"),
            _refused(_visit(other, u_key), "u"),
            _held(_start(u_key, s_key), "s", "u", "visit"),
            _held(_answer(c_key, 2), "a2", "c", "checklist"),
            _refused(_visit(other, summary="这条没有别的记录属于它"), "w"),
        ],
    )
    ids = "() => gridbookOutbox.all().then(r => r.map(e => e.id).join())"
    rows = phone.locator("#outbox-list li.outbox-entry")
    asked: list[str] = []

    def answer(accept: bool):
        def on(dialog):
            asked.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        return on

    # Asked, and left alone when the worker says no.
    phone.once("dialog", answer(False))
    rows.nth(0).locator("button.outbox-discard").click()
    _until_asked(phone, asked, 1)
    expect(rows).to_have_count(7)
    assert asked == [words["with"]]
    shoot(phone, f"held-{lang}", full_page=False)

    phone.once("dialog", answer(True))
    rows.nth(0).locator("button.outbox-discard").click()
    until(phone, ids, "u,s,w")
    assert asked[1] == words["with"]
    expect(rows).to_have_count(3)

    # The other refused visit has one entry held for it; the last one none.
    phone.once("dialog", answer(False))
    rows.nth(0).locator("button.outbox-discard").click()
    _until_asked(phone, asked, 3)
    phone.once("dialog", answer(False))
    rows.nth(2).locator("button.outbox-discard").click()
    _until_asked(phone, asked, 4)
    assert phone.evaluate(ids) == "u,s,w"
    assert asked[2:] == [words["one"], words["alone"]]
    assert fresh_scalar(sa.select(sa.func.count(Visit.id))) == 0


# Entries that save a hazard's description (its note), as against a bare answer.
_HAZARD_SAVES = """() => gridbookOutbox.all().then(r => r.filter(
  e => e.fields.some(f => f[0] === "note")).length)"""


def test_a_hazard_saved_on_a_checklist_whose_start_was_refused_is_kept_like_a_queued_one(
    phone, outbox_server, world, make_resident, make_visit, tmp_path
):
    """Held back at once, the hazard form no longer says "not saved yet" nor asks before
    leaving, and a second photo chosen in it gets a key of its own (review: the same key
    would have the server take it for a retry of the first)."""
    items = _checklist_started_offline(phone, make_visit, make_resident)
    db.session.rollback()
    db.session.execute(sa.update(Visit).values(purpose="elderly_care"))
    db.session.commit()
    phone.context.set_offline(False)
    until(phone, STATUSES, "refused")
    phone.context.set_offline(True)

    item = phone.locator(f"#item-{items[0]}")
    item.locator("button.ans-hazard").click()
    form = item.locator("form.hazard-form")
    form.wait_for()
    until(phone, STATUSES, "refused,refused")
    photo = tmp_path / "IMG_0008.jpg"
    photo.write_bytes(phone_photo(long_side=1200))
    form.locator("input[type=file]").set_input_files(str(photo))
    until(phone, "() => !document.querySelector('form.hazard-form[data-shrinking]')", True)
    form.locator("textarea[name=note]").fill("楼道堆放纸箱")
    key = form.locator("input[name=photo_uuid]").input_value()
    form.locator("button[type=submit]").click()
    # The save carries the answer: the tap's own entry gives way to it (offline hazards).
    expect(form).to_have_attribute("data-queued", "")
    until(phone, STATUSES, "refused,refused")
    assert phone.evaluate(_HAZARD_SAVES) == 1

    expect(form.locator(".hazard-unsaved")).to_be_hidden()
    assert form.locator("input[name=photo_uuid]").get_attribute("data-queued") == ""
    # Typed into again and saved again: kept again, its notes hidden again.
    form.locator("textarea[name=note]").press_sequentially("，已提醒")
    expect(form.locator(".hazard-unsaved")).to_be_visible()
    form.locator("button[type=submit]").click()
    until(phone, _HAZARD_SAVES, 2)
    assert phone.evaluate(STATUSES) == "refused,refused,refused"
    expect(form).to_have_attribute("data-queued", "")
    expect(form.locator(".hazard-unsaved")).to_be_hidden()
    # Another photo chosen in it is another photo.
    form.locator("input[type=file]").set_input_files(str(photo))
    expect(form.locator("input[name=photo_uuid]")).not_to_have_value(key)
