"""On a phone (390x844): a welfare item needing attention is referred to a service, never a
hazard; an overdue hazard beyond the worker's power is reported (上报) to a department."""

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import ChecklistItem, ChecklistTemplate, Hazard, Referral, Screening
from app.timeutil import local_today
from tests.browser.conftest import Walk, fresh_scalar, login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_welfare_item_raises_a_referral_not_a_hazard(page, world, make_resident, make_visit, shoot):
    visit = make_visit(resident=make_resident(name="王秀英"), purpose="elderly_care")
    tpl = db.session.scalar(sa.select(ChecklistTemplate).where(ChecklistTemplate.code == "elderly"))
    screening = Screening(uuid=str(uuid.uuid4()), visit_id=visit.id, template_id=tpl.id)
    db.session.add(screening)
    db.session.commit()
    w14 = db.session.scalar(sa.select(ChecklistItem).where(ChecklistItem.code == "W14"))
    item_id, screening_id = w14.id, screening.id

    login(page, "worker_a", PASSWORD)
    page.goto(f"{page.base_url}/screening/{screening_id}")
    walk = Walk(page)
    item = page.locator(f"#item-{item_id}")
    assert item.locator("button.ans-hazard").count() == 0
    walk.tap(item.locator("button.ans-concern"))
    form = item.locator(".referral-form")
    form.wait_for(state="visible")
    # The item's usual service (loneliness: the social work station) is chosen already.
    assert form.locator("select[name=service_code]").input_value() == "social_worker"
    walk.type(form.locator("textarea[name=note]"), "老人独居，情绪低落，请社工定期上门陪伴")
    form.locator("input[name=follow_up_on]").fill((local_today() + timedelta(days=7)).isoformat())
    shoot(page, "1-referral-form")
    walk.tap(form.locator("button[type=submit]"))
    item.locator(".referral-list li").wait_for()
    assert "社工站" in item.locator(".referral-list").inner_text()
    shoot(page, "2-referred")

    ref = fresh_scalar(sa.select(Referral))
    assert (ref.service_code, ref.status, ref.item_id) == ("social_worker", "referred", item_id)
    assert fresh_scalar(sa.select(sa.func.count(Hazard.id))) == 0
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
