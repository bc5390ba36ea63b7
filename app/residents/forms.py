from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import BaseForm, IdempotentForm
from ..validators import (
    Chars,
    Required,
    RequiredInput,
    halfwidth,
    person_name,
    phone_number,
    stripped,
)


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ResidentForm(IdempotentForm):
    name = StringField(
        lazy_pgettext("resident", "Name"),
        filters=[stripped],
        validators=[Required(), Chars(max=50), person_name],
    )
    grid_id = SelectField(_l("Grid"), coerce=int, validators=[Required()])
    # Full-width from a Chinese keyboard is stored as ASCII: ７栋 is the building 7栋 is,
    # found by a search for 7-2-301 and listed once by building.
    building = StringField(_l("Building"), filters=[halfwidth], validators=[Chars(max=20)])
    unit = StringField(_l("Unit"), filters=[halfwidth], validators=[Chars(max=20)])
    room = StringField(_l("Room"), filters=[halfwidth], validators=[Chars(max=20)])
    phone = StringField(
        _l("Phone (optional)"),
        filters=[halfwidth],
        validators=[Optional(), phone_number],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )
    household_size = IntegerField(
        _l("Household size"),
        default=1,
        validators=[
            # 0 is a number typed, not a field left empty: the range below says what is wrong.
            RequiredInput(message=_l("Fill in how many people live in the household.")),
            NumberRange(min=1, max=50, message=_l("A household has 1 to 50 people.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    care_reasons = CheckboxListField(
        _l("Why this resident is on the caseload"),
        validators=[Required(message=_l("Choose at least one reason."))],
    )
    notes = TextAreaField(
        _l("Notes"), filters=[stripped], validators=[Chars(max=2000)], render_kw={"rows": 3}
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

    # Offered only once a possible duplicate was shown (residents.new).
    confirm_duplicate = BooleanField(_l("Add anyway: this is a different person"))


class SearchForm(BaseForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name or address"), filters=[halfwidth], validators=[Chars(max=50)])
    care = SelectField(_l("Care reason"), validators=[Optional()])


class ArchiveForm(BaseForm):
    pass


class EraseForm(BaseForm):
    reason = SelectField(
        _l("Why"), validators=[Required(message=_l("Choose why the record is erased."))]
    )
    confirm = BooleanField(
        _l("I understand that the name, address, phone, notes and photos are erased for good."),
        validators=[Required(message=_l("Tick the box to confirm."))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = [
            ("", _l("Choose…")),
            ("resident_asked", _l("The resident asked for erasure")),
            ("consent_withdrawn", _l("The resident withdrew consent")),
            ("collected_by_mistake", _l("Recorded by mistake")),
        ]


class UploadForm(BaseForm):
    file = FileField(
        _l("Spreadsheet (.xlsx or .csv)"),
        validators=[FileRequired(_l("Choose a file to upload."))],
        render_kw={"accept": ".xlsx,.csv,text/csv"},
    )


class ImportForm(BaseForm):
    """The mapping step and the duplicate choices; per-column and per-row fields are added
    to a subclass for each sheet (`import_form`)."""

    grid = SelectField(_l("Grid for rows without one"), validators=[Optional()])
    default_reason = SelectField(_l("Care reason for rows without one"), validators=[Optional()])
    duplicate_default = SelectField(_l("For every duplicate"), default="skip")
    step = HiddenField()

    def not_saved_message(self) -> str:
        if self.step.data != "import":
            return super().not_saved_message()
        # The sheet is still there and the choices come back with this message: Import again
        # is all it takes, no new upload.
        return str(
            _l(
                "Nothing was imported: the server could not save the residents. The sheet and "
                "your choices are kept; press Import again."
            )
        )


def action_choices(blank: bool = False) -> list[tuple[str, str]]:
    choices = [
        ("skip", str(_l("Skip (keep what is there)"))),
        ("merge", str(_l("Merge into the existing record"))),
        ("add", str(_l("Add as a new resident"))),
    ]
    return ([("", str(_l("As chosen for every duplicate")))] if blank else []) + choices


def import_form(guessed: list[str], forbidden: list[int], labels: dict, duplicate_lines=()):
    """An ImportForm with a select per sheet column and per listed duplicate row."""

    class SheetImportForm(ImportForm):
        pass

    for i, guess in enumerate(guessed):
        if i not in forbidden:
            setattr(
                SheetImportForm, f"col_{i}", SelectField(default=guess, validators=[Optional()])
            )
    for line in duplicate_lines:
        setattr(SheetImportForm, f"row_{line}", SelectField(default="", validators=[Optional()]))
    form = SheetImportForm()
    column_choices = [("", str(_l("Do not import")))] + [(f, str(t)) for f, t in labels.items()]
    for i in range(len(guessed)):
        if i not in forbidden:
            form[f"col_{i}"].choices = column_choices
    for line in duplicate_lines:
        form[f"row_{line}"].choices = action_choices(blank=True)
    return form
