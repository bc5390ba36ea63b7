"""Adding a resident by hand who may already be on the caseload: shown, and asked once."""

import uuid

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Resident


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Resident.id)))


def _post(client, world, **over):
    data = {
        "name": "张福贵",
        "grid_id": world.a1.id,
        "building": "3",
        "unit": "2",
        "room": "301",
        "phone": "",
        "household_size": "1",
        "care_reasons": ["elderly_alone"],
        "notes": "typed note",
        "client_uuid": str(uuid.uuid4()),
    }
    data.update(over)
    return client.post("/residents/new", data=data), data


@pytest.mark.parametrize(
    ("existing", "typed"),
    [
        ({"name": "张福贵"}, {}),  # same name and address in the same grid
        ({"name": "李四", "phone": "13812345678", "room": "999"}, {"phone": "13812345678"}),
    ],
)
def test_a_match_is_shown_and_asked_before_saving(
    client, world, login_as, make_resident, existing, typed
):
    old = make_resident(**existing)
    login_as(world.worker_a)
    resp, data = _post(client, world, **typed)
    assert resp.status_code == 200
    assert 'id="possible-duplicates"' in resp.text
    assert f'href="/residents/{old.id}"' in resp.text
    assert "typed note" in resp.text  # what was typed is kept
    assert _count() == 1
    confirmed = client.post("/residents/new", data={**data, "confirm_duplicate": "y"})
    assert confirmed.status_code == 303
    assert _count() == 2
    # A retry of the confirmed form is the same resident, not a question and not a third.
    again = client.post("/residents/new", data=data)
    assert again.status_code == 303
    assert again.headers["Location"] == confirmed.headers["Location"]
    assert _count() == 2


@pytest.mark.parametrize(
    "existing",
    [
        {"name": "张福贵", "room": "302"},  # another flat
        {"name": "张福贵", "archived": True},  # off the caseload
    ],
)
def test_no_match_saves_at_once(client, world, login_as, make_resident, existing):
    from app.timeutil import utcnow

    archived = existing.pop("archived", False)
    r = make_resident(**existing)
    if archived:
        r.archived_at = utcnow()
        db.session.commit()
    login_as(world.worker_a)
    resp, _data = _post(client, world)
    assert resp.status_code == 303
    assert _count() == 2


def test_a_match_outside_the_users_grids_is_not_shown(client, world, login_as, make_resident):
    make_resident(grid=world.b1, name="王五", phone="13900000000")
    login_as(world.worker_a)
    resp, _data = _post(client, world, phone="13900000000")
    assert resp.status_code == 303
    assert "王五" not in client.get(resp.headers["Location"]).text
    assert _count() == 2
