"""Log and correct visits; a visit's page with its screenings and photos."""

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from ..audit.services import record_read
from ..extensions import db
from ..forms import redisplays_form_on_error
from ..htmx import fragments, redirect_client, render, toast, trigger, wants_fragment
from ..idempotency import client_key, new_key
from ..models import ChecklistTemplate, DailyLog, Photo, Project, Resident, RiskFactor, Visit
from ..outbox.replay import is_replay
from ..permissions import authorize, requires
from ..referrals.routes import panel_context as referral_panel
from ..refusals import Locked
from ..residents.queries import todays_log_locked
from ..scope import get_or_404, select_for
from ..screening.models import on_site
from ..screening.queries import active_templates, counts, templates_by_purpose
from ..screening.services import start as start_screening
from . import bp
from .forms import DeleteForm, VisitForm
from .services import PROJECT, RepeatedVisit, create_visit, delete_visit, update_visit


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


def _checklists(resident) -> list[ChecklistTemplate]:
    """The checklists the visit form offers: a household's (the hazard checklists, the
    welfare check) on a resident's visit, the site check on a project's."""
    return [t for t in active_templates() if t.on_site == (resident is None)]


def _form(resident, project, **kw) -> VisitForm:
    form = VisitForm(factors=_factors(project), checklists=_checklists(resident), **kw)
    if not form.is_submitted():
        form.client_uuid.data = new_key()
        form.own_page.data = "" if wants_fragment() else "1"
        form.resident_id.data = resident.id if resident else ""
        form.project_id.data = project.id if project else ""
        if project is not None and resident is None:
            form.purpose.data = PROJECT
        if form.checklist_id.choices:
            # The first checklist (fire safety) is the usual one: one tap fewer at the door.
            form.checklist_id.data = form.checklist_id.choices[0][0]
    return form


@bp.app_template_global()
def queued_visit_labels(form: VisitForm, name: str) -> dict[str, str]:
    """The outbox's label for a visit of each purpose, so one person's waiting visits differ."""
    return {
        value: _("Visit: %(name)s · %(purpose)s", name=name, purpose=text)
        for value, text in form.purpose.choices
    }


@bp.route("/new")
@login_required
@requires("visits.log")
def new():
    """The visit form, on its own page or dropped into a resident's or project's page."""
    resident, project = _subject_from(request.args)
    form = _form(resident, project)
    # Said before the typing: Save would refuse a visit on an approved day (services).
    day_locked = bool(db.session.scalar(sa.select(todays_log_locked(current_user))))
    return render(
        "visits/new.html",
        "visits/_form.html",
        form=form,
        resident=resident,
        project=project,
        day_locked=day_locked,
    )


@bp.route("", methods=["POST"])
@login_required
@requires("visits.log")
@redisplays_form_on_error
def create():
    """Save a new visit; a double tap or a retry saves it once."""
    resident, project = _subject_from(request.form)
    form = _form(resident, project)
    if not form.validate_on_submit():
        return render(
            "visits/new.html",
            "visits/_form.html",
            form=form,
            resident=resident,
            project=project,
            # A form sent again with other content, or the same visit under a new key: offer
            # the visit it saved the first time (and, for the latter, to save another).
            existing=getattr(g.get("refusal"), "existing", None),
            repeated=isinstance(g.get("refusal"), RepeatedVisit),
        )
    key = client_key(form.client_uuid.data)
    visit, _created = create_visit(
        current_user,
        form.values(),
        key,
        resident,
        project,
        captured_at=form.captured_at.data,
        # What the phone kept and sends now was each saved on purpose; a page opened again
        # by Back is asked about (services.RepeatedVisit) until the worker says "another".
        repeat_ok=is_replay() or request.form.get("again") == "1",
    )
    checklist = form.checklist()
    if checklist is not None:
        # A visit with a checklist (a screening, an elderly-care visit's welfare check) lands
        # on it: the same key makes a retry open the same one.
        screening = start_screening(visit, checklist, key)
        flash(_("Visit saved."), "success")
        return redirect_client(url_for("screening.show", screening_id=screening.id))
    if not wants_fragment() or form.own_page.data:
        flash(_("Visit saved."), "success")
        return redirect_client(url_for("visits.show", visit_id=visit.id))
    # The new entry goes to the top of the resident's or project's timeline (#timeline-new);
    # the form folds back into its button.
    resp = fragments(
        render_template("visits/_entry.html", visit=visit, new=True),
        render_template("visits/_form_slot.html", resident=resident, project=project, oob=True),
    )
    resp.headers["HX-Retarget"] = "#timeline-new"
    resp.headers["HX-Reswap"] = "afterbegin"
    # The project's register of concerns reloads on it.
    trigger(resp, {"visit-saved": {"id": visit.id}})
    return toast(resp, _("Visit saved."))


def _via_day() -> str | None:
    """'day' when the reader came from the day's page: kept through the edit and back."""
    return "day" if request.args.get("via") == "day" else None


def _back_to_day(visit: Visit) -> DailyLog | None:
    """The visit's day, when its page should lead back there: the day is back with the worker
    for changes (she resubmits it on the day's page, walk: after an edit the only way back
    was through Today), or the reader came from the day's page. None if out of their scope."""
    log = visit.daily_log
    if log.status != "returned" and _via_day() is None:
        return None
    return db.session.scalar(select_for(DailyLog).where(DailyLog.id == log.id))


@bp.route("/<int:visit_id>")
@login_required
def show(visit_id: int):
    """One visit: what happened, its screenings, photos and what to do next."""
    # Its resident and day are on the page: in the same statement, not two lazy loads.
    visit = get_or_404(
        Visit, visit_id, options=(joinedload(Visit.resident), joinedload(Visit.daily_log))
    )
    record_read("visit_viewed", "visit", visit.id, {"resident": visit.resident_id})
    photos = db.session.scalars(
        select_for(Photo).where(Photo.visit_id == visit.id).order_by(Photo.id)
    ).all()
    # A resident's visit offers a household's checklists, a project's the site's.
    by_purpose = templates_by_purpose(on_site(visit))
    return render(
        "visits/show.html",
        visit=visit,
        # Only the checklists of the visit's purpose (a welfare check on an elderly-care visit,
        # the construction site's on a project visit); none for a purpose that runs none.
        templates=by_purpose.get(visit.purpose, []),
        # Those that run some: what a visit of a purpose that runs none is pointed to.
        checklist_purposes=list(by_purpose),
        photos=photos,
        screening_counts={s.id: counts(s) for s in visit.screenings},
        back_to_day=_back_to_day(visit),
        via_day=_via_day(),
        **{k: v for k, v in referral_panel(visit).items() if k != "visit"},
    )


@bp.route("/<int:visit_id>/edit", methods=["GET", "POST"])
@login_required
@requires("visits.change")
@redisplays_form_on_error
def edit(visit_id: int):
    """Correct a visit while its day is not approved."""
    visit = get_or_404(Visit, visit_id)
    try:
        authorize("visits.change", visit)
    except Locked as locked:
        # An edit page opened before the day was approved: back to the visit, saying why.
        flash(str(locked), "error")
        return redirect(url_for("visits.show", visit_id=visit.id), code=303)
    if request.method == "GET":
        record_read("visit_viewed", "visit", visit.id, {"resident": visit.resident_id})
    form = VisitForm(obj=visit, factors=())
    if form.validate_on_submit():
        update_visit(visit, form.values())
        flash(_("Saved."), "success")
        return redirect(url_for("visits.show", visit_id=visit.id, via=_via_day()), code=303)
    return render("visits/edit.html", form=form, visit=visit, via_day=_via_day())


@bp.route("/<int:visit_id>/delete", methods=["POST"])
@login_required
@requires("visits.change")
def delete(visit_id: int):
    """Delete one's own visit logged by mistake, while its day is not approved."""
    visit = get_or_404(Visit, visit_id)
    authorize("visits.change", visit)
    form = DeleteForm()
    if not form.validate_on_submit():
        abort(400)
    back = (
        url_for("residents.show", resident_id=visit.resident_id)
        if visit.resident_id
        else url_for("projects.show", project_id=visit.project_id)
    )
    delete_visit(visit)
    flash(_("Visit deleted."), "success")
    return redirect(back, code=303)


@bp.get("/<int:visit_id>/delete")
@login_required
def delete_address(visit_id: int):
    """The visit, for the delete address reached by GET (a reload after a refused delete,
    the back button, a shared link): deleting takes the button and its confirmation."""
    visit = get_or_404(Visit, visit_id)
    return redirect(url_for("visits.show", visit_id=visit.id), code=303)
