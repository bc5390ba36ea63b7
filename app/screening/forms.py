from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..enums import ANSWER_VALUES, SEVERITIES
from ..forms import BaseForm, IdempotentForm, IdField
from ..labels import choices
from ..validators import DateWithin, stripped


class StartForm(IdempotentForm):
    visit_id = IdField(validators=[InputRequired()])
    template_id = IdField(validators=[InputRequired()])


class AnswerForm(BaseForm):
    value = SelectField(validators=[DataRequired()], choices=list(ANSWER_VALUES))


class HazardForm(BaseForm):
    note = TextAreaField(
        _l("What is wrong, and what was advised"),
        filters=[stripped],
        validators=[DataRequired(message=_l("Describe the hazard.")), Length(max=2000)],
        render_kw={"rows": 2},
    )
    severity = SelectField(_l("Severity"), validators=[DataRequired()])
    due_on = DateField(_l("Fix by"), validators=[Optional(), DateWithin(past=0, future=366)])

    def __init__(self, *args, found_on=None, **kw):
        super().__init__(*args, **kw)
        self.severity.choices = [
            (c, f"{c} {label}") for c, label in choices("severity", SEVERITIES)
        ]
        self.found_on = found_on

    def validate_due_on(self, field):
        if field.data and self.found_on and field.data < self.found_on:
            raise ValidationError(_l("The deadline cannot be before the day it was found."))


class FinishForm(BaseForm):
    pass
