"""Residents' requests: register one, take it step by step to an answer, list what is due."""

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..audit.services import record_read
from ..forms import redisplays_form_on_error
from ..htmx import redirect_client, render, toast, wants_fragment
from ..i18n import localized
from ..idempotency import client_key, new_key
from ..models import Resident, Visit
from ..pagination import page_number, paginate
from ..permissions import authorize, can, requires
from ..scope import get_or_404
from ..steps import Step, step_named
from . import bp, services
from .deadlines import (
    current_clock,
    decided_late_by,
    has_schedule,
    redirect_channel_phrase,
    redirect_limit_notes,
    replied_late_by,
    reply_due_on,
    review_right,
    review_stage,
    rules,
)
from .forms import (
    AcceptForm,
    ExtendForm,
    FilterForm,
    FollowUpForm,
    MoveToFormalForm,
    NotAcceptForm,
    ReceiptForm,
    RedirectForm,
    ReplyForm,
    RequestForm,
    ReviewAnswerForm,
    ReviewForm,
)

# The model is named apart from Flask's `request` (the HTTP request) used here too.
from .models import Request as ResidentRequest
from .notices import letterhead, notices
from .queries import categories, is_visible, list_requests, township_counts, with_clocks
from .services import allowed_actions

STEPS = {
    slug: Step(form, "requests.step", take, done, form_name=action)
    for slug, action, form, take, done in (
        (
            "accept",
            "accept",
            AcceptForm,
            lambda req, user, form: services.accept(req, user, form.on.data),
            # The step's own word: a community request is signed for (签收), a formal one
            # accepted (受理); "decision recorded" said neither.
            lambda req: (
                _l("Request acknowledged.") if req.track == "community" else _l("Request accepted.")
            ),
        ),
        (
            "formal",
            "formal",
            MoveToFormalForm,
            lambda req, user, form: services.move_to_formal(
                req, user, form.on.data, form.reason.data
            ),
            _l("Moved to the formal track."),
        ),
        (
            "not-accept",
            "not_accept",
            NotAcceptForm,
            lambda req, user, form: services.not_accept(req, user, form.on.data, form.reason.data),
            _l("Decision recorded."),
        ),
        (
            "redirect",
            "redirect",
            RedirectForm,
            lambda req, user, form: services.redirect(
                req, user, form.on.data, form.channel.data, form.reason.data
            ),
            _l("Decision recorded."),
        ),
        (
            "extend",
            "extend",
            ExtendForm,
            lambda req, user, form: services.extend(
                req, user, form.on.data, form.days.data, form.reason.data
            ),
            _l("Reply period extended."),
        ),
        (
            "reply",
            "reply",
            ReplyForm,
            lambda req, user, form: services.reply(
                req,
                user,
                form.on.data,
                form.text.data,
                form.delivery.data or None,
                form.received_on.data,
            ),
            _l("Reply recorded."),
        ),
        (
            "receipt",
            "receipt",
            ReceiptForm,
            lambda req, user, form: services.record_receipt(req, user, form.on.data),
            _l("Receipt date recorded."),
        ),
        (
            "review",
            "review",
            ReviewForm,
            lambda req, user, form: services.ask_review(
                req, user, form.on.data, form.body.data, "review"
            ),
            _l("Application for review recorded."),
        ),
        (
            "review-answer",
            "review_answer",
            ReviewAnswerForm,
            lambda req, user, form: services.record_review_answer(
                req, user, form.on.data, form.outcome.data, form.received_on.data, "review"
            ),
            _l("Review answer recorded."),
        ),
        (
            "rereview",
            "rereview",
            ReviewForm,
            lambda req, user, form: services.ask_review(
                req, user, form.on.data, form.body.data, "rereview"
            ),
            _l("Application for re-review recorded."),
        ),
        (
            "rereview-answer",
            "rereview_answer",
            ReviewAnswerForm,
            lambda req, user, form: services.record_review_answer(
                req, user, form.on.data, form.outcome.data, None, "rereview"
            ),
            _l("Re-review answer recorded."),
        ),
        (
            "follow-up",
            "follow_up",
            FollowUpForm,
            lambda req, user, form: services.follow_up(
                req, user, form.on.data, form.satisfaction.data
            ),
            _l("Follow-up recorded. The request is closed."),
        ),
    )
}
# The services name a step by its action (also the prefix of its form's fields).
BY_ACTION = {st.form_name: (slug, st) for slug, st in STEPS.items()}


@bp.route("")
@login_required
def index():
    """The user's requests by status and clock; the township gets counts only."""
    if can("requests.counts"):
        return render("requests/counts.html", counts=township_counts(current_user))
    authorize("requests.list")
    form = FilterForm(formdata=request.args)
    if "status" not in request.args:
        form.status.data = "open"
    # An unknown filter value (an old bookmark, a typo) shows everything rather than failing.
    status = form.status.data if form.status.data in dict(form.status.choices) else ""
    due = form.due.data if form.due.data in dict(form.due.choices) else ""
    # An empty status is a choice (all requests): only a missing one means the default.
    page = paginate(
        list_requests(current_user, status or None, due or None),
        "requests.index",
        {"status": status, "due": due or None},
        number=page_number(request.args),
    )
    record_read("requests_listed", "request", None, {"hits": len(page.items)})
    return render(
        "requests/index.html",
        "requests/_rows.html",
        form=form,
        page=page,
        rows=with_clocks(page.items),
    )


def _subject(resident_id, visit_id) -> tuple[Resident, Visit | None]:
    """The resident (and the visit) a new request is about, both within the user's scope."""
    visit = None
    if visit_id:
        visit = get_or_404(Visit, visit_id)
        if visit.resident_id is None:
            abort(404)
        resident_id = visit.resident_id
    if not resident_id:
        abort(404)
    resident = get_or_404(Resident, resident_id)
    authorize("requests.record", resident)
    return resident, visit


def _request_form() -> RequestForm:
    form = RequestForm()
    form.category.choices = [("", _("Choose…"))] + [
        (c.code, f"{c.code} {localized(c)}") for c in categories()
    ]
    return form


def _new_page(form: RequestForm, resident: Resident, visit: Visit | None):
    return render(
        "requests/new.html", "requests/_form.html", form=form, resident=resident, visit=visit
    )


@bp.route("/new")
@login_required
@requires("requests.record")
def new():
    """The form to record a resident's request, from their page or from a visit."""
    resident, visit = _subject(request.args.get("resident"), request.args.get("visit"))
    form = _request_form()
    form.resident.data = str(resident.id)
    form.visit.data = str(visit.id) if visit else ""
    form.client_uuid.data = new_key()
    if visit is not None:
        form.channel.data = "visit"
        form.received_on.data = visit.visited_on
    elif request.args.get("follows"):
        _follow_on(form, resident, get_or_404(ResidentRequest, request.args.get("follows")))
    return _new_page(form, resident, visit)


def _follow_on(form: RequestForm, resident: Resident, closed: ResidentRequest) -> None:
    """Fill the form for a formal matter that follows a community request the resident was
    not satisfied with: same category, its text to edit, the formal box ticked."""
    if closed.resident_id != resident.id:
        abort(404)
    if closed.status != "closed" or closed.satisfaction != "not_satisfied":
        return
    form.category.data = closed.category_code
    # The link between the two lives in the text only: no record of who complained before.
    form.summary.data = "\n".join(
        (
            _(
                "Follows request %(id)s, closed on %(d)s; the resident was not satisfied.",
                id=closed.id,
                d=format_date(closed.followed_up_on),
            ),
            closed.summary,
        )
    )
    form.formal.data = can("requests.register_formal")


@bp.route("", methods=["POST"])
@login_required
@requires("requests.record")
@redisplays_form_on_error
def create():
    """Record the request once (a retried form returns the first) and open its page."""
    form = _request_form()
    resident, visit = _subject(form.resident.data, form.visit.data)
    if visit is not None:
        form.channel.data = "visit"
    if not form.validate_on_submit():
        return _new_page(form, resident, visit)
    req, created = services.register(
        resident=resident,
        actor=current_user._get_current_object(),
        channel=form.channel.data,
        category_code=form.category.data,
        summary=form.summary.data,
        received_on=form.received_on.data,
        client_uuid=client_key(form.client_uuid.data),
        visit=visit,
        formal=bool(form.formal.data) and can("requests.register_formal"),
    )
    if created and req.category.restricted:
        # Complaints about officials go to the township's liaison, never the community (Art. 30).
        # Said once: a second tap sends the form again and finds the first (the walk: said twice).
        flash(
            _(
                "Request recorded. It goes to the township's discipline liaison; "
                "the community secretary does not see it."
            ),
            "success",
        )
    if not is_visible(current_user, req.id):
        return redirect_client(url_for("requests.index"))
    if created and not req.category.restricted:
        flash(_("Request recorded."), "success")
    return redirect_client(url_for("requests.show", request_id=req.id))


def _card_context(
    req: ResidentRequest, submitted: tuple[str, object] | None = None, refusal: str | None = None
) -> dict:
    """Everything the request page and its card fragment show."""
    actions = allowed_actions(req, current_user)
    forms = {a: BY_ACTION[a][1].form(prefix=a, formdata=None) for a in actions}
    if "formal" in forms:
        # The office has had the matter since receipt: that is where its clock starts.
        forms["formal"].on.data = req.received_on
    open_action = None
    if submitted is not None:
        action, form = submitted
        if action in forms:
            open_action, forms[action] = action, form
        else:
            # The step is not (or no longer) open to this user: say why, offer no form for it.
            refusal = refusal or str(services.problem(req, current_user, action))
    clock, in_force = current_clock(req), rules()
    return {
        "req": req,
        "clock": clock,
        # The walk: a reply due on the Spring Festival of a year whose schedule is not entered,
        # with nothing to tell the secretary the date is counted in calendar days.
        "unscheduled_year": clock.due_on.year
        if clock and in_force.working_day_rollover and not has_schedule(clock.due_on.year)
        else None,
        "rules": in_force,
        "review": review_right(req),
        "stage": review_stage(req),
        "notices": notices(req),
        "letterhead": letterhead(req),
        "reply_due": reply_due_on(req),
        "late_by": decided_late_by(req),
        "reply_late_by": replied_late_by(req),
        "redirect_limit_notes": redirect_limit_notes(req),
        "redirect_channel": redirect_channel_phrase(req),
        "actions": actions,
        "forms": forms,
        "open_action": open_action,
        "refusal": refusal,
        "slugs": {action: slug for action, (slug, _st) in BY_ACTION.items()},
    }


@bp.route("/<int:request_id>")
@login_required
def show(request_id: int):
    """One request: its track, the running clock, notices, next steps and timeline."""
    req = get_or_404(ResidentRequest, request_id)
    record_read("request_viewed", "request", req.id, {"resident": req.resident_id})
    return render("requests/show.html", "requests/_card.html", **_card_context(req))


@bp.route("/<int:request_id>/<slug>", methods=["POST"])
@login_required
@requires("requests.step")
@redisplays_form_on_error
def step(request_id: int, slug: str):
    """Take one step (accept, reply, ...); a refused step comes back with the reason."""
    req = get_or_404(ResidentRequest, request_id)
    todo = step_named(STEPS, slug)
    action = todo.form_name
    form = todo.form(prefix=action)
    if not form.validate_on_submit():
        # Shown again after a refusal: one about the whole step heads the card.
        refused = g.get("refusal")
        refusal = str(refused) if refused is not None and not refused.field else None
        return render(
            "requests/show.html",
            "requests/_card.html",
            **_card_context(req, (action, form), refusal),
        )
    todo.take(req, current_user._get_current_object(), form)
    done = todo.done(req) if callable(todo.done) else todo.done
    if not wants_fragment():
        flash(str(done), "success")
        return redirect_client(url_for("requests.show", request_id=req.id))
    resp = render("requests/show.html", "requests/_card.html", **_card_context(req))
    return toast(resp, done)


@bp.get("/<int:request_id>/<slug>")
@login_required
def step_address(request_id: int, slug: str):
    """The request, for a step's address reached by GET (a reload after the step's answer,
    the back button, a shared link), whoever may see it."""
    req = get_or_404(ResidentRequest, request_id)
    step_named(STEPS, slug)  # an unknown step is a 404
    return redirect(url_for("requests.show", request_id=req.id), code=303)
