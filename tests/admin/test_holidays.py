"""The administrator enters a year's holiday schedule that chinese-calendar does not carry yet,
and request deadlines ending in that year move off its holidays."""

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

import app.admin.routes
from app.extensions import db
from app.models import AuditEvent, HolidayDay, Request
from app.requests.deadlines import has_schedule, is_working_day, schedule_years
from app.requests.holidays import check_working, parse_days

D = date.fromisoformat


def _days(first: str, last: str) -> set[date]:
    a, b = D(first), D(last)
    return {a + timedelta(days=i) for i in range((b - a).days + 1)}


# (what the administrator typed or pasted, the days read) for a year, 2031, no release knows.
READ = [
    ("春节：2月6日至12日放假调休，共7天。", _days("2031-02-06", "2031-02-12")),
    ("一、元旦：1月1日（星期三）放假，共1天。", {D("2031-01-01")}),
    ("2031-10-01 ~ 2031-10-07", _days("2031-10-01", "2031-10-07")),
    ("２０３１－０５－０１至２０３１－０５－０５", _days("2031-05-01", "2031-05-05")),
    ("2031/6/2\n6-20", {D("2031-06-02"), D("2031-06-20")}),
    ("4月4日、4月5日，4月6日", _days("2031-04-04", "2031-04-06")),
    ("2031年9月14日到9月16日", _days("2031-09-14", "2031-09-16")),
    ("国庆节：十月一日至七日放假", _days("2031-10-01", "2031-10-07")),
    ("二月六日\n十二月三十一日", {D("2031-02-06"), D("2031-12-31")}),
    ("二〇三一年五月一日至五日", _days("2031-05-01", "2031-05-05")),
    # A day listed again, or within a range above, is no line without a date.
    ("国庆节：10月1日至7日\n国庆节：10月3日", _days("2031-10-01", "2031-10-07")),
    ("\n\n  \n", set()),
]


@pytest.fixture
def en(app):
    """Messages and dates in English, as a request with ?lang=en would have them."""
    with app.test_request_context("/?lang=en"):
        yield


@pytest.mark.parametrize(("text", "days"), READ)
def test_the_notices_words_are_read_as_days(app, text, days):
    parsed = parse_days(text, 2031)
    assert parsed.errors == []
    assert parsed.days == days


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("2月30日", "Line 1: “2月30日” is not a day of the calendar."),
        ("\n2031-13-01", "Line 2: “2031-13-01” is not a day of the calendar."),
        ("2030-12-31", "Line 1: Dec 31, 2030 is not in 2031."),
        ("2月12日至2月6日", "Line 1: the range ends before it starts."),
        ("1月28日至3月3日", "Line 1: 35 days in one range"),
        # The walk: a line with no date was left out without a word, and its holiday with it.
        ("国庆节：放假", "Line 1: no date was read in “国庆节：放假”."),
        ("1月1日\n" + "x" * 3000, "Line 2: no date was read in “" + "x" * 60 + "…”."),
        # Numerals that are no number are not read as some other day.
        ("十十月一日", "Line 1: “十十月1日” is not a date or a range of dates."),
        ("一二十月一日", "Line 1: “一二十月1日” is not a date or a range of dates."),
        ("三十二日", "Line 1: “32日” is not a date or a range of dates."),
        ("二〇三〇年一月一日", "Line 1: Jan 1, 2030 is not in 2031."),
        ("20310206", "Line 1: “20310206” is not a date or a range of dates."),
        (
            "2月14日（星期日）、2月27日（星期六）上班。",
            "Line 1: “2月14日(星期日)、2月27日(星期六)上班” lists weekend days worked",
        ),
    ],
)
def test_what_cannot_be_read_is_refused_by_its_line(en, text, said):
    parsed = parse_days(text, 2031)
    assert any(said in e for e in parsed.errors), parsed.errors


def test_a_range_across_the_turn_of_the_year_keeps_this_years_days(en):
    # The 2023 notice as published: its Saturday of 2022 is off anyway.
    parsed = parse_days("一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。", 2023)
    assert parsed.errors == []
    assert parsed.days == _days("2023-01-01", "2023-01-02")
    # And the 2018 notice's weekend of 2017.
    assert parse_days("2017年12月30日至2018年1月1日", 2018).days == {D("2018-01-01")}
    # Its end written without the year, or without the month.
    for typed in ("12月31日至1月2日", "2022年12月31日至1月2日", "2022年12月31日至2日"):
        parsed = parse_days(typed, 2023 if typed.startswith("2022") else 2022)
        assert parsed.errors == [], typed
        assert parsed.days == (
            _days("2023-01-01", "2023-01-02") if typed.startswith("2022") else {D("2022-12-31")}
        )
    # A day of a year chinese-calendar carries is in its schedule already: the 2019 notice's
    # "2018年12月29日（星期六）上班" in the 2019 box.
    assert parse_days("2018年12月29日（星期六）上班", 2019, "working").errors == [
        "Line 1: Dec 29, 2018 is in 2018, whose schedule is already known: delete the line."
    ]
    assert parse_days("2018年12月30日至2019年1月1日", 2019).days == {D("2019-01-01")}
    # A weekday of the other year is that year's holiday, never dropped unseen.
    assert parse_days("2030年12月28日至2031年1月1日", 2031).errors == [
        "Line 1: Dec 30, 2030 is a weekday of 2030: it goes in 2030's schedule, not in 2031's."
    ]
    assert parse_days("2031年12月31日至2032年1月1日", 2031).errors == [
        "Line 1: Jan 1, 2032 is a weekday of 2032: it goes in 2032's schedule, not in 2031's."
    ]


def test_a_working_day_must_be_a_weekend_day_and_not_also_off(en):
    working = parse_days("2031-02-15\n2031-02-17\n2031-02-08", 2031, "working")
    assert working.errors == []
    errors = check_working(working.days, off=_days("2031-02-06", "2031-02-12"))
    assert errors == [
        "Feb 8, 2031 is also listed as a day off.",
        "Feb 17, 2031 is a Monday, a working day anyway: list only the Saturdays and Sundays "
        "that are worked.",
    ]
    assert parse_days("2月6日至12日放假", 2031, "working").errors == [
        "Line 1: “2月6日至12日放假” lists days off; they go in the box above."
    ]


@pytest.fixture
def new_year(monkeypatch):
    """The first year the installed chinese-calendar does not know, as this year."""
    year = schedule_years()[1] + 1
    monkeypatch.setattr(app.admin.routes, "local_today", lambda: date(year, 1, 10))
    return year


def _request(world, resident, received_on: date) -> Request:
    req = Request(
        uuid="00000000-0000-0000-0003-000000000001",
        track="community",
        status="accepted",
        received_on=received_on,
        accepted_on=received_on,
        resident_id=resident.id,
        grid_id=resident.grid_id,
        recorded_by_id=world.worker_a.id,
        channel="visit",
        category_code="R04",
        summary="路灯不亮",
    )
    db.session.add(req)
    db.session.commit()
    return req


def _next_working(day: date, off: set[date], working: set[date]) -> date:
    while not (day in working or (day not in off and day.weekday() < 5)):
        day += timedelta(days=1)
    return day


def test_an_entered_schedule_moves_deadlines_off_its_holidays(
    app, client, world, login_as, make_resident, new_year
):
    app.config["REQUEST_WORKING_DAY_ROLLOVER"] = True
    resolve_days = 15
    # Resolved 15 days after receipt: due on a Wednesday of the new year, say a holiday.
    due = date(new_year, 2, 1)
    while due.weekday() != 2:
        due += timedelta(days=1)
    req = _request(world, make_resident(), due - timedelta(days=resolve_days))
    assert req.due_on == due  # no schedule yet: calendar days, the day itself
    assert not has_schedule(new_year)
    # The walk: the secretary saw a reply due on a holiday with nothing saying why.
    login_as(world.secretary_a)
    shown = client.get(f"/requests/{req.id}?lang=en").text
    assert (
        f"{new_year}'s holidays are not entered yet: this date is counted in calendar days" in shown
    )

    login_as(world.admin)
    overview = client.get("/admin/holidays?lang=en").text
    assert f"/admin/holidays/{new_year}" in overview
    assert "No schedule: deadlines ending in" in overview
    off_first, off_last = due - timedelta(days=2), due + timedelta(days=4)
    worked = off_last + timedelta(days=1)
    while worked.weekday() != 5:  # the Saturday after: worked in exchange
        worked += timedelta(days=1)
    resp = client.post(
        f"/admin/holidays/{new_year}",
        data={
            "off_days": f"春节：{off_first.month}月{off_first.day}日至{off_last.day}日放假，共7天。"
            if off_first.month == off_last.month
            else f"{off_first.isoformat()} ~ {off_last.isoformat()}",
            "working_days": f"{worked.month}月{worked.day}日（星期六）上班。",
        },
    )
    assert resp.status_code == 303
    off = _days(off_first.isoformat(), off_last.isoformat())
    stored = dict(db.session.execute(sa.select(HolidayDay.day, HolidayDay.working)).all())
    assert stored == {**dict.fromkeys(off, False), worked: True}
    db.session.refresh(req)
    assert req.due_on == _next_working(due, off, {worked})
    login_as(world.secretary_a)
    assert 'id="clock-unscheduled"' not in client.get(f"/requests/{req.id}").text
    login_as(world.admin)
    assert req.due_on > off_last
    assert not is_working_day(due)
    assert is_working_day(worked)
    assert has_schedule(new_year)
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "holiday_schedule_set")
    ).one()
    assert event.object_id == str(new_year)
    assert json.loads(event.detail) == {"off": 7, "working": 1}
    page = client.get("/admin/holidays?lang=en").text
    assert "Entered: 7 days off, 1 weekend day worked." in page

    # The form shows the days back as ranges; its own button removes the year, audited as
    # a removal.
    form = client.get(f"/admin/holidays/{new_year}").text
    assert f"{off_first.isoformat()} ~ {off_last.isoformat()}" in form
    assert f'action="/admin/holidays/{new_year}/remove"' in form
    resp = client.post(f"/admin/holidays/{new_year}/remove")
    assert resp.status_code == 303
    assert db.session.scalar(
        sa.select(AuditEvent.object_id).where(AuditEvent.action == "holiday_schedule_removed")
    ) == str(new_year)
    assert client.post(f"/admin/holidays/{new_year}/remove").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HolidayDay)) == 0
    db.session.refresh(req)
    assert req.due_on == due
    assert not has_schedule(new_year)


def test_a_refused_schedule_keeps_what_was_typed_and_stores_nothing(
    client, world, login_as, new_year
):
    login_as(world.admin)
    typed = "2月6日至12日\n2月31日"
    resp = client.post(
        f"/admin/holidays/{new_year}?lang=zh",
        data={"off_days": typed, "working_days": "2月9日"},
    )
    assert resp.status_code == 200
    html = resp.text
    assert "第2行：“2月31日”不是日历上的日子。" in html
    assert typed in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HolidayDay)) == 0


def test_a_year_the_package_carries_is_not_entered(client, world, login_as, new_year):
    login_as(world.admin)
    assert client.get(f"/admin/holidays/{new_year - 1}").status_code == 404
    assert client.get(f"/admin/holidays/{new_year + 5}").status_code == 404
    assert client.get("/admin/holidays").status_code == 200


def test_only_the_administrator_enters_holidays(client, world, login_as, new_year):
    login_as(world.secretary_a)
    assert client.get("/admin/holidays").status_code in (403, 404)
    resp = client.post(f"/admin/holidays/{new_year}", data={"off_days": "2月6日"})
    assert resp.status_code in (403, 404)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HolidayDay)) == 0


def test_weekend_days_worked_alone_are_no_schedule(client, world, login_as, new_year):
    """The walk: "1月29日" as a worked day and no day off was saved as the year's schedule,
    "放假0天", and the year counted as entered while no deadline moved off its holidays."""
    login_as(world.admin)
    for off in ("", "  \n "):
        resp = client.post(
            f"/admin/holidays/{new_year}?lang=zh", data={"off_days": off, "working_days": "1月29日"}
        )
        assert resp.status_code == 200
        assert "请填写通知中的放假日期。" in resp.text
        assert "1月29日</textarea>" in resp.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HolidayDay)) == 0
    assert client.post(f"/admin/holidays/{new_year}/remove").status_code == 404
    assert "holiday-remove" not in client.get(f"/admin/holidays/{new_year}").text
