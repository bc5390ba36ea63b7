"""A visit saved without signal is placed in its day by when the worker saved it on the phone
(`captured_at`, sent by the outbox on replay), not by when it reached the server; a time the
server cannot believe is ignored, never a reason to refuse the visit."""

import uuid
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Visit
from app.timeutil import clock_at, day_start_utc, to_local
from app.visits.services import create_visit
from tests.dates import Days, Later
from tests.outbox_fixtures import REPLAY, visit_data
from tests.visits.test_follow_up_properties import computed_open, stored_open

ARRIVES = 15  # the hour of `day` at which the queued visit reaches the server


def local(day, hour: int, minute: int = 0, ms: int = 0) -> datetime:
    """A local time of `day`, as stored (naive UTC)."""
    return day_start_utc(day) + timedelta(hours=hour, minutes=minute, milliseconds=ms)


def epoch_ms(moment: datetime) -> str:
    """A stored moment as the phone's outbox sends it (Date.now())."""
    return str((moment - datetime(1970, 1, 1)) // timedelta(milliseconds=1))


# The table's dates and times, of the `day` fixture's day, are worked out as the test runs.
DAY = Days(-1)


def at(hour: int, minute: int = 0, ms: int = 0, *, days: int = 0) -> Later:
    """That local time of the day (or `days` from it), as stored."""
    offset = timedelta(days=days, hours=hour, minutes=minute, milliseconds=ms)
    shown = datetime.min + timedelta(seconds=offset.seconds, microseconds=offset.microseconds)
    label = shown.strftime("%H:%M:%S.%f")[:-3].removesuffix(":00.000")
    return Later(
        {0: label, -1: f"{label} the day before"}.get(offset.days, f"{label} {offset.days:+d}d"),
        lambda: local(DAY.make() + timedelta(days=days), hour, minute, ms),
    )


def sent(hour: int, minute: int = 0, ms: int = 0, *, days: int = 0, spelt: str = "{}") -> Later:
    """That time as the outbox sends it (epoch ms), with `spelt` around it."""
    moment = at(hour, minute, ms, days=days)
    return Later(spelt.format(moment.label), lambda: spelt.format(epoch_ms(moment.make())))


NOW = at(ARRIVES)


def _save(world, resident, visited_on, captured_at):
    data = {
        "purpose": "elderly_care",
        "summary": "",
        "outcome": "done",
        "visited_on": visited_on,
        "follow_up_on": None,
    }
    with clock_at(NOW.make()):
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
        (DAY, sent(9, 5, 123), at(9, 5, 123)),
        (DAY, sent(0), at(0)),  # the day's first instant
        # Queued yesterday for yesterday, sent today: still its own time, not midday.
        (Days(-2), sent(8, days=-1), at(8, days=-1)),
        # Not sent (an online form): as before.
        (DAY, None, NOW),
        (DAY, "", NOW),
        # Malformed: as before.
        (DAY, "abc", NOW),
        (DAY, sent(9, spelt="{}.5"), NOW),
        (DAY, sent(9, spelt=" {}"), NOW),
        (DAY, sent(9, spelt="{}\n"), NOW),
        (DAY, sent(9, spelt="-{}"), NOW),
        (DAY, sent(9, spelt="+{}"), NOW),
        (DAY, "1.7e12", NOW),
        (DAY, "99999999999999999999", NOW),  # would overflow a datetime
        (DAY, "١٧٠٠٠٠٠٠٠٠٠٠٠", NOW),  # digits, but not ASCII ones
        # ISO 8601 is not what is sent.
        (DAY, Later("ISO 09:00", lambda: at(9).make().isoformat() + "+00:00"), NOW),
        # Another day in the township (the phone's clock, or a visit dated after the fact).
        (DAY, sent(0, ms=-1), NOW),
        (DAY, sent(9, days=-1), NOW),
        (Days(-2), sent(9), at(12, days=-1)),
        (DAY, "0", NOW),
        # Later than the server's now: a little (a phone running ahead) is now, no later ...
        (DAY, sent(ARRIVES, 2), NOW),
        # ... more than five minutes is not believed (here still the same day).
        (DAY, sent(ARRIVES, 6), NOW),
        (DAY, sent(ARRIVES + 3), NOW),
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
    client, world, login_as, make_resident, server_at, day
):
    now = local(day, ARRIVES)
    r = make_resident()
    login_as(world.worker_a)
    data = visit_data(r, visited_on=day.isoformat(), captured_at=epoch_ms(local(day, 9)))
    with server_at(now):
        first = _replay(client, data)
        again = _replay(client, data)
    assert first.json["status"] == "saved"
    assert again.json == first.json
    # Its answer lost, the form is queued after the server saved it, and so goes with a later
    # time: still the same visit, at the time it was first saved.
    with server_at(now + timedelta(minutes=1)):
        lost = _replay(client, {**data, "captured_at": epoch_ms(now)})
    assert lost.json == first.json
    assert db.session.scalars(sa.select(Visit.visited_at)).all() == [local(day, 9)]


def test_a_phone_with_a_wrong_clock_still_saves(
    client, world, login_as, make_resident, server_at, day
):
    now = local(day, ARRIVES)
    r = make_resident()
    login_as(world.worker_a)
    data = visit_data(
        r, visited_on=day.isoformat(), captured_at=epoch_ms(local(day, 9) + timedelta(days=400))
    )
    with server_at(now):
        resp = _replay(client, data)
    assert resp.json["status"] == "saved"
    assert db.session.scalars(sa.select(Visit.visited_at)).all() == [now]


def _visit_at(client, server_at, r, at: datetime, captured: datetime | None = None):
    """Save a visit to `r` with a follow-up that same day, arriving at `at`; queued at
    `captured` (sent by the outbox) or sent online."""
    day = to_local(at).date().isoformat()
    data = visit_data(r, visited_on=day, follow_up_on=day)
    if captured is not None:
        data["captured_at"] = epoch_ms(captured)
    with server_at(at):
        resp = client.post("/visits", data=data, headers=REPLAY if captured else {})
    assert resp.status_code == (200 if captured else 303)
    return db.session.scalar(sa.select(Visit.id).where(Visit.uuid == data["client_uuid"]))


def test_a_visit_queued_before_an_online_one_answers_nothing_it_came_before(
    client, world, login_as, make_resident, server_at, day
):
    """Queued at 09:00 and sent at 15:00, a visit came before the one saved online at 11:00:
    the 11:00 visit's follow-up for today stays open, and it answers the queued one's."""
    r = make_resident()
    login_as(world.worker_a)
    online = _visit_at(client, server_at, r, local(day, 11))
    queued = _visit_at(client, server_at, r, local(day, 15), captured=local(day, 9))
    db.session.expire_all()
    assert db.session.get(Visit, online).visited_at == local(day, 11)
    assert db.session.get(Visit, queued).visited_at == local(day, 9)
    assert stored_open() == {online: day, queued: None}
    assert stored_open() == computed_open()
