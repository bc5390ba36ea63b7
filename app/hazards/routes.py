"""The hazard board and the loop of one hazard: rectified, verified or sent back."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..forms import redisplays_form_on_error
from ..htmx import render, toast, trigger, wants_fragment
from ..labels import label
from ..models import Hazard
from ..pagination import page_number, paginate
from ..photos.queries import photos_for
from ..review.badges import nav_oob
from ..scope import get_or_404
from ..timeutil import local_today
from . import bp, queries, services
from .forms import BoardFilterForm, RectifyForm, SendBackForm, VerifyForm
from .services import HazardRefused


def _field_roles() -> None:
    if current_user.role not in ("worker", "secretary"):
        abort(404)


def _board_context() -> dict:
    form = BoardFilterForm(formdata=request.args)
    grids = queries.grids_for(current_user)
    cats = queries.categories()
    form.grid.choices = [("", _("All grids"))] + [(str(g.id), g.name) for g in grids]
    form.category.choices = [("", _("All categories"))] + [
        (str(c.id), c.name("en" if _english() else "zh")) for c in cats
    ]
    form.status.choices = (
        [("", _("Not closed"))]
        + [("overdue", _("Overdue"))]
        + [(s, label("hazard_status", s)) for s in ("open", "rectified", "verified")]
    )
    grid_id = int(form.grid.data) if form.grid.data in {str(g.id) for g in grids} else None
    cat_id = int(form.category.data) if form.category.data in {str(c.id) for c in cats} else None
    status = form.status.data if form.status.data in queries.BOARD_STATUSES else ""
    page = paginate(
        queries.board(current_user, grid_id, cat_id, status),
        "hazards.board",
        {"grid": grid_id, "category": cat_id, "status": status or None},
        number=page_number(request.args),
        per_page=queries.PER_PAGE,
    )
    return {"form": form, "page": page, "today": local_today()}


def _english() -> bool:
    from ..i18n import is_english

    return is_english()


@bp.route("")
@login_required
def board():
    """Hazards by severity and due date, overdue ones marked; filter by grid, category, status."""
    _field_roles()
    return render("hazards/board.html", "hazards/_rows.html", **_board_context())


def _card_context(hazard: Hazard, **forms) -> dict:
    ctx = {
        "hazard": hazard,
        "today": local_today(),
        "problem_photos": photos_for(hazard, False),
        "fix_photos": photos_for(hazard, True),
        "rectify_form": RectifyForm(formdata=None),
        "send_back_form": SendBackForm(formdata=None),
        "refusal": None,
    }
    ctx.update(forms)
    return ctx


@bp.route("/<int:hazard_id>")
@login_required
def show(hazard_id: int):
    """One hazard: what was found, the deadline, and its rectification."""
    hazard = get_or_404(Hazard, hazard_id)
    return render("hazards/show.html", "hazards/_card.html", **_card_context(hazard))


def _respond(hazard: Hazard, message: str, status: int = 200, level: str = "success", **ctx):
    resp = render(
        "hazards/show.html", "hazards/_card.html", status=status, **_card_context(hazard, **ctx)
    )
    if level == "success":
        if wants_fragment():
            resp.set_data(resp.get_data(as_text=True) + nav_oob())
        trigger(resp, {"hazards-changed": {"id": hazard.id, "status": hazard.status}})
    return toast(resp, message, level) if message else resp


def _refused(hazard: Hazard, exc: HazardRefused, **forms):
    db.session.rollback()
    hazard = db.session.get(Hazard, hazard.id)
    # htmx gets the card as it now stands (someone may have acted first); a plain POST a 409.
    return _respond(
        hazard,
        str(exc.message),
        status=200 if wants_fragment() else 409,
        level="error",
        refusal=exc.message,
        **forms,
    )


def _done(hazard: Hazard, message: str):
    if not wants_fragment():
        flash(message, "success")
        return redirect(url_for("hazards.show", hazard_id=hazard.id), code=303)
    return _respond(hazard, message)


@bp.route("/<int:hazard_id>/rectify", methods=["POST"])
@login_required
@redisplays_form_on_error
def rectify(hazard_id: int):
    """Mark the hazard rectified: a note and at least one photo of the fix."""
    _field_roles()
    hazard = get_or_404(Hazard, hazard_id)
    form = RectifyForm()
    if not form.validate_on_submit():
        return _respond(hazard, "", rectify_form=form)
    if hazard.status == "open" and not services.has_fix_photo(hazard):
        # Not a state conflict: the worker only needs to add a photo, keeping the note.
        form.form_errors.append(_("Add at least one photo of the fix first."))
        return _respond(hazard, "", rectify_form=form)
    try:
        services.rectify(hazard, current_user, form.note.data)
    except HazardRefused as exc:
        return _refused(hazard, exc, rectify_form=form)
    return _done(hazard, _("Marked rectified; the secretary will check it."))


@bp.route("/<int:hazard_id>/verify", methods=["POST"])
@login_required
@redisplays_form_on_error
def verify(hazard_id: int):
    """The secretary confirms the fix and closes the hazard."""
    if current_user.role != "secretary":
        abort(404)
    hazard = get_or_404(Hazard, hazard_id)
    form = VerifyForm()
    if not form.validate_on_submit():
        # The form is one button: its only failure is an expired token, said on the card.
        return _respond(hazard, "", refusal=" ".join(form.all_form_errors) or None)
    try:
        services.verify(hazard, current_user)
    except HazardRefused as exc:
        return _refused(hazard, exc)
    return _done(hazard, _("Fix verified; the hazard is closed."))


@bp.route("/<int:hazard_id>/send-back", methods=["POST"])
@login_required
@redisplays_form_on_error
def send_back(hazard_id: int):
    """The secretary sends the fix back with a comment; the hazard is open again."""
    if current_user.role != "secretary":
        abort(404)
    hazard = get_or_404(Hazard, hazard_id)
    form = SendBackForm()
    if not form.validate_on_submit():
        return _respond(hazard, "", send_back_form=form)
    try:
        services.send_back(hazard, current_user, form.comment.data)
    except HazardRefused as exc:
        return _refused(hazard, exc, send_back_form=form)
    return _done(hazard, _("Sent back; the hazard is open again."))
