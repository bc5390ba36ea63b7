"""Run a hazard checklist during a visit: one tap per item, saved as tapped."""

import uuid

from babel.lists import format_list
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..audit.services import record_read
from ..enums import SEVERITY_DAYS
from ..extensions import db
from ..forms import redisplays_form_on_error
from ..hazards import services as hazards
from ..htmx import fragments, redirect_client, render, toast, wants_fragment
from ..i18n import localized
from ..idempotency import client_key
from ..ids import parse_id
from ..labels import checklist_word
from ..models import ChecklistItem, ChecklistTemplate, Screening, Visit
from ..permissions import address_target, authorize, can, requires
from ..photos.forms import client_times
from ..photos.services import PhotosRejected, add_photos, chosen_files
from ..referrals import queries as referral_queries
from ..referrals.routes import new_form as new_referral_form
from ..refusals import Conflict, Invalid, Locked
from ..scope import get_by_uuid_or_404, get_or_404, select_for
from . import bp, queries, services
from .forms import AnswerForm, DiscardForm, FinishForm, HazardForm, RemainingForm, StartForm

# What the blank checklist's forms say in place of the UUID: static/js/checklist-offline.js
# puts in the one from the page's address. Not a UUID, so it never names a screening.
UUID_PLACEHOLDER = "screening-uuid"


@bp.app_template_global()
def offline_checklist(template_field: str | dict[str, str]) -> dict:
    """What outbox.js needs to open the blank checklist when a form that starts one (the
    visit form, the start buttons) is queued without signal: the checklist's address with
    the form's client UUID in place of the placeholder, and the field naming the template:
    one field, or (the visit form) one per purpose that opens a checklist, none for others."""
    return {
        "url": url_for("screening.show", screening_uuid=UUID_PLACEHOLDER),
        "uuid": UUID_PLACEHOLDER,
        "template": template_field,
    }


def _screening(screening_id: int | None, screening_uuid: str | None) -> Screening:
    """The screening named in the address, by id or by the UUID the phone gave it; 404 if
    it is unknown or out of scope."""
    if screening_uuid is not None:
        return get_by_uuid_or_404(Screening, screening_uuid)
    return get_or_404(Screening, screening_id)


def _screening_to_save(screening_id: int | None, screening_uuid: str | None) -> Screening:
    """The screening a save is addressed to, as _screening; a Conflict saying it was discarded
    if it was (a save from the outbox, or another tab, that came after the discard)."""
    if screening_uuid is not None:
        try:
            named = Screening.uuid == str(uuid.UUID(screening_uuid))
        except ValueError:
            abort(404)
    else:
        named = Screening.id == screening_id
    found = db.session.scalar(select_for(Screening).where(named))
    if found is not None:
        return found
    visit_id = queries.discarded_visit_id(screening_id, screening_uuid)
    # Told only to whoever could see it: its visit is in their scope.
    if visit_id is not None and db.session.scalar(select_for(Visit).where(Visit.id == visit_id)):
        raise Conflict(services.DISCARDED)
    return _screening(screening_id, screening_uuid)


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
    if not form.validate_on_submit() or not form.visit_named():
        abort(400)
    if not form.visit_id.data:
        visit = get_by_uuid_or_404(Visit, form.visit_uuid.data)
    else:
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
    try:
        screening = services.start(visit, template, client_key(form.client_uuid.data))
    except Invalid as refused:
        # Not a checklist of the visit's purpose: back to the visit, which offers its own.
        flash(str(refused), "error")
        return redirect(url_for("visits.show", visit_id=visit.id), code=303)
    return redirect_client(url_for("screening.show", screening_id=screening.id))


def _page_context(screening: Screening) -> dict:
    # A blank checklist (never saved, no id) has no visit, answers or photos yet.
    blank = screening.id is None
    answers = {} if blank else queries.answers_by_item(screening)
    hazard_ids = [a.hazard.id for a in answers.values() if a.hazard]
    visit = screening.visit
    counts = queries.counts(screening)
    return {
        "screening": screening,
        "visit": visit,
        "blank": blank,
        # The screening in the forms' addresses: its id, or the UUID the phone gave it.
        "addr": {"screening_uuid": UUID_PLACEHOLDER} if blank else {"screening_id": screening.id},
        # Who the entries on the page are about (the outbox's labels).
        "subject": localized(screening.template)
        if blank
        else (visit.resident.name if visit.resident else visit.project.name),
        "answers": answers,
        "hazard_forms": {
            item_id: HazardForm(formdata=None, obj=a.hazard, found_on=a.hazard.found_on)
            for item_id, a in answers.items()
            if a.hazard is not None
        },
        "hazard_photos": queries.photos_by_hazard(hazard_ids),
        # The blank hazard form outbox.js puts under an item tapped "hazard" offline.
        "offline_hazard_form": HazardForm(formdata=None),
        # Its deadline by severity, for a severity other than the item's (hazards.default_due).
        "severity_days": SEVERITY_DAYS,
        "answer_photos": {} if blank else queries.photos_by_answer(screening),
        **_referral_context(screening, answers),
        "counts": counts,
        "editable": can("screening.run") if blank else can("screening.run", screening),
        # A checklist opened by a mistaken tap goes again from its page, while nothing is
        # checked (the count is read fresh: the page may come back after an answer's save).
        "discardable": not blank
        and counts["answered"] == 0
        and can("screening.discard", screening),
        "photo_errors": {},
        # Item id -> the fields to correct, for a hazard form refused with a photo in it.
        "photo_held": {},
    }


def _referral_context(screening: Screening, answers: dict) -> dict:
    """Referrals of the welfare items marked "needs attention", with a form for each."""
    concerns = [a for a in answers.values() if a.value == "concern"]
    if not concerns:
        return {"answer_referrals": {}, "referral_forms": {}}
    by_answer: dict[int, list] = {}
    for ref in referral_queries.of_visit(current_user, screening.visit_id):
        by_answer.setdefault(ref.answer_id, []).append(ref)
    return {
        "answer_referrals": by_answer,
        "referral_forms": {a.id: new_referral_form(screening.visit, a) for a in concerns},
    }


@bp.route("/<int:screening_id>")
@bp.route("/u/<string:screening_uuid>")
@login_required
def show(screening_id: int | None = None, screening_uuid: str | None = None):
    """The checklist, each item with OK / hazard / not applicable."""
    screening = _screening(screening_id, screening_uuid)
    record_read("screening_viewed", "screening", screening.id)
    return render("screening/show.html", **_page_context(screening))


@bp.route("/blank")
@login_required
@requires("screening.run")
def blank():
    """An empty checklist the phone keeps, to open one started without signal.

    The service worker shows it for /screening/u/<uuid>?template=<id> while the server does
    not know that screening yet; its forms then address the screening by that UUID.
    """
    template = db.session.get(ChecklistTemplate, parse_id(request.args.get("template")) or 0)
    if template is None or not template.active:
        abort(404)
    return render("screening/show.html", **_page_context(Screening(template=template)))


def _item_response(
    screening: Screening,
    item: ChecklistItem,
    hazard_form=None,
    photo_errors=None,
    photo_held=None,
    note_form=None,
):
    ctx = _page_context(screening)
    ctx["photo_errors"] = photo_errors or {}
    ctx["photo_held"] = photo_held or {}
    if note_form is not None:
        ctx["note_forms"] = {item.id: note_form}
    answer = ctx["answers"].get(item.id)
    if hazard_form is None:
        hazard_form = ctx["hazard_forms"].get(item.id)
    return fragments(
        render_template(
            "screening/_item.html", item=item, answer=answer, hazard_form=hazard_form, **ctx
        ),
        render_template("screening/_summary.html", oob=True, **ctx),
        render_template("screening/_discard.html", oob=True, **ctx),
    )


@bp.route("/<int:screening_id>/items/<int:item_id>", methods=["POST"])
@bp.route("/u/<string:screening_uuid>/items/<int:item_id>", methods=["POST"])
@login_required
@requires("screening.run")
def answer(item_id: int, screening_id: int | None = None, screening_uuid: str | None = None):
    """Save the tapped answer for one item at once."""
    screening = _screening_to_save(screening_id, screening_uuid)
    authorize("screening.run", screening)
    item = _item(screening, item_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        if form.note.errors and not form.value.errors and "csrf_token" not in form.errors:
            # What needs attention, refused (left empty): said beside it, the rest kept.
            if not wants_fragment():
                return render(
                    "screening/show.html", **_page_context(screening), note_forms={item.id: form}
                ), 422
            resp = _item_response(screening, item, note_form=form)
            resp.status_code = 422
            return resp
        if not wants_fragment():
            flash(_("Not saved: tap the answer again."), "error")
            return redirect(url_for("screening.show", screening_id=screening.id), code=303)
        resp = _item_response(screening, item)
        return toast(resp, _("Not saved: tap the answer again."), "error")
    if _opens_hazard(screening, item, form.value.data):
        # Nothing is stored yet: the hazard is saved with its note (hazard() below).
        blank = _new_hazard_form(screening, item)
        if not wants_fragment():
            ctx = _page_context(screening)
            ctx["hazard_forms"][item.id] = blank
            # What the page asks for before anything is saved: a phone that sent the tap
            # alone from its outbox is told so, rather than told it was saved (outbox/replay.py).
            ctx["note_asked"] = _("Describe the hazard.")
            return render("screening/show.html", **ctx)
        return _item_response(screening, item, hazard_form=blank)
    services.answer(
        screening, item, form.value.data, note=form.note.data if form.sends_note() else None
    )
    if not wants_fragment():
        return redirect(
            url_for("screening.show", screening_id=screening.id) + f"#item-{item.id}", code=303
        )
    return _item_response(screening, item)


def _photos_refused(sent: list, problems: list) -> str:
    """The hazard saved, its photos not: said where it is seen, not only under the photos
    below the fold (the walk read "隐患已保存" as all saved). A bad file stops its batch."""
    first = problems[0]
    reason = (
        _("%(file)s: %(message)s", file=first.filename, message=first.message)
        if first.filename
        else first.message
    )
    return ngettext(
        "Hazard saved, but not the photo: %(reason)s",
        "Hazard saved, but none of the %(num)d photos: %(reason)s",
        len(sent),
        reason=reason,
    )


def _wrong_fields(form: HazardForm) -> str:
    """The refused fields' names, quoted and listed as the language lists ("" for none: the
    form as a whole was refused, its token expired say)."""
    names = [
        f"“{form[name].label.text}”"
        for name in form.errors
        if name not in ("csrf_token", "photos", "photo_uuid")
    ]
    return format_list(names, locale=get_locale()) if names else ""


def _opens_hazard(screening: Screening, item: ChecklistItem, value: str | None) -> bool:
    """A tap on "hazard" for an item with no hazard yet: it asks for the note first."""
    return (
        value == "hazard"
        and item.concern_value() == "hazard"
        and services.hazard_of(screening, item) is None
    )


def _new_hazard_form(screening: Screening, item: ChecklistItem) -> HazardForm:
    """The hazard form for an item just tapped "hazard": the item's severity and deadline."""
    found_on = screening.visit.visited_on
    due_on = hazards.default_due(
        found_on, item.default_severity, item.default_severity, item.default_days
    )
    return HazardForm(
        formdata=None, severity=item.default_severity, due_on=due_on, found_on=found_on
    )


@bp.route("/<int:screening_id>/items/<int:item_id>/hazard", methods=["POST"])
@bp.route("/u/<string:screening_uuid>/items/<int:item_id>/hazard", methods=["POST"])
@login_required
@requires("screening.run")
@redisplays_form_on_error
def hazard(item_id: int, screening_id: int | None = None, screening_uuid: str | None = None):
    """Describe the hazard found on an item: note, severity, deadline and photos in one save."""
    screening = _screening_to_save(screening_id, screening_uuid)
    authorize("screening.run", screening)
    item = _item(screening, item_id)
    hz = services.hazard_of(screening, item)
    if hz is None and item.concern_value() != "hazard":
        abort(404)
    form = HazardForm(obj=hz, found_on=hz.found_on if hz else screening.visit.visited_on)
    valid = form.validate_on_submit()
    sent = chosen_files(form.photos.data)
    problems, saved = [], []
    described_now = hz is None and valid
    if described_now:
        # The first save of a hazard: the answer and the hazard with its note, together.
        described = (form.note.data, form.severity.data, form.due_on.data)
        hz = services.answer(screening, item, "hazard", described=described).hazard
    # Photos sent are kept even when the note is missing: the worker took them at the door.
    if hz is not None and sent and "csrf_token" not in form.errors and not g.get("refusal"):
        try:
            saved = add_photos(
                form.photos.data,
                hz,
                current_user,
                client_key(form.photo_uuid.data),
                client_times=client_times(),
            )
        except PhotosRejected as err:
            problems = err.problems
    changed = described_now
    if valid and not described_now:
        changed = hazards.update_details(hz, form.note.data, form.severity.data, form.due_on.data)
    # A photo sent with a form refused before the photo could be stored (no hazard yet to hold
    # it, an expired token): nothing of it is saved, and the form says what to correct; the
    # page puts the photo back into the form it gets (static/js/photos.js). Not for a refusal
    # of the hazard's state (verified, say): saving it again would not store the photo.
    held = {}
    if sent and not (valid or saved or problems or g.get("refusal")):
        held = {item.id: _wrong_fields(form)}
    if not wants_fragment():
        if valid and not problems:
            return redirect(
                url_for("screening.show", screening_id=screening.id) + f"#item-{item.id}", code=303
            )
        if valid:
            flash(_photos_refused(sent, problems), "error")
        ctx = _page_context(screening)
        if not valid:
            ctx["hazard_forms"][item.id] = form
        ctx["photo_errors"] = {hz.id: problems} if hz else {}
        ctx["photo_held"] = held
        return render("screening/show.html", **ctx)
    resp = _item_response(
        screening,
        item,
        hazard_form=None if valid else form,
        photo_errors={hz.id: problems} if hz else {},
        photo_held=held,
    )
    if valid and problems:
        return toast(resp, _photos_refused(sent, problems), "error")
    if valid and not (changed or saved or problems):
        # Saved already, as it stands (the photo's own save sent it): nothing new was made.
        return toast(resp, _("No changes: this hazard was already saved."))
    if valid:
        return toast(resp, _("Hazard saved."))
    if saved:
        return toast(resp, ngettext("%(num)d photo saved.", "%(num)d photos saved.", len(saved)))
    return resp


@bp.route("/<int:screening_id>/remaining", methods=["POST"])
@bp.route("/u/<string:screening_uuid>/remaining", methods=["POST"])
@login_required
@requires("screening.run")
def remaining(screening_id: int | None = None, screening_uuid: str | None = None):
    """Answer all items not yet answered at once: "all remaining OK" after looking."""
    screening = _screening_to_save(screening_id, screening_uuid)
    authorize("screening.run", screening)
    form = RemainingForm()
    if not form.validate_on_submit():
        abort(400)
    answers = services.answer_remaining(screening, form.value.data)
    flash(ngettext("%(num)d item answered.", "%(num)d items answered.", len(answers)), "success")
    return redirect(
        url_for("screening.show", screening_id=screening.id) + "#finish-screening", code=303
    )


@bp.route("/<int:screening_id>/finish", methods=["POST"])
@bp.route("/u/<string:screening_uuid>/finish", methods=["POST"])
@login_required
@requires("screening.run")
def finish(screening_id: int | None = None, screening_uuid: str | None = None):
    """Close the checklist and go back to the visit; unanswered items are asked about first."""
    screening = _screening_to_save(screening_id, screening_uuid)
    authorize("screening.run", screening)
    form = FinishForm()
    if not form.validate_on_submit():
        return redirect_client(url_for("screening.show", screening_id=screening.id))
    if form.remaining.data == "na":
        services.answer_remaining(screening, "na")
    left = queries.unanswered_items(screening)
    undescribed = queries.undescribed_hazards(screening)
    unexplained = queries.unexplained_concerns(screening)
    if left or undescribed or unexplained:
        return render(
            "screening/finish.html",
            screening=screening,
            visit=screening.visit,
            left=left,
            undescribed=undescribed,
            unexplained=unexplained,
        )
    services.finish(screening)
    flash(checklist_word("checklist_saved", screening.template.visit_purpose), "success")
    return redirect_client(url_for("visits.show", visit_id=screening.visit_id))


@bp.route("/<int:screening_id>/discard", methods=["POST"])
@login_required
@requires("screening.discard")
def discard(screening_id: int):
    """Discard a checklist started with nothing checked, and go back to its visit."""
    form = DiscardForm()
    valid = form.validate_on_submit()
    # Scope first: a checklist out of scope is a 404 whatever the form says.
    screening = db.session.scalar(select_for(Screening).where(Screening.id == screening_id))
    if screening is not None and (not valid or screening.uuid == form.screening_uuid.data):
        authorize("screening.discard", screening)
        if not valid:
            abort(400)
        purpose = screening.template.visit_purpose
        visit_id = services.discard(screening)
    else:
        # Discarded already (a double tap, a retry): its visit says so again. The visit is
        # read in scope, as the checklist would have been; a visit runs checklists of its
        # own purpose, so its purpose words the message as the checklist's would have.
        found = queries.discarded_visit_id(screening_id, form.screening_uuid.data or "")
        if not valid or found is None:
            abort(404)
        visit = get_or_404(Visit, found)
        visit_id, purpose = visit.id, visit.purpose
    flash(checklist_word("checklist_discarded", purpose), "success")
    return redirect_client(url_for("visits.show", visit_id=visit_id))


@bp.get("/<int:screening_id>/discard")
@login_required
def discard_address(screening_id: int):
    """The checklist, for the discard address reached by GET (a reload after a refused
    discard): discarding takes the button and its confirmation."""
    screening = _screening(screening_id, None)
    return redirect(url_for("screening.show", screening_id=screening.id), code=303)


# The addresses the checklist's forms post to, reached by GET: a reload after the page came
# back from a post (a refused finish, a hazard note to mend), the back button, a shared link,
# or a phone restoring a tab it had dropped. Whoever may see the checklist gets it (unknown or
# out of scope: 404), at the part the form was about only if they may fill it in.
@bp.get("/<int:screening_id>/items/<int:item_id>")
@bp.get("/u/<string:screening_uuid>/items/<int:item_id>")
@bp.get("/<int:screening_id>/items/<int:item_id>/hazard")
@bp.get("/u/<string:screening_uuid>/items/<int:item_id>/hazard")
@login_required
def item_address(item_id: int, screening_id: int | None = None, screening_uuid: str | None = None):
    """The checklist, at the item an answer or hazard form was about."""
    screening = _screening(screening_id, screening_uuid)
    item = _item(screening, item_id)
    page = url_for("screening.show", screening_id=screening.id)
    return redirect(
        address_target("screening.run", screening, page, f"{page}#item-{item.id}"), code=303
    )


@bp.get("/<int:screening_id>/remaining")
@bp.get("/u/<string:screening_uuid>/remaining")
@bp.get("/<int:screening_id>/finish")
@bp.get("/u/<string:screening_uuid>/finish")
@login_required
def finish_address(screening_id: int | None = None, screening_uuid: str | None = None):
    """The checklist, at its finish button."""
    screening = _screening(screening_id, screening_uuid)
    page = url_for("screening.show", screening_id=screening.id)
    return redirect(
        address_target("screening.run", screening, page, f"{page}#finish-screening"), code=303
    )
