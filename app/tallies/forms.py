"""The tallies filter: a period (preset or from/to) and optionally a community or grid."""

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import Optional, ValidationError

from ..forms import BaseForm, DateField
from ..i18n import DayInWords
from ..ids import form_id
from ..validators import missing_message
from .disclosure import months_meant

PRESETS = ("week", "month", "last_month", "last_12_months")
# The township's figures cover whole calendar months (disclosure.py): a week button would
# show one or two whole months, so it offers only the periods it can show as asked.
MONTH_PRESETS = ("month", "last_month", "last_12_months")
PRESET_LABELS = {
    "week": _l("This week"),
    "month": _l("This month"),
    "last_month": _l("Last month"),
    "last_12_months": _l("Last 12 whole months"),
}
EARLIEST = date(2000, 1, 1)
MAX_DAYS = 5 * 366  # five years (issue 19): whole units come from the roll-ups, so still quick


def preset_dates(preset: str, today: date) -> tuple[date, date]:
    """First and last day of this week, this month, last month, or the 12 whole months
    before this one (a year of months all counted to their end)."""
    if preset == "week":
        monday = today - timedelta(days=today.weekday())
        return monday, monday + timedelta(days=6)
    first = today.replace(day=1)
    if preset == "last_12_months":
        return first.replace(year=first.year - 1), first - timedelta(days=1)
    if preset == "last_month":
        last = first - timedelta(days=1)
        return last.replace(day=1), last
    next_month = (first + timedelta(days=32)).replace(day=1)
    return first, next_month - timedelta(days=1)


def _optional_id(value) -> int | None:
    if value in (None, "", "0"):
        return None
    return form_id(value)


class TallyFilterForm(BaseForm):
    """GET filters: read from the query string, so no CSRF token."""

    class Meta:
        csrf = False

    # Set by the preset buttons ("This week" ...); a plain "Show" keeps from/to as typed.
    period = StringField(validators=[Optional()])
    start = DateField(_l("From"), name="from", validators=[Optional()])
    end = DateField(_l("To"), name="to", validators=[Optional()])
    community = SelectField(_l("Community"), coerce=_optional_id, validate_choice=False)
    grid = SelectField(_l("Grid"), coerce=_optional_id, validate_choice=False)

    def __init__(self, *args, scope, today: date, months_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.today = today
        # Whole calendar months only (the township): the dates shown widen to them too.
        self.months_only = months_only
        # The dates typed, where the months shown differ from them (township only).
        self.picked: tuple[date, date] | None = None
        self.presets = MONTH_PRESETS if months_only else PRESETS
        self.community.choices = [(None, _l("All communities"))] + [
            (cid, name) for cid, name in scope.communities.items()
        ]
        self.grid.choices = [(None, _l("All grids"))] + [
            (p.grid_id, p.grid_name) for p in scope.places
        ]

    def validate_period(self, field) -> None:
        if field.data in (*self.presets, "custom"):
            return
        if self.months_only and field.data in PRESETS:
            raise ValidationError(
                _l(
                    "Township figures cover whole calendar months: pick this month, last "
                    "month, the last 12 months, or dates that span the months you need."
                )
            )
        raise ValidationError(_l("Pick one of the periods offered."))

    def preset_label(self, preset: str) -> str:
        return PRESET_LABELS[preset]

    def resolve_period(self) -> None:
        """Fill from/to from a preset, or this month when nothing was asked for."""
        if self.period.data in self.presets:
            self._set_dates(*preset_dates(self.period.data, self.today))
        elif not self.start.raw_data and not self.end.raw_data:
            self._set_dates(*preset_dates("month", self.today))

    def chosen_preset(self) -> str | None:
        """The preset the shown period is, so that its button shows as chosen (also by default)."""
        if self.period.data in self.presets:
            return self.period.data
        shown = (self.start.data, self.end.data)
        return next((p for p in self.presets if preset_dates(p, self.today) == shown), None)

    def _set_dates(self, start: date, end: date) -> None:
        for f, value in ((self.start, start), (self.end, end)):
            f.data, f.raw_data, f.errors = value, [value.isoformat()], []

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        self.resolve_period()
        start, end = self.start.data, self.end.data
        latest = date(self.today.year + 1, 12, 31)
        for f in (self.start, self.end):
            if f.data is None and not f.errors:
                # Optional() lets an empty date through without a word: an empty one is to
                # be filled in, not written in another format (a malformed one has its own
                # message from the field).
                if (f.raw_data or [""])[0].strip():
                    f.errors.append(_l("Enter a date as YYYY-MM-DD."))
                else:
                    f.errors.append(missing_message(f))
                ok = False
            elif f.data is not None and not EARLIEST <= f.data <= latest:
                f.errors.append(
                    _l(
                        "Pick a date between %(a)s and %(b)s.",
                        a=DayInWords(EARLIEST),
                        b=DayInWords(latest),
                    )
                )
                ok = False
        if not ok:
            return False
        if end < start:
            self.end.errors.append(_l("The end date is before the start date."))
            return False
        if (end - start).days >= MAX_DAYS:
            self.end.errors.append(_l("Pick a period of at most five years."))
            return False
        if self.months_only:
            # The period shown, not only the one typed: the inputs say what the tables count,
            # and the page names the dates picked where they differ.
            shown = months_meant(start, end)
            if shown != (start, end):
                self.picked = (start, end)
            self._set_dates(*shown)
        grid = self.grid.data
        if grid and self.community.data:
            place = next(p for p in self.scope.places if p.grid_id == grid)
            if place.community_id != self.community.data:
                # The community was changed after a grid was picked: the new community wins.
                self.grid.data = None
        return True
