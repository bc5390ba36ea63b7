"""Forms of the hazard board: filters, rectify, verify, send back."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField
from wtforms.validators import Optional

from ..enums import DEPARTMENT_PROGRESS
from ..forms import BaseForm, DateField
from ..i18n import localized
from ..labels import choices
from ..timeutil import local_today
from ..validators import Chars, DateWithin, Required, RequiredInput, stripped


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
        validators=[Required(message=_l("Say what was done to fix it.")), Chars(max=2000)],
        render_kw={"rows": 2},
    )


class VerifyForm(BaseForm):
    pass


class SendBackForm(BaseForm):
    comment = TextAreaField(
        _l("What is still wrong"),
        filters=[stripped],
        validators=[Required(message=_l("Say what is still wrong.")), Chars(max=2000)],
        render_kw={"rows": 2},
    )


class ReportForm(BaseForm):
    """Reported (上报) to the responsible department: which, and when."""

    department = SelectField(
        _l("Reported to"),
        validators=[Required(message=_l("Choose the department from the list."))],
    )
    reported_on = DateField(
        _l("Reported on"),
        default=local_today,
        validators=[
            RequiredInput(message=_l("Enter the day it was reported.")),
            DateWithin(past=366, future=0),
        ],
    )
    note = TextAreaField(
        _l("How it was reported (optional)"),
        # Its own id: the hazard card also holds the rectify form's "note".
        id="report-note",
        filters=[stripped],
        validators=[Chars(max=2000)],
        render_kw={"rows": 2},
    )

    def __init__(self, *args, **kw):
        from .queries import departments

        super().__init__(*args, **kw)
        self.department.choices = [("", _l("Choose a department"))] + [
            (d.code, localized(d)) for d in departments()
        ]


class DepartmentProgressForm(BaseForm):
    """What the department has done so far, as the secretary learnt it."""

    progress = SelectField(_l("Department's progress"), validators=[Required()])
    note = TextAreaField(
        _l("What the department said or did"),
        id="progress-note",
        filters=[stripped],
        validators=[Chars(max=2000)],
        render_kw={"rows": 2},
    )

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.progress.choices = choices(
            "department_progress", [p for p in DEPARTMENT_PROGRESS if p != "reported"]
        )
