"""The form macros write radios and selects themselves (for speed): the HTML must be what
WTForms' own widgets write, which the macros still use for a field with render_kw."""

import pytest
from flask import render_template_string
from werkzeug.datastructures import MultiDict
from wtforms import RadioField, SelectField
from wtforms.validators import Optional

from app.forms import BaseForm
from app.referrals.forms import ReferralForm
from app.validators import Required
from app.visits.forms import VisitForm

MACROS = '{% from "_macros/forms.html" import field, radio_buttons %}'


class Odd(BaseForm):
    """Values and labels that need escaping, a preselected choice and an optional select."""

    pick = RadioField("Pick <one>", validators=[Required()])
    kind = SelectField("Kind & sort", coerce=int, validators=[Optional()])

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.pick.choices = [("a&b", 'say "hi"'), ("<c>", "<c>"), ("", "none")]
        self.kind.choices = [(0, "— none —"), (1, "one & <two>"), (2, "")]


def both_ways(macro: str, field) -> tuple[str, str]:
    """The macro's HTML for the field, and the same with the field sent through the widget."""
    page = MACROS + "{{ " + macro + "(f) }}"
    fast = render_template_string(page, f=field)
    field.render_kw = {}  # no attributes of its own, but the macros take the widget path
    return fast, render_template_string(page, f=field)


def forms():
    return [
        VisitForm(formdata=None),
        VisitForm(formdata=MultiDict({"purpose": "nonsense", "outcome": "done"})),
        ReferralForm(formdata=None),
        ReferralForm(formdata=MultiDict({"service_code": "x", "note": ""})),
        Odd(formdata=None, data={"pick": "<c>", "kind": 1}),
        Odd(formdata=MultiDict({"pick": "zz", "kind": "9"})),
    ]


@pytest.mark.parametrize("which", range(6))
def test_radios_and_selects_are_written_as_the_widgets_write_them(app, which):
    with app.test_request_context("/"):
        form = forms()[which]
        form.validate()
        checked = 0
        for f in form:
            if isinstance(f, RadioField) and f.choices:
                fast, widget = both_ways("radio_buttons", f)
            elif type(f) is SelectField and f.choices:
                fast, widget = both_ways("field", f)
            else:
                continue
            checked += 1
            assert "<input" in fast or "<select" in fast
            assert fast == widget
        assert checked >= 1
