"""Forms of the daily-log review: submit, approve, return, reopen, approve several, filters."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import Optional

from ..forms import BaseForm, DateField, IdsField
from ..urls import local_path
from ..validators import Chars, Required, stripped
from .services import COMMENT_MAX


class NextMixin:
    """Where a plain (no-JS) POST goes back to: one of our review pages, nothing else."""

    next = HiddenField()

    def next_url(self, default: str) -> str:
        return local_path(self.next.data, "/review") or default


class SubmitForm(NextMixin, BaseForm):
    pass


class SubmitTodayForm(BaseForm):
    day = DateField(validators=[Optional()])


class ApproveForm(NextMixin, BaseForm):
    pass


class ReturnForm(NextMixin, BaseForm):
    comment = TextAreaField(
        _l("What should be fixed"),
        filters=[stripped],
        validators=[
            Required(message=_l("Write what the worker should fix.")),
            Chars(max=COMMENT_MAX),
        ],
        render_kw={"rows": 2},
    )


class ReopenForm(NextMixin, BaseForm):
    reason = TextAreaField(
        _l("Reason for reopening"),
        filters=[stripped],
        validators=[
            Required(message=_l("Give the reason for reopening the day.")),
            Chars(max=COMMENT_MAX),
        ],
        render_kw={"rows": 2},
    )


class ApproveManyForm(BaseForm):
    log_ids = IdsField(
        validators=[Required(message=_l("Tick the days to approve."))],
    )


class QueueFilterForm(BaseForm):
    class Meta:
        csrf = False

    grid = SelectField(_l("Grid"), coerce=str, validators=[Optional()])
    status = SelectField(_l("Status"), coerce=str, validators=[Optional()])
