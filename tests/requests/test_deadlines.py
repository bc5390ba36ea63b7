"""The clocks of both tracks against a table of hand-computed cases."""

from datetime import date

import pytest

from app.extensions import db
from app.models import Request
from app.requests.deadlines import (
    Clock,
    current_clock,
    decided_late_by,
    due_on_sql,
    review_right,
    rules,
)

D = date.fromisoformat


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
    clock = current_clock(_req(**fields), today=D("2025-01-01"))
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
    clock = current_clock(_req(track="formal", formal_on=D("2025-01-31")), today=D(today))
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
    assert decided_late_by(req) == 9  # notice was due 2025-03-16
    assert (
        decided_late_by(
            _req(
                track="formal",
                status="accepted",
                formal_on=D("2025-03-01"),
                accepted_on=D("2025-03-16"),
            )
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
    right = review_right(req, today=D(replied))
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
