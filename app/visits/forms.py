from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import Optional, StopValidation, ValidationError

from ..enums import VISIT_OUTCOMES, VISIT_PURPOSES
from ..forms import BaseForm, DateField, IdempotentForm, IdField
from ..i18n import localized
from ..labels import choices
from ..timeutil import local_today
from ..validators import Chars, DateWithin, Required, stripped
from .services import CONCERN_FIELDS, ELDERLY_CARE, FIELDS, PROJECT, SCREENING

SUMMARY_MAX = 2000
# The field that asks for the checklist a visit of each purpose opens (the templates' own
# purposes are in app/screening/models.py); other purposes open none.
CHECKLIST_FIELDS = {
    SCREENING: "checklist_id",
    ELDERLY_CARE: "welfare_checklist_id",
    PROJECT: "site_checklist_id",
}
# Those whose choice may be left at "No checklist", the one shown first and chosen: most
# elderly-care visits are a call or an errand, many site visits are about a concern. The
# welfare check and the site check are chosen, never assumed (a screening visit is one
# because a checklist is run).
OPTIONAL_CHECKLISTS = ("welfare_checklist_id", "site_checklist_id")


class NeededForFollowUp:
    """Asks for the follow-up's date when the outcome says one is needed.

    Placed before Optional(), which ends the checks of an empty field: Today's list of
    follow-ups reads the date, so a follow-up without one would appear on no list."""

    message = _l("A visit that needs a follow-up needs its date.")

    def __call__(self, form, field):
        typed = field.raw_data and field.raw_data[0].strip()
        if form.outcome.data == "needs_follow_up" and not typed:
            # As Optional() does: nothing typed is not "an invalid date", only a missing one.
            field.errors[:] = []
            raise StopValidation(self.message)


class ChecklistChoiceField(RadioField):
    """The checklist a visit opens: may be left out; when sent, one of those listed.

    `message` asks again for the kind of form the field offers (a screening's checklist, an
    elderly-care visit's welfare checklist), not for one kind whatever was chosen."""

    def __init__(self, *args, message, **kw):
        super().__init__(*args, **kw)
        self.message = message

    def pre_validate(self, form):
        if self.data in (None, ""):
            return
        if self.data not in {str(value) for value, _label in self.choices}:
            raise ValidationError(self.message)


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
        _l("Next follow-up"),
        description=_l("Needed when the outcome is “Needs follow-up”."),
        validators=[
            NeededForFollowUp(),
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
    # A screening visit opens its hazard checklist on save, an elderly-care visit the welfare
    # check and a project visit the site check if one is chosen: each asked only for its
    # purpose (CHECKLIST_FIELDS), in a group of its own so that the one tapped for one purpose
    # is never sent, hidden, for another.
    checklist_id = ChecklistChoiceField(
        _l("Checklist"),
        description=_l("Saving opens the checklist."),
        message=_l("Choose a checklist."),
    )
    welfare_checklist_id = ChecklistChoiceField(
        _l("Welfare checklist"),
        default="",
        description=_l("Saving opens the checklist chosen."),
        message=_l("Choose a welfare checklist, or “No checklist”."),
    )
    site_checklist_id = ChecklistChoiceField(
        _l("Site checklist"),
        default="",
        description=_l("Saving opens the checklist chosen."),
        message=_l("Choose a site checklist, or “No checklist”."),
    )
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
        for purpose, name in CHECKLIST_FIELDS.items():
            self[name].choices = [
                (str(t.id), localized(t)) for t in self.checklists if t.visit_purpose == purpose
            ]
        for name in OPTIONAL_CHECKLISTS:
            if self[name].choices:
                self[name].choices.insert(0, ("", _l("No checklist")))
        self.outcome.choices = choices("outcome", VISIT_OUTCOMES)
        self.concern_factor_id.choices = [(0, _l("— none —"))] + [
            (f.id, f"{f.factor_code} {localized(f.factor_type)}") for f in factors
        ]

    def values(self) -> dict:
        """What the visit services take from this form: the editable fields and the concern."""
        return {name: self[name].data for name in (*FIELDS, *CONCERN_FIELDS)}

    def checklist_fields(self) -> dict[str, str]:
        """The purposes that offer a checklist on this form, each with the field asking it."""
        return {p: name for p, name in CHECKLIST_FIELDS.items() if self[name].choices}

    def checklist(self):
        """The checklist to open with the visit (its purpose's, as chosen), or None."""
        name = CHECKLIST_FIELDS.get(self.purpose.data)
        if name is None:
            return None
        return next(
            (
                t
                for t in self.checklists
                if str(t.id) == self[name].data and t.visit_purpose == self.purpose.data
            ),
            None,
        )

    def _validate_checklist(self, field):
        asked = CHECKLIST_FIELDS.get(self.purpose.data) == field.name
        if asked and field.data and self.checklist() is None:
            raise ValidationError(field.message)

    validate_checklist_id = validate_welfare_checklist_id = validate_site_checklist_id = (
        _validate_checklist
    )

    def validate_follow_up_on(self, field):
        if field.data and self.visited_on.data and field.data < self.visited_on.data:
            raise ValidationError(_l("The follow-up cannot be before the visit."))

    def validate_concern_factor_id(self, field):
        if field.data and not self.concern_summary.data:
            raise ValidationError(_l("Describe the concern, or leave the factor empty."))


class DeleteForm(BaseForm):
    pass
