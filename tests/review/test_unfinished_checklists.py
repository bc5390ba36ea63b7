"""A day with a checklist left open is submitted and approved knowingly: both confirmations
name it and the day's page marks it, without refusing either step (walk: worker1 left a
screening open and the day went through submit and approval without a word)."""

import html
import uuid

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import ChecklistTemplate, DailyLog, Screening
from app.timeutil import utcnow


@pytest.fixture
def screening(make_resident, make_visit):
    """A visit of today with one checklist opened and left unfinished."""
    visit = make_visit(resident=make_resident(name="李奶奶"), purpose="screening")
    template = db.session.scalars(
        sa.select(ChecklistTemplate).order_by(ChecklistTemplate.id)
    ).first()
    s = Screening(uuid=str(uuid.uuid4()), visit_id=visit.id, template_id=template.id)
    db.session.add(s)
    db.session.commit()
    return s


def confirm_of(page: str, form_id: str) -> str:
    found = page.split(f'id="{form_id}"', 1)
    assert len(found) == 2, form_id
    return html.unescape(found[1].split('data-confirm="', 1)[1].split('"', 1)[0])


def approve_confirm(page: str) -> str:
    before = page.split('class="approve"', 1)[0]
    return html.unescape(before.rsplit('data-confirm="', 1)[1].split('"', 1)[0])


def test_todays_submit_names_the_unfinished_checklist(client, world, login_as, screening):
    login_as(world.worker_a)
    page = client.get("/today").text
    assert confirm_of(page, "submit-today") == "提交今日日志（共 1 次走访）送审？1 份排查未完成。"
    assert 'id="unfinished-checklists"' in page
    # Not blocked: the day is submitted as it is.
    resp = client.post("/review/submit", data={"day": screening.visit.visited_on.isoformat()})
    assert resp.status_code == 303
    log = db.session.get(DailyLog, screening.visit.daily_log_id)
    db.session.refresh(log)
    assert log.status == "submitted"


def test_todays_submit_names_it_with_a_returned_day_too(
    client, world, login_as, screening, make_visit, make_resident
):
    """With a day returned, Today's status comes from its own statement (not the visits)."""
    from datetime import timedelta

    old = make_visit(
        resident=make_resident(name="王五"), day=screening.visit.visited_on - timedelta(1)
    )
    old.daily_log.status = "returned"
    old.daily_log.comment = "补充"
    db.session.commit()
    login_as(world.worker_a)
    page = client.get("/today").text
    assert "1 份排查未完成" in confirm_of(page, "submit-today")


def test_a_finished_checklist_is_not_named(client, world, login_as, screening):
    screening.completed_at = utcnow()
    db.session.commit()
    login_as(world.worker_a)
    page = client.get("/today").text
    assert confirm_of(page, "submit-today") == "提交今日日志（共 1 次走访）送审？"
    assert "unfinished-checklists" not in page
    db.session.get(DailyLog, screening.visit.daily_log_id).status = "submitted"
    db.session.commit()
    login_as(world.secretary_a)
    day = client.get(f"/review/{world.worker_a.id}/{screening.visit.visited_on}").text
    assert "未完成" not in approve_confirm(day)
    assert "screening-unfinished" not in day


def test_approve_names_and_day_marks_the_unfinished_checklist(client, world, login_as, screening):
    db.session.get(DailyLog, screening.visit.daily_log_id).status = "submitted"
    db.session.commit()
    login_as(world.secretary_a)
    day = client.get(f"/review/{world.worker_a.id}/{screening.visit.visited_on}").text
    assert "1 份排查未完成" in approve_confirm(day)
    english = client.get(
        f"/review/{world.worker_a.id}/{screening.visit.visited_on}",
        headers={"Accept-Language": "en"},
    ).text
    assert approve_confirm(english).endswith(
        "Its records are then locked. 1 checklist not finished."
    )
    assert f'id="day-screening-{screening.id}"' in day
    assert "screening-unfinished" in day
    queue = client.get("/review").text
    assert "open-screenings" in queue
    # Still approvable as it is.
    resp = client.post(f"/review/days/{screening.visit.daily_log_id}/approve")
    assert resp.status_code == 303
