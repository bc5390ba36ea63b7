from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from ..accounts.services import scope_refusal, username_taken
from ..enums import ROLES
from ..forms import BaseForm, DateField
from ..labels import choices
from ..requests.holidays import check_working, parse_days
from ..validators import Chars, GuessablePassword, Required, person_name, stripped


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(BaseForm):
    username = StringField(
        _l("Username"),
        # Trimmed as the login form trims it: " worker1 " pasted is worker1.
        filters=[stripped],
        validators=[
            Required(),
            Chars(min=3, max=64),
            Regexp(
                r"^[A-Za-z0-9_.-]+$", message=_l("Letters, digits, dot, dash and underscore only.")
            ),
        ],
    )
    display_name = StringField(
        _l("Name shown"), validators=[Required(), Chars(max=100), person_name]
    )
    role = SelectField(_l("Role"))
    township_id = SelectField(_l("Township"), coerce=int, validators=[Optional()])
    community_id = SelectField(_l("Community"), coerce=int, validators=[Optional()])
    grid_ids = MultiCheckboxField(_l("Grids"), coerce=int)
    password = PasswordField(
        _l("Password"),
        validators=[
            Optional(),
            Chars(min=10, max=256),
            GuessablePassword("username", "display_name"),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    active = BooleanField(_l("Active"), default=True)

    def __init__(self, *args, townships=(), communities=(), grids=(), creating=False, **kw):
        super().__init__(*args, **kw)
        self.role.choices = choices("role", ROLES)
        self.township_id.choices = [(0, "—")] + [(t.id, t.name) for t in townships]
        self.community_id.choices = [(0, "—")] + [(c.id, c.name) for c in communities]
        self.grid_ids.choices = [(g.id, f"{g.community.name} · {g.name}") for g in grids]
        self._community_of = {g.id: g.community_id for g in grids}
        self.creating = creating
        if creating:
            self.password.validators = [
                Required(),
                Chars(min=10, max=256),
                GuessablePassword("username", "display_name"),
            ]
            self.password.flags.required = True

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        refusal = scope_refusal(
            self.role.data,
            self.township_id.data,
            self.community_id.data,
            [self._community_of.get(g) for g in self.grid_ids.data or []],
        )
        if refusal is not None:
            self[refusal.field].errors.append(refusal.message)
            ok = False
        if self.creating and not self.username.errors:
            taken = username_taken(self.username.data or "")
            if taken is not None:
                self.username.errors.append(taken)
                ok = False
        return ok


class AuditFilterForm(BaseForm):
    class Meta:
        csrf = False

    action = StringField(_l("Action"), validators=[Optional(), Chars(max=40)])
    username = StringField(_l("User"), validators=[Optional(), Chars(max=64)])
    object_type = StringField(_l("Record type"), validators=[Optional(), Chars(max=40)])
    object_id = StringField(_l("Record id"), validators=[Optional(), Chars(max=40)])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.since.data and self.until.data and self.until.data < self.since.data:
            self.until.errors.append(_l("The end date is before the start date."))
            ok = False
        return ok


def cadence_form(reasons, locale: str, **kw) -> BaseForm:
    """One field per care reason: days between visits, empty for no visit round."""

    class CadenceForm(BaseForm):
        pass

    for reason in reasons:
        field = IntegerField(
            reason.name(locale),
            validators=[
                Optional(),
                NumberRange(1, 366, message=_l("Between 1 and 366 days, or empty.")),
            ],
            render_kw={"inputmode": "numeric", "min": 1, "max": 366},
        )
        setattr(CadenceForm, f"every_{reason.code}", field)
    form = CadenceForm(**kw)
    if not form.is_submitted():
        for reason in reasons:
            form[f"every_{reason.code}"].data = reason.visit_every_days
    return form


class HolidayYearForm(BaseForm):
    """One year's schedule from the State Council's notice: days off, weekend days worked."""

    # Rows for the notice pasted whole: seven holidays, a line each.
    off_days = TextAreaField(_l("Days off"), validators=[Chars(max=4000)], render_kw={"rows": 8})
    working_days = TextAreaField(
        _l("Weekend days worked"), validators=[Chars(max=4000)], render_kw={"rows": 4}
    )

    def __init__(self, *args, year: int, **kw):
        super().__init__(*args, **kw)
        self.year = year
        self.off: set = set()
        self.working: set = set()

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        off = parse_days(self.off_days.data, self.year, "off")
        working = parse_days(self.working_days.data, self.year, "working")
        self.off_days.errors = [*self.off_days.errors, *off.errors]
        self.working_days.errors = [
            *self.working_days.errors,
            *working.errors,
            *(check_working(working.days, off.days) if not working.errors else []),
        ]
        if not off.days and not off.errors:
            # Weekend days worked alone would mark the year entered and move no deadline off
            # its holidays.
            self.off_days.errors.append(_l("List the days off from the notice."))
        self.off, self.working = off.days, working.days
        return not (self.off_days.errors or self.working_days.errors)
