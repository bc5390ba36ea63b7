"""Form pieces shared by every area."""

import re

from babel import support
from flask import current_app, g
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField as _DateField  # noqa: TID251 - the one subclass below
from wtforms import (
    FileField,
    HiddenField,
    PasswordField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.i18n import messages_path
from wtforms.widgets import TextInput

from .ids import NO_RECORD, form_id, parse_id
from .validators import no_id_number, no_sensitive_category, typed_date


def takes_text(field) -> bool:
    """A field a person types words into (not a hidden id, not a password)."""
    return isinstance(field, StringField) and not isinstance(field, HiddenField | PasswordField)


class _WTFormsWords:
    """WTForms' own messages in the request's language, read from disk once per process.

    Flask-WTF reads and parses WTForms' catalogue again in every request that builds a form.
    """

    _loaded: dict[str, support.Translations] = {}

    def _words(self) -> support.Translations:
        locale = str(get_locale())
        words = self._loaded.get(locale)
        if words is None:
            words = self._loaded[locale] = support.Translations.load(
                messages_path(), [locale], domain="wtforms"
            )
        return words

    def gettext(self, string: str) -> str:
        return self._words().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._words().ungettext(singular, plural, n)


WTFORMS_WORDS = _WTFormsWords()


class BaseForm(FlaskForm):
    """A Flask-WTF form whose CSRF failure reads as a message, not a bare 400.

    Every text field of every form refuses an ID-card number: added here, when the field is
    bound, so that no form and no new field can forget it.
    """

    class Meta:
        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return WTFORMS_WORDS

        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            if field.short_name == self.csrf_field_name:
                # Hidden and never labelled: with an id, a page of several forms would give
                # id="csrf_token" once per form.
                field.id = False
            if takes_text(field) and no_id_number not in field.validators:
                # A new list: the field's own one is shared by every form built from the class.
                field.validators = [*field.validators, no_id_number]
            if isinstance(field, TextAreaField) and no_sensitive_category not in field.validators:
                # The notes about people are the text boxes; a name or an address (a 回族乡's)
                # is a line, and is not read for these words.
                field.validators = [*field.validators, no_sensitive_category]
            if getattr(form, "checked_on_phone", False):
                field.checked_on_phone = True
            return field

    # A form whose save may wait in the phone's outbox without a network: its fields carry
    # their simple rules into the page for the phone to check first (validators.phone_checks).
    checked_on_phone = False

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        super().process(formdata, obj, data, extra_filters, **kwargs)
        for field in self:
            if isinstance(field, FileField) and field.object_data is not None:
                # A file input holds only what this request uploads: a record's attribute of
                # the same name (a hazard's stored photos, with obj=) is no file to save again.
                field.process(self.meta.wrap_formdata(self, formdata))

    def validate(self, extra_validators=None) -> bool:
        for field in self:
            # A browser always sends its text fields, if only empty; a request that leaves
            # one out must not store NULL in a NOT NULL text column (a 500 otherwise).
            if isinstance(field, StringField) and field.data is None:
                field.data = ""
        ok = super().validate(extra_validators)
        if getattr(g, "csrf_error", None):
            self.form_errors.append(_csrf_message())
            return False
        if getattr(g, "storage_error", False):
            self.form_errors.append(self.not_saved_message())
            return False
        refusal = g.get("refusal")
        if refusal is not None:
            field = getattr(self, refusal.field, None) if refusal.field else None
            if field is not None:
                field.errors = [*field.errors, str(refusal.message)]
            else:
                self.form_errors.append(str(refusal.message))
            return False
        return ok

    def not_saved_message(self) -> str:
        """What the user reads when the disk or database refused to store this form."""
        return storage_message()

    @property
    def all_form_errors(self) -> list[str]:
        errors = list(self.form_errors)
        if "csrf_token" in self.errors:
            errors.append(_csrf_message())
        return list(dict.fromkeys(errors))


class DateField(_DateField):
    """A date field that reads a date typed on any keyboard (validators.typed_date): a
    Chinese keyboard's ２０２６－１２－０５ is the same day as 2026-12-05. What was typed is
    shown back as typed when the date is refused."""

    def process_formdata(self, valuelist):
        values = [typed_date(v) if isinstance(v, str) else v for v in valuelist]
        try:
            super().process_formdata(values)
        except ValueError:
            # A date in its form whose day is not in its month (2026-02-30, 2026-13-01): said
            # as such, not as "not a valid date value", which reads as a wrong format.
            if (
                values
                and isinstance(values[0], str)
                and re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", values[0].strip())
            ):
                raise ValueError(_l("There is no such day: check the month and the day.")) from None
            raise


class IdField(HiddenField):
    """A record's id from the page: None if empty, NO_RECORD if no record could have it, so
    a tampered value finds nothing (404) instead of overflowing the query."""

    def process_formdata(self, valuelist):
        raw = valuelist[0] if valuelist else ""
        self.data = (parse_id(raw) or NO_RECORD) if raw else None

    def _value(self) -> str:
        return "" if self.data is None else str(self.data)


class IdsField(SelectMultipleField):
    """Several records' ids, ticked on the page; one no record could have is a form error."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, coerce=form_id, validate_choice=False, **kwargs)


class ClientKeyField(HiddenField):
    """A create form's client UUID, in a text input the page hides.

    Back after a save shows the form's page fetched anew, with a new key, and Chrome puts back
    what was typed in it: a second Save would make a second record. Chrome puts back a text
    input (never a hidden one) whose value differs from the page's; static/js/app.js makes the
    key differ, so that the key comes back with the entries and that Save is a retry. A form of
    buttons or photos only renders a hidden input instead: nothing typed comes back there, and
    a tap after Back is a new action (another checklist, other photos).
    """

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {"hidden": True, "data-client-key": True})
        super().__init__(label, validators, **kwargs)


class IdempotentForm(BaseForm):
    """A create form: the client's UUID makes a double tap or a retry create one record."""

    client_uuid = ClientKeyField()


def _csrf_message() -> str:
    from flask_babel import gettext as _

    return _(
        "This form was open too long and its security token expired. "
        "Nothing was saved; check your entries and send again."
    )


def storage_message() -> str:
    """What a user reads when the disk or database refused to store their form."""
    from flask_babel import gettext as _

    return _(
        "Not saved: the server could not store it. Try again in a moment; "
        "your entries are still in the form."
    )


def redisplays_form_on_error(view):
    """Mark a form view: on a refusal, an expired token, throttling or a storage failure it
    is run again to redisplay what was typed with the reason (app/errors.py)."""
    view.redisplays_form_on_error = True
    return view
