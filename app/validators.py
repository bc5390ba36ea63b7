"""Field checks shared by forms: dates a tired user could mistype, phone numbers."""

import re
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from .timeutil import local_today


class DateWithin:
    """A date no more than `past` days back and `future` days ahead of today."""

    def __init__(self, past: int | None = 365, future: int | None = 0):
        self.past, self.future = past, future

    def __call__(self, form, field):
        if field.data is None:
            return
        today = local_today()
        if self.future is not None and field.data > today + timedelta(days=self.future):
            if self.future == 0:
                raise ValidationError(_l("This date is in the future."))
            raise ValidationError(_l("This date is too far ahead."))
        if self.past is not None and field.data < today - timedelta(days=self.past):
            raise ValidationError(_l("This date is too far in the past. Check the year."))


PHONE_RE = re.compile(r"^\+?[0-9][0-9 -]{5,18}[0-9]$")


def phone_number(form, field):
    """A mobile or landline number: digits, spaces and dashes, 7 to 20 characters."""
    if field.data and not PHONE_RE.match(field.data.strip()):
        raise ValidationError(_l("Enter a phone number with digits only, e.g. 13812345678."))


def stripped(value):
    """Filter: trim surrounding whitespace from text input."""
    return value.strip() if isinstance(value, str) else value
