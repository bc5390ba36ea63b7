"""Project pages: list, details, risk register with heat map, assessment, decision."""

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..enums import ASSESSMENT_DIMENSIONS
from ..extensions import db
from ..forms import redisplays_form_on_error
from ..htmx import render, toast, trigger, wants_fragment
from ..i18n import current_lang_code
from ..idempotency import new_key
from ..models import Project, RiskFactor
from ..pagination import Page, page_number
from ..permissions import authorize, can, requires
from ..residents.queries import todays_log_locked
from ..scope import get_or_404
from . import bp
from .forms import AssessmentForm, DecisionForm, NewProjectForm, ProjectForm, RiskFactorForm
from .matrix import heat_map
from .queries import (
    NO_CONCERNS,
    concern_stats,
    factor_types,
    load_project,
    open_hazard_count,
    open_hazards,
    project_page,
    sees_people,
    timeline_page,
)
from .services import (
    add_factor,
    create_project,
    record_decision,
    save_assessment,
    update_factor,
    update_project,
)

PAGE = "projects/show.html"


def _editable(project_id: int) -> Project:
    """The project, if the user may change it; 404 for everyone else (no edit routes exist)."""
    project = get_or_404(Project, project_id)
    authorize("projects.manage", project)
    return project


def _factor_of(project: Project, factor_id: int) -> RiskFactor:
    factor = get_or_404(RiskFactor, factor_id)
    if factor.project_id != project.id:
        abort(404)
    return factor


def _factor_form(**kw) -> RiskFactorForm:
    return RiskFactorForm(factor_types=factor_types(), locale=current_lang_code(), **kw)


def _assessment_form(project: Project) -> AssessmentForm:
    data = {}
    for row in project.assessments:
        data[f"{row.dimension}_finding"] = row.finding
        data[f"{row.dimension}_note"] = row.note
        data[f"{row.dimension}_shared"] = row.note_shared
    return AssessmentForm(formdata=None, data=data)


def show_context(
    project: Project,
    *,
    timeline_page_number: int = 1,
    factor_form=None,
    factor_form_for=None,
    factor=None,
    assessment_form=None,
    decision_form=None,
) -> dict:
    """Everything the project page shows; forms passed in are the ones being corrected."""
    project = load_project(project)
    user = current_user
    people = sees_people(user)
    if can("projects.manage", project):
        if assessment_form is None:
            assessment_form = _assessment_form(project)
        if decision_form is None:
            decision_form = DecisionForm(formdata=None, obj=project)
    return {
        "project": project,
        "people": people,
        "stats": concern_stats(project),
        "no_concerns": NO_CONCERNS,
        "open_factors": [f for f in project.risk_factors if f.status == "open"],
        "heat": heat_map([f for f in project.risk_factors if f.status == "open"]),
        "timeline": timeline_page(project, user, timeline_page_number)
        if people
        else Page([], 1, False),
        "hazards": open_hazards(project, user) if people else [],
        "hazard_count": open_hazard_count(project, user),
        "dimensions": ASSESSMENT_DIMENSIONS,
        "factor_form": factor_form,
        "factor_form_for": factor_form_for,
        "factor": factor,
        "assessment_form": assessment_form,
        "decision_form": decision_form,
        # Said beside "Log a visit", as on a resident's page: Save refuses a visit on an
        # approved day.
        "day_locked": can("visits.log")
        and bool(db.session.scalar(sa.select(todays_log_locked(user)))),
    }


def _saved(project: Project, fragment: str, message: str, event: str, anchor: str):
    """After a valid save: the fresh fragment for htmx, a 303 back to the page otherwise."""
    if not wants_fragment():
        flash(message)
        return redirect(url_for("projects.show", project_id=project.id, _anchor=anchor), code=303)
    resp = render(PAGE, fragment, **show_context(project))
    return toast(trigger(resp, {event: {"project_id": project.id}}), message)


def _register_saved(project: Project, message: str, anchor: str):
    resp = _saved(project, "projects/_register.html", message, "factors-changed", anchor)
    if resp.status_code == 200:
        # The form sat in one row; the level, heat map and counts all move with it.
        resp.headers["HX-Retarget"] = "#register"
        resp.headers["HX-Reswap"] = "outerHTML"
    return resp


@bp.route("")
@login_required
@requires("projects.read")
def index():
    """Projects in the user's area, each with its overall level and open factors."""
    return render("projects/index.html", page=project_page(current_user, page_number(request.args)))


@bp.route("/new", methods=["GET", "POST"])
@login_required
@redisplays_form_on_error
def new():
    """Create a project in the secretary's community."""
    authorize("projects.manage")
    form = NewProjectForm()
    if not form.is_submitted():
        form.client_uuid.data = new_key()
    if form.validate_on_submit():
        project = create_project(current_user.community_id, form.data, form.client_uuid.data)
        flash(_("Project saved."))
        return redirect(url_for("projects.show", project_id=project.id), code=303)
    return render("projects/form.html", form=form, project=None)


@bp.route("/<int:project_id>")
@login_required
def show(project_id: int):
    """A project: details, decision, register and heat map, assessment, visits."""
    project = get_or_404(Project, project_id)
    return render(PAGE, **show_context(project))


@bp.route("/<int:project_id>/timeline")
@login_required
def timeline(project_id: int):
    """More of the visits (the 'More' link), as a page or as the next rows for htmx."""
    project = get_or_404(Project, project_id)
    number = page_number(request.args)
    return render(
        PAGE, "projects/_timeline.html", **show_context(project, timeline_page_number=number)
    )


@bp.route("/<int:project_id>/register")
@login_required
def register(project_id: int):
    """The risk register with its heat map and concern counts, as they are now."""
    project = get_or_404(Project, project_id)
    return render(PAGE, "projects/_register.html", **show_context(project))


@bp.route("/<int:project_id>/edit", methods=["GET", "POST"])
@login_required
@redisplays_form_on_error
def edit(project_id: int):
    """Change a project's details."""
    project = _editable(project_id)
    form = ProjectForm(obj=project)
    if form.validate_on_submit():
        update_project(project, form.data)
        flash(_("Project saved."))
        return redirect(url_for("projects.show", project_id=project.id), code=303)
    return render("projects/form.html", form=form, project=project)


@bp.route("/<int:project_id>/factors/new")
@login_required
def factor_new(project_id: int):
    """The form to add a factor to the register, opened in the register."""
    project = _editable(project_id)
    form = _factor_form(formdata=None, data={"status": "open"})
    form.client_uuid.data = new_key()
    return render(
        PAGE,
        "projects/_factor_form.html",
        **show_context(project, factor_form=form, factor_form_for="new"),
    )


@bp.route("/<int:project_id>/factors", methods=["POST"])
@login_required
@redisplays_form_on_error
def factor_create(project_id: int):
    """Add a factor to the register."""
    project = _editable(project_id)
    form = _factor_form()
    if form.validate_on_submit():
        factor = add_factor(project, form.data)
        return _register_saved(project, _("Risk factor saved."), f"factor-{factor.id}")
    return render(
        PAGE,
        "projects/_factor_form.html",
        **show_context(project, factor_form=form, factor_form_for="new"),
    )


@bp.route("/<int:project_id>/factors/<int:factor_id>")
@login_required
def factor(project_id: int, factor_id: int):
    """One row of the register (what an inline edit returns to when cancelled)."""
    project = get_or_404(Project, project_id)
    row = _factor_of(project, factor_id)
    return render(PAGE, "projects/_factor.html", **show_context(project, factor=row))


@bp.route("/<int:project_id>/factors/<int:factor_id>/edit")
@login_required
def factor_edit(project_id: int, factor_id: int):
    """The form to change a factor, opened in place of its row."""
    project = _editable(project_id)
    row = _factor_of(project, factor_id)
    form = _factor_form(formdata=None, obj=row)
    return render(
        PAGE,
        "projects/_factor_form.html",
        **show_context(project, factor_form=form, factor_form_for=row.id, factor=row),
    )


@bp.route("/<int:project_id>/factors/<int:factor_id>", methods=["POST"])
@login_required
@redisplays_form_on_error
def factor_update(project_id: int, factor_id: int):
    """Save a factor's likelihood, impact, mitigation, owner, review date and status."""
    project = _editable(project_id)
    row = _factor_of(project, factor_id)
    # Built on the row: what was sent wins, and a review date already on the record (gone by,
    # the factor overdue) is not refused for having passed when the factor is closed.
    form = _factor_form(obj=row)
    form.factor_code.data = row.factor_code  # not editable: the row's identity
    if form.validate_on_submit():
        update_factor(row, form.data)
        return _register_saved(project, _("Risk factor saved."), f"factor-{row.id}")
    return render(
        PAGE,
        "projects/_factor_form.html",
        **show_context(project, factor_form=form, factor_form_for=row.id, factor=row),
    )


@bp.route("/<int:project_id>/assessment", methods=["POST"])
@login_required
@redisplays_form_on_error
def assessment(project_id: int):
    """Save the finding and note on each dimension of the assessment."""
    project = _editable(project_id)
    form = AssessmentForm()
    if form.validate_on_submit():
        save_assessment(
            project,
            {
                dim: (form[f"{dim}_finding"].data, form[f"{dim}_note"].data)
                for dim in ASSESSMENT_DIMENSIONS
            },
            {dim: form[f"{dim}_shared"].data for dim in ASSESSMENT_DIMENSIONS},
        )
        return _saved(
            project,
            "projects/_assessment.html",
            _("Assessment saved."),
            "assessment-saved",
            "assessment",
        )
    return render(PAGE, "projects/_assessment.html", **show_context(project, assessment_form=form))


@bp.route("/<int:project_id>/decision", methods=["POST"])
@login_required
@redisplays_form_on_error
def decision(project_id: int):
    """Record the decision on the project and its date."""
    project = _editable(project_id)
    form = DecisionForm()
    if form.validate_on_submit():
        record_decision(project, form.decision.data, form.decided_on.data)
        return _saved(
            project, "projects/_decision.html", _("Decision saved."), "decision-saved", "decision"
        )
    return render(PAGE, "projects/_decision.html", **show_context(project, decision_form=form))
