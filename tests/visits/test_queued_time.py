"""A visit saved without signal is placed in its day by when the worker saved it on the phone
(`captured_at`, sent by the outbox on replay), not by when it reached the server; a time the
server cannot believe is ignored, never a reason to refuse the visit."""

import uuid
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Visit
from app.timeutil import clock_at, day_start_utc, local_today
from app.visits.services import create_visit
from tests.outbox_fixtures import REPLAY, visit_data
from tests.visits.test_follow_up_properties import computed_open, stored_open

# Yesterday in the township: clock_at can only set the clock back.
DAY = local_today() - timedelta(days=1)


def local(day, hour: int, minute: int = 0, ms: int = 0) -> datetime:
    """A local time of `day`, as stored (naive UTC)."""
    return day_start_utc(day) + timedelta(hours=hour, minutes=minute, milliseconds=ms)


def epoch_ms(moment: datetime) -> str:
    """A stored moment as the phone's outbox sends it (Date.now())."""
    return str((moment - datetime(1970, 1, 1)) // timedelta(milliseconds=1))


NOW = local(DAY, 15)  # when the queued visit reaches the server
NOON_BEFORE = local(DAY - timedelta(days=1), 12)


def _save(world, resident, visited_on, captured_at):
    data = {
        "purpose": "elderly_care",
        "summary": "",
        "outcome": "done",
        "visited_on": visited_on,
        "follow_up_on": None,
    }
    with clock_at(NOW):
        visit, created = create_visit(
            world.worker_a, data, str(uuid.uuid4()), resident, None, captured_at=captured_at
        )
    db.session.commit()
    assert created
    return visit


@pytest.mark.parametrize(
    ("visited_on", "captured_at", "expected"),
    [
        # Believable: the phone's time that day, to the millisecond.
        (DAY, epoch_ms(local(DAY, 9, 5, 123)), local(DAY, 9, 5, 123)),
        (DAY, epoch_ms(local(DAY, 0)), local(DAY, 0)),  # the day's first instant
        # Queued yesterday for yesterday, sent today: still its own time, not midday.
        (
            DAY - timedelta(days=1),
            epoch_ms(local(DAY - timedelta(days=1), 8)),
            local(DAY - timedelta(days=1), 8),
        ),
        # Not sent (an online form): as before.
        (DAY, None, NOW),
        (DAY, "", NOW),
        # Malformed: as before.
        (DAY, "abc", NOW),
        (DAY, epoch_ms(local(DAY, 9)) + ".5", NOW),
        (DAY, " " + epoch_ms(local(DAY, 9)), NOW),
        (DAY, epoch_ms(local(DAY, 9)) + "\n", NOW),
        (DAY, "-" + epoch_ms(local(DAY, 9)), NOW),
        (DAY, "+" + epoch_ms(local(DAY, 9)), NOW),
        (DAY, "1.7e12", NOW),
        (DAY, "99999999999999999999", NOW),  # would overflow a datetime
        (DAY, "١٧٠٠٠٠٠٠٠٠٠٠٠", NOW),  # digits, but not ASCII ones
        (DAY, local(DAY, 9).isoformat() + "+00:00", NOW),  # ISO 8601 is not what is sent
        # Another day in the township (the phone's clock, or a visit dated after the fact).
        (DAY, epoch_ms(local(DAY, 0) - timedelta(milliseconds=1)), NOW),
        (DAY, epoch_ms(local(DAY - timedelta(days=1), 9)), NOW),
        (DAY - timedelta(days=1), epoch_ms(local(DAY, 9)), NOON_BEFORE),
        (DAY, "0", NOW),
        # Later than the server's now: a little (a phone running ahead) is now, no later ...
        (DAY, epoch_ms(NOW + timedelta(minutes=2)), NOW),
        # ... more than five minutes is not believed (here still the same day).
        (DAY, epoch_ms(NOW + timedelta(minutes=6)), NOW),
        (DAY, epoch_ms(NOW + timedelta(hours=3)), NOW),
    ],
)
def test_the_phone_time_is_taken_only_when_believable(
    app, world, make_resident, visited_on, captured_at, expected
):
    with app.test_request_context():
        visit = _save(world, make_resident(), visited_on, captured_at)
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).visited_at == expected


def _replay(client, data, **kw):
    return client.post("/visits", data=data, headers=REPLAY, **kw)


def test_a_replayed_visit_keeps_its_time_and_a_resend_is_the_same_visit(
    client, world, login_as, make_resident, server_at
):
    r = make_resident()
    login_as(world.worker_a)
    data = visit_data(r, visited_on=DAY.isoformat(), captured_at=epoch_ms(local(DAY, 9)))
    with server_at(NOW):
        first = _replay(client, data)
        again = _replay(client, data)
    assert first.json["status"] == "saved"
    assert again.json == first.json
    # Its answer lost, the form is queued after the server saved it, and so goes with a later
    # time: still the same visit, at the time it was first saved.
    with server_at(NOW + timedelta(minutes=1)):
        lost = _replay(client, {**data, "captured_at": epoch_ms(NOW)})
    assert lost.json == first.json
    assert db.session.scalars(sa.select(Visit.visited_at)).all() == [local(DAY, 9)]


def test_a_phone_with_a_wrong_clock_still_saves(client, world, login_as, make_resident, server_at):
    r = make_resident()
    login_as(world.worker_a)
    data = visit_data(
        r, visited_on=DAY.isoformat(), captured_at=epoch_ms(local(DAY, 9) + timedelta(days=400))
    )
    with server_at(NOW):
        resp = _replay(client, data)
    assert resp.json["status"] == "saved"
    assert db.session.scalars(sa.select(Visit.visited_at)).all() == [NOW]


def _visit_at(client, server_at, r, at: datetime, captured: datetime | None = None):
    """Save a visit to `r` with a follow-up that same day, arriving at `at`; queued at
    `captured` (sent by the outbox) or sent online."""
    data = visit_data(r, visited_on=DAY.isoformat(), follow_up_on=DAY.isoformat())
    if captured is not None:
        data["captured_at"] = epoch_ms(captured)
    with server_at(at):
        resp = client.post("/visits", data=data, headers=REPLAY if captured else {})
    assert resp.status_code == (200 if captured else 303)
    return db.session.scalar(sa.select(Visit.id).where(Visit.uuid == data["client_uuid"]))


def test_a_visit_queued_before_an_online_one_answers_nothing_it_came_before(
    client, world, login_as, make_resident, server_at
):
    """Queued at 09:00 and sent at 15:00, a visit came before the one saved online at 11:00:
    the 11:00 visit's follow-up for today stays open, and it answers the queued one's."""
    r = make_resident()
    login_as(world.worker_a)
    online = _visit_at(client, server_at, r, local(DAY, 11))
    queued = _visit_at(client, server_at, r, local(DAY, 15), captured=local(DAY, 9))
    db.session.expire_all()
    assert db.session.get(Visit, online).visited_at == local(DAY, 11)
    assert db.session.get(Visit, queued).visited_at == local(DAY, 9)
    assert stored_open() == {online: DAY, queued: None}
    assert stored_open() == computed_open()
