"""Run a hazard checklist during a visit: one tap per item, saved as tapped."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from ..extensions import db
from ..forms import redisplays_form_on_error
from ..hazards import services as hazards
from ..htmx import fragments, redirect_client, render, toast, wants_fragment
from ..idempotency import client_key
from ..models import ChecklistItem, ChecklistTemplate, Screening, Visit
from ..permissions import authorize, can, requires
from ..refusals import Locked
from ..scope import get_or_404
from . import bp, queries, services
from .forms import AnswerForm, FinishForm, HazardForm, StartForm


def _item(screening: Screening, item_id: int) -> ChecklistItem:
    item = db.session.get(ChecklistItem, item_id)
    if item is None or item.template_id != screening.template_id:
        abort(404)
    return item


@bp.route("", methods=["POST"])
@login_required
@requires("screening.run")
def start():
    """Start a checklist on a visit and open it."""
    form = StartForm()
    if not form.validate_on_submit():
        abort(400)
    visit = get_or_404(Visit, form.visit_id.data)
    try:
        authorize("screening.run", visit)
    except Locked as locked:
        # The visit page was open while the day was approved: back to it, saying why.
        flash(str(locked), "error")
        return redirect(url_for("visits.show", visit_id=visit.id), code=303)
    template = db.session.get(ChecklistTemplate, form.template_id.data or 0)
    if template is None or not template.active:
        abort(404)
    screening = services.start(visit, template, client_key(form.client_uuid.data))
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
        "editable": can("screening.run", screening),
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
@requires("screening.run")
def answer(screening_id: int, item_id: int):
    """Save the tapped answer for one item at once."""
    screening = get_or_404(Screening, screening_id)
    authorize("screening.run", screening)
    item = _item(screening, item_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        if not wants_fragment():
            flash(_("Not saved: tap the answer again."), "error")
            return redirect(url_for("screening.show", screening_id=screening.id), code=303)
        resp = _item_response(screening, item)
        return toast(resp, _("Not saved: tap the answer again."), "error")
    services.answer(screening, item, form.value.data)
    if not wants_fragment():
        return redirect(
            url_for("screening.show", screening_id=screening.id) + f"#item-{item.id}", code=303
        )
    return _item_response(screening, item)


@bp.route("/<int:screening_id>/items/<int:item_id>/hazard", methods=["POST"])
@login_required
@requires("screening.run")
@redisplays_form_on_error
def hazard(screening_id: int, item_id: int):
    """Describe the hazard found on an item: note, severity and deadline."""
    screening = get_or_404(Screening, screening_id)
    authorize("screening.run", screening)
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
    return toast(_item_response(screening, item), _("Hazard saved."))


@bp.route("/<int:screening_id>/finish", methods=["POST"])
@login_required
@requires("screening.run")
def finish(screening_id: int):
    """Close the checklist and go back to the visit."""
    screening = get_or_404(Screening, screening_id)
    authorize("screening.run", screening)
    form = FinishForm()
    if form.validate_on_submit():
        services.finish(screening)
        flash(_("Screening saved."), "success")
    return redirect_client(url_for("visits.show", visit_id=screening.visit_id))
