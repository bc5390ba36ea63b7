from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import Optional, ValidationError

from ..enums import VISIT_OUTCOMES, VISIT_PURPOSES
from ..forms import BaseForm, DateField, IdempotentForm, IdField
from ..i18n import localized
from ..labels import choices
from ..timeutil import local_today
from ..validators import Chars, DateWithin, Required, stripped
from .services import CONCERN_FIELDS, FIELDS, SCREENING

SUMMARY_MAX = 2000


class ChecklistChoiceField(RadioField):
    """The checklist of a screening visit: may be left out; when sent, one of those listed."""

    def pre_validate(self, form):
        if self.data in (None, ""):
            return
        if self.data not in {str(value) for value, _label in self.choices}:
            raise ValidationError(_l("Choose a checklist."))


class VisitForm(IdempotentForm):
    checked_on_phone = True  # a new visit may wait in the outbox
    resident_id = IdField()
    project_id = IdField()
    purpose = RadioField(_l("Purpose"), validators=[Required(message=_l("Choose a purpose."))])
    summary = TextAreaField(
        _l("What happened"),
        filters=[stripped],
        # As long as a hazard's or a resident's note: a visit's summary is read on the day's
        # review page in full, and 5,000 characters was a page of it.
        validators=[Chars(max=SUMMARY_MAX)],
        render_kw={"rows": 3},
    )
    outcome = RadioField(_l("Outcome"), validators=[Required(message=_l("Choose an outcome."))])
    visited_on = DateField(
        _l("Date of visit"),
        default=local_today,
        validators=[
            Required(message=_l("Enter the date of the visit.")),
            DateWithin(past=30, future=0),
        ],
    )
    follow_up_on = DateField(
        _l("Next follow-up (optional)"),
        validators=[
            Optional(),
            DateWithin(
                past=0,
                future=366,
                passed=_l("The next follow-up cannot be in the past. Choose today or a later day."),
            ),
        ],
    )
    concern_summary = TextAreaField(
        _l("Residents' concern about the project (optional)"),
        filters=[stripped],
        validators=[Chars(max=1000)],
        render_kw={"rows": 2, "placeholder": _l("e.g. night-time noise after 22:00")},
    )
    concern_factor_id = SelectField(
        _l("Risk factor it concerns"), coerce=int, validators=[Optional()]
    )
    # A screening visit opens its checklist on save; only asked when the purpose is screening.
    checklist_id = ChecklistChoiceField(_l("Checklist"))
    # Added by the phone's outbox to a form it queued (static/js/outbox-core.js), never shown:
    # when it was filled. No validators: a phone with a wrong clock still saves its visit.
    captured_at = HiddenField()
    # "1" when the form is the page itself (/visits/new opened on its own): a save then opens
    # the saved visit, as that page has no timeline for the new entry to join.
    own_page = HiddenField()

    def __init__(self, *args, factors=(), checklists=(), **kw):
        super().__init__(*args, **kw)
        self.purpose.choices = choices("purpose", VISIT_PURPOSES)
        self.checklists = list(checklists)
        self.checklist_id.choices = [(str(t.id), localized(t)) for t in self.checklists]
        self.outcome.choices = choices("outcome", VISIT_OUTCOMES)
        self.concern_factor_id.choices = [(0, _l("— none —"))] + [
            (f.id, f"{f.factor_code} {localized(f.factor_type)}") for f in factors
        ]

    def values(self) -> dict:
        """What the visit services take from this form: the editable fields and the concern."""
        return {name: self[name].data for name in (*FIELDS, *CONCERN_FIELDS)}

    def checklist(self):
        """The checklist to open with a screening visit, or None."""
        if self.purpose.data != SCREENING:
            return None
        return next((t for t in self.checklists if str(t.id) == self.checklist_id.data), None)

    def validate_checklist_id(self, field):
        if self.purpose.data == SCREENING and field.data and self.checklist() is None:
            raise ValidationError(_l("Choose a checklist."))

    def validate_follow_up_on(self, field):
        if field.data and self.visited_on.data and field.data < self.visited_on.data:
            raise ValidationError(_l("The follow-up cannot be before the visit."))

    def validate_concern_factor_id(self, field):
        if field.data and not self.concern_summary.data:
            raise ValidationError(_l("Describe the concern, or leave the factor empty."))


class DeleteForm(BaseForm):
    pass
