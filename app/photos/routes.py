"""Serve photos to those who may see them; upload and delete photos of visits, answers, hazards."""

from flask import Response, current_app, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from ..audit.services import record_read
from ..forms import redisplays_form_on_error
from ..htmx import render, toast, wants_fragment
from ..models import Answer, Photo, Visit
from ..scope import get_or_404
from ..urls import referrer_path
from . import bp
from .forms import PhotoDeleteForm, PhotoUploadForm, client_times
from .queries import get_owner_or_404, owner_type_of, photo_owner, photos_for
from .services import FileProblem, PhotosRejected, add_photos, can_add_photos, delete_photo
from .storage import get_store

# A URL with ?v=<hash prefix> (photo_url) names these exact bytes: the browser may keep it,
# for this user only. Without it the id alone could one day name other bytes (SQLite may
# reuse the id of a deleted last row), so the browser must check the ETag each time.
CACHE_CONTROL = "private, max-age=86400, immutable"
CACHE_CONTROL_UNVERSIONED = "private, no-cache"
VERSION_LENGTH = 12


@bp.app_template_global()
def photo_url(photo: Photo, thumb: bool = False) -> str:
    """The cache-friendly URL of a photo or of its thumbnail."""
    if thumb:
        return url_for("photos.thumb", photo_id=photo.id, v=photo.thumb_sha256[:VERSION_LENGTH])
    return url_for("photos.full", photo_id=photo.id, v=photo.sha256[:VERSION_LENGTH])


@bp.app_template_global()
def photo_outbox_label(owner) -> str | None:
    """What a photo waiting in the outbox belongs to, for its line on /outbox (None: "Photos")."""
    if not isinstance(owner, Visit):
        return None
    name = owner.resident.name if owner.resident else (owner.project.name if owner.project else "")
    return _("Photo · visit to %(name)s", name=name)


def _send(photo: Photo, key: str, suffix: str) -> Response:
    try:
        data = get_store().read(key)
    except FileNotFoundError:
        current_app.logger.error("photo %s: file %s missing from the store", photo.id, key)
        return Response(status=404)
    resp = Response(data, mimetype="image/jpeg")
    version = request.args.get("v", "")
    versioned = len(version) >= VERSION_LENGTH and key.startswith(version)
    resp.headers["Cache-Control"] = CACHE_CONTROL if versioned else CACHE_CONTROL_UNVERSIONED
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Disposition"] = f'inline; filename="photo-{photo.id}{suffix}.jpg"'
    # Even if a browser were talked into rendering it as a document, it could do nothing.
    # (Browsers style their own image viewer inline; that is all this page may do.)
    resp.headers["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox; "
        "frame-ancestors 'none'; base-uri 'self'"  # as the pages say, and X-Frame-Options
    )
    resp.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    resp.set_etag(key)
    return resp.make_conditional(request)


@bp.route("/<int:photo_id>")
@login_required
def full(photo_id: int):
    """The photo at full size (at most 1600 px), if the user may see it."""
    photo = get_or_404(Photo, photo_id)
    record_read("photo_viewed", "photo", photo.id)
    return _send(photo, photo.sha256, "")


@bp.route("/<int:photo_id>/thumb")
@login_required
def thumb(photo_id: int):
    """The photo's 320 px thumbnail, if the user may see it."""
    photo = get_or_404(Photo, photo_id)
    record_read("photo_viewed", "photo", photo.id, {"thumb": True})
    return _send(photo, photo.thumb_sha256, "-thumb")


def _gallery(owner, rectification: bool, errors=(), status: int = 200) -> Response:
    """The owner's photo gallery as a fragment (htmx) or on a small page of its own."""
    owner_type = owner_type_of(owner)
    rectification = rectification and owner_type == "hazard"
    photos = photos_for(owner, rectification if owner_type == "hazard" else None)
    return render(
        "photos/upload.html",
        "photos/_gallery.html",
        status=status,
        owner_type=owner_type,
        owner_id=owner.id,
        photos=photos,
        errors=list(errors),
        rectification=rectification,
        editable=can_add_photos(owner, rectification),
        outbox_label=photo_outbox_label(owner),
        back_url=_owner_url(owner),
    )


def _owner_url(owner) -> str:
    """The page that shows the owner's photos."""
    if isinstance(owner, Visit):
        return url_for("visits.show", visit_id=owner.id)
    if isinstance(owner, Answer):
        return url_for("screening.show", screening_id=owner.screening_id)
    return url_for("hazards.show", hazard_id=owner.id)


def _back(owner) -> Response:
    """303 to the page the form was on when it is one of ours, else to the owner's page."""
    return redirect(referrer_path() or _owner_url(owner), code=303)


def _form_problems(form) -> list[FileProblem]:
    messages = list(form.all_form_errors)
    for name, errors in form.errors.items():
        if name != "csrf_token":
            messages.extend(errors)
    return [FileProblem("", m) for m in dict.fromkeys(messages)]


@bp.route("", methods=["POST"])
@login_required
@redisplays_form_on_error
def upload():
    """Add photos to a visit, an answer or a hazard; a bad file stops the whole batch."""
    form = PhotoUploadForm()
    owner = get_owner_or_404(form.owner_type.data, form.owner_id.data)
    rectification = bool(form.is_rectification.data)
    if not form.validate_on_submit():
        return _gallery(owner, rectification, _form_problems(form))
    try:
        photos = add_photos(
            form.photos.data,
            owner,
            current_user,
            form.client_uuid.data,
            is_rectification=rectification,
            client_times=client_times(),
        )
    except PhotosRejected as err:
        # Not the handler's form-redisplay: the gallery itself lists each refused file, as
        # its normal answer (nothing was written: the files are checked before any row).
        return _gallery(owner, rectification, err.problems)
    if not wants_fragment():
        return _back(owner)
    return toast(
        _gallery(owner, rectification),
        ngettext("%(num)d photo saved.", "%(num)d photos saved.", len(photos)),
    )


@bp.route("/<int:photo_id>/delete", methods=["POST"])
@login_required
@redisplays_form_on_error
def delete(photo_id: int):
    """Remove a photo from its visit, answer or hazard."""
    photo = get_or_404(Photo, photo_id)
    owner = photo_owner(photo)
    rectification = photo.is_rectification
    form = PhotoDeleteForm()
    if not form.validate_on_submit():
        return _gallery(owner, rectification, _form_problems(form))
    delete_photo(photo, current_user)
    if not wants_fragment():
        return _back(owner)
    return toast(_gallery(owner, rectification), _("Photo deleted."))
