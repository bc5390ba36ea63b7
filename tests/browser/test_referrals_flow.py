"""On a phone (390x844): a welfare item needing attention is referred to a service, never a
hazard; an overdue hazard beyond the worker's power is reported (上报) to a department."""

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import Answer, ChecklistItem, ChecklistTemplate, Hazard, Referral, Screening
from app.timeutil import local_today
from tests.browser.conftest import Walk, fresh_scalar, login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _welfare_checklist(make_resident, make_visit) -> tuple[int, int]:
    """A welfare check begun on an elderly-care visit to 王秀英: its id, and the id of its item
    W14 (loneliness), whose usual service is the social work station."""
    visit = make_visit(resident=make_resident(name="王秀英"), purpose="elderly_care")
    tpl = db.session.scalar(sa.select(ChecklistTemplate).where(ChecklistTemplate.code == "elderly"))
    screening = Screening(uuid=str(uuid.uuid4()), visit_id=visit.id, template_id=tpl.id)
    db.session.add(screening)
    db.session.commit()
    w14 = db.session.scalar(sa.select(ChecklistItem).where(ChecklistItem.code == "W14"))
    return screening.id, w14.id


def _refer(page, walk, item, shoot=None) -> None:
    """On the checklist's page, W14 (`item`) marked "needs attention" and referred to the
    social work station, as the worker types it; the referral is saved."""
    assert item.locator("button.ans-hazard").count() == 0
    walk.tap(item.locator("button.ans-concern"))
    # The item's own note box shows first; the referral is one tap behind its button.
    item.locator("textarea.concern-note, textarea[id^=concern-note-]").wait_for(state="visible")
    walk.tap(item.locator(".referral-raise summary"))
    form = item.locator(".referral-form")
    form.wait_for(state="visible")
    # The item's usual service (loneliness: the social work station) is chosen already.
    assert form.locator("select[name=service_code]").input_value() == "social_worker"
    walk.type(form.locator("textarea[name=note]"), "老人独居，情绪低落，请社工定期上门陪伴")
    form.locator("input[name=follow_up_on]").fill((local_today() + timedelta(days=7)).isoformat())
    if shoot:
        shoot(page, "1-referral-form")
    walk.tap(form.locator("button[type=submit]"))
    item.locator(".referral-list li").wait_for()


def test_welfare_item_raises_a_referral_not_a_hazard(page, world, make_resident, make_visit, shoot):
    screening_id, item_id = _welfare_checklist(make_resident, make_visit)
    login(page, "worker_a", PASSWORD)
    page.goto(f"{page.base_url}/screening/{screening_id}")
    walk = Walk(page)
    item = page.locator(f"#item-{item_id}")
    _refer(page, walk, item, shoot)
    assert "社工站" in item.locator(".referral-list").inner_text()
    shoot(page, "2-referred")

    ref = fresh_scalar(sa.select(Referral))
    assert (ref.service_code, ref.status, ref.item_id) == ("social_worker", "referred", item_id)
    assert fresh_scalar(sa.select(sa.func.count(Hazard.id))) == 0
    assert page.js_errors == []


# Where a toast and a point under it are on the screen: [x, y] inside both, or null.
UNDER_TOAST = """button => {
  const t = document.querySelector('.toast').getBoundingClientRect();
  const b = button.getBoundingClientRect();
  const x = (Math.max(t.left, b.left) + Math.min(t.right, b.right)) / 2;
  const y = (Math.max(t.top, b.top) + Math.min(t.bottom, b.bottom)) / 2;
  return x > t.left && x < t.right && y > t.top && y < t.bottom &&
    x > b.left && x < b.right && y > b.top && y < b.bottom ? [x, y] : null;
}"""


def test_a_tap_under_the_referral_saved_toast_answers_the_item_there(
    page, world, make_resident, make_visit, shoot
):
    """Walk: "转介已保存" lay over the next item's 正常/隐患 for its 3 s, and a tap there put the
    toast away instead of answering. The tap reaches the page, and the toast goes with it."""
    screening_id, item_id = _welfare_checklist(make_resident, make_visit)
    login(page, "worker_a", PASSWORD)
    # The toast's own timer waits while the test looks (time runs on until paused below).
    page.clock.install()
    page.goto(f"{page.base_url}/screening/{screening_id}")
    _refer(page, Walk(page), page.locator(f"#item-{item_id}"))
    toast = page.locator(".toast", has_text="转介已保存")
    toast.wait_for()
    page.clock.pause_at(page.evaluate("Date.now()") / 1000 + 0.1)  # seconds
    following = page.locator(f"#item-{item_id} + li.checklist-item")
    next_id = following.get_attribute("id")
    ok = following.locator("button.ans-ok")
    # The next item's 正常 brought under the toast, as the worker's scrolling left it.
    ok.evaluate(
        """(b, t) => { const r = b.getBoundingClientRect(), s = t.getBoundingClientRect();
                      window.scrollBy(0, (r.top + r.bottom - s.top - s.bottom) / 2); }""",
        toast.element_handle(),
    )
    spot = ok.evaluate(UNDER_TOAST)
    assert spot is not None, "the toast does not cover the button"
    shoot(page, "2-toast-over-the-next-item", full_page=False)
    with page.expect_response(lambda r: r.request.method == "POST" and "/items/" in r.url):
        page.touchscreen.tap(*spot)
    page.clock.run_for(50)  # the swap settles; the toast's own 3 s are far from over
    expect(page.locator(f"#{next_id} button.ans-ok")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".toast")).to_have_count(0)
    answered = sa.select(Answer.value).where(
        Answer.screening_id == screening_id, Answer.item_id == int(next_id.removeprefix("item-"))
    )
    assert fresh_scalar(answered) == "ok"
    # Still read out: the live region stays.
    live = page.locator("#toasts")
    assert (live.get_attribute("role"), live.get_attribute("aria-live")) == ("status", "polite")
    assert page.js_errors == []


def test_overdue_hazard_reported_to_a_department(
    page, world, make_resident, make_visit, make_hazard, shoot
):
    found = local_today() - timedelta(days=2)
    visit = make_visit(resident=make_resident(name="刘强"), day=found)
    hazard = make_hazard(visit=visit, severity="S1", due_on=found)
    hazard_id = hazard.id

    login(page, "worker_a", PASSWORD)
    page.goto(f"{page.base_url}/hazards/{hazard_id}")
    walk = Walk(page)
    card = page.locator(f"#hazard-card-{hazard_id}")
    assert card.locator(".status-overdue").count() == 1
    walk.tap(card.locator("details.report summary"))
    form = card.locator("#report-form")
    form.locator("select[name=department]").select_option("gas_company")
    form.locator("input[name=reported_on]").fill(found.isoformat())
    walk.type(form.locator("textarea[name=note]"), "已电话报燃气公司抢修")
    shoot(page, "1-report-form")
    walk.tap(form.locator("button[type=submit]"))
    page.locator(f"#hazard-report-{hazard_id} .due-green").wait_for()
    assert "燃气公司" in page.locator(f"#hazard-report-{hazard_id}").inner_text()
    assert page.locator(f"#hazard-card-{hazard_id} .status-overdue").count() == 0
    shoot(page, "2-reported")

    h = fresh_scalar(sa.select(Hazard).where(Hazard.id == hazard_id))
    assert (h.reported_on, h.department_code, h.status) == (found, "gas_company", "open")
    assert page.js_errors == []
