"""Referrals: raise one from a visit or a welfare item, list them, take the service's steps."""

from datetime import timedelta

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..audit.services import record_read
from ..forms import redisplays_form_on_error
from ..htmx import render, toast, wants_fragment
from ..idempotency import client_key
from ..labels import label
from ..models import Answer, Referral, Visit
from ..pagination import page_number, paginate
from ..permissions import authorize, requires
from ..scope import get_or_404
from ..steps import Step, step_named
from ..timeutil import local_today
from . import bp, queries, services
from .forms import AcceptForm, DoneForm, FollowUpForm, ListFilterForm, ReferralForm


def _owner(visit_id, answer_id) -> tuple[Visit, Answer | None]:
    """The visit (and welfare answer) a referral is raised on, if the user may see them."""
    visit = get_or_404(Visit, visit_id)
    answer = None
    if answer_id:
        answer = get_or_404(Answer, answer_id)
        if answer.screening.visit_id != visit.id:
            abort(404)
    return visit, answer


def new_form(visit: Visit, answer: Answer | None = None, formdata=None) -> ReferralForm:
    """A fresh referral form for a visit or a welfare answer, the item's service suggested."""
    form = ReferralForm(formdata=formdata, services=queries.services())
    if formdata is None:
        form.visit_id.data = visit.id
        form.answer_id.data = answer.id if answer else None
        if answer is not None and answer.item.referral_service:
            form.service_code.data = answer.item.referral_service
    return form


def panel_context(visit: Visit, answer: Answer | None = None, form=None) -> dict:
    """What the referrals panel of a visit or of a welfare answer shows."""
    refs = queries.of_visit(current_user, visit.id)
    if answer is not None:
        refs = [r for r in refs if r.answer_id == answer.id]
    return {
        "visit": visit,
        "answer": answer,
        "referrals": refs,
        "referral_form": form or new_form(visit, answer),
        "panel_id": f"referrals-answer-{answer.id}" if answer else f"referrals-visit-{visit.id}",
    }


@bp.route("")
@login_required
@requires("referrals.list")
def index():
    """Open referrals by follow-up date; or those of one status."""
    form = ListFilterForm(formdata=request.args)
    form.status.choices = [("", _("Not done"))] + [
        (s, label("referral_status", s)) for s in queries.LIST_STATUSES
    ]
    status = form.status.data if form.status.data in queries.LIST_STATUSES else ""
    page = paginate(
        queries.listing(current_user, status),
        "referrals.index",
        {"status": status or None},
        number=page_number(request.args),
        per_page=queries.PER_PAGE,
    )
    record_read("referrals_listed", "referral", None, {"hits": len(page.items)})
    return render(
        "referrals/index.html", "referrals/_rows.html", form=form, page=page, today=local_today()
    )


@bp.route("/new")
@login_required
@requires("referrals.raise")
def new():
    """The referral form on its own page (a phone without JavaScript, a link from a visit)."""
    visit, answer = _owner(request.args.get("visit"), request.args.get("answer"))
    authorize("referrals.raise", visit)
    return render("referrals/new.html", **panel_context(visit, answer))


@bp.route("", methods=["POST"])
@login_required
@requires("referrals.raise")
@redisplays_form_on_error
def create():
    """Refer a need to a service; a double tap or a retry raises it once."""
    form = ReferralForm(services=queries.services())
    visit, answer = _owner(form.visit_id.data, form.answer_id.data)
    authorize("referrals.raise", visit)
    if not form.validate_on_submit():
        ctx = panel_context(visit, answer, form)
        return render("referrals/new.html", "referrals/_panel.html", **ctx)
    ref, _created = services.raise_referral(
        current_user, visit, form.values(), client_key(form.client_uuid.data), answer
    )
    if not wants_fragment():
        flash(_("Referral saved."), "success")
        return redirect(url_for("referrals.show", referral_id=ref.id), code=303)
    resp = render("referrals/new.html", "referrals/_panel.html", **panel_context(visit, answer))
    return toast(resp, _("Referral saved."))


# A check-in date gone by is offered again this far ahead.
NEXT_CHECK_DAYS = 7


def _card_context(ref: Referral, **forms) -> dict:
    today = local_today()
    # The walk: an overdue referral's forms came filled with its passed date, and the main
    # button was refused for a date in the past.
    next_check = ref.follow_up_on
    if next_check is not None and next_check < today:
        next_check = today + timedelta(days=NEXT_CHECK_DAYS)
    ctx = {
        "referral": ref,
        "today": today,
        "accept_form": AcceptForm(formdata=None, follow_up_on=next_check),
        "done_form": DoneForm(formdata=None),
        "follow_up_form": FollowUpForm(formdata=None, follow_up_on=next_check),
        "refusal": None,
    }
    ctx.update(forms)
    return ctx


@bp.route("/<int:referral_id>")
@login_required
def show(referral_id: int):
    """One referral: who, to which service, why, and how far the service has got."""
    ref = get_or_404(Referral, referral_id)
    record_read("referral_viewed", "referral", ref.id, {"resident": ref.resident_id})
    return render("referrals/show.html", "referrals/_card.html", **_card_context(ref))


STEPS = {
    "accept": Step(
        AcceptForm,
        "referrals.step",
        lambda ref, user, form: services.accept(ref, user, form.follow_up_on.data),
        _l("Marked accepted by the service."),
        "accept_form",
        "referred",
    ),
    "done": Step(
        DoneForm,
        "referrals.step",
        lambda ref, user, form: services.finish(ref, user, form.outcome.data),
        _l("Referral done."),
        "done_form",
        None,
    ),
    "follow-up": Step(
        FollowUpForm,
        "referrals.step",
        lambda ref, user, form: services.set_follow_up(ref, user, form.follow_up_on.data),
        _l("Follow-up date saved."),
        "follow_up_form",
        None,
    ),
}


@bp.route("/<int:referral_id>/<step>", methods=["POST"])
@login_required
@redisplays_form_on_error
def step(referral_id: int, step: str):
    """Take one step on a referral (accepted, done, a new follow-up date)."""
    todo = step_named(STEPS, step)
    authorize(todo.action)
    ref = get_or_404(Referral, referral_id)
    authorize(todo.action, ref)
    form = todo.form()
    if form.validate_on_submit():
        todo.take(ref, current_user._get_current_object(), form)
        if not wants_fragment():
            flash(str(todo.done), "success")
            return redirect(url_for("referrals.show", referral_id=ref.id), code=303)
        resp = render("referrals/show.html", "referrals/_card.html", **_card_context(ref))
        return toast(resp, str(todo.done))
    # A step the card no longer offers (someone acted first) says why at the top.
    offered = ref.status != "done" and (todo.offered_in in (None, ref.status))
    refusal = None if offered else " ".join(form.all_form_errors) or None
    ctx = _card_context(ref, refusal=refusal, **{todo.form_name: form})
    return render("referrals/show.html", "referrals/_card.html", **ctx)
