"""The request state machine: every step checked, recorded on the timeline and audited.

Who may do what (community track = the community's own handling, formal track = a
letters-and-visits matter under the 2022 Regulations):
- workers and secretaries in scope register requests, record community-track replies and
  follow-up visits;
- on the community track either of them acknowledges a request (stored as `accepted_on`);
- formal decisions are the secretary's: moving a request to the formal track, accepting,
  not accepting, redirecting to a legal channel, extending the reply period, the formal
  written reply and its delivery, and the review steps;
- a complaint about an official (R15) is never the community's: the township's discipline
  liaison (inspector) takes the secretary's part in it, and scope hides it from the secretary.
A step the rules do not allow raises Conflict, an input they do not accept Invalid (naming
its field), each with a message for the user; the request then writes nothing.
"""

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..enums import REDIRECT_CHANNELS, REPLY_DELIVERY, REQUEST_CHANNELS, SATISFACTION
from ..extensions import db
from ..i18n import DayInWords
from ..idempotency import create_once, holds
from ..models import RequestCategory, RequestEvent, Resident, User, Visit
from ..permissions import FIELD, INSPECTOR, REQUEST_HANDLERS, SECRETARY
from ..refusals import Conflict, Invalid, NotAllowed
from ..timeutil import local_today
from .deadlines import default_received_on, reply_due_on, review_stage, rules
from .models import Request

ACTIONS = (
    "accept",
    "not_accept",
    "redirect",
    "reply",
    "receipt",
    "review",
    "review_answer",
    "rereview",
    "rereview_answer",
    "follow_up",
    "formal",
    "extend",
)
# Channels by which a matter reaches the office as a formal letters-and-visits matter at once.
FORMAL_AT_RECEIPT = ("letter", "walk_in")
# A step dated more than this many days before it is entered is flagged 补录 (entered late).
BACKFILL_DAYS = 3
# A posted reply may take a while; a receipt date further out is a typing mistake.
MAX_DELIVERY_DAYS = 30
MAX_TEXT = 4000

FIELD_ONLY = _l("Only grid workers and secretaries handle requests.")
SECRETARY_ONLY = _l("Only the community secretary can take this decision.")
INSPECTOR_ONLY = _l("Only the township's discipline liaison can take this decision.")
ALREADY_DECIDED = _l("A decision on this request has already been recorded.")


# Each review step and the stage it belongs to (Art. 35 review, Art. 36 re-review).
REVIEW_STEPS = {
    "review": (
        "review_window",
        _l("A review can no longer be asked for on this reply."),
    ),
    "review_answer": ("review_pending", _l("No review is waiting for its answer.")),
    "rereview": (
        "rereview_window",
        _l("A re-review can be asked for only after the review's answer, and only once."),
    ),
    "rereview_answer": ("rereview_pending", _l("No re-review is waiting for its answer.")),
}
STILL_OPEN = {
    "review_window": lambda until: _l(
        "The resident may still ask for a review until %(date)s; the request is closed after that.",
        date=DayInWords(until),
    ),
    "review_pending": lambda until: _l(
        "A review is pending (answer due %(date)s); the request is closed after its answer.",
        date=DayInWords(until),
    ),
    "rereview_window": lambda until: _l(
        "The resident may still ask for a re-review until %(date)s; the request is closed after "
        "that.",
        date=DayInWords(until),
    ),
    "rereview_pending": lambda until: _l(
        "A re-review is pending (answer due %(date)s); the request is closed after its answer.",
        date=DayInWords(until),
    ),
}


def problem(req: Request, user: User, action: str):
    """Why `user` may not take `action` on this request now; None when they may."""
    if user.role not in REQUEST_HANDLERS:
        return FIELD_ONLY
    if req.category.restricted and user.role not in INSPECTOR and action != "follow_up":
        # The worker who recorded it may visit the resident again; the rest is the liaison's.
        return INSPECTOR_ONLY
    formal = req.track == "formal"
    status = req.status
    if action == "formal":
        if formal:
            return _l("This request is already on the formal track.")
        if status not in ("received", "accepted"):
            return _l("Only a request that has not been answered can move to the formal track.")
        return SECRETARY_ONLY if user.role not in SECRETARY | INSPECTOR else None
    if action == "accept":
        if status != "received":
            return ALREADY_DECIDED
        return SECRETARY_ONLY if formal and user.role not in SECRETARY | INSPECTOR else None
    if action in ("not_accept", "redirect"):
        if not formal:
            return _l(
                "Only a formal letters-and-visits matter can be declined or redirected. "
                "Move it to the formal track first."
            )
        if status != "received":
            return ALREADY_DECIDED
        return SECRETARY_ONLY if user.role not in SECRETARY | INSPECTOR else None
    if action == "extend":
        if not formal:
            return _l("Only the reply period of a formal matter can be extended.")
        if req.extension_days:
            return _l(
                "The reply period has already been extended once; only one extension is allowed."
            )
        if status != "accepted":
            return _l(
                "The reply period can be extended only after acceptance and before the reply."
            )
        return SECRETARY_ONLY if user.role not in SECRETARY | INSPECTOR else None
    if action == "reply":
        if status == "received":
            return _l("A reply can be recorded only after the request has been accepted.")
        if status in ("not_accepted", "redirected"):
            return _l("This request was not accepted or was redirected; no reply is due.")
        if status != "accepted":
            return _l("A reply has already been recorded.")
        # The formal written reply is a decision of the office (Art. 32-34): the secretary's.
        return SECRETARY_ONLY if formal and user.role not in SECRETARY | INSPECTOR else None
    if action == "receipt":
        if not formal or status != "replied":
            return _l("Only the delivery of a formal written reply can be corrected.")
        if review_stage(req).stage != "review_window":
            return _l("A review has been asked for; the receipt date of the reply stays as it is.")
        return SECRETARY_ONLY if user.role not in SECRETARY | INSPECTOR else None
    if action in REVIEW_STEPS:
        if not formal or status != "replied":
            return _l("A review is asked for only after a formal written reply.")
        needed, message = REVIEW_STEPS[action]
        if review_stage(req).stage != needed:
            return message
        return SECRETARY_ONLY if user.role not in SECRETARY | INSPECTOR else None
    if action == "follow_up":
        if status == "closed":
            return _l("The follow-up visit is already recorded and the request is closed.")
        if status != "replied":
            return _l("A request can be closed only after a reply has been recorded.")
        stage = review_stage(req)
        if stage is not None and stage.open:
            return STILL_OPEN[stage.stage](stage.until)
        return None
    return _l("This step does not exist.")


def allowed_actions(req: Request, user: User) -> list[str]:
    """The next steps this user may take on the request, in the order the page offers them."""
    return [a for a in ACTIONS if problem(req, user, a) is None]


def _require(req: Request, user: User, action: str) -> None:
    message = problem(req, user, action)
    if message is not None:
        raise Conflict(message)


def _check_date(
    on: date | None, earliest: date, earliest_message, req: Request | None = None
) -> date:
    if on is None:
        raise Invalid(_l("Enter a date."), "on")
    if on > local_today():
        raise Invalid(_l("The date cannot be in the future."), "on")
    if on < earliest:
        raise Invalid(earliest_message, "on")
    last = _last_step_on(req) if req is not None else None
    if last is not None and on < last:
        # The timeline is recorded in order: a step cannot go back before one already on it.
        raise Invalid(
            _l(
                "The date cannot be before the last step on record (%(date)s).",
                date=DayInWords(last),
            ),
            "on",
        )
    return on


def _last_step_on(req: Request) -> date | None:
    return max((ev.on_date for ev in req.events), default=None)


def _text(value: str | None, field: str, message) -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid(message, field)
    if len(text) > MAX_TEXT:
        raise Invalid(_l("Keep this under %(n)s characters.", n=MAX_TEXT), field)
    return text


def _before_receipt(req: Request):
    return _l(
        "The date cannot be before the request was received (%(date)s).",
        date=DayInWords(req.received_on),
    )


def _is_repeat(req: Request, kind: str, on: date | None, note: str) -> bool:
    """A double tap or a retried POST of the step just recorded: nothing more to do."""
    last = req.events[-1] if req.events else None
    return bool(last and last.kind == kind and last.on_date == on and last.note == note)


def _event(
    req: Request, actor: User, kind: str, on: date, note: str = "", detail: dict | None = None
) -> RequestEvent:
    backfilled = (local_today() - on).days > BACKFILL_DAYS
    ev = RequestEvent(
        request=req, kind=kind, on_date=on, actor_id=actor.id, note=note, backfilled=backfilled
    )
    db.session.add(ev)
    db.session.flush()
    # Audit holds codes and statuses only: the summary, reasons and replies stay on the record.
    record(
        f"request_{kind}",
        "request",
        req.id,
        {
            "status": req.status,
            "track": req.track,
            **({"backfilled": True} if backfilled else {}),
            **(detail or {}),
        },
        user=actor,
    )
    return ev


def register(
    *,
    resident: Resident,
    actor: User,
    channel: str,
    category_code: str,
    summary: str,
    received_on: date | None,
    client_uuid: str,
    visit: Visit | None = None,
    formal: bool = False,
) -> tuple[Request, bool]:
    """Record a resident's request; a repeated UUID returns the first.

    It starts on the community track, or, for a letter or a walk-in to the office that the
    secretary records as a letters-and-visits matter, on the formal track from receipt.
    """
    if actor.role not in FIELD:
        raise NotAllowed(FIELD_ONLY)
    if visit is not None:
        channel = "visit"
    if channel not in REQUEST_CHANNELS:
        raise Invalid(_l("Choose how the request came in."), "channel")
    category = db.session.get(RequestCategory, category_code or "")
    if category is None:
        raise Invalid(_l("Choose a category."), "category")
    summary = _text(summary, "summary", _l("Write what the resident asks for."))
    if received_on is None:
        raise Invalid(_l("Enter a date."), "received_on")
    if received_on > local_today():
        raise Invalid(_l("The date cannot be in the future."), "received_on")
    if formal:
        if actor.role not in SECRETARY | INSPECTOR:
            raise NotAllowed(SECRETARY_ONLY)
        if channel not in FORMAL_AT_RECEIPT:
            raise Invalid(
                _l(
                    "Only a letter or a walk-in to the office starts on the formal track; "
                    "move other requests to it from their page."
                ),
                "formal",
            )
    track = "formal" if formal else "community"

    def create() -> Request:
        req = Request(
            uuid=client_uuid,
            resident_id=resident.id,
            grid_id=resident.grid_id,
            visit_id=visit.id if visit else None,
            recorded_by_id=actor.id,
            channel=channel,
            category_code=category.code,
            summary=summary,
            received_on=received_on,
            track=track,
            formal_on=received_on if formal else None,
            status="received",
        )
        db.session.add(req)
        db.session.flush()
        _event(req, actor, "registered", received_on, detail={"channel": channel})
        return req

    return create_once(
        Request,
        client_uuid,
        create,
        same=lambda r: holds(
            r,
            {
                "resident_id": resident.id,
                "visit_id": visit.id if visit else None,
                "recorded_by_id": actor.id,
                "channel": channel,
                "category_code": category.code,
                "summary": summary,
                "received_on": received_on,
                "track": track,
            },
        ),
        mismatch=_l(
            "This form was already used for another request. Open a new form and send again."
        ),
    )


def move_to_formal(req: Request, actor: User, on: date | None, reason: str = "") -> Request:
    """Make the request a formal letters-and-visits matter; its acceptance clock starts.

    The office has had the matter since receipt, so the clock starts then (Art. 22). A later
    start needs the reason why the matter only became one for letters and visits later (the
    resident came back with it, say); both dates show on the page and the audit keeps them.
    """
    reason = (reason or "").strip()
    if _is_repeat(req, "moved_to_formal", on or req.received_on, reason):
        return req
    _require(req, actor, "formal")
    on = on or req.received_on
    req.formal_on = _check_date(on, req.received_on, _before_receipt(req))
    later = (on - req.received_on).days
    if later > 0:
        req.formal_reason = _text(
            reason,
            "reason",
            _l(
                "The formal clock starts at receipt (%(date)s). Give the reason for a later start.",
                date=DayInWords(req.received_on),
            ),
        )
    else:
        req.formal_reason = ""
    req.track = "formal"
    # An acknowledgement on the community track is not a formal acceptance: the matter
    # waits for the secretary's decision under the statutory clock.
    req.status = "received"
    req.accepted_on = None
    req.decided_on = None
    _event(
        req,
        actor,
        "moved_to_formal",
        req.formal_on,
        req.formal_reason,
        {"days_after_receipt": later} if later else None,
    )
    return req


def accept(req: Request, actor: User, on: date | None) -> Request:
    """Accept a formal matter, or acknowledge a community-track request."""
    kind = "accepted" if req.track == "formal" else "acknowledged"
    if _is_repeat(req, kind, on, ""):
        return req
    _require(req, actor, "accept")
    if req.track == "formal" and req.formal_on:
        start = req.formal_on
        too_early = _l(
            "The date cannot be before the request became a letters-and-visits matter (%(date)s).",
            date=DayInWords(start),
        )
    else:
        # A community-track request has no other track to have reached: its first day is
        # the day it was received.
        start, too_early = req.received_on, _before_receipt(req)
    req.accepted_on = _check_date(on, start, too_early, req)
    req.decided_on = req.accepted_on
    req.status = "accepted"
    _event(req, actor, kind, req.accepted_on)
    return req


def not_accept(req: Request, actor: User, on: date | None, reason: str) -> Request:
    """Decline a formal matter with the reason the resident will be told."""
    reason = (reason or "").strip()
    if _is_repeat(req, "not_accepted", on, reason):
        return req
    _require(req, actor, "not_accept")
    on = _check_date(on, req.formal_on or req.received_on, _before_receipt(req), req)
    req.decision_reason = _text(reason, "reason", _l("Give the reason the resident will be told."))
    req.decided_on = on
    req.status = "not_accepted"
    _event(req, actor, "not_accepted", on, req.decision_reason)
    return req


def redirect(req: Request, actor: User, on: date | None, channel: str, reason: str) -> Request:
    """Send a formal matter to the court, arbitration or reconsideration, saying why."""
    reason = (reason or "").strip()
    if _is_repeat(req, "redirected", on, reason) and req.redirect_channel == channel:
        return req
    _require(req, actor, "redirect")
    if channel not in REDIRECT_CHANNELS:
        raise Invalid(_l("Choose the legal channel the matter belongs to."), "channel")
    on = _check_date(on, req.formal_on or req.received_on, _before_receipt(req), req)
    req.decision_reason = _text(reason, "reason", _l("Say why the matter belongs to this channel."))
    req.redirect_channel = channel
    req.decided_on = on
    req.status = "redirected"
    _event(req, actor, "redirected", on, req.decision_reason, {"channel": channel})
    return req


def extend(req: Request, actor: User, on: date | None, days: int | None, reason: str) -> Request:
    """Extend a formal reply period once, by at most 30 days, with the reason told."""
    reason = (reason or "").strip()
    if _is_repeat(req, "extended", on, reason) and req.extension_days == days:
        return req
    _require(req, actor, "extend")
    limit = rules().max_extension_days
    if days is None or days < 1 or days > limit:
        raise Invalid(_l("An extension is between 1 and %(n)s days.", n=limit), "days")
    on = _check_date(
        on,
        req.accepted_on,
        _l(
            "The date cannot be before the acceptance (%(date)s).", date=DayInWords(req.accepted_on)
        ),
        req,
    )
    due = reply_due_on(req)
    if on > due:
        raise Invalid(
            _l(
                "An extension must be decided before the reply is due (%(date)s).",
                date=DayInWords(due),
            ),
            "on",
        )
    reason = _text(reason, "reason", _l("Give the reason the resident will be told."))
    req.extension_days = days
    req.extension_reason = reason
    _event(req, actor, "extended", on, reason, {"days": days})
    return req


def _check_received(req: Request, sent_on: date, received_on: date, field: str) -> date:
    if received_on < sent_on:
        raise Invalid(
            _l(
                "The reply cannot be received before it was sent (%(date)s).",
                date=DayInWords(sent_on),
            ),
            field,
        )
    if received_on > sent_on + timedelta(days=MAX_DELIVERY_DAYS):
        raise Invalid(
            _l("A reply is received within %(n)s days of being sent.", n=MAX_DELIVERY_DAYS), field
        )
    return received_on


def reply(
    req: Request,
    actor: User,
    on: date | None,
    text: str,
    delivery: str | None = None,
    received_on: date | None = None,
) -> Request:
    """Record the reply given to the resident; a formal one with how and when it reached them."""
    text = (text or "").strip()
    if _is_repeat(req, "replied", on, text):
        return req
    _require(req, actor, "reply")
    on = _check_date(
        on,
        req.accepted_on,
        _l(
            "The date cannot be before the acceptance (%(date)s).", date=DayInWords(req.accepted_on)
        ),
        req,
    )
    req.reply_text = _text(text, "text", _l("Write the reply given to the resident."))
    detail = {}
    if req.track == "formal":
        delivery = delivery or "handed"
        if delivery not in REPLY_DELIVERY:
            raise Invalid(_l("Choose how the reply reached the resident."), "delivery")
        # A posted reply is expected a few days on; the date is corrected when the receipt returns.
        received_on = _check_received(
            req, on, received_on or default_received_on(on, delivery), "received_on"
        )
        req.reply_delivery, req.reply_received_on = delivery, received_on
        detail = {"delivery": delivery, "received_on": received_on.isoformat()}
    req.replied_on = on
    req.status = "replied"
    _event(req, actor, "replied", on, req.reply_text, detail)
    return req


def record_receipt(req: Request, actor: User, on: date | None) -> Request:
    """Correct the day the resident received the formal reply (a postal receipt came back)."""
    if _is_repeat(req, "reply_received", on, "") and req.reply_received_on == on:
        return req
    _require(req, actor, "receipt")
    if on is None:
        raise Invalid(_l("Enter a date."), "on")
    if on > local_today():
        raise Invalid(_l("The date cannot be in the future."), "on")
    req.reply_received_on = _check_received(req, req.replied_on, on, "on")
    _event(req, actor, "reply_received", on)
    return req


def follow_up(req: Request, actor: User, on: date | None, satisfaction: str) -> Request:
    """Record the follow-up visit and the resident's satisfaction; the request closes."""
    if _is_repeat(req, "followed_up", on, "") and req.satisfaction == satisfaction:
        return req
    _require(req, actor, "follow_up")
    if satisfaction not in SATISFACTION:
        raise Invalid(_l("Choose how satisfied the resident is."), "satisfaction")
    on = _check_date(
        on,
        req.replied_on,
        _l("The date cannot be before the reply (%(date)s).", date=DayInWords(req.replied_on)),
        req,
    )
    req.followed_up_on = on
    req.satisfaction = satisfaction
    req.status = "closed"
    _event(req, actor, "followed_up", on, detail={"satisfaction": satisfaction})
    return req


def _not_future(on: date | None, req: Request) -> date:
    return _check_date(on, date.min, "", req)


def ask_review(req: Request, actor: User, on: date | None, body: str, level: str) -> Request:
    """Record that the resident asked the body one level up for a review or re-review."""
    body = (body or "").strip()
    kind = f"{level}_requested"
    if _is_repeat(req, kind, on, body):
        return req
    _require(req, actor, level)
    stage = review_stage(req)
    on = _not_future(on, req)
    opened = (
        (req.reply_received_on or req.replied_on)
        if level == "review"
        else (req.review_received_on or req.review_answered_on)
    )
    if on < opened:
        raise Invalid(
            _l(
                "The date cannot be before the answer was received (%(date)s).",
                date=DayInWords(opened),
            ),
            "on",
        )
    if on > stage.until:
        raise Invalid(
            _l(
                "The window for asking closed on %(date)s; the body one level up decides on a "
                "late application, not this record.",
                date=DayInWords(stage.until),
            ),
            "on",
        )
    if len(body) > 200:
        raise Invalid(_l("Keep this under %(n)s characters.", n=200), "body")
    setattr(req, f"{level}_applied_on", on)
    setattr(req, f"{level}_body", body)
    _event(req, actor, kind, on, body)
    return req


def record_review_answer(
    req: Request,
    actor: User,
    on: date | None,
    outcome: str,
    received_on: date | None,
    level: str,
) -> Request:
    """Record the answer of the review or re-review, as the resident was told it."""
    outcome = (outcome or "").strip()
    kind = f"{level}_answered"
    if _is_repeat(req, kind, on, outcome):
        return req
    _require(req, actor, f"{level}_answer")
    on = _not_future(on, req)
    applied = getattr(req, f"{level}_applied_on")
    if on < applied:
        raise Invalid(
            _l("The date cannot be before the application (%(date)s).", date=DayInWords(applied)),
            "on",
        )
    outcome = _text(outcome, "outcome", _l("Write what the answer decided."))
    if level == "review":
        req.review_received_on = _check_received(req, on, received_on or on, "received_on")
    setattr(req, f"{level}_answered_on", on)
    setattr(req, f"{level}_outcome", outcome)
    _event(req, actor, kind, on, outcome)
    return req
