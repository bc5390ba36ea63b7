"""The one place for the clocks on a resident's request (DOMAIN.md, "two tracks").

Formal track (信访工作条例, 2022): the notice of acceptance is due 15 days after the
letters-and-visits office has the matter (Art. 22, 23); the reply 60 days after acceptance,
plus one extension of at most 30 days (Art. 34); the requester may ask for a review within
30 days of receiving the written reply (Art. 35), and the review answers within 30 days of
the application; a re-review (复核) is asked within 30 days of receiving the review's answer
and answered within 30 days (Art. 36). A request cannot be closed while the resident may still
ask, or while a review or re-review is pending. Community track: the same shape with local
targets, acknowledge in 3 days and resolve in 15, both counted from receipt and configurable
with the REQUEST_COMMUNITY_TARGETS config key ({"acknowledge": 3, "resolve": 15}).

Counting: calendar days, and the day the clock starts is not counted (Civil Code Art. 201),
so a request received on 1 March has its 15-day notice due on 16 March. A period whose last
day is a statutory holiday or rest day ends on the next working day (Art. 203), by the State
Council's published schedule as the `chinese-calendar` package carries it (adjusted working
Saturdays and Sundays are working days). The package knows the years of its last release only,
so the administrator enters a newer year's schedule once it is published (`HolidayDay`, the
admin's holiday page); a year neither has counts plain calendar days, with no roll-over at all
(a guessed weekend rule would disagree with the schedule once it is published), and the admin
pages say which years those are.

Lists filter and sort on `Request.due_on`, the due date of the running clock, written by
`_store_due_on` whenever a request is flushed: one Python rule, read by SQL as a plain
indexed column on SQLite and PostgreSQL alike. After upgrading `chinese-calendar` or changing
the community targets, `flask requests recompute-due` brings stored dates up to date.

A request moved from the community track to the formal track starts its acceptance clock on
the day it became a formal matter (`formal_on`): that is when the letters-and-visits office received
it. A formal written reply records how it went out and the day the resident received it:
by default the same day when handed over, 3 days later when posted, corrected when the
postal receipt comes back. The review window runs from that day (Art. 35).
"""

import time
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache, lru_cache

import chinese_calendar
import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from ..labels import label
from ..timeutil import local_today
from .models import Request

OPEN_STATUSES = ("received", "accepted", "replied")


@dataclass(frozen=True)
class Rules:
    """Lengths of every clock, in days; statutory ones from the 2022 Regulations."""

    acceptance_days: int = 15
    reply_days: int = 60
    max_extension_days: int = 30
    review_days: int = 30
    posted_delivery_days: int = 3
    review_answer_days: int = 30
    acknowledge_days: int = 3
    resolve_days: int = 15
    amber_days: int = 5
    # Civil Code Art. 203: a period ending on a rest day or holiday ends on the next working day.
    working_day_rollover: bool = True

    def add(self, start: date, days: int) -> date:
        """The last day of a period of `days` starting the day after `start`."""
        end = start + timedelta(days=days)
        return next_working_day(end) if self.working_day_rollover else end


@cache
def schedule_years() -> tuple[int, int]:
    """The first and last year whose holiday schedule the installed chinese-calendar knows."""
    years = {d.year for d in chinese_calendar.constants.holidays}
    return min(years), max(years)


def schedule_status(today: date | None = None) -> dict:
    """For the admin pages: the years with a schedule, and whether this or next year lacks one."""
    first, last = schedule_years()
    year = (today or local_today()).year
    missing = [y for y in (year, year + 1) if not has_schedule(y)]
    entered = sorted(y for y in entered_schedule() if not knows_year(y))
    return {"first": first, "last": last, "missing": missing, "entered": entered}


def knows_year(year: int) -> bool:
    """Whether the installed chinese-calendar carries the year's schedule."""
    first, last = schedule_years()
    return first <= year <= last


def has_schedule(year: int) -> bool:
    """Whether deadlines in the year move off its holidays: the package's or an entered one."""
    return knows_year(year) or year in entered_schedule()


@dataclass(frozen=True)
class EnteredYear:
    """One year's schedule as the administrator entered it."""

    off: frozenset[date]
    working: frozenset[date]

    def is_working_day(self, day: date) -> bool:
        if day in self.working:
            return True
        return day not in self.off and day.weekday() < 5


# Read again at most this often by each process: another process's save shows within the
# minute, and a page that counts clocks pays no query for it.
ENTERED_TTL_SECONDS = 60.0


def entered_schedule() -> dict[int, EnteredYear]:
    """The years the administrator entered, kept per app and process for a minute."""
    if not has_app_context():
        return {}
    kept = current_app.extensions.get("holiday_days")
    now = time.monotonic()
    if kept is None or now - kept[0] > ENTERED_TTL_SECONDS:
        from .models import HolidayDay

        with db.session.no_autoflush:
            rows = db.session.execute(sa.select(HolidayDay.day, HolidayDay.working)).all()
        years: dict[int, tuple[set, set]] = {}
        for day, working in rows:
            years.setdefault(day.year, (set(), set()))[1 if working else 0].add(day)
        kept = (now, {y: EnteredYear(frozenset(o), frozenset(w)) for y, (o, w) in years.items()})
        current_app.extensions["holiday_days"] = kept
    return kept[1]


def forget_entered_schedule() -> None:
    """After a save: this process reads the entered years again at once."""
    current_app.extensions.pop("holiday_days", None)


# chinese_calendar finds the years it knows from min() and max() over every listed day on each
# call (~10 us); a clock's end is asked for every request a list shows. Fixed by the
# installed package, so one answer per day holds for the life of the process.
@lru_cache(maxsize=4096)
def _package_working_day(day: date) -> bool:
    return chinese_calendar.is_workday(day)


def is_working_day(day: date) -> bool:
    """A working day by the published schedule; any day of a year without one counts.

    The package's schedule wins over an entered one: it is the published text, checked by
    its maintainers, and an entered year it later carries is then only shown as superseded."""
    if knows_year(day.year):
        return _package_working_day(day)
    entered = entered_schedule().get(day.year)
    return entered.is_working_day(day) if entered else True


def next_working_day(day: date) -> date:
    """`day` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


STATUTORY = Rules()


def rules() -> Rules:
    """The rules in force: the statutory clocks plus this deployment's community targets."""
    if not has_app_context():
        return STATUTORY
    targets = current_app.config.get("REQUEST_COMMUNITY_TARGETS") or {}
    return replace(
        STATUTORY,
        acknowledge_days=int(targets.get("acknowledge", STATUTORY.acknowledge_days)),
        resolve_days=int(targets.get("resolve", STATUTORY.resolve_days)),
        working_day_rollover=bool(
            current_app.config.get("REQUEST_WORKING_DAY_ROLLOVER", STATUTORY.working_day_rollover)
        ),
    )


@dataclass(frozen=True)
class Clock:
    """A running clock: what is due, by when, and how it should look."""

    name: str  # acknowledge | resolve | acceptance | reply
    starts_on: date
    due_on: date
    days_left: int
    amber_days: int = 5

    @property
    def colour(self) -> str:
        if self.days_left < 0:
            return "red"
        return "amber" if self.days_left <= self.amber_days else "green"

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def formal_start(req: Request) -> date:
    """The day the formal acceptance clock starts: when the request became a formal matter."""
    return req.formal_on or req.received_on


def _clock_span(req: Request, r: Rules) -> tuple[str, date, int] | None:
    if req.track == "community":
        if req.status == "received":
            return "acknowledge", req.received_on, r.acknowledge_days
        if req.status == "accepted":
            return "resolve", req.received_on, r.resolve_days
        return None
    if req.status == "received":
        return "acceptance", formal_start(req), r.acceptance_days
    if req.status == "accepted" and req.accepted_on is not None:
        return "reply", req.accepted_on, r.reply_days + (req.extension_days or 0)
    if req.status == "replied":
        # The body one level up owes the answer; the secretary chases it like any other clock.
        if req.rereview_applied_on is not None and req.rereview_answered_on is None:
            return "rereview", req.rereview_applied_on, r.review_answer_days
        if req.review_applied_on is not None and req.review_answered_on is None:
            return "review", req.review_applied_on, r.review_answer_days
    return None


def current_clock(req: Request, today: date | None = None, r: Rules | None = None) -> Clock | None:
    """The clock running on this request now, or None when the office owes nothing."""
    r = r or rules()
    span = _clock_span(req, r)
    if span is None:
        return None
    name, start, days = span
    due_on = r.add(start, days)
    today = today or local_today()
    return Clock(name, start, due_on, (due_on - today).days, r.amber_days)


def reply_due_on(req: Request, r: Rules | None = None) -> date | None:
    """When the formal reply is (or was) due, counting any extension."""
    r = r or rules()
    if req.track != "formal" or req.accepted_on is None:
        return None
    return r.add(req.accepted_on, r.reply_days + (req.extension_days or 0))


def promised_reply_on(req: Request, r: Rules | None = None) -> date | None:
    """The reply date the notice of acceptance gave on the day of acceptance (no extension)."""
    r = r or rules()
    if req.track != "formal" or req.accepted_on is None:
        return None
    return r.add(req.accepted_on, r.reply_days)


def acceptance_due_on(req: Request, r: Rules | None = None) -> date:
    """When the notice of acceptance is (or was) due on the formal track."""
    r = r or rules()
    return r.add(formal_start(req), r.acceptance_days)


def decision_due_on(req: Request, r: Rules | None = None) -> date:
    """When the decision was due: the formal notice of acceptance, or the acknowledgement."""
    r = r or rules()
    if req.track == "formal":
        return acceptance_due_on(req, r)
    return r.add(req.received_on, r.acknowledge_days)


def answer_due_on(req: Request, r: Rules | None = None) -> date | None:
    """When the reply was due: the formal written reply, or the community's resolution."""
    r = r or rules()
    if req.track == "formal":
        return reply_due_on(req, r)
    return r.add(req.received_on, r.resolve_days)


def decided_on(req: Request) -> date | None:
    """The day of the decision: acceptance (or acknowledgement), refusal or redirection."""
    return req.decided_on or req.accepted_on


def decided_late_by(req: Request, r: Rules | None = None) -> int:
    """Days by which the decision missed its clock (0 when on time or not yet taken).

    Formal: acceptance, refusal and redirection alike owe the notice within 15 days (Art. 22,
    23); community: the acknowledgement within the local target.
    """
    decided = decided_on(req)
    if decided is None:
        return 0
    return max(0, (decided - decision_due_on(req, r)).days)


def replied_late_by(req: Request, r: Rules | None = None) -> int:
    """Days by which the reply missed its clock (Art. 34 formal; the local target otherwise)."""
    if req.replied_on is None:
        return 0
    due = answer_due_on(req, r)
    return max(0, (req.replied_on - due).days) if due else 0


def on_time_flags(req: Request, r: Rules | None = None) -> tuple[bool | None, bool | None]:
    """(decided on time, replied on time), None where there is no decision or reply yet."""
    r = r or rules()
    decided = None if decided_on(req) is None else decided_late_by(req, r) == 0
    replied = None if req.replied_on is None else replied_late_by(req, r) == 0
    return decided, replied


def default_received_on(sent_on: date, delivery: str, r: Rules | None = None) -> date:
    """When a reply handed over (same day) or posted (3 days later) is taken as received."""
    r = r or rules()
    return sent_on + timedelta(days=r.posted_delivery_days if delivery == "posted" else 0)


def reply_received_on(req: Request) -> date | None:
    """The day the resident received the reply (the day it was given, if nothing else is known)."""
    return req.reply_received_on or req.replied_on


@dataclass(frozen=True)
class ReviewRight:
    """The requester's window to ask for a review (复查) of the written reply."""

    from_date: date  # the reply's date
    received_on: date  # the day the window starts from
    until: date
    days_left: int
    answer_days: int


def review_right(
    req: Request, today: date | None = None, r: Rules | None = None
) -> ReviewRight | None:
    """The review window on a formal matter's written reply; None before the reply."""
    r = r or rules()
    if req.track != "formal" or req.replied_on is None:
        return None
    received = reply_received_on(req)
    until = r.add(received, r.review_days)
    today = today or local_today()
    return ReviewRight(req.replied_on, received, until, (until - today).days, r.review_days)


def rereview_until(req: Request, r: Rules | None = None) -> date | None:
    """The last day to ask for a re-review (Art. 36): from the day the review's answer was
    received (the day it was given, if nothing else is known); None before that answer."""
    r = r or rules()
    if req.review_answered_on is None:
        return None
    return r.add(req.review_received_on or req.review_answered_on, r.review_days)


@dataclass(frozen=True)
class ReviewStage:
    """Where a formal reply stands with the resident's review rights (Art. 35, 36).

    stage: review_window | review_pending | rereview_window | rereview_pending | final
    `until` is the end of the open window or the answer's due date; None when final.
    """

    stage: str
    until: date | None
    days_left: int | None

    @property
    def open(self) -> bool:
        """Whether the request must stay open: a window runs or an answer is awaited."""
        if self.stage.endswith("_pending"):
            return True
        return self.days_left is not None and self.days_left >= 0


def review_stage(
    req: Request, today: date | None = None, r: Rules | None = None
) -> ReviewStage | None:
    """The review stage of a formal matter once replied; None before a written reply."""
    r = r or rules()
    if req.track != "formal" or req.replied_on is None:
        return None
    today = today or local_today()

    def at(stage: str, until: date | None) -> ReviewStage:
        return ReviewStage(stage, until, None if until is None else (until - today).days)

    if req.rereview_answered_on is not None:
        return at("final", None)
    if req.rereview_applied_on is not None:
        return at("rereview_pending", r.add(req.rereview_applied_on, r.review_answer_days))
    if req.review_answered_on is not None:
        return at("rereview_window", rereview_until(req, r))
    if req.review_applied_on is not None:
        return at("review_pending", r.add(req.review_applied_on, r.review_answer_days))
    return at("review_window", r.add(reply_received_on(req), r.review_days))


# The legal channels a matter is redirected to keep their own time limits (Art. 28, 31).
# Shown as information: they run from when the person learned of the act, which the app
# does not know.
REDIRECT_LIMITS = {
    "admin_reconsideration": _l(
        "Administrative reconsideration: apply within 60 days of learning of the "
        "administrative act."
    ),
    "court": _l(
        "Administrative litigation: file within 6 months of learning of the administrative "
        "act (Administrative Litigation Law Art. 46)."
    ),
    "arbitration": _l(
        "Labour arbitration: apply within 1 year of learning that your rights were infringed."
    ),
}


# What a court case is in each category (request_categories.csv, legal_channel): only where
# it is a suit against an administrative act does the 6-month administrative-litigation limit
# apply. R09 has no channel in the csv (a manhole-cover injury is a civil claim, a demolition
# order an administrative one), so it gets the neutral sentence, as do the others not named.
ADMINISTRATIVE_CATEGORIES = frozenset({"R03", "R10"})
# Labour disputes reach a court only after labour arbitration, so neither the civil 3 years
# nor the administrative 6 months is the limit the resident has to keep.
LABOUR_CATEGORIES = frozenset({"R01", "R02"})
CIVIL_CATEGORIES = frozenset({"R04", "R05", "R06", "R07", "R11", "R12", "R16"})
CIVIL_COURT_LIMIT = _l(
    "Civil litigation: the general limitation period is 3 years from the day you knew or "
    "should have known that your rights were harmed and who harmed them (Civil Code Art. 188). "
    "If a court has already decided the matter, its own time limits for appeal or retrial apply."
)
LABOUR_COURT_LIMIT = _l(
    "Labour disputes go to labour arbitration before a court: apply within 1 year of learning "
    "that your rights were infringed; if you do not accept the award, you may sue within 15 "
    "days of receiving it (Labour Dispute Mediation and Arbitration Law Art. 27, 50)."
)
COURT_LIMIT_UNKNOWN = _l(
    "The time limit for going to court depends on the kind of case. Ask the court or a "
    "legal-aid office (12348) which limit applies to you."
)
# Outside labour disputes an arbitration needs the parties' arbitration agreement, and its
# limit follows the kind of dispute: no figure here rather than labour's 1 year.
ARBITRATION_LIMIT_UNKNOWN = _l(
    "Arbitration needs an arbitration agreement between the parties. The time limit for "
    "applying depends on the kind of dispute. Ask the arbitration commission or a legal-aid "
    "office (12348) which limit applies to you."
)
# Labour Dispute Mediation and Arbitration Law Art. 27 para. 4: unpaid wages are not barred
# while the employment lasts; the year runs from its end.
WAGES_DURING_EMPLOYMENT = _l(
    "For wages unpaid while you are still employed, this 1-year limit does not run; once the "
    "employment has ended, apply within 1 year of the day it ended (Labour Dispute Mediation "
    "and Arbitration Law Art. 27)."
)
WAGE_CATEGORIES = frozenset({"R01"})


def redirect_limit(req: Request):
    """The time limit of the legal channel a matter was redirected to, for the resident."""
    if req.redirect_channel == "court":
        if req.category_code in ADMINISTRATIVE_CATEGORIES:
            return REDIRECT_LIMITS["court"]
        if req.category_code in LABOUR_CATEGORIES:
            return LABOUR_COURT_LIMIT
        if req.category_code in CIVIL_CATEGORIES:
            return CIVIL_COURT_LIMIT
        return COURT_LIMIT_UNKNOWN
    if req.redirect_channel == "arbitration" and req.category_code not in LABOUR_CATEGORIES:
        return ARBITRATION_LIMIT_UNKNOWN
    return REDIRECT_LIMITS.get(req.redirect_channel or "")


# A labour dispute reaches a court only through arbitration: "decided through a court" alone
# would contradict the limit printed below it.
LABOUR_COURT_PHRASE = lazy_pgettext("in a sentence", "labour arbitration and then a court")


def redirect_channel_phrase(req: Request) -> str:
    """The channel a matter was redirected to, as it reads inside a sentence."""
    if req.redirect_channel == "court" and req.category_code in LABOUR_CATEGORIES:
        return str(LABOUR_COURT_PHRASE)
    return label("redirect_channel_phrase", req.redirect_channel)


def redirect_limit_notes(req: Request) -> list:
    """The channel's time limit and, for unpaid wages, when that limit does not run."""
    limit = redirect_limit(req)
    if limit is None:
        return []
    notes = [limit]
    if req.redirect_channel in ("court", "arbitration") and req.category_code in WAGE_CATEGORIES:
        notes.append(WAGES_DURING_EMPLOYMENT)
    return notes


def running_due_on(req: Request, r: Rules | None = None) -> date | None:
    """The due date of the clock running on this request, None when the office owes nothing."""
    r = r or rules()
    span = _clock_span(req, r)
    if span is None:
        return None
    _name, start, days = span
    return r.add(start, days)


@event.listens_for(Session, "before_flush")
def _store_due_on(session, _flush_context, _instances) -> None:
    # Every write of a request (services, demo loader, fixtures) stores its due date, so that
    # SQL lists read the Python rule instead of repeating it.
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Request) and obj.received_on is not None:
            due = running_due_on(obj)
            if obj.due_on != due:
                obj.due_on = due
            decided, replied = on_time_flags(obj)
            if (obj.decided_on_time, obj.replied_on_time) != (decided, replied):
                obj.decided_on_time, obj.replied_on_time = decided, replied


def due_on_sql(r: Rules | None = None) -> sa.ColumnElement:
    """SQL for the due date of the running clock (NULL when none runs): the stored column."""
    return Request.due_on


def recompute_due_dates() -> int:
    """Store again every request's due date (after a calendar upgrade or new targets)."""
    changed = 0
    for req in db.session.scalars(sa.select(Request)):
        due = running_due_on(req)
        flags = on_time_flags(req)
        if req.due_on != due or (req.decided_on_time, req.replied_on_time) != flags:
            req.due_on = due
            req.decided_on_time, req.replied_on_time = flags
            changed += 1
    return changed
