from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import BaseForm, IdempotentForm
from ..validators import phone_number, stripped


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ResidentForm(IdempotentForm):
    name = StringField(
        lazy_pgettext("resident", "Name"),
        filters=[stripped],
        validators=[DataRequired(), Length(max=50)],
    )
    grid_id = SelectField(_l("Grid"), coerce=int, validators=[DataRequired()])
    building = StringField(_l("Building"), filters=[stripped], validators=[Length(max=20)])
    unit = StringField(_l("Unit"), filters=[stripped], validators=[Length(max=20)])
    room = StringField(_l("Room"), filters=[stripped], validators=[Length(max=20)])
    phone = StringField(
        _l("Phone (optional)"),
        filters=[stripped],
        validators=[Optional(), Length(max=20), phone_number],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )
    household_size = IntegerField(
        _l("Household size"),
        default=1,
        validators=[DataRequired(), NumberRange(min=1, max=50)],
        render_kw={"inputmode": "numeric"},
    )
    care_reasons = CheckboxListField(
        _l("Why this resident is on the caseload"),
        validators=[DataRequired(message=_l("Choose at least one reason."))],
    )
    notes = TextAreaField(
        _l("Notes"), filters=[stripped], validators=[Length(max=2000)], render_kw={"rows": 3}
    )
    # Only for an archived resident's record, corrected by the secretary (PIPL Art. 46).
    correction_reason = SelectField(_l("Why this archived record is corrected"), default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.correction_reason.choices = [
            ("", _l("Choose…")),
            ("resident_asked", _l("The resident asked for a correction")),
            ("found_wrong", _l("Found to be wrong")),
        ]


class SearchForm(BaseForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name or address"), filters=[stripped], validators=[Length(max=50)])
    care = SelectField(_l("Care reason"), validators=[Optional()])


class ArchiveForm(BaseForm):
    pass


class EraseForm(BaseForm):
    reason = SelectField(
        _l("Why"), validators=[DataRequired(message=_l("Choose why the record is erased."))]
    )
    confirm = BooleanField(
        _l("I understand that the name, address, phone, notes and photos are erased for good."),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = [
            ("", _l("Choose…")),
            ("resident_asked", _l("The resident asked for erasure")),
            ("consent_withdrawn", _l("The resident withdrew consent")),
            ("collected_by_mistake", _l("Recorded by mistake")),
        ]
