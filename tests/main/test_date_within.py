"""A refused date says which dates are allowed, in the page's language."""

from datetime import timedelta

import pytest
from flask_babel import format_date
from wtforms import Form
from wtforms.validators import StopValidation

from app.forms import DateField
from app.timeutil import local_today
from app.validators import DateWithin


class _Form(Form):
    on = DateField("On")


@pytest.mark.parametrize(
    ("offset", "lang", "words"),
    [
        (12, "en", "This date is more than 10 days ahead: choose {limit} or earlier."),
        (12, "zh-CN", "日期晚于 10 天后：请选 {limit} 或以前的日期。"),
        (-12, "en", "This date is more than 10 days ago: choose {limit} or later."),
        (-12, "zh-CN", "日期早于 10 天前：请选 {limit} 或以后的日期。"),
    ],
)
def test_a_date_out_of_range_names_the_last_day_allowed(app, offset, lang, words):
    today = local_today()
    with app.test_request_context(headers={"Accept-Language": lang}):
        form = _Form()
        form.on.data = today + timedelta(days=offset)
        with pytest.raises(StopValidation) as refused:
            DateWithin(past=10, future=10)(form, form.on)
        limit = format_date(today + timedelta(days=10 if offset > 0 else -10))
        assert str(refused.value) == words.format(limit=limit)
