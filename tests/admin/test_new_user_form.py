"""The new-user form: a username typed with spaces is trimmed, one differing from a taken one
only by capitals is refused, and a missing township is asked for in the role's own name."""

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import User


def _new_user(world, **over) -> dict:
    data = {
        "username": "new.worker",
        "display_name": "新网格员",
        "role": "worker",
        "township_id": 0,
        "community_id": 0,
        "grid_ids": [world.a1.id],
        "password": "long enough password",
        "active": "y",
    }
    data.update(over)
    return data


def _count():
    return db.session.scalar(sa.select(sa.func.count(User.id)))


def test_a_username_typed_with_spaces_is_trimmed(client, world, login_as):
    login_as(world.admin)
    resp = client.post("/admin/users/new", data=_new_user(world, username=" WORKER1 "))
    assert resp.status_code == 303
    assert db.session.scalar(sa.select(User.id).where(User.username == "WORKER1"))


@pytest.mark.parametrize("typed", ["WORKER_A", "Worker_A", " worker_A "])
def test_a_username_taken_in_other_capitals_is_refused(client, world, login_as, typed):
    login_as(world.admin)
    users = _count()
    resp = client.post("/admin/users/new", data=_new_user(world, username=typed))
    assert resp.status_code == 200
    assert "用户名“worker_a”已被占用（用户名不区分大小写）。" in resp.text
    assert 'id="user-form"' in resp.text  # the form again, with what was typed
    assert "新网格员" in resp.text
    assert _count() == users


def test_a_taken_username_is_said_with_the_other_errors_at_once(client, world, login_as):
    """The walk: "worker1" with the password "123" got the password's errors, and the taken
    username only on the next try."""
    login_as(world.admin)
    users = _count()
    resp = client.post(
        "/admin/users/new", data=_new_user(world, username="worker_a", password="123")
    )
    assert resp.status_code == 200
    errors = re.findall(r'<small class="error"[^>]*>([^<]*)</small>', resp.text)
    assert "该用户名已被使用。" in errors
    assert any("10" in e for e in errors), errors  # and the password's, in the same answer
    assert _count() == users


def test_the_cli_refuses_a_username_taken_in_other_capitals(runner, world):
    users = _count()
    result = runner.invoke(
        args=["users", "create", "Worker_A", "--role", "worker", "--grid", str(world.a1.id)],
        input="a long cli password\na long cli password\n",
    )
    assert result.exit_code != 0
    assert _count() == users


@pytest.mark.parametrize(
    ("role", "zh", "en"),
    [
        ("inspector", "纪检监察联络员需要指定所属乡镇（街道）。", "A discipline liaison needs"),
        ("township", "街道办人员需要指定所属乡镇（街道）。", "Township office staff need"),
    ],
)
def test_a_missing_township_is_asked_for_in_the_roles_name(client, world, login_as, role, zh, en):
    login_as(world.admin)
    data = _new_user(world, username="new.staff", role=role, grid_ids=[])
    page = client.post("/admin/users/new", data=data).text
    assert zh in page
    assert "适用于街道办人员和纪检监察联络员。" in page
    assert en in client.post("/admin/users/new?lang=en", data=data).text
    assert not db.session.scalar(sa.select(User.id).where(User.username == "new.staff"))
