"""Visit rounds: who is due a visit by their care reasons, on Today, the round page and the
secretary's per-worker counts; the admin's cadence page."""

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, CareReason
from app.timeutil import local_today
from tests.conftest import fragment_root_ids

EN = {"Accept-Language": "en"}


@pytest.fixture
def visited(make_resident, make_visit):
    """A resident of grid A1 whose last visit that met them was `days` ago."""

    def _make(name, days, care=("elderly_alone",), grid=None, **kw):
        r = make_resident(name=name, care=care, grid=grid)
        if days is not None:
            make_visit(resident=r, day=local_today() - timedelta(days=days), **kw)
        return r

    return _make


def section(page: str, start: str, end: str) -> str:
    return page[page.index(f'id="{start}"') : page.index(f'id="{end}"')]


def test_today_lists_residents_due_and_overdue_nearest_first(client, world, login_as, visited):
    visited("刘奶奶", 10)  # weekly: 3 days overdue
    visited("陈爷爷", 6)  # due tomorrow
    visited("王阿姨", 2)  # due in 5 days: not yet
    visited("赵叔叔", 40, care=("dibao",))  # monthly: 10 days overdue
    login_as(world.worker_a)
    page = client.get("/today").text
    due = section(page, "today-rounds", "today-follow-ups")
    assert "王阿姨" not in due
    names = ["赵叔叔", "刘奶奶", "陈爷爷"]
    assert [due.index(n) for n in names] == sorted(due.index(n) for n in names)
    assert "10天" in due or "10 天" in due
    assert 'class="count">3<' in due


def test_a_visit_that_did_not_meet_the_resident_does_not_count(
    client, world, login_as, visited, make_visit
):
    r = visited("刘奶奶", 10)
    make_visit(resident=r, day=local_today() - timedelta(days=1), outcome="not_home")
    s = visited("陈爷爷", 10)
    make_visit(resident=s, day=local_today() - timedelta(days=1))
    login_as(world.worker_a)
    due = section(client.get("/today").text, "today-rounds", "today-follow-ups")
    assert "刘奶奶" in due
    assert "陈爷爷" not in due


def test_a_not_home_visit_is_not_called_never_visited(
    client, world, login_as, make_resident, make_visit, visited
):
    """Still due (the round counts visits that met them), but the words say he was tried."""
    never_met = make_resident(name="赵建国", created_at=datetime.now() - timedelta(days=20))
    make_visit(resident=never_met, outcome="not_home")
    met_before = visited("刘奶奶", 10)
    make_visit(resident=met_before, day=local_today() - timedelta(days=1), outcome="not_home")
    visited("陈爷爷", 10)
    login_as(world.worker_a)
    for url in ("/today", "/rounds"):
        zh = client.get(url).text
        assert "赵建国" in zh
        assert "刘奶奶" in zh
        row = zh[zh.index(f'id="due-{never_met.id}"') :].split("</li>")[0]
        assert "尚未走访" not in row
        assert "上次走访未遇" in row
        en = client.get(url, headers=EN).text
        row = en[en.index(f'id="due-{never_met.id}"') :].split("</li>")[0]
        assert "not visited yet" not in row
        assert "nobody home" in row
        row = en[en.index(f'id="due-{met_before.id}"') :].split("</li>")[0]
        assert "last visit" in row
        assert "nobody home" in row
        assert "nobody home" not in en[en.index("陈爷爷") :].split("</li>")[0]


def test_the_shortest_cadence_of_the_care_reasons_wins(client, world, login_as, visited):
    visited("刘奶奶", 8, care=("dibao", "elderly_alone"))
    login_as(world.worker_a)
    page = client.get("/rounds", headers=EN).text
    assert "刘奶奶" in page
    assert "every 7 days" in page


def test_never_visited_counts_from_the_day_put_on_the_caseload(
    client, world, login_as, make_resident
):
    old = make_resident(name="新来的", created_at=datetime.now() - timedelta(days=20))
    make_resident(name="刚登记")
    login_as(world.worker_a)
    page = client.get("/rounds", headers=EN).text
    assert "新来的" in page
    assert "not visited yet" in page
    assert "刚登记" not in page
    assert f'id="due-{old.id}"' in page


def test_off_round_residents_are_not_listed(client, world, login_as, visited):
    visited("存档", 30).archived_at = datetime.now()
    visited("别的网格", 30, grid=world.a2)
    visited("没有需要", 30, care=("veteran",))
    db.session.get(CareReason, "veteran").visit_every_days = None
    db.session.commit()
    login_as(world.worker_a)
    page = client.get("/rounds").text
    for name in ("存档", "别的网格", "没有需要"):
        assert name not in page


def test_today_caps_the_list_and_links_to_the_rest(client, world, login_as, visited):
    for i in range(11):
        visited(f"居民{i:02d}", 8 + i)
    login_as(world.worker_a)
    due = section(client.get("/today").text, "today-rounds", "today-follow-ups")
    assert due.count('<li id="due-') == 8
    assert 'id="rounds-more"' in due
    assert 'href="/rounds"' in due
    assert "居民10" in due  # most overdue first
    assert "居民00" not in due
    full = client.get("/rounds").text
    assert full.count('<li id="due-') == 11


def test_today_statement_count_does_not_grow_with_the_caseload(
    client, world, login_as, visited, count_queries
):
    login_as(world.worker_a)
    visited("一", 9)
    client.get("/today")
    with count_queries() as few:
        client.get("/today")
    for i in range(15):
        visited(f"居民{i}", 9 + i, care=("elderly_alone", "dibao"))
    with count_queries() as many:
        page = client.get("/today").text
    assert many.count == few.count
    # The whole due list, reasons' names and counts included, is one statement.
    assert sum("care_reasons" in s for s in many.statements) == 1
    assert "低保家庭、独居老人" in page  # in the order of their codes, as on their page


def test_round_page_pages_and_serves_its_fragment(client, world, login_as, visited):
    for i in range(32):
        visited(f"居民{i:02d}", 8 + i)
    login_as(world.worker_a)
    first = client.get("/rounds")
    assert first.headers["Vary"] == "HX-Request" or "HX-Request" in first.headers["Vary"]
    assert first.text.count('<li id="due-') == 30
    assert "/rounds?page=2" in first.text
    second = client.get("/rounds?page=2", headers={"HX-Request": "true"})
    assert fragment_root_ids(second.text) == ["due-rows-page-2"]
    assert second.text.count('<li id="due-') == 2


def test_round_page_is_for_the_field_and_audited(client, world, login_as, visited):
    visited("刘奶奶", 10)
    for user in (world.township_user, world.admin, world.inspector):
        login_as(user)
        assert client.get("/rounds").status_code == 404
    login_as(world.secretary_b)
    assert "刘奶奶" not in client.get("/rounds").text
    login_as(world.secretary_a)
    assert "刘奶奶" in client.get("/rounds").text
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "rounds_viewed")
    ).all()
    assert events
    assert events[-1].username == "secretary_a"


def test_secretary_sees_overdue_per_worker_by_name(client, world, login_as, visited):
    visited("刘奶奶", 10)
    visited("陈爷爷", 9)
    visited("今天到", 7)
    visited("王阿姨", 12, grid=world.a2)
    visited("B社区", 30, grid=world.b1)
    login_as(world.secretary_a)
    page = client.get("/rounds/workers", headers=EN).text
    a = page[page.index(f'id="rounds-worker-{world.worker_a.id}"') :]
    a2 = page[page.index(f'id="rounds-worker-{world.worker_a2.id}"') :]
    assert '<td class="n-overdue">2</td>' in a.split("</tr>")[0]
    assert '<td class="n-due">1</td>' in a.split("</tr>")[0]
    assert '<td class="n-overdue">1</td>' in a2.split("</tr>")[0]
    assert f"rounds-worker-{world.worker_b.id}" not in page
    # By name, whatever the counts: Worker_A before Worker_A2 though A2 has fewer overdue.
    assert page.index(f"rounds-worker-{world.worker_a.id}") < page.index(
        f"rounds-worker-{world.worker_a2.id}"
    )
    assert "rank" not in page.lower()
    assert "score" not in page.lower()


def test_secretary_opens_one_workers_due_list(client, world, login_as, visited):
    visited("刘奶奶", 10)
    visited("王阿姨", 12, grid=world.a2)
    login_as(world.secretary_a)
    page = client.get(f"/rounds?worker={world.worker_a2.id}").text
    assert "王阿姨" in page
    assert "刘奶奶" not in page
    assert client.get(f"/rounds?worker={world.worker_b.id}").status_code == 404
    assert client.get("/rounds?worker=abc").status_code == 404
    login_as(world.worker_a)
    assert client.get(f"/rounds?worker={world.worker_a2.id}").status_code == 404


def test_worker_counts_are_the_secretarys_only(client, world, login_as):
    for user in (world.worker_a, world.township_user, world.admin):
        login_as(user)
        assert client.get("/rounds/workers").status_code == 404
    login_as(world.secretary_a)
    assert client.get("/review").text.count('id="rounds-workers-link"') == 1


def test_admin_sets_a_cadence_and_it_is_audited(client, world, login_as, visited):
    visited("刘奶奶", 10)
    login_as(world.admin)
    form = client.get("/admin/cadences").text
    assert 'name="every_elderly_alone"' in form
    assert 'value="7"' in form
    data = {
        f"every_{c.code}": c.visit_every_days or ""
        for c in db.session.scalars(sa.select(CareReason))
    }
    data["every_elderly_alone"] = "14"
    data["every_veteran"] = ""
    resp = client.post("/admin/cadences", data=data)
    assert resp.status_code == 303
    db.session.expire_all()
    assert db.session.get(CareReason, "elderly_alone").visit_every_days == 14
    assert db.session.get(CareReason, "veteran").visit_every_days is None
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "visit_cadence_changed")
    ).all()
    assert sorted(e.object_id for e in events) == ["elderly_alone", "veteran"]
    login_as(world.worker_a)
    assert "刘奶奶" not in client.get("/rounds").text  # 10 days < 14


@pytest.mark.parametrize("value", ["0", "400", "abc", "-3"])
def test_a_bad_cadence_is_refused_with_everything_kept(client, world, login_as, value):
    login_as(world.admin)
    data = {f"every_{c.code}": "21" for c in db.session.scalars(sa.select(CareReason))}
    data["every_dibao"] = value
    resp = client.post("/admin/cadences", data=data, headers=EN)
    assert resp.status_code == 200
    assert 'aria-invalid="true"' in resp.text
    assert 'value="21"' in resp.text
    db.session.expire_all()
    assert db.session.get(CareReason, "elderly_alone").visit_every_days == 7


def test_cadences_are_the_admins_only(client, world, login_as):
    for user in (world.worker_a, world.secretary_a, world.township_user):
        login_as(user)
        assert client.get("/admin/cadences").status_code == 404


def test_reloading_reference_data_keeps_the_admins_cadence(app, world):
    from app.seed import load_reference_data

    db.session.get(CareReason, "dibao").visit_every_days = 60
    db.session.commit()
    load_reference_data()
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(CareReason, "dibao").visit_every_days == 60
    assert db.session.get(CareReason, "disabled_daily").visit_every_days == 14


def test_a_cadence_left_out_of_the_form_stays_as_it_is(client, world, login_as):
    login_as(world.admin)
    assert client.post("/admin/cadences", data={"every_dibao": "20"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(CareReason, "dibao").visit_every_days == 20
    assert db.session.get(CareReason, "elderly_alone").visit_every_days == 7


def test_the_rule_names_the_outcome_that_does_not_count_by_its_own_label(client, world, login_as):
    """Not “不在家” beside an outcome called 家中无人 everywhere else."""
    login_as(world.worker_a)
    page = client.get("/rounds").text
    assert "见到本人的走访才算（“家中无人”不算）" in page
    assert "不在家" not in page
    english = client.get("/rounds", headers=EN).text
    assert "any outcome but “Nobody home”" in english


@pytest.mark.parametrize(("headers", "name"), [(EN, "Visit intervals"), ({}, "走访周期")])
def test_the_cadence_page_is_called_what_its_tab_is_called(client, world, login_as, headers, name):
    """The admin's tab and the page it opens say the same words (walk: "Visit intervals"
    opened "Days between visits")."""
    import re

    login_as(world.admin)
    html = client.get("/admin/cadences", headers=headers).get_data(as_text=True)
    current = re.search(r'<a [^>]*aria-current="page"[^>]*>(.*?)</a>', html, re.S)
    assert re.sub(r"<[^>]+>|\s+", "", current.group(1)) == name.replace(" ", "")
    assert re.search(r"<h1>(.*?)</h1>", html, re.S).group(1).strip() == name
    assert re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip().startswith(name)
