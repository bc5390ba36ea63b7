"""A screening started with no signal at all: the worker logs a screening visit (or taps a
checklist on a visit saved earlier), the blank checklist opens from the phone, every answer,
the hazard with its note and photo, "all remaining OK" and "finish" wait in the outbox behind
the visit, and arrive once, in order, on that screening when the network returns."""

import io
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.models import Answer, ChecklistTemplate, Hazard, Photo, Screening, Visit
from tests.browser.conftest import fresh_scalar, login
from tests.conftest import PASSWORD
from tests.offline.test_outbox_browser import (
    controlled,
    entries,
    hazard_waits,
    open_visit_form,
    outbox_loaded,
    refused,
    sent_all,
    until,
    waiting,
)

pytestmark = pytest.mark.browser

BANNER = re.compile(r"^离线 · 截至 \d\d:\d\d 的内容$")
BLANK = re.compile(r"/screening/u/([0-9a-f-]{36})\?template=(\d+)$")


def _count(model, *where):
    return fresh_scalar(sa.select(sa.func.count(model.id)).where(*where))


def _log_in_and_keep(pg) -> None:
    """One online login: the phone keeps the caseload, the blank checklists among it."""
    login(pg, "worker_a", PASSWORD)
    pg.wait_for_selector("body[data-offline-warmed]", state="attached", timeout=90_000)


def _cut(how, pg, server) -> None:
    if how == "offline":
        pg.context.set_offline(True)
    else:
        server.stop()  # the service worker's own fetches are refused too


def _restore(how, pg, server) -> None:
    if how == "offline":
        pg.context.set_offline(False)  # the online event sends what waits
    else:
        server.start()
        pg.reload()  # every page load sends what waits


def _photo(tmp_path):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (1200, 900), (200, 60, 30)).save(buf, "JPEG")
    path = tmp_path / "hazard.jpg"
    path.write_bytes(buf.getvalue())
    return path


def _blank_opened(pg) -> tuple[str, int]:
    pg.wait_for_url(BLANK)
    pg.wait_for_selector("#blank-checklist")
    assert BANNER.match(pg.inner_text("#offline-banner").strip())
    key, template = BLANK.search(pg.url).groups()
    # The forms are addressed by the UUID in the address, the placeholder gone.
    assert "/u/screening-uuid" not in pg.inner_html("#main")
    first = pg.get_attribute("li.checklist-item form", "hx-post")
    assert first.startswith(f"/screening/u/{key}/items/")
    return key, int(template)


def _answer_offline(pg, items: list[int], tmp_path) -> None:
    """A hazard with note, severity and photo; one item not applicable; the rest OK; finish."""
    hazard_item = pg.locator(f"#item-{items[0]}")
    hazard_item.locator("button.ans-hazard").click()
    form = hazard_item.locator("form.hazard-form")
    form.wait_for()
    hazard_item.locator("[data-outbox-mark]").wait_for()
    form.locator("textarea[name=note]").fill("楼道堆放纸箱，已提醒清理")
    form.locator("select[name=severity]").select_option("S2")
    # Choosing the photo sends the form with its note (photos.js), made small first.
    form.locator("input[type=file]").set_input_files(str(_photo(tmp_path)))
    hazard_waits(pg, 2)
    # Until the page is told the outbox keeps it, the photo is on its way: a tap elsewhere
    # would first ask whether to leave it unsaved.
    expect(form.locator(".photo-chosen")).to_have_text("待发送")

    pg.locator(f"#item-{items[1]} button.ans-na").click()
    pg.locator(f"#item-{items[1]} [data-outbox-mark]").wait_for()
    assert pg.get_attribute(f"#item-{items[1]} button.ans-na", "aria-pressed") == "true"
    assert "待发送" in pg.inner_text(f"#item-{items[1]}")

    # Plain forms: the worker lands back on the checklist, from the phone, the entry marked.
    pg.click("#remaining-ok button")
    pg.wait_for_selector("#remaining-ok [data-outbox-mark]")
    pg.click("#finish-screening button")
    pg.wait_for_selector("#finish-screening [data-outbox-mark]")
    assert BANNER.match(pg.inner_text("#offline-banner").strip())


def _arrived_in_order(server, key: str, items: list[int], first: str) -> Screening:
    assert server.replays == [
        first,
        f"/screening/u/{key}/items/{items[0]}/hazard",
        f"/screening/u/{key}/items/{items[1]}",
        f"/screening/u/{key}/remaining",
        f"/screening/u/{key}/finish",
    ]
    assert _count(Screening) == 1
    screening = fresh_scalar(sa.select(Screening))
    assert screening.uuid == key
    assert screening.completed_at is not None
    from app.extensions import db

    db.session.rollback()
    values = dict(
        db.session.execute(
            sa.select(Answer.item_id, Answer.value).where(Answer.screening_id == screening.id)
        ).all()
    )
    assert values.pop(items[0]) == "hazard"
    assert values.pop(items[1]) == "na"
    assert values
    assert set(values.values()) == {"ok"}
    assert _count(Answer) == len(screening.template.items)
    hazard = fresh_scalar(sa.select(Hazard))
    assert _count(Hazard) == 1
    assert hazard.note == "楼道堆放纸箱，已提醒清理"
    assert hazard.severity == "S2"
    assert hazard.answer.screening_id == screening.id
    assert _count(Photo, Photo.hazard_id == hazard.id) == 1
    return screening


@pytest.mark.parametrize("how", ["offline", "server_stopped"])
def test_a_screening_visit_logged_without_signal_opens_its_checklist_and_arrives_in_order(
    phone, outbox_server, world, make_resident, shoot, tmp_path, how
):
    r = make_resident(name="王秀英")
    _log_in_and_keep(phone)
    controlled(phone, f"/residents/{r.id}")
    open_visit_form(phone)
    _cut(how, phone, outbox_server)

    phone.dispatch_event("#visit-form input[name=purpose][value=screening]", "click")
    phone.dispatch_event("#visit-form input[name=outcome][value=done]", "click")
    assert phone.locator("#visit-form [data-purpose=screening] input:checked").count() == 1
    phone.click("#visit-form button[type=submit]")
    key, template = _blank_opened(phone)
    outbox_loaded(phone)
    assert waiting(phone) == "1"  # the visit, on the resident's page
    items = phone.eval_on_selector_all(
        "li.checklist-item", "els => els.map(e => Number(e.id.slice(5)))"
    )
    shoot(phone, f"{how}-1-blank")

    _answer_offline(phone, items, tmp_path)
    assert waiting(phone) == "5"
    assert [e["url"] for e in entries(phone)][1:] == [
        f"/screening/u/{key}/items/{items[0]}/hazard",
        f"/screening/u/{key}/items/{items[1]}",
        f"/screening/u/{key}/remaining",
        f"/screening/u/{key}/finish",
    ]
    assert _count(Visit) == 0
    shoot(phone, f"{how}-2-waiting")

    _restore(how, phone, outbox_server)
    sent_all(phone, 90)
    screening = _arrived_in_order(outbox_server, key, items, "/visits")
    assert screening.template_id == template
    assert _count(Visit) == 1
    assert fresh_scalar(sa.select(Visit.uuid)) == key
    # The page turns into the saved checklist in place: no offline note, nothing waiting.
    phone.wait_for_selector("#blank-checklist", state="detached", timeout=20_000)
    phone.wait_for_selector(f"#hazard-{fresh_scalar(sa.select(Hazard.id))}")
    shoot(phone, f"{how}-3-sent")
    assert not [e for e in phone.js_errors if "net::" not in e and "Failed to load" not in e]


def test_an_elderly_care_visit_logged_without_signal_opens_the_welfare_check(
    phone, outbox_server, world, make_resident
):
    """The welfare check is an elderly-care visit's: queued with it chosen, the visit opens
    the blank welfare checklist from the phone, as a screening opens its own."""
    r = make_resident(name="孙桂兰")
    _log_in_and_keep(phone)
    controlled(phone, f"/residents/{r.id}")
    open_visit_form(phone)
    phone.context.set_offline(True)

    elderly = ChecklistTemplate.code == "elderly"
    welfare = fresh_scalar(sa.select(ChecklistTemplate.id).where(elderly))
    phone.dispatch_event("#visit-form input[name=purpose][value=elderly_care]", "click")
    phone.dispatch_event(f"#visit-form [name=welfare_checklist_id][value='{welfare}']", "click")
    phone.dispatch_event("#visit-form input[name=outcome][value=done]", "click")
    phone.click("#visit-form button[type=submit]")
    key, template = _blank_opened(phone)
    assert template == welfare
    assert "独居老人探访" in phone.inner_text("h1")
    outbox_loaded(phone)
    assert waiting(phone) == "1"

    phone.context.set_offline(False)
    sent_all(phone)
    screening = fresh_scalar(sa.select(Screening).where(Screening.uuid == key))
    assert screening.template_id == welfare
    assert fresh_scalar(sa.select(Visit.purpose)) == "elderly_care"


def test_a_project_visit_logged_without_signal_opens_the_site_check(
    phone, outbox_server, world, make_project, shoot
):
    """A project's visit form offers the site check as a resident's offers the welfare check:
    queued with it chosen, the visit opens the blank site checklist from the phone."""
    project = make_project(name="Bridge repair")
    _log_in_and_keep(phone)
    controlled(phone, f"/projects/{project.id}")
    open_visit_form(phone)
    phone.context.set_offline(True)

    code = ChecklistTemplate.code == "construction"
    site = fresh_scalar(sa.select(ChecklistTemplate.id).where(code))
    # The purpose is the project's already: its choice is shown, "No checklist" chosen.
    choice = phone.locator("#visit-form .checklist-choice[data-purpose=project]")
    expect(choice).to_be_visible()
    assert choice.locator("input:checked").get_attribute("value") == ""
    phone.dispatch_event(f"#visit-form [name=site_checklist_id][value='{site}']", "click")
    phone.dispatch_event("#visit-form input[name=outcome][value=done]", "click")
    shoot(phone, "1-site-check-chosen")
    phone.click("#visit-form button[type=submit]")
    key, template = _blank_opened(phone)
    assert template == site
    assert "施工扰民" in phone.inner_text("h1")
    outbox_loaded(phone)
    assert waiting(phone) == "1"

    phone.context.set_offline(False)
    sent_all(phone)
    screening = fresh_scalar(sa.select(Screening).where(Screening.uuid == key))
    assert screening.template_id == site
    assert fresh_scalar(sa.select(Visit.purpose)) == "project"
    assert fresh_scalar(sa.select(Visit.project_id)) == project.id


def test_a_checklist_started_offline_on_a_saved_visit(
    phone, outbox_server, world, make_resident, make_visit, tmp_path
):
    visit = make_visit(resident=make_resident(name="王秀英"), purpose="screening")
    _log_in_and_keep(phone)
    controlled(phone, f"/visits/{visit.id}")
    outbox_loaded(phone)
    phone.context.set_offline(True)
    phone.locator("#start-screening button").first.click()
    key, _template = _blank_opened(phone)
    items = phone.eval_on_selector_all(
        "li.checklist-item", "els => els.map(e => Number(e.id.slice(5)))"
    )
    _answer_offline(phone, items, tmp_path)
    assert waiting(phone) == "5"
    assert _count(Screening) == 0

    phone.context.set_offline(False)
    sent_all(phone, 90)
    screening = _arrived_in_order(outbox_server, key, items, "/screening")
    assert screening.visit_id == visit.id
    assert _count(Visit) == 1


def test_answers_wait_behind_a_visit_the_server_has_not_got_yet(
    phone, outbox_server, world, make_resident
):
    """Online again but the visit not sent yet (the server says "later"): a tap on the blank
    checklist is not sent ahead of it (it would find no screening), it waits behind it."""
    r = make_resident(name="王秀英")
    _log_in_and_keep(phone)
    controlled(phone, f"/residents/{r.id}")
    open_visit_form(phone)
    phone.context.set_offline(True)
    phone.dispatch_event("#visit-form input[name=purpose][value=screening]", "click")
    phone.dispatch_event("#visit-form input[name=outcome][value=done]", "click")
    phone.click("#visit-form button[type=submit]")
    key, _template = _blank_opened(phone)
    outbox_loaded(phone)

    outbox_server.busy = True
    phone.context.set_offline(False)
    phone.reload()  # the server does not know the checklist yet: the phone's copy again
    phone.wait_for_selector("#blank-checklist")
    item = phone.eval_on_selector("li.checklist-item", "e => Number(e.id.slice(5))")
    phone.click(f"#item-{item} button.ans-ok")
    phone.wait_for_selector(f"#item-{item} [data-outbox-mark]")
    until(phone, "() => gridbookOutbox.all().then(r => r.length)", 2)
    assert f"/screening/u/{key}/items/{item}" not in outbox_server.replays
    assert _count(Answer) == 0

    outbox_server.busy = False
    outbox_server.replays.clear()
    phone.reload()
    sent_all(phone)
    assert outbox_server.replays == ["/visits", f"/screening/u/{key}/items/{item}"]
    assert fresh_scalar(sa.select(Answer.value)) == "ok"


def _blank_from_visit_form(pg, resident) -> tuple[str, list[int]]:
    _log_in_and_keep(pg)
    controlled(pg, f"/residents/{resident.id}")
    open_visit_form(pg)
    pg.context.set_offline(True)
    pg.dispatch_event("#visit-form input[name=purpose][value=screening]", "click")
    pg.dispatch_event("#visit-form input[name=outcome][value=done]", "click")
    pg.click("#visit-form button[type=submit]")
    key, _template = _blank_opened(pg)
    outbox_loaded(pg)
    items = pg.eval_on_selector_all(
        "li.checklist-item", "els => els.map(e => Number(e.id.slice(5)))"
    )
    return key, items


def test_finishing_offline_with_items_left_asks_first(phone, outbox_server, world, make_resident):
    key, items = _blank_from_visit_form(phone, make_resident(name="王秀英"))
    phone.click(f"#item-{items[0]} button.ans-ok")
    phone.wait_for_selector(f"#item-{items[0]} [data-outbox-mark]")

    asked = []
    phone.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    phone.click("#finish-screening button")
    phone.wait_for_timeout(500)
    assert asked == [f"还有 {len(items) - 1} 项未检查。标为不适用并完成？"]
    assert len(entries(phone)) == 2  # not finished: nothing queued

    phone.once("dialog", lambda d: d.accept())
    phone.click("#finish-screening button")
    phone.wait_for_selector("#finish-screening [data-outbox-mark]")
    phone.context.set_offline(False)
    sent_all(phone)
    assert outbox_server.replays[-1] == f"/screening/u/{key}/finish"
    screening = fresh_scalar(sa.select(Screening))
    assert screening.completed_at is not None
    assert _count(Answer, Answer.value == "na") == len(items) - 1
    assert _count(Answer, Answer.value == "ok") == 1


def test_answers_refused_on_replay_stay_with_the_reason(phone, outbox_server, world, make_resident):
    from app.extensions import db
    from app.models import DailyLog

    key, items = _blank_from_visit_form(phone, make_resident(name="王秀英"))
    phone.click(f"#item-{items[0]} button.ans-ok")
    phone.wait_for_selector(f"#item-{items[0]} [data-outbox-mark]")
    # The visit arrives; then the secretary approves the day before the answer does.
    app, inner = outbox_server.app, outbox_server.app

    def approve_after_the_visit(environ, start_response):
        out = inner(environ, start_response)  # the view ran and committed
        if environ["PATH_INFO"] == "/visits":
            with app.app_context():
                db.session.execute(sa.update(DailyLog).values(status="approved"))
                db.session.commit()
        return out

    outbox_server.app = approve_after_the_visit
    db.session.rollback()
    phone.context.set_offline(False)
    until(phone, "() => gridbookOutbox.all().then(r => r.map(e => e.status).join())", "refused")
    (entry,) = entries(phone)
    assert entry["url"] == f"/screening/u/{key}/items/{items[0]}"
    assert "审核通过" in entry["reason"]
    assert _count(Visit) == 1
    assert _count(Answer) == 0
    # Kept, counted apart from what waits for the network, never dropped.
    assert waiting(phone) == "0"
    assert refused(phone) == "1 条未保存"


def test_a_checklist_started_on_a_visit_still_waiting_to_send(
    phone, outbox_server, world, make_resident, shoot
):
    r = make_resident(name="王秀英")
    _log_in_and_keep(phone)
    controlled(phone, f"/residents/{r.id}")
    open_visit_form(phone)
    phone.context.set_offline(True)
    phone.dispatch_event("#visit-form input[name=purpose][value=elderly_care]", "click")
    phone.dispatch_event("#visit-form input[name=outcome][value=done]", "click")
    phone.fill("#visit-form textarea[name=summary]", "先聊了几句，再做探访")
    phone.click("#visit-form button[type=submit]")
    # The waiting visit offers the checklists of its purpose the phone keeps, as its page
    # would: the welfare check of an elderly-care visit, none of the hazard checklists (it
    # offered all seven).
    start = phone.locator("#outbox-here .outbox-start")
    start.wait_for()
    assert start.inner_text().startswith("开始探访：")
    assert start.locator("button").all_inner_texts() == ["独居老人探访"]
    shoot(phone, "1-waiting-visit")
    start.locator("button").first.click()
    key, template = _blank_opened(phone)
    item = phone.eval_on_selector("li.checklist-item", "e => Number(e.id.slice(5))")
    phone.click(f"#item-{item} button.ans-ok")
    phone.wait_for_selector(f"#item-{item} [data-outbox-mark]")
    assert waiting(phone) == "3"
    name = phone.inner_text("h1")
    assert [e["label"] for e in entries(phone)][:2] == [
        "走访 王秀英 · 关爱老人走访",
        f"{name} · 走访 王秀英",
    ]

    phone.context.set_offline(False)
    sent_all(phone)
    assert outbox_server.replays == ["/visits", "/screening", f"/screening/u/{key}/items/{item}"]
    screening = fresh_scalar(sa.select(Screening))
    assert screening.uuid == key
    assert screening.template_id == template
    assert fresh_scalar(sa.select(Visit.summary)) == "先聊了几句，再做探访"
    assert fresh_scalar(sa.select(Answer.screening_id)) == screening.id


def test_a_residents_visit_about_the_works_waiting_to_send_offers_no_site_check(
    phone, outbox_server, world, make_resident, shoot
):
    """A resident's visit whose purpose is the project's (a talk at the door about the works
    nearby) checks no site: its page offers no checklist, nor does the phone while it waits
    (walk: the phone offered 施工扰民, which the server then refused)."""
    r = make_resident(name="王秀英")
    _log_in_and_keep(phone)
    controlled(phone, f"/residents/{r.id}")
    open_visit_form(phone)
    phone.context.set_offline(True)
    # The form stays open once queued, afresh, for the next visit.
    for n, purpose in enumerate(("project", "elderly_care"), 1):
        phone.dispatch_event(f"#visit-form input[name=purpose][value={purpose}]", "click")
        phone.dispatch_event("#visit-form input[name=outcome][value=done]", "click")
        phone.fill("#visit-form textarea[name=summary]", f"{purpose} 门口聊了几句")
        phone.click("#visit-form button[type=submit]")
        until(phone, "() => gridbookOutbox.all().then(r => r.length)", n)
    # The elderly-care visit's welfare check is offered, so the starts were read: the other
    # visit's row has none.
    phone.locator("#outbox-here .outbox-start").first.wait_for()
    rows = phone.locator("#outbox-here li[data-outbox-entry]")
    assert rows.count() == 2
    starts = [row.locator(".outbox-start button").all_inner_texts() for row in rows.all()]
    shoot(phone, "1-two-waiting")
    assert sorted(starts) == [[], ["独居老人探访"]]
