"""Forms of referrals: raise one, the service's steps, the list's filter."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField
from wtforms.validators import Optional

from ..forms import BaseForm, DateField, IdempotentForm, IdField
from ..i18n import localized
from ..validators import Chars, DateWithin, Required, RequiredInput, stripped


class ReferralForm(IdempotentForm):
    checked_on_phone = True  # a referral raised offline waits in the outbox
    visit_id = IdField(
        validators=[RequiredInput(message=_l("Start the referral from the visit it comes from."))]
    )
    answer_id = IdField(validators=[Optional()])
    service_code = SelectField(
        _l("Refer to"), validators=[Required(message=_l("Choose a service from the list."))]
    )
    note = TextAreaField(
        _l("What the service should know"),
        filters=[stripped],
        validators=[Required(message=_l("Say what the person needs.")), Chars(max=2000)],
        render_kw={"rows": 2},
    )
    follow_up_on = DateField(
        _l("Check again on"), validators=[Optional(), DateWithin(past=0, future=366)]
    )

    def __init__(self, *args, services=(), **kw):
        super().__init__(*args, **kw)
        self.service_code.choices = [("", _l("Choose a service"))] + [
            (s.code, localized(s)) for s in services
        ]

    def values(self) -> dict:
        return {
            "service_code": self.service_code.data,
            "note": self.note.data,
            "follow_up_on": self.follow_up_on.data,
        }


class AcceptForm(BaseForm):
    follow_up_on = DateField(
        _l("Check again on"), validators=[Optional(), DateWithin(past=0, future=366)]
    )


class DoneForm(BaseForm):
    outcome = TextAreaField(
        _l("What the service did"),
        filters=[stripped],
        validators=[Required(message=_l("Say what the service did.")), Chars(max=2000)],
        render_kw={"rows": 2},
    )


class FollowUpForm(BaseForm):
    follow_up_on = DateField(
        _l("Check again on"), validators=[Optional(), DateWithin(past=0, future=366)]
    )


class ListFilterForm(BaseForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validators=[Optional()])
