"""Log and correct visits; a visit's page with its screenings and photos."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..forms import redisplays_form_on_error
from ..htmx import fragments, render, toast, trigger, wants_fragment
from ..idempotency import PayloadMismatch, client_key, new_key
from ..models import Photo, Project, Resident, RiskFactor, Visit
from ..scope import get_or_404, select_for
from . import bp
from .forms import DeleteForm, VisitForm
from .services import VisitInUse, create_visit, delete_visit, update_visit


def _subject_from(source) -> tuple[Resident | None, Project | None]:
    """The resident or project a visit is about, scope-checked (404 otherwise)."""
    resident_id = source.get("resident") or source.get("resident_id")
    project_id = source.get("project") or source.get("project_id")
    resident = get_or_404(Resident, resident_id) if resident_id else None
    project = get_or_404(Project, project_id) if project_id else None
    if resident is None and project is None:
        abort(404)
    if resident is not None and resident.archived_at is not None:
        abort(404)
    return resident, project


def _factors(project: Project | None) -> list[RiskFactor]:
    if project is None:
        return []
    return list(
        db.session.scalars(
            select_for(RiskFactor)
            .where(RiskFactor.project_id == project.id)
            .options(selectinload(RiskFactor.factor_type))
            .order_by(RiskFactor.factor_code)
        )
    )


def _form(resident, project, **kw) -> VisitForm:
    form = VisitForm(factors=_factors(project), **kw)
    if not form.is_submitted():
        form.client_uuid.data = new_key()
        form.resident_id.data = resident.id if resident else ""
        form.project_id.data = project.id if project else ""
        if project is not None and resident is None:
            form.purpose.data = "project"
    return form


def _worker_only():
    if current_user.role != "worker" or not current_user.grids:
        abort(404)


@bp.route("/new")
@login_required
def new():
    """The visit form, on its own page or dropped into a resident's or project's page."""
    _worker_only()
    resident, project = _subject_from(request.args)
    form = _form(resident, project)
    return render(
        "visits/new.html", "visits/_form.html", form=form, resident=resident, project=project
    )


@bp.route("", methods=["POST"])
@login_required
@redisplays_form_on_error
def create():
    """Save a new visit; a double tap or a retry saves it once."""
    _worker_only()
    resident, project = _subject_from(request.form)
    form = _form(resident, project)
    if not form.validate_on_submit():
        return render(
            "visits/new.html", "visits/_form.html", form=form, resident=resident, project=project
        )
    data = {
        f: getattr(form, f).data
        for f in (
            "purpose",
            "summary",
            "outcome",
            "visited_on",
            "follow_up_on",
            "concern_summary",
            "concern_factor_id",
        )
    }
    try:
        visit, _created = create_visit(
            current_user, data, client_key(form.client_uuid.data), resident, project
        )
    except PayloadMismatch as exc:
        form.form_errors.append(
            _("This form was already sent with other content. Open the saved visit to change it.")
        )
        return render(
            "visits/new.html",
            "visits/_form.html",
            form=form,
            resident=resident,
            project=project,
            existing=exc.existing,
        )
    except ValueError as exc:  # a concern's factor that is not this project's
        form.concern_factor_id.errors.append(str(exc))
        return render(
            "visits/new.html", "visits/_form.html", form=form, resident=resident, project=project
        )
    if not wants_fragment():
        flash(_("Visit saved."), "success")
        return redirect(url_for("visits.show", visit_id=visit.id), code=303)
    # The new entry goes to the top of the timeline; the form folds back into its button.
    resp = fragments(
        render_template("visits/_entry.html", visit=visit, new=True),
        render_template("visits/_form_slot.html", resident=resident, project=project, oob=True),
    )
    resp.headers["HX-Retarget"] = "#timeline-new"
    resp.headers["HX-Reswap"] = "afterbegin"
    trigger(resp, {"visit-saved": {"id": visit.id}})
    return toast(resp, _("Visit saved."))


@bp.route("/<int:visit_id>")
@login_required
def show(visit_id: int):
    """One visit: what happened, its screenings, photos and what to do next."""
    visit = get_or_404(Visit, visit_id)
    from ..screening.queries import active_templates

    photos = db.session.scalars(
        select_for(Photo).where(Photo.visit_id == visit.id).order_by(Photo.id)
    ).all()
    return render("visits/show.html", visit=visit, templates=active_templates(), photos=photos)


@bp.route("/<int:visit_id>/edit", methods=["GET", "POST"])
@login_required
@redisplays_form_on_error
def edit(visit_id: int):
    """Correct a visit while its day is not approved."""
    visit = get_or_404(Visit, visit_id)
    if visit.worker_id != current_user.id:
        abort(404)
    if visit.daily_log.locked:
        flash(_("This day is approved; its records can no longer be changed."), "error")
        return redirect(url_for("visits.show", visit_id=visit.id), code=303)
    form = VisitForm(obj=visit, factors=())
    if form.validate_on_submit():
        update_visit(
            visit,
            {
                f: getattr(form, f).data
                for f in ("purpose", "summary", "outcome", "visited_on", "follow_up_on")
            },
        )
        flash(_("Saved."), "success")
        return redirect(url_for("visits.show", visit_id=visit.id), code=303)
    return render("visits/edit.html", form=form, visit=visit)


@bp.route("/<int:visit_id>/delete", methods=["POST"])
@login_required
def delete(visit_id: int):
    """Delete one's own visit logged by mistake, while its day is not approved."""
    visit = get_or_404(Visit, visit_id)
    if visit.worker_id != current_user.id:
        abort(404)
    form = DeleteForm()
    if not form.validate_on_submit():
        abort(400)
    back = (
        url_for("residents.show", resident_id=visit.resident_id)
        if visit.resident_id
        else url_for("projects.show", project_id=visit.project_id)
    )
    try:
        delete_visit(visit)
    except VisitInUse:
        flash(_("This visit has a request or a hazard being fixed; it cannot be deleted."), "error")
        return redirect(url_for("visits.show", visit_id=visit.id), code=303)
    flash(_("Visit deleted."), "success")
    return redirect(back, code=303)
