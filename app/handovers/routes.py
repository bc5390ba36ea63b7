"""The secretary hands a caseload over; the new worker reads the note on Today."""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..audit.services import record_read
from ..extensions import db
from ..forms import redisplays_form_on_error
from ..htmx import render
from ..idempotency import client_key, new_key
from ..models import Grid, Handover, Household
from ..permissions import authorize, requires
from ..scope import get_or_404
from . import bp, queries
from .forms import DismissForm, HandoverForm
from .services import Plan, dismiss, hand_over


@bp.route("")
@login_required
@requires("handovers.make")
def index():
    """The community's recent handovers."""
    return render("handovers/index.html", handovers=queries.recent(current_user))


def _form() -> tuple[HandoverForm, dict]:
    """The form with the community's workers, and the chosen worker's grids and households."""
    form = HandoverForm(formdata=request.form if request.method == "POST" else request.args)
    workers = queries.community_workers(current_user)
    by_id = {w.id: w for w in workers}
    form.from_worker_id.choices = [(w.id, w.display_name) for w in workers]
    giver = by_id.get(form.from_worker_id.data) if form.from_worker_id.data else None
    # The worker handing over is shown but cannot be chosen (the walk: they were offered).
    form.to_worker_id.choices = [(0, _("— choose —"), {})] + [
        (w.id, w.display_name, {"disabled": True} if w is giver else {}) for w in workers
    ]
    held = [g.id for g in giver.grids] if giver else []
    grids = queries.community_grids(current_user)
    form.grid_ids.choices = [(g.id, g.name) for g in grids if g.id in held]
    households = queries.households_of(held)
    # Who lives there, as the secretary knows the households: an address alone was a riddle.
    names = queries.names_by_household(current_user, [h.id for h in households])
    form.household_ids.choices = [
        (h.id, " · ".join(filter(None, (f"{h.grid.name} {h.address}", names.get(h.id)))))
        for h in households
    ]
    form.to_grid_id.choices = [(0, _("— only for chosen households —"))] + [
        (g.id, g.name) for g in grids
    ]
    if not form.client_uuid.data:
        form.client_uuid.data = new_key()
    return form, {"workers": by_id, "giver": giver, "households": households}


@bp.route("/new", methods=["GET", "POST"])
@login_required
@requires("handovers.make")
@redisplays_form_on_error
def new():
    """Choose the worker handing over, then what goes to whom, with a note."""
    authorize("handovers.make")
    form, ctx = _form()
    if request.method == "POST" and form.validate_on_submit():
        workers = ctx["workers"]
        if form.from_worker_id.data not in workers or form.to_worker_id.data not in workers:
            abort(404)
        to_worker = workers[form.to_worker_id.data]
        households = [get_or_404(Household, i) for i in form.household_ids.data or []]
        to_grid = get_or_404(Grid, form.to_grid_id.data) if form.to_grid_id.data else None
        if households and to_grid is None and len(to_worker.grids) == 1:
            # A new worker with one grid: the households can only join that one.
            to_grid = to_worker.grids[0]
        plan = Plan(
            from_worker=workers[form.from_worker_id.data],
            to_worker=to_worker,
            note=form.note.data or "",
            grids=[get_or_404(Grid, i) for i in form.grid_ids.data or []],
            households=households,
            to_grid=to_grid,
        )
        handover, _created = hand_over(
            current_user._get_current_object(), plan, client_key(form.client_uuid.data)
        )
        flash(
            _("Caseload handed over to %(name)s.", name=handover.to_worker.display_name),
            "success",
        )
        return redirect(url_for("handovers.index"), code=303)
    return render("handovers/new.html", form=form, giver=ctx["giver"])


@bp.route("/<int:handover_id>")
@login_required
@requires("handovers.read")
def show(handover_id: int):
    """What one handover moved, by name: the note on Today gave only counts, and the new
    worker had to find the households handed to them among all of their grid's."""
    handover = get_or_404(Handover, handover_id)
    households = queries.handed_households(current_user, handover)
    names = queries.names_by_household(current_user, [h.id for h in households], most=6)
    if households:
        # Residents' names are shown: a read of personal data, audited as a list.
        record_read("residents_listed", "household", None, {"hits": len(households)})
    return render(
        "handovers/show.html",
        handover=handover,
        grids=queries.handed_grids(handover),
        households=households,
        names=names,
        not_shown=len(handover.moved.get("households") or []) - len(households),
        dismiss_form=DismissForm(),
    )


@bp.route("/<int:handover_id>/dismiss", methods=["POST"])
@login_required
@requires("handovers.dismiss")
def dismiss_note(handover_id: int):
    """The new worker has read the note: it leaves Today."""
    handover = get_or_404(Handover, handover_id)
    authorize("handovers.dismiss", handover)
    form = DismissForm()
    if not form.validate_on_submit():
        abort(400)
    dismiss(handover, current_user._get_current_object())
    db.session.flush()
    return redirect(url_for("today.index"), code=303)
