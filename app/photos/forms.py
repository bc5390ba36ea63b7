"""The photo upload and delete forms."""

import uuid

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, HiddenField
from wtforms.validators import ValidationError

from ..forms import BaseForm, IdempotentForm, IdField


def client_times() -> list[str]:
    """One per chosen photo, in order: the capture time static/js/photos.js read from it
    before shrinking it (it drops the EXIF); each is checked by app/photos/pipeline.py. Any
    form with photos may carry them (the upload form, a hazard's)."""
    return [t[:25] for t in request.form.getlist("captured_at")[:50]]


class PhotoUploadForm(IdempotentForm):
    """One or more photos for a visit, a checklist answer or a hazard."""

    owner_type = HiddenField()
    owner_id = IdField()
    is_rectification = BooleanField()
    photos = MultipleFileField(
        _l("Photos"),
        render_kw={
            "accept": "image/*",
            "capture": "environment",
            "multiple": True,
        },
    )

    def validate_client_uuid(self, field):
        try:
            uuid.UUID(field.data or "")
        except ValueError as err:
            # Only a tampered or broken page gets here: say so plainly and let it reload.
            raise ValidationError(_l("The page was incomplete. Reload it and try again.")) from err


class PhotoDeleteForm(BaseForm):
    """Remove one photo (CSRF only)."""
