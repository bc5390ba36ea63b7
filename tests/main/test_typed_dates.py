"""Date fields read a date as a Chinese keyboard types it, and refuse what is no date."""

import importlib
import inspect
import pkgutil
from datetime import date, timedelta

import pytest
import wtforms
from werkzeug.datastructures import MultiDict
from wtforms import Form

import app as app_package
from app.extensions import db
from app.forms import DateField
from app.timeutil import local_today


class _OneDate(Form):
    on = DateField()


@pytest.mark.parametrize(
    "typed",
    [
        "2026-12-05",
        "２０２６－１２－０５",  # full-width digits and hyphens (U+FF0D)
        "２０２６-12-05",
        "2026－12－05",
        "2026—12—05",  # the em dash some keyboards give for "-"
        "2026/12/05",
        "２０２６／１２／０５",
        "2026.12.05",
        "2026.12.5",
        "2026年12月5日",
        " 2026-12-05 ",
    ],
)
def test_a_date_typed_on_any_keyboard_is_read(typed):
    form = _OneDate(MultiDict({"on": typed}))
    assert form.validate(), form.errors
    assert form.on.data == date(2026, 12, 5)


@pytest.mark.parametrize(
    "typed",
    ["05/12/2026", "12/05/2026", "2026-13-05", "2026-02-30", "２０２６－１２", "garbage"],
)
def test_what_is_no_date_or_could_be_two_days_is_refused(typed):
    form = _OneDate(MultiDict({"on": typed}))
    assert not form.validate()
    assert form.on.data is None
    # Shown back as typed, for the user to correct.
    assert form.on._value() == typed


def _form_modules():
    for info in pkgutil.walk_packages(app_package.__path__, "app."):
        if info.name.endswith(".forms"):
            yield importlib.import_module(info.name)


def test_every_date_field_of_every_form_reads_full_width_dates():
    """One field class for all of them, so that no form (tallies, request steps, visits...)
    reads ２０２６－１２－０５ differently from another."""
    plain = []
    for module in _form_modules():
        for name, form in inspect.getmembers(module, inspect.isclass):
            if not issubclass(form, wtforms.Form):
                continue
            for field_name, unbound in inspect.getmembers(form):
                kind = getattr(unbound, "field_class", None)
                if kind and issubclass(kind, wtforms.DateField) and kind is not DateField:  # noqa: TID251
                    plain.append(f"{module.__name__}.{name}.{field_name}")
    assert plain == []


def test_a_request_step_takes_a_full_width_date(client, world, login_as, make_request):
    today = local_today()
    req = make_request(received_on=today - timedelta(days=3))
    login_as(world.worker_a)
    day = today - timedelta(days=1)
    typed = day.isoformat().translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    r = client.post(f"/requests/{req.id}/accept", data={"accept-on": typed})
    assert r.status_code == 303
    db.session.refresh(req)
    assert req.accepted_on == day


def test_tallies_take_full_width_and_slashed_dates(client, world, login_as):
    login_as(world.township_user)
    html = client.get(
        "/tallies?from=２０２４－０２－０１&to=2024/02/29&period=custom",
        headers={"Accept-Language": "en"},
    ).get_data(as_text=True)
    assert 'id="table-visits"' in html
    assert "export.xlsx?from=2024-02-01&amp;to=2024-02-29" in html
