"""A client UUID sent again: the same form is a retry, any field changed is other content
(a Conflict, never a silent success that drops what was changed). Issue 18, item 6."""

import io
import uuid

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Photo, Project, Request, Resident, Visit
from app.timeutil import local_today
from tests.photos.images import encoded

SENT_BEFORE = "This form was already sent with other content."


@pytest.fixture
def said(app):
    """A message as the user reads it, in the default language."""
    from flask_babel import gettext

    def _said(message: str = SENT_BEFORE) -> str:
        with app.test_request_context():
            return gettext(message)

    return _said


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _visit(resident, key):
    return {
        "resident_id": resident.id,
        "purpose": "elderly_care",
        "summary": "量了血压，一切正常",
        "outcome": "done",
        "visited_on": local_today().isoformat(),
        "follow_up_on": "",
        "client_uuid": key,
    }


def _resident(world, key):
    return {
        "name": "王五",
        "grid_id": world.a1.id,
        "building": "5",
        "unit": "1",
        "room": "201",
        "phone": "13812345678",
        "household_size": "2",
        "care_reasons": ["elderly_alone"],
        "notes": "",
        "client_uuid": key,
    }


def _request(resident, key):
    return {
        "client_uuid": key,
        "resident": resident.id,
        "visit": "",
        "channel": "phone",
        "category": "R04",
        "summary": "The lift is broken.",
        "received_on": local_today().isoformat(),
    }


def _project(key):
    return {
        "name": "Lane 3 road resurfacing",
        "kind": "road_works",
        "location": "Lane 3, north end",
        "contractor": "Build Co",
        "starts_on": "2026-03-01",
        "ends_on": "2026-06-30",
        "status": "planned",
        "client_uuid": key,
    }


# area -> (user, path, one field changed, model, the stored column it must keep, message)
CASES = {
    "visit": (
        "worker_a",
        "/visits",
        {"outcome": "not_home"},
        Visit,
        "outcome",
        SENT_BEFORE + " Open the saved visit to change it.",
    ),
    "resident": (
        "worker_a",
        "/residents/new",
        {"phone": "13900000000"},
        Resident,
        "phone",
        SENT_BEFORE + " Reload the page to add another resident.",
    ),
    "request": (
        "worker_a",
        "/requests",
        {"channel": "walk_in"},
        Request,
        "channel",
        "This form was already used for another request. Open a new form and send again.",
    ),
    "project": (
        "secretary_a",
        "/projects/new",
        {"contractor": "Other"},
        Project,
        "contractor",
        SENT_BEFORE,
    ),
}


@pytest.mark.parametrize("area", CASES)
def test_a_retry_with_one_field_changed_is_a_conflict(
    client, world, login_as, make_resident, said, area
):
    user, path, changed, model, column, message = CASES[area]
    resident = make_resident()
    before = _count(model)
    key = str(uuid.uuid4())
    data = {
        "visit": lambda: _visit(resident, key),
        "resident": lambda: _resident(world, key),
        "request": lambda: _request(resident, key),
        "project": lambda: _project(key),
    }[area]()
    login_as(getattr(world, user))
    assert client.post(path, data=data).status_code == 303
    newest = sa.select(getattr(model, column)).order_by(model.id.desc()).limit(1)
    first = db.session.scalar(newest)

    same = client.post(path, data=data)
    assert same.status_code == 303  # the very same form again is a retry

    other = client.post(path, data={**data, **changed})
    assert other.status_code == 409, area
    assert said(message) in other.text
    assert next(iter(changed.values())) in other.text  # what was typed is kept
    assert _count(model) == before + 1
    assert db.session.scalar(newest) == first


def test_another_workers_uuid_is_refused_without_a_link_to_their_visit(
    client, world, login_as, make_resident, said
):
    key = str(uuid.uuid4())
    login_as(world.worker_a)
    assert client.post("/visits", data=_visit(make_resident(), key)).status_code == 303
    theirs = db.session.scalar(sa.select(Visit.id))

    login_as(world.worker_b)
    resp = client.post("/visits", data=_visit(make_resident(grid=world.b1), key))
    assert resp.status_code == 409
    assert said() in resp.text
    assert f"/visits/{theirs}" not in resp.text
    assert "Open the saved visit" not in resp.text
    assert _count(Visit) == 1


def _upload(client, visit, key, blob):
    return client.post(
        "/photos",
        data={
            "owner_type": "visit",
            "owner_id": str(visit.id),
            "client_uuid": key,
            "photos": [(io.BytesIO(blob), "a.jpg")],
        },
        content_type="multipart/form-data",
    )


def test_a_retried_upload_with_another_picture_is_a_conflict(
    client, world, login_as, make_resident, make_visit, said
):
    visit = make_visit(resident=make_resident(), worker=world.worker_a)
    login_as(world.worker_a)
    key = str(uuid.uuid4())
    first = encoded("JPEG")
    assert _upload(client, visit, key, first).status_code < 400
    assert _upload(client, visit, key, first).status_code < 400  # a retry
    other = _upload(client, visit, key, encoded("PNG", size=(300, 200)))
    assert other.status_code == 409
    assert said() in other.text
    assert _count(Photo) == 1
