"""A visit of a day returned for changes leads back to that day, where it is resubmitted (walk:
after editing a visit of the returned Dec 4, "← 谢超" led to the resident and the day had to be
found again through Today); so does a visit opened from the day's page."""

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import DailyLog
from app.timeutil import local_today

EN = {"Accept-Language": "en"}


def _back_link(page: str) -> str | None:
    if 'class="link-line back-to-day"' not in page:
        return None
    return page.split('class="link-line back-to-day"', 1)[1].split("</p>", 1)[0]


@pytest.fixture
def returned(world, make_resident, make_visit):
    """worker_a's visit to 谢超 two days ago, the day returned with a comment."""
    visit = make_visit(resident=make_resident(name="谢超"), day=local_today() - timedelta(2))
    log = db.session.get(DailyLog, visit.daily_log_id)
    log.status = "returned"
    log.comment = "第2次走访没写居民情况"
    db.session.commit()
    return visit


def _edit_data(visit, **changed):
    return {
        "purpose": visit.purpose,
        "summary": visit.summary,
        "outcome": visit.outcome,
        "visited_on": visit.visited_on.isoformat(),
        "follow_up_on": "",
        **changed,
    }


def test_after_saving_a_visit_of_a_returned_day_the_way_back_is_to_that_day(
    client, world, login_as, returned
):
    login_as(world.worker_a)
    day = returned.visited_on
    resp = client.post(f"/visits/{returned.id}/edit", data=_edit_data(returned, summary="居民很好"))
    assert resp.status_code == 303
    page = client.get(resp.headers["Location"]).text
    link = _back_link(page)
    assert link is not None
    assert f'href="/review/{world.worker_a.id}/{day.isoformat()}"' in link
    assert f"返回{day.year}年{day.month}月{day.day}日的工作日志" in link
    # The day's page it leads to has the resubmit button.
    assert "重新提交" in client.get(f"/review/{world.worker_a.id}/{day.isoformat()}").text
    english = _back_link(client.get(f"/visits/{returned.id}", headers=EN).text)
    assert f"Back to the log of {day:%b} {day.day}, {day.year}" in english


def test_a_visit_of_a_day_not_returned_leads_to_its_resident_only(
    client, world, login_as, make_resident, make_visit
):
    visit = make_visit(resident=make_resident(name="谢超"))
    login_as(world.worker_a)
    assert _back_link(client.get(f"/visits/{visit.id}").text) is None


def test_opened_from_the_days_page_it_leads_back_there_through_the_edit_too(
    client, world, login_as, make_resident, make_visit
):
    visit = make_visit(resident=make_resident(name="谢超"))
    db.session.get(DailyLog, visit.daily_log_id).status = "submitted"
    db.session.commit()
    login_as(world.secretary_a)
    day = client.get(f"/review/{world.worker_a.id}/{visit.visited_on.isoformat()}").text
    assert f'href="/visits/{visit.id}?via=day"' in day
    link = _back_link(client.get(f"/visits/{visit.id}?via=day").text)
    assert f'href="/review/{world.worker_a.id}/{visit.visited_on.isoformat()}"' in link

    # The worker's own edit keeps the way back (her day is not locked while submitted).
    login_as(world.worker_a)
    page = client.get(f"/visits/{visit.id}?via=day").text
    assert f'href="/visits/{visit.id}/edit?via=day"' in page
    edit = client.get(f"/visits/{visit.id}/edit?via=day").text
    assert f'action="/visits/{visit.id}/edit?via=day"' in edit
    resp = client.post(f"/visits/{visit.id}/edit?via=day", data=_edit_data(visit))
    assert resp.headers["Location"] == f"/visits/{visit.id}?via=day"


def test_no_way_to_a_day_out_of_the_readers_scope(client, world, login_as, returned):
    """A colleague sharing the grid sees the visit, not the other worker's day."""
    world.worker_a2.grids.append(returned.grid)
    db.session.commit()
    login_as(world.worker_a2)
    page = client.get(f"/visits/{returned.id}?via=day")
    assert page.status_code == 200
    assert _back_link(page.text) is None
