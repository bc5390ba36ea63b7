"""Ids past 64 bits, zero or negative in any form field: a 404 or a form error, never a 500.

The routes come from app.url_map and the id fields from every form class, so a new route
or a new id field is covered the day it is added (issue 18, item 3).
"""

import pytest
from wtforms import SelectField
from wtforms.fields.core import UnboundField

from app.forms import BaseForm, IdField, IdsField
from app.ids import MAX_ID
from tests.security.conftest import ROLE_USERS, url_args

HUGE = "99999999999999999999"
BAD_IDS = (HUGE, str(MAX_ID + 1), "0", "-1")
# Forms without ids that would end the session or remove the records later routes name.
SKIP = {"accounts.logout", "visits.delete", "photos.delete", "residents.archive"}


def _form_classes(cls=BaseForm):
    for sub in cls.__subclasses__():
        yield sub
        yield from _form_classes(sub)


def _id_fields() -> dict[str, UnboundField]:
    """Every form field that carries an id, by its name, from every form class."""
    fields = {}
    for form in _form_classes():
        for name in dir(form):
            field = getattr(form, name, None)
            if isinstance(field, UnboundField) and (
                name.endswith(("_id", "_ids")) or name in ("resident", "visit")
            ):
                fields[name] = field
    return fields


def test_every_id_field_is_bounded_in_one_place(app):
    fields = _id_fields()
    assert {"visit_id", "template_id", "log_ids", "owner_id", "resident", "visit"} <= set(fields)
    for name, field in fields.items():
        if name == "object_id":
            continue  # the audit filter's free-text search, never a query by id
        # A choice among listed records is bounded by its list (wtforms checks it).
        listed = issubclass(field.field_class, SelectField) and field.kwargs.get(
            "validate_choice", True
        )
        assert issubclass(field.field_class, IdField | IdsField) or listed, name


def _post_cases(app, records, bad):
    data = {name: bad for name in _id_fields()}
    data.update(owner_type="visit", summary="x", purpose="routine", outcome="done")
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "POST" not in rule.methods or rule.endpoint in SKIP:
            continue
        args = url_args(rule, records, step="approve")
        if args is None:
            continue
        yield rule.build(args)[1], data


@pytest.mark.parametrize("bad", BAD_IDS)
def test_no_id_in_a_form_makes_a_500(app, client, world, login_as, two_sets, bad):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash answers 500 rather than raising
    failures = []
    for name in ROLE_USERS:
        login_as(getattr(world, name))
        for url, data in _post_cases(app, two_sets["a"], bad):
            for htmx in (False, True):
                resp = client.post(url, data=data, htmx=htmx)
                if resp.status_code >= 500:
                    failures.append(f"{name} POST {url} htmx={htmx}: {resp.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/screening", "visit_id"),
        ("/screening", "template_id"),
        ("/photos", "owner_id"),
        ("/requests", "resident"),
        ("/requests", "visit"),
        ("/visits", "resident_id"),
        ("/visits", "project_id"),
    ],
)
def test_a_huge_id_alone_is_not_found(app, client, world, login_as, two_sets, path, field):
    """The other ids valid, this one past 64 bits: the record is not found (404)."""
    a = two_sets["a"]
    forms = {
        "/screening": {"visit_id": a.visit.id, "template_id": a.screening.template_id},
        "/photos": {"owner_type": "visit", "owner_id": a.visit.id},
        "/requests": {"resident": a.resident.id, "channel": "phone", "summary": "x"},
        "/visits": {"resident_id": a.resident.id, "purpose": "routine", "outcome": "done"},
    }
    data = {**forms[path], field: HUGE}
    login_as(world.worker_a)
    assert client.post(path, data=data).status_code == 404
