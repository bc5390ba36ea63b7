"""`flask demo load` / `flask demo clear`: the demo township, its logins, idempotence, clearing."""

from datetime import timedelta

import sqlalchemy as sa

from app.demo.load import DEMO_PASSWORD, DEMO_USERNAMES, load_demo
from app.enums import SEVERITY_DAYS
from app.extensions import db
from app.models import (
    Answer,
    AuditEvent,
    CareReason,
    ChecklistItem,
    Community,
    Concern,
    DailyLog,
    Grid,
    Hazard,
    Photo,
    Project,
    Request,
    RequestEvent,
    Resident,
    RiskFactor,
    Screening,
    Township,
    User,
    Visit,
    resident_care_reasons,
)
from app.timeutil import local_today

FIELD_TABLES = (
    Township,
    Community,
    Grid,
    User,
    Resident,
    Project,
    RiskFactor,
    Concern,
    DailyLog,
    Visit,
    Screening,
    Answer,
    Hazard,
    Request,
    RequestEvent,
    Photo,
)


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def counts() -> dict[str, int]:
    snapshot = {m.__tablename__: count(m) for m in FIELD_TABLES}
    snapshot["care_tags"] = db.session.scalar(
        sa.select(sa.func.count()).select_from(resident_care_reasons)
    )
    return snapshot


def load(runner, *args):
    result = runner.invoke(args=["demo", "load", *args])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result


def log_in(client, username, password=DEMO_PASSWORD):
    return client.post("/login", data={"username": username, "password": password})


def test_load_makes_one_township_of_two_communities_and_six_grids(runner):
    result = load(runner)
    assert "城南街道" in result.output
    township = db.session.scalar(sa.select(Township))
    assert township.name == "城南街道"
    assert [c.name for c in township.communities] == ["和平社区", "幸福社区"]
    assert sorted(len(c.grids) for c in township.communities) == [3, 3]
    workers = db.session.scalars(sa.select(User).where(User.role == "worker")).all()
    assert len(workers) == 6
    assert sorted(g.id for w in workers for g in w.grids) == sorted(
        db.session.scalars(sa.select(Grid.id))
    )  # one worker per grid
    assert sorted(db.session.scalars(sa.select(User.username).where(User.is_demo))) == sorted(
        DEMO_USERNAMES
    )


def test_residents_have_stated_care_reasons_and_plausible_details(demo):
    residents = db.session.scalars(sa.select(Resident)).all()
    assert 180 <= len(residents) <= 220
    assert all(r.care_reasons for r in residents)
    assert all(2 <= len(r.name) <= 3 and r.building and r.unit and r.room for r in residents)
    phones = [r.phone for r in residents if r.phone]
    assert len(residents) / 2 < len(phones) < len(residents)
    assert all(len(p) == 11 and p.startswith("1") and p.isdigit() for p in phones)
    alone = [r for r in residents if any(c.code == "elderly_alone" for c in r.care_reasons)]
    assert alone
    assert all(r.household_size == 1 for r in alone)


def test_every_demo_login_works_with_the_demo_password(demo, client):
    for username in DEMO_USERNAMES:
        assert log_in(client, username).status_code == 303, username
        client.post("/logout")
    assert log_in(client, "worker1").status_code == 303
    assert client.get("/today").status_code == 200


def test_login_page_says_demo_data_is_loaded(client, request):
    assert 'id="demo-note"' not in client.get("/login").text
    request.getfixturevalue("demo")  # a load, as `flask demo load` made it
    assert 'id="demo-note"' in client.get("/login").text


def test_two_projects_with_risk_register_assessment_decision_and_concerns(demo):
    projects = db.session.scalars(sa.select(Project).order_by(Project.id)).all()
    assert len(projects) == 2
    assert len({p.community_id for p in projects}) == 2
    for project in projects:
        assert project.decision
        assert project.decided_on
        assert len(project.assessments) == 5
        assert len(project.risk_factors) >= 4
        assert {f.status for f in project.risk_factors} >= {"open", "mitigated"}
        assert all(f.mitigation and f.owner for f in project.risk_factors)
    assert projects[0].overall_level == "high"
    concerns = db.session.scalars(sa.select(Concern)).all()
    assert len(concerns) >= 4
    assert all(c.visit_id for c in concerns)
    assert sum(1 for c in concerns if c.risk_factor_id) >= 4


def test_visits_and_day_logs_cover_recent_weeks(demo):
    today = local_today()
    days = db.session.scalars(sa.select(Visit.visited_on).distinct()).all()
    assert min(days) <= today - timedelta(days=20)
    assert max(days) == today
    assert count(Visit) > 400
    # Every visit belongs to its worker's log of that day.
    assert (
        count(
            Visit,
            Visit.daily_log_id == DailyLog.id,
            sa.or_(DailyLog.worker_id != Visit.worker_id, DailyLog.day != Visit.visited_on),
        )
        == 0
    )
    statuses = dict(
        db.session.execute(
            sa.select(DailyLog.status, sa.func.count()).group_by(DailyLog.status)
        ).all()
    )
    assert statuses["approved"] > statuses["submitted"] > statuses["returned"] >= 1
    assert count(DailyLog, DailyLog.day == today, DailyLog.status == "open") == 6
    returned = db.session.scalars(sa.select(DailyLog).where(DailyLog.status == "returned")).all()
    assert all(log.comment and log.reviewed_by_id for log in returned)
    assert count(Visit, Visit.follow_up_on == today) >= 6
    assert count(Visit, Visit.follow_up_on < today) >= 6


def test_screenings_answer_every_item_and_hazards_follow_the_item_defaults(demo):
    today = local_today()
    screenings = db.session.scalars(sa.select(Screening)).all()
    assert len(screenings) > 50
    for screening in screenings:
        items = count(ChecklistItem, ChecklistItem.template_id == screening.template_id)
        assert len(screening.answers) == items
    values = dict(
        db.session.execute(sa.select(Answer.value, sa.func.count()).group_by(Answer.value)).all()
    )
    assert values["ok"] > values["na"] > values["hazard"] > 10
    hazards = db.session.scalars(sa.select(Hazard)).all()
    assert len(hazards) == values["hazard"]
    for h in hazards:
        assert h.answer.value == "hazard"
        assert h.severity == h.item.default_severity
        assert h.due_on == h.found_on + timedelta(days=SEVERITY_DAYS[h.severity])
    assert {h.status for h in hazards} == {"open", "rectified", "verified"}
    assert any(h.is_overdue(today) for h in hazards)
    assert all(h.rectified_on and h.rectified_by_id for h in hazards if h.status != "open")
    assert all(h.verified_by_id for h in hazards if h.status == "verified")


def test_requests_on_both_tracks_with_a_restricted_and_an_overdue_one(demo):
    today = local_today()
    requests = db.session.scalars(sa.select(Request)).all()
    assert len(requests) >= 15
    assert {r.track for r in requests} == {"community", "formal"}
    assert {"received", "accepted", "replied", "closed", "redirected", "not_accepted"} <= {
        r.status for r in requests
    }
    assert any(r.category.restricted for r in requests)
    assert any(
        r.track == "formal"
        and r.status == "received"
        and r.received_on < today - timedelta(days=15)
        for r in requests
    )
    assert all(r.events and r.events[0].kind == "registered" for r in requests)
    assert all(r.reply_text and r.replied_on for r in requests if r.status in ("replied", "closed"))
    assert all(r.decision_reason for r in requests if r.status in ("redirected", "not_accepted"))
    assert all(r.redirect_channel for r in requests if r.status == "redirected")
    on_visits = [r for r in requests if r.visit_id]
    assert on_visits
    assert all(db.session.get(Visit, r.visit_id).resident_id == r.resident_id for r in on_visits)
    # Having made a request is never a tag on the resident (no list of complainants).
    assert db.session.get(CareReason, "open_request") is None
    assert not any("open_request" in {c.code for c in r.resident.care_reasons} for r in requests)


def test_photos_are_stored_and_shown_to_the_grid(demo, client):
    from app.photos.storage import get_store

    photos = db.session.scalars(sa.select(Photo).order_by(Photo.id)).all()
    assert 30 <= len(photos) <= 60
    store = get_store()
    assert all(store.exists(p.sha256) and store.exists(p.thumb_sha256) for p in photos)
    assert any(p.hazard_id and p.is_rectification for p in photos)
    assert any(p.hazard_id and not p.is_rectification for p in photos)
    assert any(p.visit_id for p in photos)
    worker1 = db.session.scalar(sa.select(User).where(User.username == "worker1"))
    mine = next(p for p in photos if p.grid_id == worker1.grids[0].id)
    other = next(p for p in photos if p.grid_id != worker1.grids[0].id)
    assert log_in(client, "worker1").status_code == 303
    shown = client.get(f"/photos/{mine.id}")
    assert shown.status_code == 200
    assert shown.data[:3] == b"\xff\xd8\xff"  # a JPEG
    assert client.get(f"/photos/{other.id}").status_code == 404


def test_records_are_dated_when_they_happened_and_name_no_user_in_the_audit(demo):
    """The services ran with the clock set back to each step's moment."""
    from app.timeutil import to_local

    visits = db.session.scalars(sa.select(Visit)).all()
    assert all(to_local(v.visited_at).date() == v.visited_on for v in visits)
    assert len({v.visited_at for v in visits}) > len(visits) / 2  # not all at one moment
    fixed = db.session.scalars(sa.select(Hazard).where(Hazard.rectified_at.is_not(None))).all()
    assert fixed
    assert all(to_local(h.rectified_at).date() == h.rectified_on for h in fixed)
    assert all(h.created_at <= h.rectified_at for h in fixed)
    assert all(p.captured_at for p in db.session.scalars(sa.select(Photo)))
    # Demo users stay deletable: the load is audited as one event, under nobody.
    assert count(AuditEvent, AuditEvent.user_id.is_not(None)) == 0
    assert count(AuditEvent, AuditEvent.action == "demo_loaded") == 1


def test_second_load_changes_nothing(demo, runner):
    before = counts()
    result = load(runner)
    assert "already loaded" in result.output
    assert counts() == before


def test_loads_give_the_same_residents(demo, runner):
    names = db.session.scalars(sa.select(Resident.name).order_by(Resident.id)).all()
    # Fixed by the seed, whatever the process, platform or dict order.
    assert names[:5] == ["王超", "徐庆华", "张福贵", "朱宝山", "孙国强"]
    assert runner.invoke(args=["demo", "clear"]).exit_code == 0
    load(runner)
    assert db.session.scalars(sa.select(Resident.name).order_by(Resident.id)).all() == names


def test_clear_removes_everything_and_keeps_the_audit_trail(demo, runner, client, app):
    from app.demo.data import demo_is_loaded
    from app.photos.storage import get_store

    assert list(get_store().iter_keys())  # the demo's photos, to be cleared
    assert log_in(client, "worker1").status_code == 303  # now named in the audit trail
    audit_before = count(AuditEvent)
    result = runner.invoke(args=["demo", "clear"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    left = counts()
    # The append-only trigger refuses the ON DELETE SET NULL, so worker1 stays, switched off.
    assert left.pop("users") == 1
    assert set(left.values()) == {0}
    kept = db.session.scalar(sa.select(User))
    assert kept.username.startswith("retired-demo-")
    assert not kept.active
    assert kept.township_id is None
    assert kept.grids == []
    assert count(AuditEvent) == audit_before + 1
    assert list(get_store().iter_keys()) == []  # the photo files went too
    assert not demo_is_loaded()
    assert log_in(client, "worker1").status_code == 200  # refused
    assert 'id="demo-note"' not in client.get("/login").text
    # And the demo loads again.
    load(runner)
    assert count(User, User.is_demo, User.active) == len(DEMO_USERNAMES)


def test_clear_refuses_a_township_with_real_users(demo, runner, password_hash):
    township = db.session.scalar(sa.select(Township))
    db.session.add(
        User(
            username="real",
            display_name="Real",
            password_hash=password_hash,
            role="township",
            township_id=township.id,
        )
    )
    db.session.commit()
    result = runner.invoke(args=["demo", "clear"])
    assert result.exit_code != 0
    assert "real" in result.output
    db.session.expire_all()
    assert count(Resident) > 0


def test_if_empty_skips_a_database_with_users(runner, world):
    result = load(runner, "--if-empty")
    assert "Users exist" in result.output
    assert count(Township, Township.name == "城南街道") == 0


def _assert_planner_statistics() -> None:
    """Issue 19: after the bulk load the planner knows the tables' sizes (ANALYZE / optimize),
    so the worker pages' plans take their indexes from the first request on."""
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        analyzed = conn.exec_driver_sql(
            "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'visits'"
        ).scalar()
        assert analyzed is not None
    else:
        rows = conn.exec_driver_sql("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'visits'").all()
        by_index = {idx: stat for idx, stat in rows}
        # The first figure is the table's row count (estimated, with analysis_limit).
        assert int(by_index["ix_visits_grid_visited_on"].split()[0]) > 0


def test_large_bulk_path_at_small_scale(app, runner):
    from app.demo.large import LARGE_TOWNSHIP, large_township

    load_demo(large=True, echo=lambda _msg: None, residents=1200, visits=6000)
    _assert_planner_statistics()
    township = large_township()
    assert township.name == LARGE_TOWNSHIP
    grids = sa.select(Grid.id).join(Community).where(Community.township_id == township.id)
    assert count(Grid, Grid.id.in_(grids)) == 3
    assert count(Resident, Resident.grid_id.in_(grids)) == 1200
    assert count(Visit, Visit.grid_id.in_(grids)) == 6000
    workers = count(User, User.role == "worker", User.township_id == township.id)
    assert workers == 3
    assert (
        count(
            DailyLog,
            DailyLog.community_id.in_(
                sa.select(Community.id).where(Community.township_id == township.id)
            ),
        )
        == 3 * 365
    )
    untagged = sa.select(Resident.id).where(
        Resident.grid_id.in_(grids),
        ~Resident.id.in_(sa.select(resident_care_reasons.c.resident_id)),
    )
    assert db.session.execute(untagged).first() is None
    # Every visit is on its worker's log of that day.
    assert (
        count(
            Visit,
            Visit.grid_id.in_(grids),
            Visit.daily_log_id == DailyLog.id,
            sa.or_(DailyLog.worker_id != Visit.worker_id, DailyLog.day != Visit.visited_on),
        )
        == 0
    )
    before = counts()
    load_demo(large=True, echo=lambda _msg: None, residents=1200, visits=6000)
    assert counts() == before
    # Another size replaces the benchmark township; the demo township stays.
    load_demo(large=True, echo=lambda _msg: None, residents=600, visits=2000)
    db.session.expire_all()
    assert count(Resident) == before["residents"] - 600
    assert count(Township) == 2
    assert runner.invoke(args=["demo", "clear"]).exit_code == 0
    db.session.expire_all()
    assert count(Visit) == 0
    assert count(Township) == 0


def test_each_demo_checklist_sits_on_a_visit_of_the_purpose_that_offers_it(demo):
    """A welfare check is an elderly-care visit and a hazard checklist a screening or a
    project's visit, as the visit form offers them: the demo's tallies by purpose count the
    welfare checks as elderly care, not as hazard screenings."""
    from app.models import ChecklistTemplate

    pairs = set(
        db.session.execute(
            sa.select(ChecklistTemplate.code, Visit.purpose)
            .join(Screening, Screening.template_id == ChecklistTemplate.id)
            .join(Visit, Visit.id == Screening.visit_id)
        ).all()
    )
    assert ("elderly", "elderly_care") in pairs
    assert {purpose for code, purpose in pairs if code == "elderly"} == {"elderly_care"}
    assert {purpose for code, purpose in pairs if code != "elderly"} <= {"screening", "project"}
