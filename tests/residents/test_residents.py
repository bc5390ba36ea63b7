import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, Resident
from app.timeutil import utcnow


def test_search_is_scoped_and_htmx_gets_only_rows(client, world, login_as, make_resident):
    make_resident(name="王秀英", grid=world.a1)
    make_resident(name="王建国", grid=world.b1)  # another community
    login_as(world.worker_a)
    page = client.get("/residents?q=王")
    assert page.status_code == 200
    assert "<html" in page.text
    assert "王秀英" in page.text
    assert "王建国" not in page.text
    assert "HX-Request" in page.headers["Vary"]
    frag = client.get("/residents?q=秀", htmx=True)
    assert "<html" not in frag.text
    assert frag.text.lstrip().startswith('<div id="resident-rows"')
    assert "王秀英" in frag.text
    none = client.get("/residents?q=zzz", htmx=True)
    assert "王秀英" not in none.text


def test_search_by_address_and_care_reason(client, world, login_as, make_resident):
    make_resident(name="李明", building="12", unit="1", room="502", care=("disability",))
    make_resident(name="赵丽", building="3", unit="2", room="101", care=("elderly_alone",))
    login_as(world.worker_a)
    assert "李明" in client.get("/residents?q=12-1-502").text
    r = client.get("/residents?care=disability")
    assert "李明" in r.text
    assert "赵丽" not in r.text


def test_like_wildcards_are_literal(client, world, login_as, make_resident):
    make_resident(name="周杰")
    login_as(world.worker_a)
    assert "周杰" not in client.get("/residents?q=%25").text


def test_resident_page_is_audited_and_scoped(client, world, login_as, make_resident):
    mine = make_resident(grid=world.a1)
    theirs = make_resident(grid=world.b1, name="外人")
    login_as(world.worker_a)
    assert client.get(f"/residents/{mine.id}").status_code == 200
    assert client.get(f"/residents/{theirs.id}").status_code == 404
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "resident_viewed" in actions
    assert "access_denied" in actions


def test_township_and_admin_see_no_resident(client, world, login_as, make_resident):
    r = make_resident()
    for user in (world.township_user, world.admin):
        login_as(user)
        assert client.get(f"/residents/{r.id}").status_code == 404


def test_secretary_sees_whole_community(client, world, login_as, make_resident):
    r = make_resident(grid=world.a2)
    login_as(world.secretary_a)
    assert client.get(f"/residents/{r.id}").status_code == 200
    login_as(world.secretary_b)
    assert client.get(f"/residents/{r.id}").status_code == 404


def _new_resident(client, world, **over):
    data = {
        "name": "孙红",
        "grid_id": world.a1.id,
        "building": "5",
        "unit": "1",
        "room": "201",
        "phone": "13812345678",
        "household_size": "2",
        "care_reasons": ["elderly_alone"],
        "notes": "",
        "client_uuid": "6a3c1f7e-1111-4222-8333-444455556666",
    }
    data.update(over)
    return client.post("/residents/new", data=data)


def test_add_resident_once_per_client_uuid(client, world, login_as):
    login_as(world.worker_a)
    first = _new_resident(client, world)
    second = _new_resident(client, world)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count(Resident.id))) == 1


def test_worker_cannot_add_resident_to_another_grid(client, world, login_as):
    login_as(world.worker_a)
    r = _new_resident(client, world, grid_id=world.b1.id)
    assert r.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Resident.id))) == 0


import pytest  # noqa: E402


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "name"),
        ("name", "x" * 51, "name"),
        ("phone", "call me", "phone"),
        ("household_size", "0", "household_size"),
        ("household_size", "abc", "household_size"),
        ("care_reasons", [], "care_reasons"),
    ],
)
def test_bad_resident_input_is_refused_and_typed_values_kept(
    client, world, login_as, field, value, message
):
    login_as(world.worker_a)
    r = _new_resident(client, world, **{field: value, "notes": "keep this note"})
    assert r.status_code == 200
    assert "keep this note" in r.text
    assert 'aria-invalid="true"' in r.text or 'class="error"' in r.text
    assert db.session.scalar(sa.select(sa.func.count(Resident.id))) == 0


def test_edit_and_archive(client, world, login_as, make_resident):
    r = make_resident()
    login_as(world.worker_a)
    resp = client.post(
        f"/residents/{r.id}/edit",
        data={
            "name": "新名字",
            "grid_id": world.a1.id,
            "building": "1",
            "unit": "1",
            "room": "1",
            "household_size": "3",
            "care_reasons": ["disability"],
            "notes": "",
            "phone": "",
        },
    )
    assert resp.status_code == 303
    db.session.refresh(r)
    assert r.name == "新名字"
    assert [c.code for c in r.care_reasons] == ["disability"]
    assert client.post(f"/residents/{r.id}/archive").status_code == 303
    db.session.refresh(r)
    assert r.archived_at is not None
    assert "新名字" not in client.get("/residents").text


def test_timeline_shows_visits_newest_first_and_pages(
    client, world, login_as, make_resident, make_visit, count_queries
):
    from datetime import timedelta

    from app.timeutil import local_today

    r = make_resident()
    for i in range(20):
        make_visit(resident=r, day=local_today() - timedelta(days=i), summary=f"visit number {i}")
    login_as(world.worker_a)
    with count_queries() as few:
        page = client.get(f"/residents/{r.id}")
    assert page.text.index("visit number 0") < page.text.index("visit number 1")
    assert "visit number 19" not in page.text
    more = client.get(f"/residents/{r.id}/timeline?page=2", htmx=True)
    assert "visit number 19" in more.text
    assert "<html" not in more.text
    assert more.text.lstrip().startswith('<div id="timeline-page-2"')
    # The number of statements does not grow with the number of entries shown.
    for i in range(20, 30):
        make_visit(resident=r, day=local_today() - timedelta(days=i))
    with count_queries() as more_rows:
        client.get(f"/residents/{r.id}")
    assert more_rows.count == few.count


def test_the_timeline_orders_entries_by_the_day_they_show(
    client, world, login_as, make_resident, make_visit, make_request
):
    """The walk: a request received yesterday and entered today ("2026年12月7日") was listed
    above today's visits, because it was ordered by when it was typed in."""
    from datetime import timedelta

    from app.timeutil import local_today

    r = make_resident()
    today = local_today()
    make_visit(resident=r, day=today - timedelta(days=2), summary="visit two days ago")
    visit = make_visit(resident=r, day=today, summary="visit today")
    # Received yesterday, typed in after today's visit.
    req = make_request(
        resident=r,
        received_on=today - timedelta(days=1),
        created_at=visit.visited_at + timedelta(hours=1),
    )
    login_as(world.worker_a)
    page = client.get(f"/residents/{r.id}").text
    today_at = page.index("visit today")
    request_at = page.index(f'id="timeline-request-{req.id}"')
    assert today_at < request_at < page.index("visit two days ago")


def test_archive_address_by_get_goes_to_the_residents_edit_page(
    client, world, login_as, make_resident
):
    r = make_resident()
    login_as(world.worker_a)
    resp = client.get(f"/residents/{r.id}/archive")
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/residents/{r.id}/edit"
    db.session.refresh(r)
    assert r.archived_at is None
    assert client.get(f"/residents/{r.id + 99}/archive").status_code == 404
    login_as(world.worker_b)
    assert client.get(f"/residents/{r.id}/archive").status_code == 404


def test_archive_address_of_an_archived_resident_goes_to_the_residents_page(
    client, world, login_as, make_resident
):
    """No one archives an archived resident (nor may the worker edit one): those who may see
    the resident get the resident's page, not an edit page that would answer 404."""
    r = make_resident()
    r.archived_at = utcnow()
    db.session.commit()
    for user in (world.worker_a, world.secretary_a):
        login_as(user)
        resp = client.get(f"/residents/{r.id}/archive")
        assert resp.status_code == 303, user.username
        assert resp.headers["Location"] == f"/residents/{r.id}"
        assert client.get(resp.headers["Location"]).status_code == 200
    for user in (world.worker_a2, world.township_user, world.inspector, world.admin):
        login_as(user)
        assert client.get(f"/residents/{r.id}/archive").status_code == 404, user.username


@pytest.mark.parametrize(
    ("value", "lang", "message"),
    [
        ("0", "en", "A household has 1 to 50 people."),
        ("0", "zh-CN", "户内人数应为 1 到 50 人。"),
        ("", "zh-CN", "请填写户内人数。"),
        ("51", "en", "A household has 1 to 50 people."),
    ],
)
def test_household_size_says_what_is_wrong_with_it(client, world, login_as, value, lang, message):
    """0 was typed: "fill in the household size" told the worker she had left it empty."""
    login_as(world.worker_a)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    r = _new_resident(client, world, household_size=value)
    assert r.status_code == 200
    assert message in r.text
    assert db.session.scalar(sa.select(sa.func.count(Resident.id))) == 0


@pytest.mark.parametrize("name", ["😀张三", "张三❤️", "李四☆"])
def test_a_name_with_emoji_is_refused_and_kept_to_correct(client, world, login_as, name):
    """The walk: "😀张三" was saved as a resident's name, to be printed on a notice."""
    login_as(world.worker_a)
    resp = _new_resident(client, world, name=name)
    assert resp.status_code == 200
    assert "姓名里不能有表情符号或图形符号" in resp.text
    assert f'value="{name}"' in resp.text
    assert db.session.scalar(sa.select(sa.func.count(Resident.id))) == 0


def test_a_name_with_the_middle_dot_of_a_minority_name_is_kept(client, world, login_as):
    login_as(world.worker_a)
    assert _new_resident(client, world, name="阿依古丽·买买提").status_code == 303
    assert db.session.scalar(sa.select(Resident.name)) == "阿依古丽·买买提"
