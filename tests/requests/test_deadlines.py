"""The clocks of both tracks against a table of hand-computed cases."""

from dataclasses import replace
from datetime import date

import pytest

from app.extensions import db
from app.models import Request
from app.requests.deadlines import (
    STATUTORY,
    Clock,
    current_clock,
    decided_late_by,
    due_on_sql,
    is_working_day,
    knows_year,
    recompute_due_dates,
    review_right,
    rules,
    schedule_years,
)

D = date.fromisoformat
# Plain calendar counting, for the cases about day arithmetic alone (leap years, month ends).
CALENDAR = replace(STATUTORY, working_day_rollover=False)


def _req(**kw) -> Request:
    defaults = {"track": "community", "status": "received", "received_on": D("2025-01-31")}
    return Request(**{**defaults, **kw})


# (case, request fields, clock name, due date) -- computed by hand, not by the code under test.
CASES = [
    ("community: acknowledge over a month end", {}, "acknowledge", "2025-02-03"),
    (
        "community: acknowledge into a leap day",
        {"received_on": D("2024-02-27")},
        "acknowledge",
        "2024-03-01",
    ),
    (
        "community: acknowledge, no leap day",
        {"received_on": D("2023-02-27")},
        "acknowledge",
        "2023-03-02",
    ),
    (
        "community: resolve counts from receipt",
        {"status": "accepted", "accepted_on": D("2025-02-02")},
        "resolve",
        "2025-02-15",
    ),
    (
        "formal: notice 15 days from receipt",
        {"track": "formal", "formal_on": D("2025-01-31")},
        "acceptance",
        "2025-02-15",
    ),
    (
        "formal: notice due on a leap day",
        {"track": "formal", "received_on": D("2024-02-14"), "formal_on": D("2024-02-14")},
        "acceptance",
        "2024-02-29",
    ),
    (
        "formal: moved from community, clock from formal_on",
        {"track": "formal", "received_on": D("2025-03-01"), "formal_on": D("2025-03-10")},
        "acceptance",
        "2025-03-25",
    ),
    (
        "formal: reply 60 days from a leap day",
        {
            "track": "formal",
            "status": "accepted",
            "received_on": D("2024-02-20"),
            "formal_on": D("2024-02-20"),
            "accepted_on": D("2024-02-29"),
        },
        "reply",
        "2024-04-29",
    ),
    (
        "formal: reply 60 days from 28 Feb, no leap year",
        {
            "track": "formal",
            "status": "accepted",
            "received_on": D("2023-02-20"),
            "formal_on": D("2023-02-20"),
            "accepted_on": D("2023-02-28"),
        },
        "reply",
        "2023-04-29",
    ),
    (
        "formal: reply from 31 January",
        {
            "track": "formal",
            "status": "accepted",
            "formal_on": D("2025-01-31"),
            "accepted_on": D("2025-01-31"),
        },
        "reply",
        "2025-04-01",
    ),
    (
        "formal: reply over the year end",
        {
            "track": "formal",
            "status": "accepted",
            "received_on": D("2024-12-10"),
            "formal_on": D("2024-12-10"),
            "accepted_on": D("2024-12-15"),
        },
        "reply",
        "2025-02-13",
    ),
    (
        "formal: reply with a 30-day extension",
        {
            "track": "formal",
            "status": "accepted",
            "formal_on": D("2025-01-31"),
            "accepted_on": D("2025-01-31"),
            "extension_days": 30,
        },
        "reply",
        "2025-05-01",
    ),
    (
        "formal: late acceptance, reply from acceptance",
        {
            "track": "formal",
            "status": "accepted",
            "received_on": D("2025-03-01"),
            "formal_on": D("2025-03-01"),
            "accepted_on": D("2025-03-25"),
        },
        "reply",
        "2025-05-24",
    ),
]


@pytest.mark.parametrize(
    ("fields", "name", "due"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_clock_table(fields, name, due):
    clock = current_clock(_req(**fields), today=D("2025-01-01"), r=CALENDAR)
    assert clock.name == name
    assert clock.due_on == D(due)


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "replied", "accepted_on": D("2025-02-01"), "replied_on": D("2025-02-05")},
        {"status": "closed"},
        {"track": "formal", "status": "not_accepted", "formal_on": D("2025-01-31")},
        {
            "track": "formal",
            "status": "redirected",
            "formal_on": D("2025-01-31"),
            "redirect_channel": "court",
        },
        {
            "track": "formal",
            "status": "replied",
            "formal_on": D("2025-01-31"),
            "accepted_on": D("2025-02-01"),
            "replied_on": D("2025-02-05"),
        },
    ],
)
def test_no_clock_runs_once_the_office_owes_nothing(fields):
    assert current_clock(_req(**fields), today=D("2025-02-10")) is None


@pytest.mark.parametrize(
    ("today", "days_left", "colour"),
    [
        ("2025-02-01", 14, "green"),
        ("2025-02-09", 6, "green"),
        ("2025-02-10", 5, "amber"),
        ("2025-02-15", 0, "amber"),
        ("2025-02-16", -1, "red"),
        ("2025-03-20", -33, "red"),
    ],
)
def test_colour_green_amber_in_last_five_days_red_overdue(today, days_left, colour):
    clock = current_clock(
        _req(track="formal", formal_on=D("2025-01-31")), today=D(today), r=CALENDAR
    )
    assert clock == Clock("acceptance", D("2025-01-31"), D("2025-02-15"), days_left)
    assert clock.colour == colour
    assert clock.overdue is (days_left < 0)


def test_late_acceptance_is_counted_and_does_not_shorten_the_reply():
    req = _req(
        track="formal",
        status="accepted",
        received_on=D("2025-03-01"),
        formal_on=D("2025-03-01"),
        accepted_on=D("2025-03-25"),
    )
    assert decided_late_by(req, CALENDAR) == 9  # notice was due 2025-03-16
    assert (
        decided_late_by(
            _req(
                track="formal",
                status="accepted",
                formal_on=D("2025-03-01"),
                accepted_on=D("2025-03-16"),
            ),
            CALENDAR,
        )
        == 0
    )


@pytest.mark.parametrize(
    ("replied", "until"),
    [
        ("2025-01-31", "2025-03-02"),
        ("2024-01-31", "2024-03-01"),
        ("2024-12-20", "2025-01-19"),
    ],
)
def test_review_right_runs_30_days_from_the_reply(replied, until):
    req = _req(
        track="formal",
        status="replied",
        formal_on=D("2023-12-01"),
        accepted_on=D("2023-12-02"),
        replied_on=D(replied),
    )
    right = review_right(req, today=D(replied), r=CALENDAR)
    assert right.until == D(until)
    assert right.days_left == 30


def test_review_right_is_shown_only_after_a_formal_reply():
    assert (
        review_right(_req(track="formal", status="accepted", accepted_on=D("2025-02-01"))) is None
    )
    assert (
        review_right(
            _req(status="replied", accepted_on=D("2025-02-01"), replied_on=D("2025-02-03"))
        )
        is None
    )


def test_community_targets_are_configurable(app):
    app.config["REQUEST_COMMUNITY_TARGETS"] = {"acknowledge": 2, "resolve": 10}
    assert rules().acknowledge_days == 2
    assert rules().acceptance_days == 15  # statutory clocks do not move with local targets
    assert current_clock(_req(), today=D("2025-01-31")).due_on == D("2025-02-02")
    assert current_clock(_req(status="accepted"), today=D("2025-01-31")).due_on == D("2025-02-10")


def test_sql_due_dates_match_the_python_clocks(world, make_resident):
    """The lists filter in SQL: both databases must agree with the table above."""
    resident = make_resident()
    expected = {}
    for i, (_case, fields, _name, due) in enumerate(CASES):
        req = _req(**fields)
        req.uuid = f"00000000-0000-0000-0000-{i:012d}"
        req.resident_id, req.grid_id = resident.id, resident.grid_id
        req.recorded_by_id, req.channel, req.category_code = world.worker_a.id, "visit", "R04"
        req.summary = "case"
        db.session.add(req)
        db.session.flush()
        expected[req.id] = D(due)
    closed = _req(
        status="closed",
        uuid="00000000-0000-0000-0001-000000000000",
        resident_id=resident.id,
        grid_id=resident.grid_id,
        recorded_by_id=world.worker_a.id,
        channel="visit",
        category_code="R04",
        summary="done",
    )
    db.session.add(closed)
    db.session.commit()
    got = dict(db.session.execute(db.select(Request.id, due_on_sql())).all())
    assert got.pop(closed.id) is None
    assert got == expected


# Civil Code Art. 203 against the State Council's schedules for 2025 and 2026, by hand:
# (case, request fields, due date with roll-over).
ROLLOVER = [
    (
        "National Day 2025: 1 Oct rolls past the 8-day holiday to 9 Oct",
        {"track": "formal", "received_on": D("2025-09-16"), "formal_on": D("2025-09-16")},
        "2025-10-09",
    ),
    (
        "National Day 2026: 1 Oct rolls to 8 Oct",
        {"track": "formal", "received_on": D("2026-09-16"), "formal_on": D("2026-09-16")},
        "2026-10-08",
    ),
    (
        "Spring Festival 2025: 3 Feb rolls to 5 Feb",
        {"received_on": D("2025-01-31")},
        "2025-02-05",
    ),
    (
        "Spring Festival 2026: 20 Feb rolls to 24 Feb",
        {"track": "formal", "received_on": D("2026-02-05"), "formal_on": D("2026-02-05")},
        "2026-02-24",
    ),
    (
        "adjusted working Saturday 11 Oct 2025 stays",
        {"track": "formal", "received_on": D("2025-09-26"), "formal_on": D("2025-09-26")},
        "2025-10-11",
    ),
    (
        "adjusted working Sunday 28 Sep 2025 stays",
        {"track": "formal", "received_on": D("2025-09-13"), "formal_on": D("2025-09-13")},
        "2025-09-28",
    ),
    (
        "adjusted working Saturday 28 Feb 2026 stays",
        {"track": "formal", "received_on": D("2026-02-13"), "formal_on": D("2026-02-13")},
        "2026-02-28",
    ),
    (
        "plain Saturday 15 Mar 2025 rolls to Monday",
        {"track": "formal", "received_on": D("2025-02-28"), "formal_on": D("2025-02-28")},
        "2025-03-17",
    ),
    (
        "plain Sunday 1 Mar 2026 rolls to Monday",
        {"track": "formal", "received_on": D("2026-02-14"), "formal_on": D("2026-02-14")},
        "2026-03-02",
    ),
    (
        "reply due on National Day 2025 rolls to 9 Oct",
        {
            "track": "formal",
            "status": "accepted",
            "received_on": D("2025-07-25"),
            "formal_on": D("2025-07-25"),
            "accepted_on": D("2025-08-02"),
        },
        "2025-10-09",
    ),
    (
        "a year past the schedule: Saturday 2 Jan 2027 stays (calendar days)",
        {"track": "formal", "received_on": D("2026-12-18"), "formal_on": D("2026-12-18")},
        "2027-01-02",
    ),
    (
        "a year past the schedule: 1 Oct 2029 stays (calendar days)",
        {"track": "formal", "received_on": D("2029-09-16"), "formal_on": D("2029-09-16")},
        "2029-10-01",
    ),
]


@pytest.mark.parametrize(("fields", "due"), [c[1:] for c in ROLLOVER], ids=[c[0] for c in ROLLOVER])
def test_a_period_ending_on_a_rest_day_ends_on_the_next_working_day(fields, due):
    clock = current_clock(_req(**fields), today=D("2025-01-01"), r=STATUTORY)
    assert clock.due_on == D(due)


def test_review_window_ending_on_a_holiday_rolls_over():
    req = _req(
        track="formal",
        status="replied",
        formal_on=D("2025-07-01"),
        accepted_on=D("2025-07-02"),
        replied_on=D("2025-09-01"),
    )
    assert review_right(req, today=D("2025-09-01"), r=STATUTORY).until == D("2025-10-09")


def test_the_installed_schedule_covers_2025_and_2026_but_not_2029():
    first, last = schedule_years()
    assert first <= 2025
    assert last >= 2026
    assert knows_year(2026)
    assert not knows_year(2029)
    assert is_working_day(D("2029-10-01"))  # no schedule: every day counts
    assert not is_working_day(D("2026-10-01"))


def test_stored_due_dates_follow_the_roll_over_and_can_be_recomputed(app, world, make_resident):
    resident = make_resident()
    app.config["REQUEST_WORKING_DAY_ROLLOVER"] = True
    ids = {}
    for i, (_case, fields, due) in enumerate(ROLLOVER):
        req = _req(**fields)
        req.uuid = f"00000000-0000-0000-0002-{i:012d}"
        req.resident_id, req.grid_id = resident.id, resident.grid_id
        req.recorded_by_id, req.channel, req.category_code = world.worker_a.id, "visit", "R04"
        req.summary = "case"
        db.session.add(req)
        db.session.flush()
        ids[req.id] = D(due)
    db.session.commit()
    assert dict(db.session.execute(db.select(Request.id, due_on_sql())).all()) == ids
    # Calendar counting, then back: the command brings every stored date in line with the rule.
    app.config["REQUEST_WORKING_DAY_ROLLOVER"] = False
    assert recompute_due_dates() == 7  # the five that fall on working days stay
    db.session.commit()
    app.config["REQUEST_WORKING_DAY_ROLLOVER"] = True
    recompute_due_dates()
    db.session.commit()
    assert dict(db.session.execute(db.select(Request.id, due_on_sql())).all()) == ids
