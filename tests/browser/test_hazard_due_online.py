"""The hazard form the server draws: its date follows a change of severity as the server
would set it, and a date the worker chose stays (walk: online, S1 kept the item's date
a week out, while the same form drawn offline moved it to the same day)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import ChecklistItem, Hazard
from app.timeutil import local_today
from tests.browser.conftest import fresh_scalar, open_pending_hazard

pytestmark = pytest.mark.browser


def test_the_online_hazard_forms_date_follows_its_severity_until_the_worker_sets_one(
    page, world, make_resident, make_visit, item_defaults
):
    found = local_today() - timedelta(days=2)
    visit = make_visit(resident=make_resident(name="王秀英"), day=found, purpose="screening")
    first = db.session.scalar(sa.select(ChecklistItem).order_by(ChecklistItem.id))
    item_defaults(first.code, default_severity="S2", default_days=5)  # the scale's S2: 3 days

    item = open_pending_hazard(page, visit)
    form = item.locator("form.hazard-form")
    severity = form.locator("select[name=severity]")
    due = form.locator("input[name=due_on]")
    expect(severity).to_have_value("S2")
    expect(due).to_have_value((found + timedelta(days=5)).isoformat())
    severity.select_option("S1")  # same day, counted from the visit's day, not the phone's
    expect(due).to_have_value(found.isoformat())
    severity.select_option("S3")
    expect(due).to_have_value((found + timedelta(days=7)).isoformat())
    severity.select_option("S2")  # back to the item's own
    expect(due).to_have_value((found + timedelta(days=5)).isoformat())

    # A date the worker chose is kept whatever the severity.
    chosen = (found + timedelta(days=20)).isoformat()
    due.fill(chosen)
    severity.select_option("S4")
    expect(due).to_have_value(chosen)

    severity.select_option("S3")
    due.fill((found + timedelta(days=7)).isoformat())
    form.locator("textarea[name=note]").fill("楼道堆放纸箱")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("li.checklist-item .hazard-box[id^='hazard-'] .sev-S3")
    hazard = fresh_scalar(sa.select(Hazard))
    assert (hazard.severity, hazard.due_on) == ("S3", found + timedelta(days=7))

    # The saved hazard's form, opened again: its date still goes with its severity.
    form = page.locator(f"#hazard-{hazard.id} form.hazard-form")
    form.locator("select[name=severity]").select_option("S1")
    expect(form.locator("input[name=due_on]")).to_have_value(found.isoformat())
