"""The hazard board and the loop of one hazard: rectified, verified or sent back."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup

from .. import scope
from ..audit.services import record_read
from ..forms import BaseForm, redisplays_form_on_error
from ..htmx import render, toast, wants_fragment
from ..labels import label
from ..models import Hazard
from ..pagination import page_number, paginate
from ..permissions import authorize, requires
from ..photos.queries import photos_for
from ..review.badges import nav_oob
from ..scope import get_or_404
from ..steps import Step, step_named
from ..timeutil import local_today
from . import bp, queries, services
from .forms import (
    BoardFilterForm,
    DepartmentProgressForm,
    RectifyForm,
    ReportForm,
    SendBackForm,
    VerifyForm,
)


def _board_context() -> dict:
    form = BoardFilterForm(formdata=request.args)
    grids = scope.grids()
    cats = queries.categories()
    form.grid.choices = [("", _("All grids"))] + [(str(g.id), g.name) for g in grids]
    form.category.choices = [("", _("All categories"))] + [
        (str(c.id), c.name("en" if _english() else "zh")) for c in cats
    ]
    form.status.choices = (
        [("", _("Not closed"))]
        + [
            ("due", _("Due within %(n)s days or overdue", n=queries.DUE_AHEAD_DAYS)),
            ("overdue", _("Overdue")),
            ("reported", _("Reported to a department")),
        ]
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
    record_read("hazards_listed", "hazard", None, {"hits": len(page.items)})
    return {"form": form, "page": page, "today": local_today()}


def _english() -> bool:
    from ..i18n import is_english

    return is_english()


@bp.route("")
@login_required
@requires("hazards.board")
def board():
    """Hazards by severity and due date, overdue ones marked; filter by grid, category, status."""
    return render("hazards/board.html", "hazards/_rows.html", **_board_context())


def _card_context(hazard: Hazard, **forms) -> dict:
    ctx = {
        "hazard": hazard,
        "today": local_today(),
        "problem_photos": photos_for(hazard, False),
        "fix_photos": photos_for(hazard, True),
        "rectify_form": RectifyForm(formdata=None),
        "send_back_form": SendBackForm(formdata=None),
        "report_form": ReportForm(formdata=None),
        "progress_form": DepartmentProgressForm(
            formdata=None, data={"progress": hazard.department_progress, "note": ""}
        ),
        "refusal": None,
    }
    ctx.update(forms)
    return ctx


@bp.route("/<int:hazard_id>")
@login_required
def show(hazard_id: int):
    """One hazard: what was found, the deadline, and its rectification."""
    hazard = get_or_404(Hazard, hazard_id)
    record_read("hazard_viewed", "hazard", hazard.id, {"resident": hazard.resident_id})
    return render("hazards/show.html", "hazards/_card.html", **_card_context(hazard))


NOTICE_LANGUAGES = {"zh": "zh_Hans", "en": "en"}


@bp.route("/<int:hazard_id>/notice")
@login_required
@requires("hazards.board")
def notice(hazard_id: int):
    """The rectification notice (限期整改通知单) to print on A4 or read out to the household:
    Chinese unless ?language=en, whatever the screen's language; the page around it is in
    the user's."""
    hazard = get_or_404(Hazard, hazard_id)
    language = "en" if request.args.get("language") == "en" else "zh"
    record_read("hazard_notice_viewed", "hazard", hazard.id, {"resident": hazard.resident_id})
    # Rendered apart: a template's words come in one language, and the page's are the user's.
    with force_locale(NOTICE_LANGUAGES[language]):
        sheet = render_template("hazards/_notice.html", hazard=hazard)
    # Our own template, its values escaped as it was rendered.
    sheet = Markup(sheet)  # noqa: S704
    return render("hazards/notice.html", hazard=hazard, sheet=sheet, notice_lang=language)


def _respond(hazard: Hazard, message: str = "", level: str = "success", **ctx):
    resp = render("hazards/show.html", "hazards/_card.html", **_card_context(hazard, **ctx))
    if level == "success" and wants_fragment():
        resp.set_data(resp.get_data(as_text=True) + nav_oob())
    return toast(resp, message, level) if message else resp


def _fix_photo_attached(hazard: Hazard, form: BaseForm) -> bool:
    """Not a state conflict: the worker only needs to add a photo, keeping the note."""
    if hazard.status != "open" or services.has_fix_photo(hazard):
        return True
    form.form_errors.append(str(services.NO_FIX_PHOTO))
    return False


STEPS = {
    "rectify": Step(
        RectifyForm,
        "hazards.rectify",
        lambda hazard, user, form: services.rectify(hazard, user, form.note.data),
        _l("Marked rectified; the secretary will check it."),
        "rectify_form",
        "open",
        _fix_photo_attached,
    ),
    "report": Step(
        ReportForm,
        "hazards.report",
        lambda hazard, user, form: services.report(
            hazard, user, form.department.data, form.reported_on.data, form.note.data
        ),
        _l("Recorded as reported to the department."),
        "report_form",
        "open",
    ),
    "department": Step(
        DepartmentProgressForm,
        "hazards.department",
        lambda hazard, user, form: services.record_department_progress(
            hazard, user, form.progress.data, form.note.data
        ),
        _l("The department's progress is recorded."),
        "progress_form",
        None,
    ),
    "verify": Step(
        VerifyForm,
        "hazards.verify",
        lambda hazard, user, _form: services.verify(hazard, user),
        _l("Fix verified; the hazard is closed."),
    ),
    "send-back": Step(
        SendBackForm,
        "hazards.verify",
        lambda hazard, user, form: services.send_back(hazard, user, form.comment.data),
        _l("Sent back; the hazard is open again."),
        "send_back_form",
        "rectified",
    ),
}


def _offers(hazard: Hazard, slug: str, todo: Step) -> bool:
    """Whether the card shows this step's form now (else its errors go to the top)."""
    if slug == "report":
        return hazard.status == "open" and hazard.reported_on is None
    if slug == "department":
        return hazard.reported_on is not None and hazard.status != "verified"
    return hazard.status == todo.offered_in


@bp.route("/<int:hazard_id>/<step>", methods=["POST"])
@login_required
@redisplays_form_on_error
def step(hazard_id: int, step: str):
    """Take one step on a hazard (rectify, verify, send back); a refusal says why."""
    todo = step_named(STEPS, step)
    authorize(todo.action)
    hazard = get_or_404(Hazard, hazard_id)
    authorize(todo.action, hazard)
    form = todo.form()
    if form.validate_on_submit() and todo.ready(hazard, form):
        todo.take(hazard, current_user._get_current_object(), form)
        if not wants_fragment():
            flash(str(todo.done), "success")
            return redirect(url_for("hazards.show", hazard_id=hazard.id), code=303)
        return _respond(hazard, str(todo.done))
    forms = {todo.form_name: form} if todo.form_name else {}
    # A form the card does not offer now (someone acted first) says its errors at the top.
    shown = todo.form_name and _offers(hazard, step, todo)
    refusal = None if shown else " ".join(form.all_form_errors) or None
    return _respond(hazard, level="error", refusal=refusal, **forms)


@bp.get("/<int:hazard_id>/<step>")
@login_required
def step_address(hazard_id: int, step: str):
    """The hazard, for a step's address reached by GET (a reload after the step's answer,
    the back button, a shared link), whoever may see it."""
    step_named(STEPS, step)  # an unknown step is a 404
    hazard = get_or_404(Hazard, hazard_id)
    return redirect(url_for("hazards.show", hazard_id=hazard.id), code=303)
