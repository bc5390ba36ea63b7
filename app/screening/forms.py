from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import Optional, ValidationError

from ..enums import ANSWER_VALUES, SEVERITIES
from ..forms import BaseForm, DateField, IdempotentForm, IdField
from ..labels import choices
from ..validators import Chars, DateWithin, Required, RequiredInput, stripped


class StartForm(IdempotentForm):
    visit_id = IdField()
    # Or the client UUID of a visit the phone recorded without signal: the checklist was
    # started before the visit had an id (static/js/outbox.js, the outbox's list on a page).
    visit_uuid = HiddenField()
    template_id = IdField(validators=[RequiredInput(message=_l("Choose a checklist."))])

    def visit_named(self) -> bool:
        return bool(self.visit_id.data or self.visit_uuid.data)


class AnswerForm(BaseForm):
    value = SelectField(
        validators=[Required(message=_l("Choose OK, hazard or not applicable."))],
        choices=list(ANSWER_VALUES),
    )
    # A welfare item's "needs attention", said in a few words (the concern box's form); the
    # answer buttons send no note, and leave one already given as it is.
    note = TextAreaField(
        _l("What needs attention"),
        filters=[stripped],
        validators=[Chars(max=2000)],
        render_kw={"rows": 2},
    )

    def sends_note(self) -> bool:
        return self.note.raw_data is not None and len(self.note.raw_data) > 0

    def validate_note(self, field):
        if self.sends_note() and not field.data:
            raise ValidationError(_l("Say what needs attention."))


class HazardForm(BaseForm):
    checked_on_phone = True  # a hazard described offline waits in the outbox
    note = TextAreaField(
        _l("What is wrong, and what was advised"),
        filters=[stripped],
        validators=[Required(message=_l("Describe the hazard.")), Chars(max=2000)],
        render_kw={"rows": 2},
    )
    severity = SelectField(_l("Severity"), validators=[Required()])
    due_on = DateField(
        _l("Fix by"),
        validators=[
            Optional(),
            DateWithin(
                past=0,
                future=366,
                passed=_l("The deadline cannot be in the past. Choose today or a later day."),
            ),
        ],
    )
    # Photos go with the note in the one save; their own key makes a resent batch count once.
    photos = MultipleFileField(
        _l("Take or choose a photo"),
        render_kw={"accept": "image/*", "capture": "environment", "multiple": True},
    )
    photo_uuid = HiddenField()

    def __init__(self, *args, found_on=None, **kw):
        super().__init__(*args, **kw)
        self.severity.choices = [
            (c, f"{c} {label}") for c, label in choices("severity", SEVERITIES)
        ]
        self.found_on = found_on

    def validate_due_on(self, field):
        if field.data and self.found_on and field.data < self.found_on:
            raise ValidationError(_l("The deadline cannot be before the day it was found."))


class RemainingForm(BaseForm):
    """Answer every item not yet answered: all OK, or not applicable when finishing."""

    value = SelectField(
        validators=[Required(message=_l("Choose OK or not applicable."))], choices=["ok", "na"]
    )


class FinishForm(BaseForm):
    # "na": mark the unanswered items not applicable, as the worker confirmed.
    remaining = SelectField(choices=["", "na"], validators=[Optional()])


class DiscardForm(BaseForm):
    # The checklist's UUID: a retried discard of one already gone is told from a later
    # checklist that got its id again (SQLite reuses the highest id).
    screening_uuid = HiddenField(validators=[Required()])
