"""A year's holiday schedule as the administrator enters it from the State Council's notice.

The notice reads "春节：2月6日至12日放假调休，共7天。2月14日（星期日）、2月27日（星期六）上班。";
the administrator pastes or types its days into two boxes, days off and weekend days worked,
one day or range per line or several separated by commas. Read here: ISO dates, 2027/2/6,
2027年2月6日, 2月6日 and 2-6 (the year's own), ranges with 至, 到, ~ or a dash, and "至12日"
keeping the month, and months and days in Chinese numerals (十月一日). A range across the
turn of the year keeps its days in the year being entered. Words around the dates
("春节：", "放假调休", "共7天", "（星期日）") are left aside; anything else with a digit in it,
and a line with no date at all, is refused with its line, so a typo never becomes a wrong
day and no holiday is left out unseen.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _

from ..audit.services import record
from ..db import on_rollback
from ..extensions import db
from .deadlines import forget_entered_schedule, knows_year, recompute_due_dates
from .models import HolidayDay

# A single holiday in the schedule is at most 8 days (National Day with Mid-Autumn); a longer
# range is a mistyped month.
LONGEST_RANGE_DAYS = 10

_DATE = (
    r"(?:(?P<{p}y>\d{{4}})\s*[-/.年]\s*)?(?P<{p}m>\d{{1,2}})\s*[-/.月]\s*(?P<{p}d>\d{{1,2}})\s*日?"
)
_ENTRY = re.compile(
    r"[^\d]*?"
    + _DATE.format(p="a")
    + r"(?:\s*(?:至|到|~|-|–|—|to)\s*(?:"
    + _DATE.format(p="b")
    + r"|(?P<bd_only>\d{1,2})\s*日?))?"
    + r"[^\d]*",
    re.IGNORECASE,
)
# Months and days written in Chinese numerals ("十月一日至七日"), and a year digit by digit
# ("二〇二七年"), read as digits. Only the forms numbers take: a run that is none ("十十月")
# stays as typed, and its line is refused, never read as some other day.
_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0}
_CN_NUMBER = re.compile(
    r"[一二三四五六七八九]?十[一二三四五六七八九]?|[〇零一二三四五六七八九]|[〇零一二三四五六七八九]{4}"
)
_CN_RUN = re.compile(r"[〇零一二三四五六七八九十]+(?=\s*[年月日号])")
# Words of the notice that carry a digit but no day.
_NOISE = re.compile(r"\([^)]*\)|共\s*\d+\s*天")
_SEPARATORS = re.compile(r"[,;、]")


@dataclass
class Parsed:
    days: set[date] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)


def _cn_number(text: str) -> str:
    tens, ten, ones = text.partition("十")
    if ten:
        return str((_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0))
    return "".join(str(_CN_DIGITS[c]) for c in text)


def _cn_numerals(line: str) -> str:
    """The line with each whole run of Chinese numerals before 年, 月 or 日 as digits, when
    the run is a number as dates write one; any other run is left as it was."""

    def one(run: re.Match) -> str:
        return _cn_number(run[0]) if _CN_NUMBER.fullmatch(run[0]) else run[0]

    return _CN_RUN.sub(one, line)


def _day(year: int, m: re.Match, p: str, line_no: int, text: str, errors: list) -> date | None:
    y = int(m.group(f"{p}y")) if m.group(f"{p}y") else year
    try:
        return date(y, int(m.group(f"{p}m")), int(m.group(f"{p}d")))
    except ValueError:
        errors.append(
            _("Line %(n)s: “%(text)s” is not a day of the calendar.", n=line_no, text=text)
        )
        return None


def _after(first: date, last: date, month_given: bool) -> date | None:
    """The end of a range written without its year, before its start: Dec 31 to "1月2日"
    ends in the next year, Dec 31 "至2日" in the next month. An end in the same or a later
    month ("2月12日至2月6日") is a reversed range: None."""
    try:
        if month_given:
            return last.replace(year=first.year + 1) if last.month < first.month else None
        return (first.replace(day=1) + timedelta(days=32)).replace(day=last.day)
    except ValueError:
        return None


def _in_year(first: date, last: date, year: int, line_no: int, errors: list) -> tuple | None:
    """The part of a range in `year`. New Year's Day is often given across the turn of the
    year ("2022年12月31日至2023年1月2日放假调休"): the days of the next or last year that are
    weekend days are off anyway and are left out; a weekday there belongs to that year's
    schedule and is refused, as is a range wholly outside `year`."""
    lo, hi = max(first, date(year, 1, 1)), min(last, date(year, 12, 31))
    if lo > hi:
        errors.append(
            _(
                "Line %(n)s: %(day)s is in %(other)s, whose schedule is already known: delete "
                "the line.",
                n=line_no,
                day=format_date(first),
                other=first.year,
            )
            if knows_year(first.year)
            else _(
                "Line %(n)s: %(day)s is not in %(year)s.",
                n=line_no,
                day=format_date(first),
                year=year,
            )
        )
        return None
    # Days of a year chinese-calendar carries are in its schedule already.
    days = (first + timedelta(days=i) for i in range((last - first).days + 1))
    outside = [d for d in days if d.year != year and not knows_year(d.year)]
    weekday = next((d for d in outside if d.weekday() < 5), None)
    if weekday is not None:
        errors.append(
            _(
                "Line %(n)s: %(day)s is a weekday of %(other)s: it goes in %(other)s's "
                "schedule, not in %(year)s's.",
                n=line_no,
                day=format_date(weekday),
                other=weekday.year,
                year=year,
            )
        )
        return None
    return lo, hi


# The notice's words for each kind of day: a sentence of the other kind in a box is the
# notice pasted whole into one box, and its days would land in the wrong list.
_OTHER_KIND = {"off": "上班", "working": "放假"}


def parse_days(text: str, year: int, kind: str = "off") -> Parsed:
    """Every day the text names in `year`, or the reasons it cannot be read, line by line.
    `kind` is the box's: "off" (days off) or "working" (weekend days worked)."""
    out = Parsed()
    for line_no, typed_line in enumerate((text or "").splitlines(), start=1):
        # Full-width digits and punctuation from a Chinese keyboard or the notice itself.
        line = _cn_numerals(unicodedata.normalize("NFKC", typed_line))
        # What this line read: a day it lists twice, or already listed above, still counts.
        read, errors_before = 0, len(out.errors)
        entries = []
        for typed in line.split("。"):
            sentence = _NOISE.sub(" ", typed)
            if _OTHER_KIND[kind] in sentence and re.search(r"\d", sentence):
                out.errors.append(
                    _(
                        "Line %(n)s: “%(text)s” lists weekend days worked; they go in the box "
                        "below.",
                        n=line_no,
                        text=typed.strip(),
                    )
                    if kind == "off"
                    else _(
                        "Line %(n)s: “%(text)s” lists days off; they go in the box above.",
                        n=line_no,
                        text=typed.strip(),
                    )
                )
                continue
            entries += _SEPARATORS.split(sentence)
        for entry in entries:
            entry = entry.strip()
            if not entry or not re.search(r"\d", entry):
                continue
            m = _ENTRY.fullmatch(entry)
            if m is None:
                out.errors.append(
                    _(
                        "Line %(n)s: “%(text)s” is not a date or a range of dates.",
                        n=line_no,
                        text=entry,
                    )
                )
                continue
            first = _day(year, m, "a", line_no, entry, out.errors)
            if m.group("bm"):
                last = _day(year, m, "b", line_no, entry, out.errors)
            elif m.group("bd_only"):
                # "2月6日至12日": the end keeps the start's month.
                try:
                    last = first and first.replace(day=int(m.group("bd_only")))
                except ValueError:
                    out.errors.append(
                        _(
                            "Line %(n)s: “%(text)s” is not a day of the calendar.",
                            n=line_no,
                            text=entry,
                        )
                    )
                    last = None
            else:
                last = first
            if first is None or last is None:
                continue
            if last < first and not m.group("by"):
                # "12月31日至1月2日", "12月31日至2日": the end is in the next year or month.
                last = _after(first, last, month_given=bool(m.group("bm")))
            if last is None or last < first:
                out.errors.append(_("Line %(n)s: the range ends before it starts.", n=line_no))
                continue
            if (last - first).days + 1 > LONGEST_RANGE_DAYS:
                out.errors.append(
                    _(
                        "Line %(n)s: %(days)s days in one range; no holiday is that long. "
                        "Check the months.",
                        n=line_no,
                        days=(last - first).days + 1,
                    )
                )
                continue
            kept = _in_year(first, last, year, line_no, out.errors)
            if kept is None:
                continue
            first, last = kept
            out.days.update(first + timedelta(days=i) for i in range((last - first).days + 1))
            read += 1
        if not read and len(out.errors) == errors_before and line.strip():
            # Each line holds days: one that gives none is a holiday whose dates were not
            # read ("国庆节：放假"), and a holiday left out moves every deadline in it.
            out.errors.append(
                _(
                    "Line %(n)s: no date was read in “%(text)s”. Write the days as the notice "
                    "does (10月1日至7日), or delete the line.",
                    n=line_no,
                    text=_shortened(typed_line.strip()),
                )
            )
    return out


def _shortened(text: str, most: int = 60) -> str:
    return text if len(text) <= most else text[:most] + "…"


def check_working(days: set[date], off: set[date]) -> list[str]:
    """Weekend days worked must be weekend days, and not days off as well."""
    errors = []
    for day in sorted(days):
        if day in off:
            errors.append(_("%(day)s is also listed as a day off.", day=format_date(day)))
        elif day.weekday() < 5:
            errors.append(
                _(
                    "%(day)s is a %(weekday)s, a working day anyway: list only the Saturdays "
                    "and Sundays that are worked.",
                    day=format_date(day),
                    weekday=format_date(day, "EEEE"),
                )
            )
    return errors


def as_ranges(days) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) pairs, in order."""
    ranges: list[list[date]] = []
    for day in sorted(days):
        if ranges and day - ranges[-1][1] == timedelta(days=1):
            ranges[-1][1] = day
        else:
            ranges.append([day, day])
    return [(a, b) for a, b in ranges]


def as_text(days) -> str:
    """Days as the boxes show them again: one range or day per line, ISO dates."""
    return "\n".join(
        a.isoformat() if a == b else f"{a.isoformat()} ~ {b.isoformat()}"
        for a, b in as_ranges(days)
    )


def entered_days(year: int) -> tuple[list[date], list[date]]:
    """The year's entered days off and weekend days worked, in order."""
    rows = db.session.execute(
        sa.select(HolidayDay.day, HolidayDay.working)
        .where(HolidayDay.day >= date(year, 1, 1), HolidayDay.day <= date(year, 12, 31))
        .order_by(HolidayDay.day)
    ).all()
    return [d for d, w in rows if not w], [d for d, w in rows if w]


def set_year(year: int, off: set[date], working: set[date], actor) -> int:
    """Replace the year's entered schedule (nothing: remove it), audited, and store every
    request's due date again. Returns how many requests' dates changed."""
    if knows_year(year) and (off or working):
        raise ValueError(f"chinese-calendar already carries {year}")
    db.session.execute(
        sa.delete(HolidayDay).where(
            HolidayDay.day >= date(year, 1, 1), HolidayDay.day <= date(year, 12, 31)
        )
    )
    db.session.add_all(
        [HolidayDay(day=d, working=False, entered_by_id=actor.id) for d in sorted(off)]
        + [HolidayDay(day=d, working=True, entered_by_id=actor.id) for d in sorted(working)]
    )
    db.session.flush()
    record(
        "holiday_schedule_set" if off or working else "holiday_schedule_removed",
        "holiday_year",
        year,
        {"off": len(off), "working": len(working)},
    )
    # Read again now, for the due dates below; and again if this transaction then fails, so
    # the process does not keep for a minute a schedule the database never stored.
    forget_entered_schedule()
    app = current_app._get_current_object()
    on_rollback(lambda: app.extensions.pop("holiday_days", None))
    return recompute_due_dates()
