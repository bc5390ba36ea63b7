"""Run a hazard checklist during a visit: one tap per item, saved as tapped."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..forms import redisplays_form_on_error
from ..hazards import services as hazards
from ..htmx import fragments, redirect_client, render, toast, trigger, wants_fragment
from ..idempotency import PayloadMismatch, client_key
from ..models import ChecklistItem, ChecklistTemplate, Screening, Visit
from ..scope import get_or_404
from . import bp, queries, services
from .forms import AnswerForm, FinishForm, HazardForm, StartForm


def _own(screening: Screening) -> None:
    """Only the worker who made the visit answers its checklist."""
    if screening.visit.worker_id != current_user.id:
        abort(404)


def _item(screening: Screening, item_id: int) -> ChecklistItem:
    item = db.session.get(ChecklistItem, item_id)
    if item is None or item.template_id != screening.template_id:
        abort(404)
    return item


@bp.route("", methods=["POST"])
@login_required
def start():
    """Start a checklist on a visit and open it."""
    form = StartForm()
    if not form.validate_on_submit():
        abort(400)
    visit = get_or_404(Visit, form.visit_id.data)
    if visit.worker_id != current_user.id:
        abort(404)
    template = (
        db.session.get(ChecklistTemplate, int(form.template_id.data))
        if form.template_id.data.isdigit()
        else None
    )
    if template is None or not template.active:
        abort(404)
    if visit.daily_log.locked:
        flash(_("This day is approved; its records can no longer be changed."), "error")
        return redirect(url_for("visits.show", visit_id=visit.id), code=303)
    try:
        screening = services.start(visit, template, client_key(form.client_uuid.data))
    except PayloadMismatch as exc:
        screening = exc.existing
        if screening.visit_id != visit.id:
            abort(409)
    return redirect_client(url_for("screening.show", screening_id=screening.id))


def _page_context(screening: Screening) -> dict:
    answers = queries.answers_by_item(screening)
    hazard_ids = [a.hazard.id for a in answers.values() if a.hazard]
    return {
        "screening": screening,
        "visit": screening.visit,
        "answers": answers,
        "hazard_forms": {
            item_id: HazardForm(formdata=None, obj=a.hazard, found_on=a.hazard.found_on)
            for item_id, a in answers.items()
            if a.hazard is not None
        },
        "hazard_photos": queries.photos_by_hazard(hazard_ids),
        "counts": queries.counts(screening),
        "editable": screening.visit.worker_id == current_user.id
        and not screening.visit.daily_log.locked,
    }


@bp.route("/<int:screening_id>")
@login_required
def show(screening_id: int):
    """The checklist, each item with OK / hazard / not applicable."""
    screening = get_or_404(Screening, screening_id)
    return render("screening/show.html", **_page_context(screening))


def _item_response(screening: Screening, item: ChecklistItem, hazard_form=None):
    ctx = _page_context(screening)
    answer = ctx["answers"].get(item.id)
    if hazard_form is None:
        hazard_form = ctx["hazard_forms"].get(item.id)
    return fragments(
        render_template(
            "screening/_item.html", item=item, answer=answer, hazard_form=hazard_form, **ctx
        ),
        render_template("screening/_summary.html", oob=True, **ctx),
    )


@bp.route("/<int:screening_id>/items/<int:item_id>", methods=["POST"])
@login_required
def answer(screening_id: int, item_id: int):
    """Save the tapped answer for one item at once."""
    screening = get_or_404(Screening, screening_id)
    _own(screening)
    item = _item(screening, item_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        if not wants_fragment():
            flash(_("Not saved: tap the answer again."), "error")
            return redirect(url_for("screening.show", screening_id=screening.id), code=303)
        resp = _item_response(screening, item)
        return toast(resp, _("Not saved: tap the answer again."), "error")
    services.answer(screening, item, form.value.data)
    resp = _item_response(screening, item)
    if not wants_fragment():
        return redirect(
            url_for("screening.show", screening_id=screening.id) + f"#item-{item.id}", code=303
        )
    return trigger(resp, {"hazards-changed": True} if form.value.data == "hazard" else {})


@bp.route("/<int:screening_id>/items/<int:item_id>/hazard", methods=["POST"])
@login_required
@redisplays_form_on_error
def hazard(screening_id: int, item_id: int):
    """Describe the hazard found on an item: note, severity and deadline."""
    screening = get_or_404(Screening, screening_id)
    _own(screening)
    item = _item(screening, item_id)
    answer = queries.answers_by_item(screening).get(item.id)
    if answer is None or answer.hazard is None:
        abort(404)
    hz = answer.hazard
    form = HazardForm(found_on=hz.found_on)
    if not form.validate_on_submit():
        if not wants_fragment():
            ctx = _page_context(screening)
            ctx["hazard_forms"][item.id] = form
            return render("screening/show.html", **ctx)
        return _item_response(screening, item, hazard_form=form)
    hazards.update_details(hz, form.note.data, form.severity.data, form.due_on.data)
    if not wants_fragment():
        return redirect(
            url_for("screening.show", screening_id=screening.id) + f"#item-{item.id}", code=303
        )
    return toast(
        trigger(_item_response(screening, item), {"hazards-changed": True}), _("Hazard saved.")
    )


@bp.route("/<int:screening_id>/finish", methods=["POST"])
@login_required
def finish(screening_id: int):
    """Close the checklist and go back to the visit."""
    screening = get_or_404(Screening, screening_id)
    _own(screening)
    form = FinishForm()
    if form.validate_on_submit():
        services.finish(screening)
        flash(_("Screening saved."), "success")
    return redirect_client(url_for("visits.show", visit_id=screening.visit_id))
