"""Forms of the hazard board: filters, rectify, verify, send back."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import BaseForm
from ..validators import stripped


class BoardFilterForm(BaseForm):
    class Meta:
        csrf = False

    grid = SelectField(_l("Grid"), validators=[Optional()])
    category = SelectField(_l("Category"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()])


class RectifyForm(BaseForm):
    note = TextAreaField(
        _l("What was done"),
        filters=[stripped],
        validators=[DataRequired(message=_l("Say what was done to fix it.")), Length(max=2000)],
        render_kw={"rows": 2},
    )


class VerifyForm(BaseForm):
    pass


class SendBackForm(BaseForm):
    comment = TextAreaField(
        _l("What is still wrong"),
        filters=[stripped],
        validators=[DataRequired(message=_l("Say what is still wrong.")), Length(max=2000)],
        render_kw={"rows": 2},
    )
