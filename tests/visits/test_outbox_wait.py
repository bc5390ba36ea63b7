"""A visit that waited in the phone's outbox says so, quietly, where the secretary reviews the
worker's day and on the visit's page: when it was saved on the phone and when it reached the
server. A short wait, a visit sent online and a visit dated after the fact say nothing."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Visit
from app.visits.services import update_visit
from tests.outbox_fixtures import REPLAY, visit_data
from tests.visits.test_queued_time import epoch_ms, local

EN = {"Accept-Language": "en"}
LINE = 'class="meta outbox-wait"'


def arrival(day):
    """When the tests' visits reach the server."""
    return local(day, 15, 3)


def _post(client, world, login_as, server_at, resident, day, *, visited_on=None, captured=None):
    """The worker's visit to `resident` dated `visited_on` (or `day`), reaching the server on
    `day` at its arrival: replayed by the outbox with `captured` (a stored moment), or sent
    online without it."""
    login_as(world.worker_a)
    data = visit_data(resident, visited_on=(visited_on or day).isoformat())
    if captured is not None:
        data["captured_at"] = epoch_ms(captured)
    with server_at(arrival(day)):
        resp = client.post("/visits", data=data, headers=REPLAY if captured else {})
    assert resp.status_code == (200 if captured else 303)
    return db.session.scalar(sa.select(Visit).where(Visit.uuid == data["client_uuid"]))


def _pages(client, world, login_as, visit, headers=None) -> tuple[str, str]:
    """The secretary's review of the visit's day (its row) and the visit's own page."""
    login_as(world.secretary_a)
    day = client.get(f"/review/{visit.worker_id}/{visit.visited_on}", headers=headers)
    page = client.get(f"/visits/{visit.id}", headers=headers)
    assert day.status_code == page.status_code == 200
    row = day.text.split(f'id="day-visit-{visit.id}"', 1)[1].split("</article>", 1)[0]
    article = page.text.split(f'id="visit-{visit.id}"', 1)[1].split("</article>", 1)[0]
    return row, article


def test_a_visit_that_waited_six_hours_says_when_it_was_saved_and_when_it_arrived(
    client, world, login_as, make_resident, server_at, day
):
    visit = _post(
        client, world, login_as, server_at, make_resident(), day, captured=local(day, 9, 3)
    )
    assert (visit.captured_at, visit.visited_at, visit.created_at) == (
        local(day, 9, 3),
        local(day, 9, 3),
        arrival(day),
    )
    for shown in _pages(client, world, login_as, visit):
        assert LINE in shown
        assert "手机上保存于 09:03，15:03 送达" in shown
    for shown in _pages(client, world, login_as, visit, EN):
        assert LINE in shown
        assert "Saved on the phone at 9:03\u202fAM, reached the server at 3:03\u202fPM" in shown


def test_a_visit_that_arrived_on_a_later_day_shows_that_day(
    client, world, login_as, make_resident, server_at, day
):
    before = day - timedelta(days=1)
    visit = _post(
        client,
        world,
        login_as,
        server_at,
        make_resident(),
        day,
        visited_on=before,
        captured=local(before, 20, 30),
    )
    row, page = _pages(client, world, login_as, visit, EN)
    on = f"{day:%b} {day.day}, {day.year}"
    for shown in (row, page):
        saved, arrived = "8:30\u202fPM", "3:03\u202fPM"  # CLDR's narrow space before PM
        assert f"Saved on the phone at {saved}, reached the server on {on} at {arrived}" in shown
    row, page = _pages(client, world, login_as, visit)
    for shown in (row, page):
        assert f"手机上保存于 20:30，{day.year}年{day.month}月{day.day}日 15:03 送达" in shown


def test_a_visit_moved_to_another_day_names_the_day_it_was_saved(
    app, client, world, login_as, make_resident, server_at, day
):
    """Its date corrected after it arrived, the visit was still saved on the phone that day."""
    visit = _post(
        client, world, login_as, server_at, make_resident(), day, captured=local(day, 9, 3)
    )
    before = day - timedelta(days=1)
    with app.test_request_context():
        update_visit(visit, {"visited_on": before})
    db.session.commit()
    assert visit.captured_at == local(day, 9, 3)
    row, page = _pages(client, world, login_as, visit, EN)
    on = f"{day:%b} {day.day}, {day.year}"
    for shown in (row, page):
        saved, arrived = "9:03\u202fAM", "3:03\u202fPM"
        assert (
            f"Saved on the phone on {on} at {saved}, reached the server on {on} at {arrived}"
            in (shown)
        )


@pytest.mark.parametrize("waited", [timedelta(minutes=2), timedelta(minutes=10)])
def test_a_short_wait_is_kept_but_not_shown(
    client, world, login_as, make_resident, server_at, waited, day
):
    visit = _post(
        client, world, login_as, server_at, make_resident(), day, captured=arrival(day) - waited
    )
    assert visit.captured_at == arrival(day) - waited
    for headers in (None, EN):
        for shown in _pages(client, world, login_as, visit, headers):
            assert LINE not in shown


def test_a_visit_sent_without_a_captured_time_says_nothing(
    client, world, login_as, make_resident, server_at, day
):
    online = _post(client, world, login_as, server_at, make_resident(), day)
    login_as(world.worker_a)
    data = visit_data(make_resident(), visited_on=day.isoformat())
    with server_at(arrival(day)):
        assert client.post("/visits", data=data, headers=REPLAY).json["status"] == "saved"
    replayed = db.session.scalar(sa.select(Visit).where(Visit.uuid == data["client_uuid"]))
    for visit in (online, replayed):
        assert visit.captured_at is None
        for headers in (None, EN):
            for shown in _pages(client, world, login_as, visit, headers):
                assert LINE not in shown
                assert "送达" not in shown
                assert "reached the server" not in shown


def test_a_visit_dated_yesterday_after_the_fact_says_nothing(
    client, world, login_as, make_resident, server_at, day
):
    """Placed at midday of its day, it reached the server a day later: no outbox was involved."""
    before = day - timedelta(days=1)
    visit = _post(client, world, login_as, server_at, make_resident(), day, visited_on=before)
    assert visit.visited_at == local(before, 12)
    assert visit.captured_at is None
    for headers in (None, EN):
        for shown in _pages(client, world, login_as, visit, headers):
            assert LINE not in shown


def test_a_time_the_server_does_not_believe_is_not_kept(
    client, world, login_as, make_resident, server_at, day
):
    visit = _post(
        client,
        world,
        login_as,
        server_at,
        make_resident(),
        day,
        captured=arrival(day) + timedelta(days=3),
    )
    assert visit.captured_at is None
    assert visit.visited_at == arrival(day)
    for shown in _pages(client, world, login_as, visit):
        assert LINE not in shown


def test_the_review_day_runs_the_same_statements_with_a_visit_that_waited(
    client, world, login_as, make_resident, server_at, count_queries, day
):
    online = _post(client, world, login_as, server_at, make_resident(), day)
    url = f"/review/{online.worker_id}/{day}"
    login_as(world.secretary_a)
    client.get(url)
    with count_queries() as without:
        assert LINE not in client.get(url).text
    _post(client, world, login_as, server_at, make_resident(), day, captured=local(day, 9, 3))
    login_as(world.secretary_a)
    client.get(url)
    with count_queries() as waited:
        assert LINE in client.get(url).text
    assert waited.count == without.count
