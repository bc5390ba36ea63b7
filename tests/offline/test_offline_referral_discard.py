"""Without signal on a visit: a checklist's discard does not wait in the outbox, and the page
says it needs signal (it showed the browser's own "no internet" page)."""

# ruff: noqa: F811  (fixtures imported from their modules are parameters below)

import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import ChecklistTemplate, Screening
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    browser,
    fresh_scalar,
    login,
    phone_page,
    playwright_instance,
    shoot,
)
from tests.conftest import PASSWORD
from tests.offline.test_outbox_browser import controlled, entries, outbox_loaded
from tests.outbox_fixtures import outbox_server  # noqa: F401  (a fixture)

pytestmark = pytest.mark.browser

NO_SIGNAL_DISCARD = "没有信号，这次排查没有放弃，仍保持原样。有信号后再放弃。"


@pytest.fixture
def phone(browser, outbox_server):
    with phone_page(browser, outbox_server.url) as pg:
        yield pg


def _count(model) -> int:
    return fresh_scalar(sa.select(sa.func.count(model.id)))


def test_a_checklist_discard_without_signal_says_it_needs_signal_and_stays(
    phone, world, make_resident, make_visit, shoot
):
    visit = make_visit(resident=make_resident(name="王秀英"))
    template = db.session.scalar(
        sa.select(ChecklistTemplate).where(ChecklistTemplate.code == "fire")
    )
    screening = Screening(uuid=str(uuid.uuid4()), visit_id=visit.id, template_id=template.id)
    db.session.add(screening)
    db.session.commit()
    page = f"/screening/{screening.id}"
    login(phone, "worker_a", PASSWORD)
    controlled(phone, page)
    outbox_loaded(phone)
    phone.context.set_offline(True)
    phone.once("dialog", lambda d: d.accept())
    phone.click("form.discard-screening button")

    expect(phone.locator("#toasts")).to_contain_text(NO_SIGNAL_DISCARD)
    assert phone.url == phone.base_url + page
    expect(phone.locator("form.discard-screening")).to_be_visible()
    assert entries(phone) == []
    assert _count(Screening) == 1
    shoot(phone, "1-discard-no-signal")

    # With signal the same tap discards it.
    phone.context.set_offline(False)
    phone.once("dialog", lambda d: d.accept())
    phone.click("form.discard-screening button")
    phone.wait_for_url(phone.base_url + f"/visits/{visit.id}")
    expect(phone.locator("body")).to_contain_text("已放弃这次排查。")
    assert _count(Screening) == 0
