"""Find, read, add, edit and archive residents."""

import io

from flask import flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import scope
from ..audit.services import record_read
from ..forms import redisplays_form_on_error
from ..htmx import render
from ..i18n import localized
from ..idempotency import client_key, new_key
from ..models import Resident
from ..pagination import page_number, paginate
from ..permissions import address_target, authorize, requires
from ..scope import get_or_404
from . import bp, queries
from .forms import ArchiveForm, EraseForm, ResidentForm, SearchForm
from .services import (
    already_created,
    archive_resident,
    create_resident,
    erase_on_request,
    update_resident,
)


def _search_form() -> SearchForm:
    form = SearchForm(formdata=request.args)
    form.care.choices = [("", _("All care reasons"))] + [
        (c.code, localized(c)) for c in queries.care_reasons()
    ]
    return form


@bp.route("")
@login_required
@requires("residents.read")
def index():
    """Search the caseload by name or address; htmx gets only the result rows."""
    form = _search_form()
    form.validate()
    q = (form.q.data or "")[:50]
    # Only the stated care reasons filter; anything else (say, who has an open request) is
    # refused with the field's error and narrows nothing.
    care = form.care.data if form.care.data in dict(form.care.choices) else ""
    page = paginate(
        queries.search(current_user, q, care),
        "residents.index",
        {"q": q or None, "care": care or None},
        number=page_number(request.args),
    )
    # What was shown, not what was typed: a search's words stay out of the audit.
    record_read(
        "residents_listed", "resident", None, {"hits": len(page.items), "searched": bool(q or care)}
    )
    return render("residents/index.html", "residents/_rows.html", form=form, page=page, q=q)


def _resident_form(obj=None) -> ResidentForm:
    form = ResidentForm(obj=obj)
    form.grid_id.choices = [(g.id, g.name) for g in scope.grids()]
    form.care_reasons.choices = [(c.code, localized(c)) for c in queries.care_reasons()]
    if obj is not None and not form.is_submitted():
        form.care_reasons.data = [c.code for c in obj.care_reasons]
    if not form.client_uuid.data:
        form.client_uuid.data = new_key()
    return form


def _form_data(form: ResidentForm) -> dict:
    return {
        "name": form.name.data,
        "grid_id": form.grid_id.data,
        "building": form.building.data,
        "unit": form.unit.data,
        "room": form.room.data,
        "phone": form.phone.data,
        "household_size": form.household_size.data,
        "notes": form.notes.data,
        "care_reasons": form.care_reasons.data,
    }


@bp.route("/new", methods=["GET", "POST"])
@login_required
@requires("residents.manage")
@redisplays_form_on_error
def new():
    """Add a resident to the caseload (a double tap adds one)."""
    form = _resident_form()
    duplicates = []
    if form.validate_on_submit():
        data, key = _form_data(form), client_key(form.client_uuid.data)
        # Same name and address, or same phone: show them and ask once. A retry of a form
        # already saved is not asked about its own record.
        if not form.confirm_duplicate.data and not already_created(key):
            duplicates = queries.possible_duplicates(current_user, data)
        if not duplicates:
            resident, _created = create_resident(data, key)
            get_or_404(Resident, resident.id)
            flash(_("Resident added."), "success")
            return redirect(url_for("residents.show", resident_id=resident.id), code=303)
    return render("residents/form.html", form=form, resident=None, duplicates=duplicates)


@bp.route("/<int:resident_id>")
@login_required
def show(resident_id: int):
    """A resident's details and one timeline of everything done with them."""
    context = _show_context(resident_id)
    # Every read of a resident's record is audited (PIPL: sensitive personal information).
    record_read("resident_viewed", "resident", resident_id)
    return render("residents/show.html", **context)


def _show_context(resident_id: int) -> dict:
    found = queries.resident_page(current_user, resident_id)
    if found is None:
        get_or_404(Resident, resident_id)  # out of scope or missing: the one 404, audited
    resident, open_requests, day_locked = found
    return {
        "resident": resident,
        "day_locked": day_locked,
        "timeline": queries.timeline(current_user, resident, page_number(request.args)),
        "open_requests": open_requests,
    }


@bp.route("/<int:resident_id>/timeline")
@login_required
def timeline(resident_id: int):
    """More of the timeline (the 'More' link), as a page or as rows for htmx."""
    context = _show_context(resident_id)
    record_read("resident_viewed", "resident", resident_id)
    return render("residents/show.html", "residents/_timeline.html", **context)


@bp.route("/<int:resident_id>/access")
@login_required
@requires("residents.access_log")
def access(resident_id: int):
    """Who opened this resident's record, and when (the community's secretary)."""
    resident = get_or_404(Resident, resident_id)
    authorize("residents.access_log", resident)
    record_read("resident_viewed", "resident", resident.id, {"page": "access"})
    page = paginate(
        queries.access_log(resident),
        "residents.access",
        {"resident_id": resident.id},
        number=page_number(request.args),
        per_page=50,
    )
    return render("residents/access.html", resident=resident, page=page)


@bp.route("/<int:resident_id>/edit", methods=["GET", "POST"])
@login_required
@requires("residents.read")
@redisplays_form_on_error
def edit(resident_id: int):
    """Correct a resident's details (an archived one: the secretary, with a reason)."""
    resident = get_or_404(Resident, resident_id)
    authorize("residents.correct" if resident.archived_at else "residents.manage", resident)
    if request.method == "GET":
        # The form shows the phone and notes: a read like the resident's page.
        record_read("resident_viewed", "resident", resident.id, {"form": "edit"})
    form = _resident_form(obj=resident)
    if form.validate_on_submit():
        update_resident(resident, _form_data(form), form.correction_reason.data or None)
        flash(_("Saved."), "success")
        return redirect(url_for("residents.show", resident_id=resident.id), code=303)
    return render("residents/form.html", form=form, resident=resident)


@bp.route("/<int:resident_id>/archive", methods=["POST"])
@login_required
@requires("residents.manage")
@redisplays_form_on_error
def archive(resident_id: int):
    """Take a resident off the active caseload."""
    resident = get_or_404(Resident, resident_id)
    form = ArchiveForm()
    if not form.validate_on_submit():
        return redirect(url_for("residents.edit", resident_id=resident.id), code=303)
    archive_resident(resident)
    flash(_("Resident archived."), "success")
    return redirect(url_for("residents.index"), code=303)


@bp.get("/<int:resident_id>/archive")
@login_required
def archive_address(resident_id: int):
    """The resident's edit page (where archiving is offered), for the archive address
    reached by GET (a reload after a refused archive, the back button); the resident's page
    for one who may see the resident but not archive them."""
    resident = get_or_404(Resident, resident_id)
    page = url_for("residents.show", resident_id=resident.id)
    edit_page = url_for("residents.edit", resident_id=resident.id)
    return redirect(address_target("residents.manage", resident, page, edit_page), code=303)


@bp.route("/<int:resident_id>/erase", methods=["GET", "POST"])
@login_required
@requires("residents.erase")
@redisplays_form_on_error
def erase(resident_id: int):
    """Erase a resident's personal data now, on their request, with a reason and a tick."""
    resident = get_or_404(Resident, resident_id)
    authorize("residents.erase", resident)
    form = EraseForm()
    if form.validate_on_submit():
        erase_on_request(resident, form.reason.data, current_user._get_current_object())
        flash(_("The resident's personal data is erased."), "success")
        return redirect(url_for("residents.index"), code=303)
    if request.method == "GET":
        record_read("resident_viewed", "resident", resident.id, {"page": "erase"})
    return render("residents/erase.html", form=form, resident=resident)


@bp.route("/<int:resident_id>/copy")
@login_required
@requires("residents.copy")
def copy(resident_id: int):
    """A copy of the resident's data for them (PIPL Art. 45): a page to print, or ?download=1
    for a ZIP of every record and photo."""
    from .copy import copy_zip, resident_copy

    resident = get_or_404(Resident, resident_id)
    authorize("residents.copy", resident)
    data = resident_copy(current_user, resident)
    download = request.args.get("download") == "1"
    # A copy is a read of the whole record: audited as such, with the form it took.
    record_read(
        "resident_copied", "resident", resident.id, {"download": download, "for": "resident"}
    )
    if download:
        resp = send_file(
            io.BytesIO(copy_zip(data)),
            mimetype="application/zip",
            as_attachment=True,
            download_name=f"resident-{resident.id}-copy.zip",
            max_age=0,
        )
        return resp
    return render("residents/copy.html", resident=resident, copy=data)


# Import from a sheet and the walk by building live in their own modules; they attach their
# views to this blueprint.
from . import buildings, imports  # noqa: E402, F401
