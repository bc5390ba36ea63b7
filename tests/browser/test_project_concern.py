"""A worker records residents' noise concern on a project visit; the secretary sees it count."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Concern, RiskFactor
from app.timeutil import local_today
from tests.browser.conftest import PHONE, fresh_scalar, login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_worker_records_noise_concern_and_secretary_sees_count_rise(
    page, browser, live_server, world, make_project, shoot
):
    project = make_project(name="Lane 3 road resurfacing", status="in_progress")
    noise = RiskFactor(
        project_id=project.id,
        factor_code="P3",
        likelihood=2,
        impact=2,
        mitigation="No work after 22:00",
    )
    db.session.add(noise)
    db.session.commit()
    count = f"#factor-{noise.id}-concerns"

    # The secretary has the project open before the visit.
    office = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    secretary = office.new_page()
    secretary.base_url = live_server.url
    login(secretary, "secretary_a", PASSWORD)
    secretary.goto(f"{live_server.url}/projects/{project.id}")
    assert secretary.inner_text(count) == "0"

    login(page, "worker_a", PASSWORD)
    page.click("#bottom-nav a[href='/projects']")
    page.click(f"#project-{project.id} a")
    page.wait_for_selector("#register")
    shoot(page, "1-project")
    page.click("#visit-form-slot a")
    page.wait_for_selector("#visit-form")
    assert page.is_checked("input[name=purpose][value=project]")
    page.fill("textarea[name=summary]", "工地夜间施工，居民反映噪声")
    page.check("input[name=outcome][value=needs_follow_up]")
    page.fill("input[name=follow_up_on]", (local_today() + timedelta(days=7)).isoformat())
    page.fill("textarea[name=concern_summary]", "Night-time noise after 22:00")
    page.select_option("select[name=concern_factor_id]", str(noise.id))
    shoot(page, "2-visit-form")
    page.click("#visit-form button[type=submit]")
    page.wait_for_selector("#timeline-new li.entry-visit")
    # The register on the worker's page follows the new visit.
    page.wait_for_function(
        "sel => document.querySelector(sel)?.textContent.trim() === '1'", arg=count
    )
    shoot(page, "3-visit-saved")
    concern = fresh_scalar(sa.select(Concern))
    assert concern.risk_factor_id == noise.id
    assert concern.summary == "Night-time noise after 22:00"
    assert page.js_errors == []

    secretary.reload()
    assert secretary.inner_text(count) == "1"
    row = secretary.locator(f"#factor-{noise.id}")
    assert "Night-time noise after 22:00" in row.inner_text()
    shoot(secretary, "4-secretary")
    office.close()


def test_secretary_adds_and_changes_a_factor_inline(page, world, make_project, shoot):
    project = make_project(name="Old market demolition", kind="demolition")
    login(page, "secretary_a", PASSWORD)
    page.goto(f"{page.base_url}/projects/{project.id}")
    page.click("#add-factor")
    page.wait_for_selector("#factor-new form")
    page.select_option("#factor-new select[name=factor_code]", "P1")
    page.select_option("#factor-new select[name=likelihood]", "0")
    page.fill("#factor-new textarea[name=mitigation]", "Publish the compensation standard")
    page.click("#factor-new button[type=submit]")
    page.wait_for_selector("#factor-new [aria-invalid=true]")
    assert page.input_value("#factor-new textarea[name=mitigation]") == (
        "Publish the compensation standard"
    )
    page.select_option("#factor-new select[name=likelihood]", "3")
    page.select_option("#factor-new select[name=impact]", "3")
    page.click("#factor-new button[type=submit]")
    page.wait_for_selector("#heat-3-3 .heat-factor")
    factor = fresh_scalar(sa.select(RiskFactor))
    assert page.inner_text("#register .overall .level") in ("高", "High")
    shoot(page, "1-added")

    page.click(f"#factor-{factor.id} a[hx-get$='/edit']")
    page.wait_for_selector(f"#factor-{factor.id} form")
    page.select_option(f"#factor-{factor.id} select[name=status]", "closed")
    page.click(f"#factor-{factor.id} button[type=submit]")
    page.wait_for_selector("#heat-3-3 .heat-factor", state="detached")
    assert page.locator("#register .overall .level-none").count() == 1
    shoot(page, "2-closed")
    assert page.js_errors == []
