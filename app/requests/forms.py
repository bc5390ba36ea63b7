"""Forms for registering a request and for each step on its way to an answer."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext, lazy_pgettext
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional, ValidationError

from ..enums import (
    REDIRECT_CHANNELS,
    REPLY_DELIVERY,
    REQUEST_CHANNELS,
    REQUEST_STATUSES,
    SATISFACTION,
)
from ..forms import BaseForm, DateField, IdempotentForm, IdField
from ..labels import choices
from ..timeutil import local_today
from ..validators import Chars, DateWithin, Required, RequiredInput, stripped
from .deadlines import rules

TEXT = [Required(), Chars(max=4000)]
# What the resident asks for, in the worker's words: a note's length, as on visits and hazards.
# Replies, reasons and decisions keep TEXT's 4,000: a written reply is a letter.
SUMMARY = [Required(), Chars(max=2000)]


class RequestForm(IdempotentForm):
    checked_on_phone = True  # a new request may wait in the outbox
    resident = IdField()
    visit = IdField()
    channel = SelectField(_l("How it came in"), validators=[RequiredInput()])
    category = SelectField(_l("Category"), validators=[RequiredInput()])
    summary = TextAreaField(
        _l("What the resident asks for"), filters=[stripped], validators=SUMMARY
    )
    # A year back covers a backlog being entered. A future date is refused here, with the
    # rest of the form's messages (and "check the year" for a year off); the service refuses
    # one as well, for every other way in.
    received_on = DateField(
        _l("Date received"),
        default=local_today,
        validators=[RequiredInput(), DateWithin(past=365, future=0)],
    )
    # The secretary's choice for a letter or a walk-in to the office (Art. 22: from receipt).
    formal = BooleanField(_l("A letters-and-visits matter from receipt (letter or walk-in)"))

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.channel.choices = choices("channel", REQUEST_CHANNELS)


class StepForm(BaseForm):
    """A step on the request: always dated; the rules check the date against the record."""

    on = DateField(_l("Date"), default=local_today, validators=[RequiredInput()])


class AcceptForm(StepForm):
    pass


class MoveToFormalForm(StepForm):
    # Defaults to the receipt date on the page; a later date needs the reason.
    reason = TextAreaField(
        _l("Reason the formal clock starts after receipt"),
        filters=[stripped],
        validators=[Optional(), Chars(max=4000)],
    )


class NotAcceptForm(StepForm):
    reason = TextAreaField(
        _l("Reason the resident will be told"), filters=[stripped], validators=TEXT
    )


class RedirectForm(StepForm):
    channel = RadioField(_l("Legal channel"), validators=[RequiredInput()])
    reason = TextAreaField(_l("Why it belongs there"), filters=[stripped], validators=TEXT)

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.channel.choices = choices("redirect_channel", REDIRECT_CHANNELS)


class ExtendForm(StepForm):
    days = IntegerField(
        _l("Extra days (at most 30)"),
        validators=[RequiredInput()],
        render_kw={"inputmode": "numeric", "min": 1, "max": 30},
    )
    reason = TextAreaField(
        _l("Reason the resident will be told"), filters=[stripped], validators=TEXT
    )

    def validate_days(self, field):
        # The limit is the state machine's rule (services.extend refuses it on every way in);
        # said here too, with the form's other messages: left to the service it came only
        # once the reason was filled in (walk: 45 days and no reason said only the reason).
        limit = rules().max_extension_days
        if field.data is not None and not 1 <= field.data <= limit:
            raise ValidationError(_("An extension is between 1 and %(n)s days.", n=limit))


class ReplyForm(StepForm):
    text = TextAreaField(_l("Reply given to the resident"), filters=[stripped], validators=TEXT)
    # Formal track only; the service fills the received date from the delivery when left empty.
    delivery = RadioField(
        _l("How the written reply reached the resident"), default="handed", validators=[Optional()]
    )
    # Not tomorrow: a receipt is a fact, and a later step (the review asked) is dated after
    # it and not after today (the walk: a receipt dated tomorrow locked the re-review).
    received_on = DateField(
        _l("Date the resident received it"), validators=[Optional(), DateWithin(future=0)]
    )

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.delivery.choices = choices("reply_delivery", REPLY_DELIVERY)


class ReviewForm(StepForm):
    """The resident asked for a review (or re-review): when, and of which body if known."""

    body = StringField(
        _l("Body asked to review (if known)"), filters=[stripped], validators=[Chars(max=200)]
    )


class ReviewAnswerForm(StepForm):
    outcome = TextAreaField(_l("What the answer decided"), filters=[stripped], validators=TEXT)
    # Not tomorrow: a receipt is a fact, and a later step (the review asked) is dated after
    # it and not after today (the walk: a receipt dated tomorrow locked the re-review).
    received_on = DateField(
        _l("Date the resident received it"), validators=[Optional(), DateWithin(future=0)]
    )


class ReceiptForm(StepForm):
    """The day the resident received the formal reply, e.g. from the postal receipt."""


class FollowUpForm(StepForm):
    satisfaction = RadioField(
        _l("Is the resident satisfied?"),
        validators=[RequiredInput(message=_l("Choose whether the resident is satisfied."))],
    )

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.satisfaction.choices = choices("satisfaction", SATISFACTION)


STATUS_FILTERS = ("open", *REQUEST_STATUSES)


class FilterForm(BaseForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validators=[Optional()])
    due = SelectField(_l("Due"), validators=[Optional()])

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        soon = rules().amber_days
        self.due.choices = [
            ("", _l("Any time")),
            ("soon", lazy_ngettext("Due within %(num)d day", "Due within %(num)d days", soon)),
            ("overdue", _l("Overdue")),
        ]
        # A community request acknowledged (签收) is stored as accepted, and its badge says
        # "Acknowledged": the filter names both, or it reads as if they could not be found.
        statuses = [
            (value, _l("Accepted or acknowledged") if value == "accepted" else label)
            for value, label in choices("request_status", REQUEST_STATUSES)
        ]
        self.status.choices = [
            ("", _l("All")),
            ("open", lazy_pgettext("request", "Open")),
            *statuses,
        ]
