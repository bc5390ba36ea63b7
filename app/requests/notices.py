"""What the resident is told: decision notices and the right to a review, as plain text."""

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date, ngettext
from flask_babel import gettext as _

from ..i18n import localized
from .deadlines import (
    ReviewRight,
    has_schedule,
    promised_reply_on,
    redirect_channel_phrase,
    redirect_limit_notes,
    reply_due_on,
    rereview_until,
    review_right,
)
from .models import Request


@dataclass(frozen=True)
class Notice:
    kind: str  # acceptance | not_accepted | redirected | extension | review | rereview
    title: str
    paragraphs: list[str]
    # The day of the step the notice records (the acceptance, the reply...), never the day it
    # is printed: a reprint is the same letter as the one handed over. None if unknown.
    issued_on: date | None


@dataclass(frozen=True)
class Letterhead:
    """What every printed notice carries: to whom, which request and from whom (the date of
    issue is each notice's own)."""

    to: str  # the requester's name as recorded; no ID numbers on paper
    number: int
    issuer: str


def letterhead(req: Request) -> Letterhead:
    """The addressee, reference and issuing office of the request's notices."""
    community = req.grid.community
    # A complaint about an official is the township liaison's, never the community's (Art. 30).
    issuer = community.township.name if req.category.restricted else community.name
    return Letterhead(req.resident.name or "", req.id, issuer)


def _event_date(req: Request, kind: str):
    for ev in reversed(req.events):
        if ev.kind == kind:
            return ev.on_date
    return None


def _about(req: Request) -> dict:
    return {"received": _long(req.received_on), "category": localized(req.category)}


def notices(req: Request) -> list[Notice]:
    """Every notice the resident has been given, in the order of the steps they record.

    A step's notice stays once a later step is taken: the secretary reprints the one handed
    over (a lost acceptance notice after the reply). Each reads as on the day of its step:
    the acceptance keeps the reply date it promised, the extension the new one, the review
    rights the window from the reply's receipt, whatever has happened since."""
    if req.track != "formal":
        return []
    out: list[Notice] = []
    if req.status == "not_accepted":
        out.append(_not_accepted(req))
    elif req.status == "redirected":
        out.append(_redirected(req))
    if req.accepted_on is not None:
        out.append(_acceptance(req))
    if req.extension_days:
        out.append(_extension(req))
    right = review_right(req)
    if right is not None:
        out.append(_review(req, right))
        if req.review_answered_on is not None:
            out.append(_rereview(req, right))
    return out


def _not_accepted(req: Request) -> Notice:
    return Notice(
        "not_accepted",
        _("Notice: request not accepted"),
        [
            _(
                "Your request received on %(received)s (%(category)s) was not accepted "
                "as a letters-and-visits matter on %(date)s.",
                date=_long(req.decided_on),
                **_about(req),
            ),
            _("Reason: %(reason)s", reason=req.decision_reason),
        ],
        req.decided_on,
    )


def _redirected(req: Request) -> Notice:
    return Notice(
        "redirected",
        _("Notice: matter for a legal channel"),
        [
            _(
                "Your request received on %(received)s (%(category)s) concerns a matter "
                "that is decided through %(channel)s, not through letters and visits "
                "(decided on %(date)s).",
                channel=redirect_channel_phrase(req),
                date=_long(req.decided_on),
                **_about(req),
            ),
            _("Reason: %(reason)s", reason=req.decision_reason),
            *(str(note) for note in redirect_limit_notes(req)),
            _("That time limit runs on its own; apply there in time."),
        ],
        req.decided_on,
    )


def _acceptance(req: Request) -> Notice:
    return Notice(
        "acceptance",
        _("Notice of acceptance"),
        [
            _(
                "Your request received on %(received)s (%(category)s) was accepted as a "
                "letters-and-visits matter on %(date)s.",
                date=_long(req.accepted_on),
                **_about(req),
            ),
            # A reprint keeps the date promised that day; the extension notice carries the
            # new one.
            _(
                "You will receive a written reply by %(due)s.",
                due=_long(promised_reply_on(req)),
            ),
        ],
        req.accepted_on,
    )


def _extension(req: Request) -> Notice:
    return Notice(
        "extension",
        _("Notice of extension"),
        [
            ngettext(
                "The time for replying was extended by %(num)s day, to %(due)s.",
                "The time for replying was extended by %(num)s days, to %(due)s.",
                req.extension_days,
                due=_long(reply_due_on(req)),
            ),
            _("Reason: %(reason)s", reason=req.extension_reason),
        ],
        _event_date(req, "extended"),
    )


def _review(req: Request, right: ReviewRight) -> Notice:
    return Notice(
        "review",
        _("Your right to ask for a review"),
        [
            _(
                "If you are not satisfied with the written reply of %(date)s, received "
                "on %(received)s, you may ask the body one level above for a review "
                "within %(days)s days of receiving it, that is by %(until)s. The review "
                "is answered within %(days)s days.",
                date=_long(right.from_date),
                received=_long(right.received_on),
                days=right.answer_days,
                until=_long(right.until),
            ),
            *_holiday_rule(right.until),
            _(
                "If you are not satisfied with the review, you may ask for a re-review "
                "within 30 days of receiving its answer."
            ),
        ],
        req.replied_on,
    )


def _rereview(req: Request, right: ReviewRight) -> Notice:
    # Its window from the review's answer, not the stage now: once a re-review is asked for,
    # the stage's date is the re-review's answer.
    return Notice(
        "rereview",
        _("Your right to ask for a re-review"),
        [
            _(
                "If you are not satisfied with the review's answer of %(date)s, you may "
                "ask the body above the reviewing body for a re-review within %(days)s "
                "days of receiving it, that is by %(until)s. The re-review is answered "
                "within %(days)s days and is final.",
                date=_long(req.review_answered_on),
                days=right.answer_days,
                until=_long(rereview_until(req)),
            ),
            *_holiday_rule(rereview_until(req)),
        ],
        req.review_answered_on,
    )


def _holiday_rule(until) -> list[str]:
    """The roll-over rule in words, for a resident's last day in a year whose holiday schedule
    is not published yet: the date given is then counted in calendar days and may fall on a
    rest day, which would cut the resident's time short (Civil Code Art. 203)."""
    if until is None or has_schedule(until.year):
        return []
    return [
        _(
            "If that day is a public holiday or a rest day, the time runs to the end of the "
            "next working day."
        )
    ]


def _long(value) -> str:
    """A date as the resident reads it in a letter: 2026年11月17日 / November 17, 2026."""
    return format_date(value, "long") if value else ""
