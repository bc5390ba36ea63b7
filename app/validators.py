"""Field checks shared by forms: dates a tired user could mistype, phone numbers, and free
text that must not carry an ID-card number."""

import re
import unicodedata
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric
from wtforms.validators import StopValidation, ValidationError

from .timeutil import local_today

# A date this far from today is most likely a mistyped year (2025 for 2026), not a
# slip of a few days: only then is "check the year" the helpful word.
YEAR_OFF_DAYS = 300


class DateWithin:
    """A date no more than `past` days back and `future` days ahead of today.

    One message per mistake, and the last word on the field: a refused date stops the field's
    later checks (the form's own validate_<field>), which would otherwise add a second message
    about the same date. `passed` words a date before today when `past` is 0, for a field
    whose own reason is clearer ("the follow-up cannot be in the past").
    """

    def __init__(self, past: int | None = 365, future: int | None = 0, *, passed=None):
        self.past, self.future, self.passed = past, future, passed

    def __call__(self, form, field):
        if field.data is None:
            return
        today = local_today()
        years_off = abs((field.data - today).days) >= YEAR_OFF_DAYS
        if self.future is not None and field.data > today + timedelta(days=self.future):
            if years_off:
                raise StopValidation(_l("This date is too far ahead. Check the year."))
            if self.future == 0:
                raise StopValidation(_l("This date is in the future."))
            raise StopValidation(
                _l("This date is more than %(days)s days ahead.", days=self.future)
            )
        if self.past is not None and field.data < today - timedelta(days=self.past):
            if years_off:
                raise StopValidation(_l("This date is too far in the past. Check the year."))
            if self.past == 0:
                raise StopValidation(
                    self.passed or _l("This date has passed. Choose today or a later day.")
                )
            raise StopValidation(_l("This date is more than %(days)s days ago.", days=self.past))


PHONE_RE = re.compile(r"^\+?[0-9][0-9 -]{5,18}[0-9]$")


def phone_number(form, field):
    """A mobile or landline number: digits, spaces and dashes, 7 to 20 characters."""
    if field.data and not PHONE_RE.match(field.data.strip()):
        raise ValidationError(_l("Enter a phone number with digits only, e.g. 13812345678."))


def stripped(value):
    """Filter: trim surrounding whitespace from text input."""
    return value.strip() if isinstance(value, str) else value


# 17 digits and a check character, alone or written in groups ("1101 0519 4912 3100 2X").
_ID_PLAIN = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9])")
_ID_GROUPED = re.compile(r"(?<![0-9])[0-9](?:[ \-]?[0-9]){16}[ \-]?[0-9X](?![0-9])")


def is_id_number(number: str) -> bool:
    """A valid 18-digit resident ID number (GB 11643): ISO 7064 MOD 11-2 check character and
    a real birth date, both by python-stdnum's stdnum.cn.ric.

    Not its region check (ric.is_valid): that wants the county code to exist in the birth
    year, but a number carries the code of the place of registration, which can be younger
    than the person, so real numbers would slip through.
    """
    if len(number) != 18 or not number[:17].isdigit() or number[0] == "0":
        return False
    if ric.calc_check_digit(number) != number[17]:
        return False
    try:
        born = ric.get_birth_date(number)
    except stdnum_errors.ValidationError:
        return False
    return born.year >= 1900 and born <= local_today()


def contains_id_number(text: str | None) -> bool:
    """True if the text holds a valid resident ID number, alone or written in groups."""
    if not text:
        return False
    # Full-width digits and X from a Chinese input method count the same as ASCII ones.
    text = unicodedata.normalize("NFKC", text).upper()
    candidates = {m.group() for m in _ID_PLAIN.finditer(text)}
    candidates |= {re.sub(r"[ -]", "", m.group()) for m in _ID_GROUPED.finditer(text)}
    return any(is_id_number(c) for c in candidates)


class NoIdNumber:
    """Refuse free text holding a resident ID number: Gridbook keeps none (DESIGN.md)."""

    def __call__(self, form, field):
        if isinstance(field.data, str) and contains_id_number(field.data):
            raise ValidationError(
                _l(
                    "This text contains an ID-card number. Gridbook does not keep ID numbers: "
                    "delete the number and save again."
                )
            )


no_id_number = NoIdNumber()
