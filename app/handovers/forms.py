from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField, widgets

from ..forms import BaseForm, IdempotentForm, IdsField
from ..ids import form_id
from ..validators import Chars, Required, stripped


class CheckboxesField(IdsField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class HandoverForm(IdempotentForm):
    from_worker_id = SelectField(
        _l("From worker"),
        coerce=form_id,
        validators=[Required(message=_l("Choose the worker handing over."))],
    )
    to_worker_id = SelectField(
        _l("To worker"),
        # Nobody chosen until the secretary chooses: the first worker of the list was the one
        # handing over (the walk's first try was refused for it).
        coerce=lambda v: form_id(v) if v not in (None, "", "0", 0) else 0,
        validators=[Required(message=_l("Choose the worker taking over."))],
    )
    grid_ids = CheckboxesField(_l("Whole grids"))
    household_ids = CheckboxesField(_l("Or chosen households"))
    to_grid_id = SelectField(
        _l("Households join the new worker's grid"),
        coerce=lambda v: form_id(v) if v not in (None, "", "0", 0) else 0,
        default=0,
    )
    note = TextAreaField(
        _l("Handover note for the new worker"),
        filters=[stripped],
        validators=[
            Required(message=_l("Write a note for the new worker.")),
            Chars(max=2000),
        ],
        render_kw={"rows": 4},
    )


class DismissForm(BaseForm):
    pass
