"""The `d` filter writes a day as the reader's language does, and remembers it for the process."""

from datetime import date, datetime

from flask import render_template_string
from flask_babel import refresh

from app import templating

DAY = date(2026, 12, 6)


def written(app, lang: str, template: str, **values) -> str:
    with app.test_request_context("/", headers={"Accept-Language": lang}):
        refresh()  # the test's app context (and `g`) outlives each request here
        return render_template_string(template, **values)


def test_a_day_is_written_in_each_readers_language(app):
    page = "{{ day|d }} / {{ day|d('full') }}"
    assert written(app, "zh-CN", page, day=DAY) == "2026年12月6日 / 2026年12月6日星期日"
    assert written(app, "en", page, day=DAY) == "Dec 6, 2026 / Sunday, December 6, 2026"
    assert written(app, "zh-CN", page, day=DAY) == "2026年12月6日 / 2026年12月6日星期日"


def test_a_stored_moment_is_written_as_the_townships_day(app):
    # Stored in UTC: 17:30 on the 5th is 01:30 on the 6th in Asia/Shanghai.
    moment = datetime(2026, 12, 5, 17, 30)
    assert written(app, "en", "{{ m|d }}", m=moment) == "Dec 6, 2026"
    assert written(app, "en", "{{ m|d }}", m=datetime(2026, 12, 5, 15, 30)) == "Dec 5, 2026"


def test_a_day_is_written_by_babel_once_per_language_and_format(app, monkeypatch):
    calls = []
    babel_format = templating.babel_dates.format_date

    def counted(*args, **kwargs):
        calls.append(args)
        return babel_format(*args, **kwargs)

    monkeypatch.setattr(templating.babel_dates, "format_date", counted)
    templating._written_date.cache_clear()
    # The rows of a list, on two pages: macros imported without context remember it too.
    page = "{% for _ in range(3) %}{{ day|d }}{% endfor %}"
    for _ in range(2):
        assert written(app, "en", page, day=DAY) == "Dec 6, 2026" * 3
    assert written(app, "zh-CN", page, day=DAY) == "2026年12月6日" * 3
    assert len(calls) == 2


def test_a_stored_moment_is_written_with_the_townships_time(app):
    moment = datetime(2026, 12, 5, 17, 30)  # 01:30 on the 6th in Asia/Shanghai
    page = "{{ m|dt }} | {{ m|dt('time') }} | {{ m|dt('yyyy-MM-dd HH:mm') }}"
    assert (
        written(app, "en", page, m=moment)
        == "Dec 6, 2026, 1:30\u202fAM | 1:30\u202fAM | 2026-12-06 01:30"
    )
    assert written(app, "zh-CN", page, m=moment) == "2026年12月6日 01:30 | 01:30 | 2026-12-06 01:30"


def test_a_moment_is_written_by_babel_once_per_language(app, monkeypatch):
    calls = []
    babel_format = templating.babel_dates.format_time

    def counted(*args, **kwargs):
        calls.append(args)
        return babel_format(*args, **kwargs)

    monkeypatch.setattr(templating.babel_dates, "format_time", counted)
    templating._written_moment.cache_clear()
    moment = datetime(2026, 12, 6, 7, 47)
    # A page's visit times, on each of its loads.
    for _ in range(3):
        assert written(app, "en", "{{ m|dt('time') }}", m=moment) == "3:47\u202fPM"
    assert written(app, "zh-CN", "{{ m|dt('time') }}", m=moment) == "15:47"
    assert len(calls) == 2
