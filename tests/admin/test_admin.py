from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, User, UserSession
from tests.conftest import PASSWORD


def test_only_admin_sees_admin_pages(client, world, login_as):
    for user in (world.worker_a, world.secretary_a, world.township_user):
        login_as(user)
        assert client.get("/admin/users").status_code == 404
        assert client.get("/admin/audit").status_code == 404
    login_as(world.admin)
    assert client.get("/admin/users").status_code == 200


def test_admin_creates_a_worker_with_grids(client, world, login_as):
    login_as(world.admin)
    r = client.post(
        "/admin/users/new",
        data={
            "username": "new.worker",
            "display_name": "新网格员",
            "role": "worker",
            "township_id": 0,
            "community_id": 0,
            "grid_ids": [world.a1.id, world.a2.id],
            "password": "long enough password",
            "active": "y",
        },
    )
    assert r.status_code == 303
    u = db.session.scalar(sa.select(User).where(User.username == "new.worker"))
    assert u.role == "worker"
    assert sorted(u.grid_ids) == sorted([world.a1.id, world.a2.id])
    assert u.community_id == world.ca.id
    assert (
        db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.object_id == str(u.id)))
        == "user_created"
    )


def test_worker_without_grid_and_duplicate_username_are_refused(client, world, login_as):
    login_as(world.admin)
    users = db.session.scalar(sa.select(sa.func.count(User.id)))
    r = client.post(
        "/admin/users/new",
        data={
            "username": "worker_a",
            "display_name": "x",
            "role": "worker",
            "township_id": 0,
            "community_id": 0,
            "password": "long enough password",
        },
    )
    assert r.status_code == 200
    assert r.text.count('class="error"') >= 1
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == users


def test_deactivation_ends_every_session(app, client, world, login_as):
    other = app.test_client()
    other.post("/login", data={"username": "worker_a", "password": PASSWORD})
    assert other.get("/today").status_code == 200
    login_as(world.admin)
    r = client.post(
        f"/admin/users/{world.worker_a.id}",
        data={
            "display_name": "Worker_A",
            "role": "worker",
            "township_id": 0,
            "community_id": 0,
            "grid_ids": [world.a1.id],
            "password": "",
        },
    )
    assert r.status_code == 303
    assert db.session.get(User, world.worker_a.id).active is False
    # The list it lands on says the change was kept (the walk: nothing said so).
    landed = client.get(r.headers["Location"]).text
    assert "已保存对 worker_a 的修改。" in landed
    # Her grid is nobody's now: said, with who can hand it over (the walk: nothing did).
    assert f"{world.a1.name}现在没有在岗的网格员" in landed
    assert other.get("/today").status_code in (302, 303)
    live = db.session.scalar(
        sa.select(sa.func.count(UserSession.id)).where(
            UserSession.user_id == world.worker_a.id, UserSession.revoked_at.is_(None)
        )
    )
    assert live == 0


def test_a_grid_still_held_by_another_worker_is_not_said_to_be_left(client, world, login_as):
    from app.accounts.models import user_grids

    db.session.execute(
        sa.insert(user_grids).values(user_id=world.worker_a2.id, grid_id=world.a1.id)
    )
    db.session.commit()
    login_as(world.admin)
    r = client.post(
        f"/admin/users/{world.worker_a.id}?lang=en",
        data={
            "display_name": "Worker_A",
            "role": "worker",
            "township_id": 0,
            "community_id": 0,
            "grid_ids": [world.a1.id],
            "password": "",
        },
    )
    landed = client.get(r.headers["Location"] + "?lang=en").text
    assert "Changes to worker_a saved." in landed
    assert "no active grid worker" not in landed


def test_admin_cannot_lock_themselves_out(client, world, login_as):
    login_as(world.admin)
    r = client.post(
        f"/admin/users/{world.admin.id}",
        data={
            "display_name": "Admin",
            "role": "worker",
            "township_id": 0,
            "community_id": 0,
            "grid_ids": [world.a1.id],
            "password": "",
            "active": "y",
        },
    )
    assert r.status_code == 200
    assert db.session.get(User, world.admin.id).role == "admin"
    assert "不能取消自己的管理员权限。" in r.text


def test_admin_cannot_deactivate_themselves_and_is_told_so(client, world, login_as):
    """The walk: unticking one's own "active" was answered about the administrator role."""
    login_as(world.admin)
    r = client.post(
        f"/admin/users/{world.admin.id}?lang=zh",
        data={
            "username": world.admin.username,
            "display_name": "Admin",
            "role": "admin",
            "township_id": 0,
            "community_id": 0,
            "password": "",
        },
    )
    assert r.status_code == 200
    assert "不能停用自己的账号。" in r.text
    assert "管理员权限" not in r.text
    assert db.session.get(User, world.admin.id).active


def test_audit_log_is_newest_first_and_filterable(client, world, login_as):
    client.post("/login", data={"username": "worker_a", "password": "wrong wrong wrong"})
    login_as(world.admin)
    page = client.get("/admin/audit")
    assert page.status_code == 200
    assert "login_failed" in page.text
    frag = client.get("/admin/audit?action=login_failed", htmx=True)
    assert frag.text.lstrip().startswith('<div id="audit-rows"')
    assert "login_failed" in frag.text
    none = client.get("/admin/audit?action=user_created", htmx=True)
    assert "login_failed" not in none.text
    # A username is found whatever its case (the walk's "SECRETARY1" found nothing).
    login = client.get("/admin/audit?action=login_failed&username=WORKER_A", htmx=True)
    assert "login_failed" in login.text
    # Dates the wrong way round are said, over no rows (not the whole log as their answer).
    wrong = client.get("/admin/audit?since=2026-12-05&until=2026-12-01&lang=en", htmx=True)
    assert "The end date is before the start date." in wrong.text
    assert 'id="audit-' not in wrong.text.replace('id="audit-rows"', "")


def test_cli_creates_a_user(runner, world):
    result = runner.invoke(
        args=["users", "create", "cli.sec", "--role", "secretary", "--community", str(world.ca.id)],
        input="a long cli password\na long cli password\n",
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(User.role).where(User.username == "cli.sec")) == "secretary"
    bad = runner.invoke(
        args=["users", "create", "cli.w", "--role", "worker"],
        input="a long cli password\na long cli password\n",
    )
    assert bad.exit_code != 0


def test_a_workers_grids_must_be_in_one_community(client, world, login_as):
    login_as(world.admin)
    r = client.post(
        "/admin/users/new",
        data={
            "username": "two.places",
            "display_name": "x",
            "role": "worker",
            "township_id": 0,
            "community_id": 0,
            "grid_ids": [world.a1.id, world.b1.id],
            "password": "long enough password",
            "active": "y",
        },
    )
    assert r.status_code == 200
    assert db.session.scalar(sa.select(User.id).where(User.username == "two.places")) is None


def test_cli_refuses_a_worker_with_grids_in_two_communities(runner, world):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "cli.two",
            "--role",
            "worker",
            "--grid",
            str(world.a1.id),
            "--grid",
            str(world.b1.id),
        ],
        input="a long cli password\na long cli password\n",
    )
    assert result.exit_code != 0
    assert "must be in one community" in result.output
    assert db.session.scalar(sa.select(User.id).where(User.username == "cli.two")) is None


def test_cli_refuses_a_taken_username_and_an_unknown_grid(runner, world):
    for args in (
        ["worker_a", "--role", "worker", "--grid", str(world.a1.id)],
        ["cli.nowhere", "--role", "worker", "--grid", "999999"],
    ):
        result = runner.invoke(
            args=["users", "create", *args],
            input="a long cli password\na long cli password\n",
        )
        assert result.exit_code != 0, args
        assert "Traceback" not in result.output
    assert db.session.scalar(sa.select(User.id).where(User.username == "cli.nowhere")) is None


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("first.admin", "1234567890"),
        ("zhangwei88", "zhangwei88!"),
        ("cli.user", "woaini1314520"),
        ("new.worker", "gridbook-demo"),  # the demo's password, published
    ],
)
def test_cli_refuses_a_password_the_admin_form_would_refuse(runner, world, username, password):
    """The first administrator is made with this command: its password was checked for
    length only, while the admin form refused "1234567890"."""
    result = runner.invoke(
        args=["users", "create", username, "--role", "admin"],
        input=f"{password}\n{password}\n",
    )
    assert result.exit_code != 0
    assert "too easy to guess" in result.output
    assert db.session.scalar(sa.select(User.id).where(User.username == username)) is None


def test_admin_page_says_which_years_have_no_holiday_schedule(client, world, login_as):
    from app.requests.deadlines import schedule_status, schedule_years
    from app.timeutil import local_today

    login_as(world.admin)
    first, last = schedule_years()
    html = client.get("/admin/users").get_data(as_text=True)
    assert f"{first}–{last}" in client.get("/admin/holidays").text
    missing = schedule_status()["missing"]
    assert missing == [y for y in (local_today().year, local_today().year + 1) if y > last]
    # A year past the package's data is named, with what happens to deadlines ending in it.
    assert schedule_status(date(last + 1, 6, 1))["missing"] == [last + 1, last + 2]
    assert schedule_status(date(last - 1, 6, 1))["missing"] == []
    if missing:
        assert str(missing[0]) in html


@pytest.mark.parametrize(
    ("lang", "missing", "said", "not_said"),
    [
        ("en", [2027], "holiday schedule for 2027: deadlines ending in that year", "those years"),
        ("en", [2027, 2028], "schedule for 2027 and 2028: deadlines ending in those", "that"),
        # Walk: "上述年份" could be read as the years loaded (2004–2026) just above.
        ("zh", [2027], "2027年尚无节假日安排：期限届满日落在2027年的", "上述年份"),
        ("zh", [2027, 2028], "期限届满日落在2027和2028年的", "上述年份"),
    ],
)
def test_the_holiday_note_fits_one_missing_year_or_several(
    client, world, login_as, monkeypatch, lang, missing, said, not_said
):
    import app.admin.routes

    status = {"first": 2004, "last": 2026, "missing": missing, "entered": []}
    monkeypatch.setattr(app.admin.routes, "schedule_status", lambda: status)
    login_as(world.admin)
    note = client.get(f"/admin/users?lang={lang}").text
    note = " ".join(note.split('id="holiday-schedule"', 1)[1].split("</p>", 1)[0].split())
    assert said in note
    assert not_said not in note


@pytest.mark.parametrize(("lang", "listed"), [("zh", "A1和A2"), ("en", "A1 and A2")])
def test_a_users_grids_are_listed_as_the_pages_language_lists(
    client, world, login_as, lang, listed
):
    world.worker_a.grids = [world.a2, world.a1]
    db.session.commit()
    login_as(world.admin)
    page = client.get(f"/admin/users?lang={lang}").text
    row = page.split(f'id="user-{world.worker_a.id}"', 1)[1].split("</tr>", 1)[0]
    assert listed in row


@pytest.mark.parametrize("password", ["1234567890", "worker7abc", "a123456789"])
def test_a_new_users_guessable_password_is_refused(client, world, login_as, password):
    """The walk: "1234567890" and a password equal to the username made accounts."""
    login_as(world.admin)
    resp = client.post(
        "/admin/users/new?lang=en",
        data={
            "username": "worker7abc",
            "display_name": "New Worker",
            "role": "worker",
            "township_id": 0,
            "community_id": 0,
            "grid_ids": [world.a1.id],
            "password": password,
            "active": "y",
        },
    )
    assert resp.status_code == 200
    assert "This password is too easy to guess" in resp.text
    assert 'value="worker7abc"' in resp.text  # what was typed is kept
    assert db.session.scalar(sa.select(User).where(User.username == "worker7abc")) is None


def test_a_display_name_with_emoji_is_refused(client, world, login_as):
    login_as(world.admin)
    r = client.post(
        f"/admin/users/{world.worker_a.id}",
        data={
            "username": "worker_a",
            "display_name": "测试网格员😀",
            "role": "worker",
            "township_id": 0,
            "community_id": world.ca.id,
            "grid_ids": [world.a1.id],
            "active": "y",
        },
    )
    assert r.status_code == 200
    assert "姓名里不能有表情符号或图形符号" in r.text
    assert "😀" not in db.session.get(User, world.worker_a.id).display_name
