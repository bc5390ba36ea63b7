"""Forms for projects, their risk register, assessment and decision."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional, StopValidation

from ..enums import (
    ASSESSMENT_DIMENSIONS,
    PROJECT_DECISIONS,
    PROJECT_KINDS,
    PROJECT_STATUSES,
    RISK_STATUSES,
)
from ..forms import BaseForm, DateField, IdempotentForm
from ..labels import choices
from ..validators import Chars, DateWithin, Required, RequiredInput

FINDINGS = ("met", "partly_met", "not_met")
SCALE = (1, 2, 3)
SCALE_MESSAGE = _l("Choose 1 (low), 2 (medium) or 3 (high).")
NOTE_MAX = 4000


class ScaleField(SelectField):
    """Likelihood or impact, 1 to 3; anything else reads as one clear message."""

    def __init__(self, label, **kw):
        super().__init__(label, coerce=int, validators=[RequiredInput(SCALE_MESSAGE)], **kw)
        self.choices = [(0, "—"), (1, _l("1 · Low")), (2, _l("2 · Medium")), (3, _l("3 · High"))]

    def process_formdata(self, valuelist):
        if valuelist:
            try:
                self.data = int(valuelist[0])
            except ValueError:
                self.data = None

    def pre_validate(self, form):
        if self.data not in SCALE:
            raise StopValidation(SCALE_MESSAGE)


class ProjectForm(BaseForm):
    name = StringField(lazy_pgettext("project", "Name"), validators=[Required(), Chars(max=200)])
    kind = SelectField(_l("Kind of works"))
    location = StringField(_l("Location"), validators=[Optional(), Chars(max=200)])
    contractor = StringField(_l("Contractor"), validators=[Optional(), Chars(max=200)])
    starts_on = DateField(_l("Starts"), validators=[Optional()])
    ends_on = DateField(_l("Ends"), validators=[Optional()])
    status = SelectField(_l("Status"))

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.kind.choices = choices("project_kind", PROJECT_KINDS)
        self.status.choices = choices("project_status", PROJECT_STATUSES)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        start, end = self.starts_on.data, self.ends_on.data
        if start and end and end < start:
            self.ends_on.errors.append(_l("The end date is before the start date."))
            ok = False
        return ok


class NewProjectForm(IdempotentForm, ProjectForm):
    """Creating a project: a retried send returns the project already made."""


class RiskFactorForm(IdempotentForm):
    factor_code = SelectField(_l("Risk factor"), validators=[Required()])
    description = TextAreaField(
        _l("What could happen here"), validators=[Optional(), Chars(max=NOTE_MAX)]
    )
    likelihood = ScaleField(_l("Likelihood"))
    impact = ScaleField(_l("Impact"))
    mitigation = TextAreaField(_l("Mitigation"), validators=[Optional(), Chars(max=NOTE_MAX)])
    owner = StringField(_l("Owner"), validators=[Optional(), Chars(max=100)])
    # When the factor is to be looked at again: from today on (one already on the record
    # stays as it is, DateWithin); 2020-01-01 was taken, and the factor was overdue at once.
    review_on = DateField(_l("Review by"), validators=[Optional(), DateWithin(past=0, future=None)])
    status = SelectField(_l("Status"))
    text_shared = BooleanField(_l("Share the description and mitigation with the township"))

    def __init__(self, *args, factor_types=(), locale: str = "zh", **kw):
        super().__init__(*args, **kw)
        self.factor_code.choices = [(t.code, f"{t.code} {t.name(locale)}") for t in factor_types]
        self.status.choices = choices("risk_status", RISK_STATUSES)


class DecisionForm(BaseForm):
    # Its own id: "decision" is the section the form swaps (hx-target="#decision").
    decision = SelectField(_l("Decision"), id="decision-choice")
    # A decision is recorded once taken: a date ahead would show it as made before it is.
    decided_on = DateField(_l("Decided on"), validators=[Optional(), DateWithin(past=None)])

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.decision.choices = [("", _l("Not decided yet"))] + choices(
            "decision", PROJECT_DECISIONS
        )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.decision.data and not self.decided_on.data:
            self.decided_on.errors.append(_l("Give the date of the decision."))
            ok = False
        return ok


class AssessmentForm(BaseForm):
    """One finding and one note per dimension of the assessment (fields added below)."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        finding_choices = [("", _l("Not assessed"))] + choices("finding", FINDINGS)
        for dim in ASSESSMENT_DIMENSIONS:
            self[f"{dim}_finding"].choices = finding_choices


for _dim in ASSESSMENT_DIMENSIONS:
    setattr(AssessmentForm, f"{_dim}_finding", SelectField(_l("Finding"), default=""))
    setattr(
        AssessmentForm,
        f"{_dim}_note",
        TextAreaField(_l("Note"), validators=[Optional(), Chars(max=NOTE_MAX)]),
    )
    setattr(AssessmentForm, f"{_dim}_shared", BooleanField(_l("Share this note with the township")))
