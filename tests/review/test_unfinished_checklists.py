"""A day with a checklist left open is submitted and approved knowingly: both confirmations
name it and the day's page marks it, without refusing either step (walk: worker1 left a
screening open and the day went through submit and approval without a word)."""

import html
import uuid

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Answer, ChecklistTemplate, DailyLog, Screening
from app.timeutil import utcnow


def _open_checklist(visit, answered: bool) -> Screening:
    template = db.session.scalars(
        sa.select(ChecklistTemplate).order_by(ChecklistTemplate.id)
    ).first()
    s = Screening(uuid=str(uuid.uuid4()), visit_id=visit.id, template_id=template.id)
    db.session.add(s)
    db.session.flush()
    if answered:
        db.session.add(Answer(screening_id=s.id, item_id=template.items[0].id, value="ok"))
    db.session.commit()
    return s


@pytest.fixture
def screening(make_resident, make_visit):
    """A visit of today with one checklist begun (an item answered) and left unfinished."""
    visit = make_visit(resident=make_resident(name="李奶奶"), purpose="screening")
    return _open_checklist(visit, answered=True)


@pytest.fixture
def empty(make_resident, make_visit):
    """A visit of today with a checklist started and nothing checked in it."""
    visit = make_visit(resident=make_resident(name="王秀英"), purpose="screening")
    return _open_checklist(visit, answered=False)


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
    assert confirm_of(page, "submit-today") == "提交今日日志（共 1 次走访）送审？1 份检查表未完成。"
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
    assert "1 份检查表未完成" in confirm_of(page, "submit-today")


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
    assert "1 份检查表未完成" in approve_confirm(day)
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


def test_a_checklist_with_nothing_checked_is_named_as_such_on_today(client, world, login_as, empty):
    """Not "not finished, say why it was left open": a tap that opened a checklist, to discard
    or fill in, with the visit it is on (walk: a second blank fire checklist)."""
    login_as(world.worker_a)
    page = client.get("/today").text
    assert "unfinished-checklists" not in page
    notice = page.split('id="empty-checklists"', 1)[1].split("</p>", 1)[0]
    assert "1 份检查表已开始但还没有勾选任何一项。可在走访页面放弃，或把它填完。" in notice
    assert f'href="/visits/{empty.visit_id}">王秀英</a>' in notice
    assert confirm_of(page, "submit-today") == (
        "提交今日日志（共 1 次走访）送审？1 份检查表已开始但还没有勾选任何一项。"
    )
    english = client.get("/today", headers={"Accept-Language": "en"}).text
    assert "1 checklist started with nothing checked. Discard it on its visit, or fill it in." in (
        html.unescape(english)
    )
    # Not blocked either.
    resp = client.post("/review/submit", data={"day": empty.visit.visited_on.isoformat()})
    assert resp.status_code == 303


def test_both_kinds_are_named_apart_on_today(client, world, login_as, screening, make_visit):
    _open_checklist(screening.visit, answered=False)
    login_as(world.worker_a)
    page = client.get("/today").text
    assert 'id="unfinished-checklists"' in page
    assert 'id="empty-checklists"' in page
    assert confirm_of(page, "submit-today") == (
        "提交今日日志（共 1 次走访）送审？1 份检查表未完成。1 份检查表已开始但还没有勾选任何一项。"
    )


def test_the_review_says_nothing_was_checked_in_todays_words(client, world, login_as, empty):
    """The secretary reads what Today said, not "未完成 已答 0 项 尚未检查任何项目。"."""
    db.session.get(DailyLog, empty.visit.daily_log_id).status = "submitted"
    db.session.commit()
    login_as(world.secretary_a)
    day = client.get(f"/review/{world.worker_a.id}/{empty.visit.visited_on}").text
    section = day.split(f'id="day-screening-{empty.id}"', 1)[1].split("</section>", 1)[0]
    assert "已开始，还没有勾选任何一项" in section
    assert "未完成" not in section
    assert "尚未检查任何项目" not in section
    assert "screening-unfinished" not in day
    assert approve_confirm(day).endswith("通过后记录将锁定。1 份检查表已开始但还没有勾选任何一项。")
    assert "empty-screenings" in day
    queue = client.get("/review").text
    assert "1 份检查表已开始但还没有勾选任何一项。" in queue
    assert "open-screenings" not in queue
