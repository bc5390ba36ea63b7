"""The state machine: legal steps, refused steps with their messages, events and audit."""

import json
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, Request, RequestEvent
from app.refusals import Refusal
from app.requests import services
from app.timeutil import local_today
from tests.dates import Days


@pytest.fixture(autouse=True)
def _english_messages(app):
    """Service refusals are compared with their English wording (the source text)."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield


def days_ago(n: int):
    return local_today() - timedelta(days=n)


@pytest.fixture
def register(world, make_resident, in_request):
    def _register(actor=None, category="R04", received_on=None, **kw):
        req, _created = services.register(
            resident=kw.pop("resident", None) or make_resident(),
            actor=actor or world.worker_a,
            channel=kw.pop("channel", "phone"),
            category_code=category,
            summary=kw.pop("summary", "No hot water since Monday."),
            received_on=received_on or days_ago(20),
            client_uuid=str(uuid.uuid4()),
            **kw,
        )
        return req

    return _register


def _formal_accepted(register, world, accepted=10):
    req = register()
    services.move_to_formal(req, world.secretary_a, days_ago(20))
    services.accept(req, world.secretary_a, days_ago(accepted))
    return req


def _audit(req):
    rows = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == "request", AuditEvent.object_id == str(req.id))
        .order_by(AuditEvent.id)
    )
    return [(a.action, json.loads(a.detail)) for a in rows]


def test_formal_walk_from_registration_to_closing_writes_events_and_audit(register, world, today):
    req = register(received_on=days_ago(90))
    assert (req.track, req.status) == ("community", "received")
    services.move_to_formal(req, world.secretary_a, days_ago(90))
    services.accept(req, world.secretary_a, days_ago(88))
    services.extend(req, world.secretary_a, days_ago(40), 30, "Needs a site survey.")
    services.reply(req, world.secretary_a, days_ago(35), "The boiler is replaced on Friday.")
    # The review window (30 days from receipt) has passed: the follow-up visit closes it.
    services.follow_up(req, world.worker_a, today, "satisfied")
    db.session.commit()
    assert (req.track, req.status, req.satisfaction) == ("formal", "closed", "satisfied")
    assert [e.kind for e in req.events] == [
        "registered",
        "moved_to_formal",
        "accepted",
        "extended",
        "replied",
        "followed_up",
    ]
    assert req.events[3].note == "Needs a site survey."
    audit = _audit(req)
    assert [a for a, _ in audit] == [
        "request_registered",
        "request_moved_to_formal",
        "request_accepted",
        "request_extended",
        "request_replied",
        "request_followed_up",
    ]
    assert audit[3][1] == {"days": 30, "status": "accepted", "track": "formal", "backfilled": True}
    # Audit rows carry codes only: no summary, reason or reply text.
    assert not any("boiler" in json.dumps(d) or "survey" in json.dumps(d) for _, d in audit)


def test_community_walk_acknowledge_reply_follow_up(register, world, today):
    req = register()
    services.accept(req, world.worker_a, days_ago(19))
    services.reply(req, world.worker_a, days_ago(3), "Plumber came.")
    services.follow_up(req, world.worker_a, today, "partly")
    assert [e.kind for e in req.events] == ["registered", "acknowledged", "replied", "followed_up"]
    assert req.status == "closed"


@pytest.mark.parametrize(
    ("setup", "step", "message"),
    [
        (
            "new",
            lambda r, w: services.reply(r, w.worker_a, local_today(), "Done."),
            "A reply can be recorded only after the request has been accepted.",
        ),
        (
            "new",
            lambda r, w: services.follow_up(r, w.worker_a, local_today(), "satisfied"),
            "A request can be closed only after a reply has been recorded.",
        ),
        (
            "formal_accepted",
            lambda r, w: services.follow_up(r, w.worker_a, local_today(), "satisfied"),
            "A request can be closed only after a reply has been recorded.",
        ),
        (
            "formal_accepted",
            lambda r, w: services.extend(r, w.secretary_a, local_today(), 31, "Slow."),
            "An extension is between 1 and 30 days.",
        ),
        (
            "formal_accepted",
            lambda r, w: services.extend(r, w.secretary_a, local_today(), 0, "Slow."),
            "An extension is between 1 and 30 days.",
        ),
        (
            "formal_extended",
            lambda r, w: services.extend(r, w.secretary_a, local_today(), 5, "Again."),
            "The reply period has already been extended once; only one extension is allowed.",
        ),
        (
            "new",
            lambda r, w: services.extend(r, w.secretary_a, local_today(), 5, "Slow."),
            "Only the reply period of a formal matter can be extended.",
        ),
        (
            "new",
            lambda r, w: services.not_accept(r, w.secretary_a, local_today(), "No."),
            "Only a formal letters-and-visits matter can be declined or redirected. "
            "Move it to the formal track first.",
        ),
        (
            "formal_accepted",
            lambda r, w: services.accept(r, w.secretary_a, local_today()),
            "A decision on this request has already been recorded.",
        ),
        (
            "formal_new",
            lambda r, w: services.accept(r, w.worker_a, local_today()),
            "Only the community secretary can take this decision.",
        ),
        (
            "new",
            lambda r, w: services.move_to_formal(r, w.worker_a, local_today()),
            "Only the community secretary can take this decision.",
        ),
        (
            "formal_accepted",
            lambda r, w: services.extend(r, w.worker_a, local_today(), 10, "Slow."),
            "Only the community secretary can take this decision.",
        ),
        (
            "new",
            lambda r, w: services.accept(r, w.worker_a, local_today() + timedelta(days=1)),
            "The date cannot be in the future.",
        ),
        (
            "new",
            lambda r, w: services.accept(r, w.worker_a, days_ago(21)),
            "The date cannot be before the request was received",
        ),
        (
            "formal_new",
            lambda r, w: services.redirect(r, w.secretary_a, local_today(), "court", "  "),
            "Say why the matter belongs to this channel.",
        ),
        (
            "formal_accepted",
            lambda r, w: services.reply(r, w.secretary_a, days_ago(11), "Early."),
            "The date cannot be before the acceptance",
        ),
    ],
)
def test_illegal_steps_are_refused_with_a_clear_message(register, world, setup, step, message):
    req = register()
    if setup != "new":
        services.move_to_formal(req, world.secretary_a, days_ago(20))
    if setup in ("formal_accepted", "formal_extended"):
        services.accept(req, world.secretary_a, days_ago(10))
    if setup == "formal_extended":
        services.extend(req, world.secretary_a, days_ago(9), 20, "Survey.")
    db.session.commit()
    before = (req.status, req.track, req.extension_days, len(req.events))
    with pytest.raises(Refusal) as err:
        step(req, world)
    assert str(err.value).startswith(message)
    assert (req.status, req.track, req.extension_days, len(req.events)) == before


@pytest.mark.parametrize(
    ("locale", "written"),
    [
        ("en", lambda d: f"{d:%b} {d.day}, {d.year}"),
        ("zh_Hans", lambda d: f"{d.year}年{d.month}月{d.day}日"),
    ],
)
def test_dates_in_refusals_are_written_as_the_language_writes_dates(
    register, world, locale, written
):
    """Not ISO (2026-11-16), which reads unlike the hint above it and wraps badly."""
    from flask_babel import force_locale

    received = days_ago(20)
    req = register(received_on=received)
    with pytest.raises(Refusal) as err:
        services.accept(req, world.worker_a, days_ago(21))
    with force_locale(locale):
        message = str(err.value)
    assert written(received) in message
    assert received.isoformat() not in message


def test_an_acceptance_before_the_move_to_formal_names_that_step(register, world):
    """The formal track starts when the matter became one for letters and visits; the
    community track has no such step, so its message names the receipt instead."""
    req = register(received_on=days_ago(20))
    services.move_to_formal(req, world.secretary_a, days_ago(15), "Came back with a letter.")
    with pytest.raises(
        Refusal, match=r"before the request became a letters-and-visits matter \(.*\d{4}\)"
    ):
        services.accept(req, world.secretary_a, days_ago(16))


def test_extension_must_come_before_the_reply_is_due(register, world, today):
    req = register(received_on=days_ago(90))
    services.move_to_formal(req, world.secretary_a, days_ago(90))
    services.accept(req, world.secretary_a, days_ago(80))  # reply was due 20 days ago
    with pytest.raises(Refusal, match="before the reply is due") as err:
        services.extend(req, world.secretary_a, today, 10, "Late.")
    assert err.value.field == "on"


def test_extension_after_the_reply_is_refused(register, world, today):
    req = _formal_accepted(register, world)
    services.reply(req, world.secretary_a, days_ago(1), "Answered.")
    with pytest.raises(Refusal, match="only after acceptance and before the reply"):
        services.extend(req, world.secretary_a, today, 10, "Too late.")


def test_not_accepted_and_redirected_are_final(register, world, today):
    req = register()
    services.move_to_formal(req, world.secretary_a, days_ago(20))
    services.redirect(req, world.secretary_a, days_ago(5), "arbitration", "A labour dispute.")
    assert (req.status, req.redirect_channel) == ("redirected", "arbitration")
    assert services.allowed_actions(req, world.secretary_a) == []
    with pytest.raises(Refusal, match="no reply is due"):
        services.reply(req, world.worker_a, today, "x")
    other = register()
    services.move_to_formal(other, world.secretary_a, days_ago(20))
    services.not_accept(other, world.secretary_a, days_ago(4), "Already decided by a court.")
    assert other.status == "not_accepted"
    assert other.decision_reason.startswith("Already")


def test_moving_to_formal_restarts_at_the_acceptance_decision(register, world):
    req = register()
    services.accept(req, world.worker_a, days_ago(19))
    services.move_to_formal(req, world.secretary_a, days_ago(2), "Came back with a letter.")
    assert (req.track, req.status, req.accepted_on, req.formal_on) == (
        "formal",
        "received",
        None,
        days_ago(2),
    )
    assert req.formal_reason == "Came back with a letter."
    assert services.allowed_actions(req, world.worker_a) == []
    assert services.allowed_actions(req, world.secretary_a) == ["accept", "not_accept", "redirect"]


@pytest.mark.parametrize(
    ("role", "state", "expected"),
    [
        ("worker_a", "new", ["accept"]),
        ("secretary_a", "new", ["accept", "formal"]),
        ("worker_a", "formal_accepted", []),  # the formal written reply is the secretary's
        ("secretary_a", "formal_accepted", ["reply", "extend"]),
        # The review window is open: nothing closes it yet; the secretary records what follows.
        ("worker_a", "replied", []),
        ("secretary_a", "replied", ["receipt", "review"]),
    ],
)
def test_allowed_actions_by_role_and_state(register, world, role, state, expected):
    req = register()
    if state != "new":
        services.move_to_formal(req, world.secretary_a, days_ago(20))
        services.accept(req, world.secretary_a, days_ago(10))
    if state == "replied":
        services.reply(req, world.secretary_a, days_ago(1), "Done.")
    assert services.allowed_actions(req, getattr(world, role)) == expected


def test_a_repeated_step_is_recorded_once(register, world):
    req = _formal_accepted(register, world)
    services.reply(req, world.secretary_a, days_ago(1), "Answered.")
    services.reply(req, world.secretary_a, days_ago(1), "Answered.")  # double tap
    assert [e.kind for e in req.events].count("replied") == 1


def test_registration_is_idempotent_by_client_uuid(world, make_resident, in_request, today):
    resident = make_resident()
    key = str(uuid.uuid4())
    args = dict(
        resident=resident,
        actor=world.worker_a,
        channel="phone",
        category_code="R09",
        summary="Street light out.",
        received_on=today,
        client_uuid=key,
    )
    first, created = services.register(**args)
    again, created_again = services.register(**args)
    assert (created, created_again) == (True, False)
    assert first.id == again.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Request)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RequestEvent)) == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"received_on": Days(+1)},
            "received_on",
            "The date cannot be in the future.",
        ),
        ({"category_code": "R99"}, "category", "Choose a category."),
        ({"channel": "pigeon"}, "channel", "Choose how the request came in."),
        ({"summary": "   "}, "summary", "Write what the resident asks for."),
    ],
)
def test_registration_refuses_bad_input(
    world, make_resident, in_request, changes, field, message, today
):
    args = dict(
        resident=make_resident(),
        actor=world.worker_a,
        channel="phone",
        category_code="R09",
        summary="Street light out.",
        received_on=today,
        client_uuid=str(uuid.uuid4()),
    )
    with pytest.raises(Refusal) as err:
        services.register(**{**args, **changes})
    assert (err.value.field, str(err.value)) == (field, message)


def test_registration_from_a_visit_takes_the_visit_channel(
    world, make_resident, make_visit, in_request, today
):
    resident = make_resident()
    visit = make_visit(resident=resident)
    req, _ = services.register(
        resident=resident,
        actor=world.worker_a,
        channel="phone",
        category_code="R06",
        summary="Noise upstairs.",
        received_on=today,
        client_uuid=str(uuid.uuid4()),
        visit=visit,
    )
    assert (req.channel, req.visit_id) == ("visit", visit.id)


def test_township_and_admin_cannot_register(world, make_resident, in_request, today):
    with pytest.raises(Refusal):
        services.register(
            resident=make_resident(),
            actor=world.township_user,
            channel="phone",
            category_code="R09",
            summary="x",
            received_on=today,
            client_uuid=str(uuid.uuid4()),
        )


# ---- delivery of the formal reply (Art. 35: the review window runs from receipt) ----------


def test_a_handed_reply_is_received_the_same_day_and_the_window_runs_from_it(register, world):
    from app.requests.deadlines import review_right

    req = _formal_accepted(register, world)
    services.reply(req, world.secretary_a, days_ago(2), "Fixed.", "handed")
    assert (req.reply_delivery, req.reply_received_on) == ("handed", days_ago(2))
    assert review_right(req).until == days_ago(2) + timedelta(days=30)


def test_a_posted_reply_is_received_three_days_later_unless_told(register, world):
    from app.requests.deadlines import review_right

    req = _formal_accepted(register, world)
    services.reply(req, world.secretary_a, days_ago(6), "Fixed.", "posted")
    assert req.reply_received_on == days_ago(3)
    right = review_right(req)
    assert (right.from_date, right.received_on) == (days_ago(6), days_ago(3))
    assert right.until == days_ago(3) + timedelta(days=30)
    other = _formal_accepted(register, world)
    services.reply(other, world.secretary_a, days_ago(6), "Fixed.", "posted", days_ago(1))
    assert other.reply_received_on == days_ago(1)


@pytest.mark.parametrize(
    ("received", "message"),
    [
        (8, "The reply cannot be received before it was sent"),
        (-40, "A reply is received within 30 days of being sent."),
    ],
)
def test_a_receipt_date_out_of_sense_is_refused(register, world, received, message):
    req = _formal_accepted(register, world)
    with pytest.raises(Refusal) as refused:
        services.reply(req, world.secretary_a, days_ago(6), "Fixed.", "posted", days_ago(received))
    assert message in str(refused.value.message)
    assert refused.value.field == "received_on"
    assert req.status == "accepted"


def test_the_secretary_corrects_the_receipt_date_from_the_postal_receipt(register, world, today):
    from app.requests.deadlines import review_right

    req = _formal_accepted(register, world)
    services.reply(req, world.secretary_a, days_ago(8), "Fixed.", "posted")
    with pytest.raises(Refusal, match="community secretary"):
        services.record_receipt(req, world.worker_a, days_ago(1))
    services.record_receipt(req, world.secretary_a, days_ago(1))
    assert req.reply_received_on == days_ago(1)
    assert review_right(req).until == days_ago(1) + timedelta(days=30)
    assert req.events[-1].kind == "reply_received"
    assert _audit(req)[-1][0] == "request_reply_received"
    with pytest.raises(Refusal, match="future"):
        services.record_receipt(req, world.secretary_a, today + timedelta(days=1))


def test_a_community_reply_has_no_delivery_and_no_receipt_step(register, world):
    req = register()
    services.accept(req, world.worker_a, days_ago(10))
    services.reply(req, world.worker_a, days_ago(2), "Fixed.", "posted")
    assert (req.reply_delivery, req.reply_received_on) == (None, None)
    assert "receipt" not in services.allowed_actions(req, world.secretary_a)


# ---- review (复查, Art. 35) and re-review (复核, Art. 36) ---------------------------------


def _replied(register, world, replied=10):
    req = register(received_on=days_ago(replied + 30))
    services.move_to_formal(req, world.secretary_a, days_ago(replied + 30))
    services.accept(req, world.secretary_a, days_ago(replied + 25))
    services.reply(req, world.secretary_a, days_ago(replied), "Answered.", "handed")
    return req


def test_a_follow_up_does_not_close_while_the_review_window_is_open(register, world, today):
    req = _replied(register, world, replied=10)
    with pytest.raises(Refusal) as refused:
        services.follow_up(req, world.worker_a, today, "satisfied")
    until = days_ago(10) + timedelta(days=30)
    assert str(refused.value.message) == (
        f"The resident may still ask for a review until {until:%b} {until.day}, {until.year}; "
        "the request is closed after that."
    )
    assert req.status == "replied"


def test_review_and_re_review_run_their_clocks_and_then_the_request_closes(register, world, today):
    from app.requests.deadlines import current_clock, review_stage

    req = _replied(register, world, replied=28)
    assert review_stage(req).stage == "review_window"
    with pytest.raises(Refusal, match="community secretary"):
        services.ask_review(req, world.worker_a, days_ago(20), "", "review")
    services.ask_review(req, world.secretary_a, days_ago(20), "District office", "review")
    db.session.commit()
    clock = current_clock(req)
    assert (clock.name, clock.due_on) == ("review", days_ago(20) + timedelta(days=30))
    assert req.due_on == clock.due_on  # the lists see the review's clock too
    with pytest.raises(Refusal, match="A review is pending"):
        services.follow_up(req, world.worker_a, today, "satisfied")
    with pytest.raises(Refusal, match="The date cannot be before"):
        services.record_review_answer(req, world.secretary_a, days_ago(21), "x", None, "review")
    services.record_review_answer(
        req, world.secretary_a, days_ago(10), "Reply upheld.", days_ago(8), "review"
    )
    stage = review_stage(req)
    assert (stage.stage, stage.until) == ("rereview_window", days_ago(8) + timedelta(days=30))
    assert current_clock(req) is None
    services.ask_review(req, world.secretary_a, days_ago(5), "", "rereview")
    assert current_clock(req).name == "rereview"
    assert "rereview" not in services.allowed_actions(req, world.secretary_a)
    services.record_review_answer(req, world.secretary_a, days_ago(1), "Upheld.", None, "rereview")
    assert review_stage(req).stage == "final"
    services.follow_up(req, world.worker_a, today, "not_satisfied")
    assert req.status == "closed"
    assert [e.kind for e in req.events][-5:] == [
        "review_requested",
        "review_answered",
        "rereview_requested",
        "rereview_answered",
        "followed_up",
    ]
    assert [a for a, _ in _audit(req)][-5:-1] == [
        "request_review_requested",
        "request_review_answered",
        "request_rereview_requested",
        "request_rereview_answered",
    ]


def test_a_review_asked_after_the_window_is_refused(register, world, today):
    req = _replied(register, world, replied=40)
    with pytest.raises(Refusal, match="The window for asking closed on") as refused:
        services.ask_review(req, world.secretary_a, days_ago(2), "", "review")
    assert refused.value.field == "on"
    assert req.review_applied_on is None
    # Past the window, and with nothing pending, the request closes.
    services.follow_up(req, world.worker_a, today, "partly")
    assert req.status == "closed"


def test_re_review_needs_a_review_answer_first(register, world):
    req = _replied(register, world)
    assert services.problem(req, world.secretary_a, "rereview") is not None
    assert services.problem(req, world.secretary_a, "review_answer") is not None
    assert "review" in services.allowed_actions(req, world.secretary_a)


# ---- no clock that can be reset -------------------------------------------------------


def test_a_letter_or_walk_in_starts_formal_at_receipt_by_the_secretary(register, world):
    req = register(actor=world.secretary_a, channel="letter", received_on=days_ago(4), formal=True)
    assert (req.track, req.status, req.formal_on) == ("formal", "received", days_ago(4))
    assert req.events[0].kind == "registered"
    with pytest.raises(Refusal, match="community secretary"):
        register(actor=world.worker_a, channel="walk_in", formal=True)
    with pytest.raises(Refusal, match="Only a letter or a walk-in") as refused:
        register(actor=world.secretary_a, channel="phone", formal=True)
    assert refused.value.field == "formal"


def test_moving_to_formal_defaults_to_receipt_and_a_later_start_needs_a_reason(
    register, world, today
):
    req = register(received_on=days_ago(40))
    services.move_to_formal(req, world.secretary_a, None)
    assert req.formal_on == days_ago(40)  # no fresh 15 days for a matter 40 days old
    assert req.formal_reason == ""
    other = register(received_on=days_ago(40))
    with pytest.raises(Refusal, match="Give the reason for a later start") as refused:
        services.move_to_formal(other, world.secretary_a, today)
    assert refused.value.field == "reason"
    assert other.track == "community"
    services.move_to_formal(other, world.secretary_a, today, "Resident wrote to the office.")
    assert (other.formal_on, other.formal_reason) == (today, "Resident wrote to the office.")
    assert _audit(other)[-1] == (
        "request_moved_to_formal",
        {"status": "received", "track": "formal", "days_after_receipt": 40},
    )


def test_steps_keep_their_order_and_late_entries_are_flagged(register, world, today):
    req = register(received_on=days_ago(20))
    services.move_to_formal(req, world.secretary_a, None)
    services.accept(req, world.secretary_a, days_ago(10))
    with pytest.raises(Refusal, match="future"):
        services.extend(req, world.secretary_a, today + timedelta(days=1), 10, "Survey.")
    services.extend(req, world.secretary_a, days_ago(3), 10, "Survey.")
    # After the acceptance, but before the extension already on record.
    with pytest.raises(Refusal, match="before the last step on record") as refused:
        services.reply(req, world.secretary_a, days_ago(7), "Answered.")
    assert refused.value.field == "on"
    assert req.status == "accepted"
    flags = [(e.kind, e.backfilled) for e in req.events]
    # Registered 20 days back, accepted 10 days back: entered late (补录); 3 days back is not.
    assert flags == [
        ("registered", True),
        ("moved_to_formal", True),
        ("accepted", True),
        ("extended", False),
    ]
    assert _audit(req)[2][1]["backfilled"] is True
    assert "backfilled" not in _audit(req)[3][1]


def test_a_request_deleted_through_the_session_takes_its_events_with_it(register, world):
    """As the database's ON DELETE CASCADE does; the session must not first set the events'
    request_id to NULL (the column refuses it), with the events loaded or not."""
    req = _formal_accepted(register, world)
    assert len(req.events) >= 2  # loaded into the session
    request_id = req.id
    db.session.delete(req)
    db.session.flush()
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(RequestEvent.request_id == request_id))
        == 0
    )
