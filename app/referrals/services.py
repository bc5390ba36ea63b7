"""Referrals: raise one from a visit or a welfare item, then follow it to done."""

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit.services import record
from ..extensions import db
from ..idempotency import create_once
from ..models import Answer, Referral, ReferralService, User, Visit
from ..refusals import Conflict, Invalid
from ..timeutil import local_today

STATE_MESSAGES = {
    "referred": _l("This referral has not been accepted by the service yet."),
    "accepted": _l("This referral is already accepted by the service."),
    "done": _l("This referral is already done."),
}
SENT_BEFORE = _l("This referral was already sent with other content. Open it to change it.")
# Steps in the order a service takes them; done may come straight after the referral.
NEXT = {"accept": ("referred",), "done": ("referred", "accepted")}


def raise_referral(
    user: User,
    visit: Visit,
    data: dict,
    client_uuid: str,
    answer: Answer | None = None,
) -> tuple[Referral, bool]:
    """Refer a need seen on a visit (or on a welfare item of its checklist) to a service, once
    per client UUID; returns (referral, created)."""
    if db.session.get(ReferralService, data["service_code"]) is None:
        raise Invalid(_l("Choose a service from the list."), field="service_code")
    if answer is not None and (answer.screening.visit_id != visit.id or answer.value != "concern"):
        raise Conflict(_l("This item is no longer marked as needing attention."))
    follow_up_on = data.get("follow_up_on")
    if follow_up_on is not None and follow_up_on < visit.visited_on:
        raise Invalid(_l("The follow-up date cannot be before the visit."), field="follow_up_on")
    values = {
        "visit_id": visit.id,
        "answer_id": answer.id if answer else None,
        "service_code": data["service_code"],
        "note": data["note"],
        "follow_up_on": follow_up_on,
    }

    def create() -> Referral:
        ref = Referral(
            uuid=client_uuid,
            item_id=answer.item_id if answer else None,
            grid_id=visit.grid_id,
            resident_id=visit.resident_id,
            referred_on=local_today(),
            created_by_id=user.id,
            **values,
        )
        db.session.add(ref)
        db.session.flush()
        record(
            "referral_raised",
            "referral",
            ref.id,
            {"service": ref.service_code, "visit": visit.id, "answer": values["answer_id"]},
            user=user,
        )
        return ref

    return create_once(
        Referral,
        client_uuid,
        create,
        lambda r: all(getattr(r, k) == v for k, v in values.items()),
        SENT_BEFORE,
    )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _move(ref: Referral, from_statuses: tuple[str, ...], values: dict) -> None:
    """Change the referral only if it is still in one of from_statuses (one winner of a race)."""
    result = db.session.execute(
        sa.update(Referral)
        .where(Referral.id == ref.id, Referral.status.in_(from_statuses))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(ref)
    if result.rowcount != 1:
        raise Conflict(STATE_MESSAGES[ref.status])


def accept(ref: Referral, user: User, follow_up_on: date | None) -> None:
    """The service has taken the referral on; a new follow-up date may be set with it."""
    values: dict = {"status": "accepted", "accepted_on": local_today()}
    if follow_up_on is not None:
        values["follow_up_on"] = follow_up_on
    _move(ref, NEXT["accept"], values)
    record(
        "referral_accepted",
        "referral",
        ref.id,
        {"follow_up_on": _iso(follow_up_on)},
        user=user,
    )


def finish(ref: Referral, user: User, outcome: str) -> None:
    """The service has done what was needed: the referral is closed with what came of it."""
    outcome = (outcome or "").strip()[:2000]
    if not outcome:
        raise Invalid(_l("Say what the service did."), field="outcome")
    today = local_today()
    values = {"status": "done", "done_on": today, "outcome": outcome, "follow_up_on": None}
    if ref.accepted_on is None:
        values["accepted_on"] = today
    _move(ref, NEXT["done"], values)
    record("referral_done", "referral", ref.id, user=user)


def set_follow_up(ref: Referral, user: User, follow_up_on: date | None) -> None:
    """Move (or clear) the date to check with the service again, while it is not done."""
    if follow_up_on is not None and follow_up_on < ref.referred_on:
        raise Invalid(_l("The follow-up date cannot be before the referral."), field="follow_up_on")
    _move(
        ref,
        ("referred", "accepted"),
        {"follow_up_on": follow_up_on},
    )
    record(
        "referral_follow_up_set",
        "referral",
        ref.id,
        {"on": _iso(follow_up_on)},
        user=user,
    )
