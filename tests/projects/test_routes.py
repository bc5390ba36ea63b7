import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Assessment, AuditEvent, Project, RiskFactor
from app.timeutil import local_today
from tests.conftest import fragment_root_ids as root_ids
from tests.dates import Days

PROJECT = {
    "name": "Lane 3 road resurfacing",
    "kind": "road_works",
    "location": "Lane 3, north end",
    "contractor": "Build Co",
    "starts_on": "2026-03-01",
    "ends_on": "2026-06-30",
    "status": "planned",
}
# A review ahead of today (one already past is refused for a new factor): far ahead, as a
# date reckoned here would be a day behind in a run that crosses the township's midnight.
REVIEW_ON = date(2099, 4, 1)
FACTOR = {
    "factor_code": "P3",
    "description": "Night work near block 5",
    "likelihood": "3",
    "impact": "2",
    "mitigation": "No work after 22:00",
    "owner": "Site manager Li",
    "review_on": REVIEW_ON.isoformat(),
    "status": "open",
}


def _audit(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


# ---- list and page ------------------------------------------------------------------


def test_list_shows_level_status_open_factors_and_concerns(
    client, world, login_as, make_project, make_factor, make_concern
):
    project = make_project(status="in_progress")
    noise = make_factor(project, "P3", 3, 3)
    make_factor(project, "P7", 1, 1, status="closed")
    make_concern(project, noise)
    make_concern(project, noise)
    make_project(world.cb, name="Community B works")
    login_as(world.worker_a)
    r = client.get("/projects?lang=en")
    assert r.status_code == 200
    assert "Road resurfacing" in r.text
    assert "Community B works" not in r.text
    card = r.text.split(f'id="project-{project.id}"')[1].split("</li>")[0]
    assert "level-high" in card
    assert "In progress" in card
    assert "1 open risk factor" in card
    assert "2 concerns in 30 days" in card
    assert "New project" not in r.text


def test_admin_has_no_project_pages(client, world, login_as, make_project):
    project = make_project()
    login_as(world.admin)
    assert client.get("/projects").status_code == 404
    assert client.get(f"/projects/{project.id}").status_code == 404


def test_login_is_required(client, world, make_project):
    project = make_project()
    r = client.get(f"/projects/{project.id}")
    assert r.status_code == 303
    assert "/login" in r.headers["Location"]


def test_project_page_shows_register_heat_map_and_timeline(
    client, world, login_as, make_project, make_factor, make_visit, make_hazard
):
    project = make_project()
    noise = make_factor(project, "P3", 3, 2, mitigation="Enclosures")
    visit = make_visit(project=project, purpose="project", summary="Spoke to the site manager")
    make_hazard(visit=visit)
    login_as(world.worker_a)
    r = client.get(f"/projects/{project.id}?lang=en")
    assert r.status_code == 200
    assert "<html" in r.text
    assert f'id="factor-{noise.id}"' in r.text
    cell = r.text.split('id="heat-3-2"')[1].split("</td>")[0]
    assert "P3" in cell
    assert "Spoke to the site manager" in r.text
    assert 'id="project-hazards"' in r.text
    assert "hazard-" in r.text
    assert "Edit project" not in r.text
    assert "Add a risk factor" not in r.text
    assert r.headers["Vary"] == "HX-Request" or "HX-Request" in r.headers["Vary"]


def test_timeline_is_paged_newest_first(client, world, login_as, make_project, make_visit):
    project = make_project()
    today = date.today()
    visits = [
        make_visit(
            project=project, purpose="project", day=today - timedelta(days=i), summary=f"visit {i}"
        )
        for i in range(12)
    ]
    login_as(world.secretary_a)
    r = client.get(f"/projects/{project.id}")
    assert r.text.index("visit 0") < r.text.index("visit 9")
    assert "visit 11" not in r.text
    assert f'id="visit-{visits[0].id}"' in r.text
    r = client.get(f"/projects/{project.id}/timeline?page=2", htmx=True)
    assert root_ids(r.text) == ["timeline-page-2"]
    assert "<html" not in r.text
    assert f'id="visit-{visits[11].id}"' in r.text
    assert f'id="visit-{visits[0].id}"' not in r.text


def _more_link(text: str) -> str:
    link = re.search(r'<a class="more" href="([^"]+)" hx-get="([^"]+)"', text)
    assert link is not None, "no More link"
    assert link.group(1) == link.group(2)
    return link.group(1).replace("&amp;", "&")


def _twelve_visits(make_project, make_visit):
    project = make_project()
    today = date.today()
    for i in range(12):
        make_visit(
            project=project, purpose="project", day=today - timedelta(days=i), summary=f"visit {i}"
        )
    return project


def test_stray_query_arguments_do_not_break_the_more_link(
    client, world, login_as, make_project, make_visit
):
    project = _twelve_visits(make_project, make_visit)
    login_as(world.secretary_a)
    # ?project_id= beside the path's own project_id was a 500 (the same keyword twice).
    r = client.get(f"/projects/{project.id}?project_id=1&page=1")
    assert r.status_code == 200
    more = _more_link(r.text)
    assert more == f"/projects/{project.id}/timeline?page=2"
    frag = client.get(more, htmx=True)
    assert root_ids(frag.text) == ["timeline-page-2"]
    assert "visit 11" in frag.text
    assert "<html" in client.get(more).text  # the plain link still shows the page


def test_a_page_rendered_by_a_post_links_to_the_timeline(
    client, world, login_as, make_project, make_visit
):
    project = _twelve_visits(make_project, make_visit)
    login_as(world.secretary_a)
    # A refused decision redisplays the whole page under the POST-only endpoint.
    r = client.post(f"/projects/{project.id}/decision", data={"decision": "proceed"})
    assert r.status_code == 200
    assert "<html" in r.text
    assert _more_link(r.text) == f"/projects/{project.id}/timeline?page=2"


def test_log_a_visit_only_for_workers(client, world, login_as, make_project):
    project = make_project()
    link = f'href="/visits/new?project={project.id}"'
    login_as(world.secretary_a)
    assert link not in client.get(f"/projects/{project.id}").text
    login_as(world.worker_a)
    page = client.get(f"/projects/{project.id}").text
    assert link in page
    # The visit form drops new entries into this list.
    assert 'id="timeline-new"' in page
    assert 'id="visit-form-slot"' in page


# ---- scope ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["worker_b", "secretary_b"])
def test_other_community_gets_404(client, world, login_as, make_project, make_factor, who):
    project = make_project()
    factor = make_factor(project)
    login_as(getattr(world, who))
    assert client.get(f"/projects/{project.id}").status_code == 404
    assert client.get(f"/projects/{project.id}/factors/{factor.id}").status_code == 404
    assert project.name not in client.get("/projects").text


def test_secretary_b_cannot_write_to_community_a(
    client, world, login_as, make_project, make_factor
):
    project = make_project()
    factor = make_factor(project)
    login_as(world.secretary_b)
    pid, fid = project.id, factor.id
    assert client.get(f"/projects/{pid}/edit").status_code == 404
    assert client.post(f"/projects/{pid}/edit", data=PROJECT).status_code == 404
    assert client.post(f"/projects/{pid}/factors", data=FACTOR).status_code == 404
    assert client.post(f"/projects/{pid}/factors/{fid}", data=FACTOR).status_code == 404
    assert (
        client.post(
            f"/projects/{pid}/decision", data={"decision": "postpone", "decided_on": "2026-01-01"}
        ).status_code
        == 404
    )
    db.session.expire_all()
    assert db.session.get(Project, pid).name == "Road resurfacing"
    assert db.session.get(Project, pid).decision is None


@pytest.mark.parametrize("who", ["worker_a", "township_user"])
def test_readers_have_no_edit_routes(client, world, login_as, make_project, make_factor, who):
    project = make_project()
    factor = make_factor(project, "P3", 1, 1)
    pid, fid = project.id, factor.id
    login_as(getattr(world, who))
    assert client.get(f"/projects/{pid}").status_code == 200
    assert client.get("/projects/new").status_code == 404
    assert client.post("/projects/new", data=PROJECT).status_code == 404
    assert client.get(f"/projects/{pid}/edit").status_code == 404
    assert client.post(f"/projects/{pid}/edit", data=PROJECT).status_code == 404
    assert client.get(f"/projects/{pid}/factors/new").status_code == 404
    assert client.post(f"/projects/{pid}/factors", data=FACTOR).status_code == 404
    assert client.get(f"/projects/{pid}/factors/{fid}/edit").status_code == 404
    assert (
        client.post(
            f"/projects/{pid}/factors/{fid}", data={**FACTOR, "likelihood": "3", "impact": "3"}
        ).status_code
        == 404
    )
    assert (
        client.post(f"/projects/{pid}/assessment", data={"legality_finding": "met"}).status_code
        == 404
    )
    assert (
        client.post(
            f"/projects/{pid}/decision", data={"decision": "proceed", "decided_on": "2026-01-01"}
        ).status_code
        == 404
    )
    db.session.expire_all()
    assert db.session.get(RiskFactor, fid).level == "low"
    assert db.session.scalar(sa.select(sa.func.count(Project.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(Assessment.id))) == 0


def test_factor_of_another_project_is_404(client, world, login_as, make_project, make_factor):
    project, other = make_project(), make_project(name="Other")
    factor = make_factor(other)
    login_as(world.secretary_a)
    assert client.get(f"/projects/{project.id}/factors/{factor.id}/edit").status_code == 404
    assert (
        client.post(f"/projects/{project.id}/factors/{factor.id}", data=FACTOR).status_code == 404
    )


def test_township_sees_figures_but_no_names_or_visit_notes(
    client, world, login_as, make_project, make_factor, make_concern, make_visit, make_resident
):
    project = make_project()
    cb_project = make_project(world.cb, name="Community B works")
    noise = make_factor(project, "P3", 3, 3)
    resident = make_resident(name="王秀英")
    make_visit(
        resident=resident,
        project=project,
        purpose="project",
        summary="王秀英 says the drilling starts at 6",
    )
    make_concern(project, noise, summary="王秀英: drilling at 6 in the morning")
    make_concern(project, noise, summary="noise again")
    login_as(world.township_user)
    listing = client.get("/projects?lang=en").text
    assert "Road resurfacing" in listing
    assert "Community B works" in listing
    r = client.get(f"/projects/{project.id}?lang=en")
    assert r.status_code == 200
    assert "王秀英" not in r.text
    assert "drilling" not in r.text
    assert "noise again" not in r.text
    assert 'id="timeline"' not in r.text
    assert "level-high" in r.text
    assert f'id="factor-{noise.id}-concerns">2<' in r.text
    assert client.get(f"/projects/{cb_project.id}").status_code == 200
    for url in (
        f"/projects/{project.id}?page=1",
        f"/projects/{project.id}/timeline",
        f"/projects/{project.id}/register",
    ):
        r = client.get(url, htmx=True)
        assert "王秀英" not in r.text
        assert "drilling" not in r.text


# ---- create and edit --------------------------------------------------------------------


def test_secretary_creates_a_project(client, world, login_as):
    login_as(world.secretary_a)
    r = client.get("/projects/new")
    assert r.status_code == 200
    assert 'name="client_uuid"' in r.text
    data = {**PROJECT, "client_uuid": "6f1c1b8e-4b0c-4f57-9d7e-2d0c6b6f9a01"}
    r = client.post("/projects/new", data=data)
    assert r.status_code == 303
    project = db.session.scalar(sa.select(Project))
    assert r.headers["Location"].endswith(f"/projects/{project.id}")
    assert project.community_id == world.ca.id
    assert project.name == PROJECT["name"]
    assert project.ends_on == date(2026, 6, 30)
    assert project.uuid == data["client_uuid"]
    assert len(_audit("project_created")) == 1
    # The same form sent again (a double tap, a retry) makes no second project.
    r = client.post("/projects/new", data=data)
    assert r.status_code == 303
    assert r.headers["Location"].endswith(f"/projects/{project.id}")
    assert db.session.scalar(sa.select(sa.func.count(Project.id))) == 1


def test_secretary_edits_a_project(client, world, login_as, make_project):
    project = make_project()
    login_as(world.secretary_a)
    r = client.get(f"/projects/{project.id}/edit")
    assert 'value="Road resurfacing"' in r.text
    r = client.post(f"/projects/{project.id}/edit", data={**PROJECT, "status": "in_progress"})
    assert r.status_code == 303
    db.session.expire_all()
    assert project.status == "in_progress"
    assert project.contractor == "Build Co"
    assert len(_audit("project_updated")) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Fill in “Name”."),
        ("name", "x" * 10_000, "“Name” takes at most 200 characters; this has 10,000."),
        ("ends_on", "2026-02-01", "The end date is before the start date."),
        ("starts_on", "2026-13-45", "There is no such day: check the month and the day."),
        ("starts_on", "2026-02-30", "There is no such day: check the month and the day."),
        ("kind", "airport", "Not a valid choice."),
    ],
)
def test_bad_project_input_gets_a_message_and_keeps_what_was_typed(
    client, world, login_as, field, value, message
):
    login_as(world.secretary_a)
    r = client.post("/projects/new?lang=en", data={**PROJECT, field: value})
    assert r.status_code == 200
    assert message in r.text
    assert 'aria-invalid="true"' in r.text
    assert 'value="Build Co"' in r.text
    assert 'value="Lane 3, north end"' in r.text
    assert db.session.scalar(sa.select(sa.func.count(Project.id))) == 0


# ---- risk register ----------------------------------------------------------------------


def test_add_factor_form_as_fragment_and_as_page(client, world, login_as, make_project):
    project = make_project()
    login_as(world.secretary_a)
    r = client.get(f"/projects/{project.id}/factors/new", htmx=True)
    assert r.status_code == 200
    assert root_ids(r.text) == ["factor-new"]
    assert "<html" not in r.text
    assert 'name="client_uuid"' in r.text
    assert "HX-Request" in r.headers["Vary"]
    r = client.get(f"/projects/{project.id}/factors/new")
    assert "<html" in r.text
    assert 'id="factor-new"' in r.text
    assert "<form" in r.text


def test_add_factor_with_htmx_returns_the_register(client, world, login_as, make_project):
    project = make_project()
    login_as(world.secretary_a)
    r = client.post(f"/projects/{project.id}/factors", data=FACTOR, htmx=True)
    assert r.status_code == 200
    assert root_ids(r.text) == ["register"]
    assert r.headers["HX-Retarget"] == "#register"
    assert "factors-changed" in r.headers["HX-Trigger"]
    assert "toast" in r.headers["HX-Trigger"]
    factor = db.session.scalar(sa.select(RiskFactor))
    assert (factor.likelihood, factor.impact, factor.level) == (3, 2, "high")
    assert factor.owner == "Site manager Li"
    assert factor.review_on == REVIEW_ON
    assert f'id="factor-{factor.id}"' in r.text
    assert 'class="cell level-high" id="heat-3-2"' in r.text
    assert "P3" in r.text.split('id="heat-3-2"')[1].split("</td>")[0]
    assert len(_audit("risk_factor_added")) == 1
    # Sent again (a retry): no second row.
    r = client.post(f"/projects/{project.id}/factors", data=FACTOR, htmx=True)
    assert r.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(RiskFactor.id))) == 1


def test_add_factor_plain_post_redirects(client, world, login_as, make_project):
    project = make_project()
    login_as(world.secretary_a)
    r = client.post(f"/projects/{project.id}/factors", data=FACTOR)
    assert r.status_code == 303
    factor = db.session.scalar(sa.select(RiskFactor))
    assert r.headers["Location"].endswith(f"/projects/{project.id}#factor-{factor.id}")


def test_a_listed_factor_type_is_changed_in_its_row(
    client, world, login_as, make_project, make_factor
):
    project = make_project()
    make_factor(project, "P3", 1, 1)
    login_as(world.secretary_a)
    r = client.post(f"/projects/{project.id}/factors?lang=en", data=FACTOR, htmx=True)
    assert r.status_code == 200
    assert root_ids(r.text) == ["factor-new"]
    assert "P3 is already in the register" in r.text
    assert db.session.scalar(sa.select(sa.func.count(RiskFactor.id))) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("likelihood", "0", "Choose 1 (low), 2 (medium) or 3 (high)."),
        ("likelihood", "4", "Choose 1 (low), 2 (medium) or 3 (high)."),
        ("impact", "", "Choose 1 (low), 2 (medium) or 3 (high)."),
        ("impact", "high", "Choose 1 (low), 2 (medium) or 3 (high)."),
        ("factor_code", "P99", "Not a valid choice."),
        ("owner", "x" * 10_000, "“Owner” takes at most 100 characters; this has 10,000."),
        ("review_on", "someday", "Not a valid date value."),
        ("review_on", "2020-01-01", "This date is too far in the past. Check the year."),
        ("review_on", Days(-3).iso, "This date has passed. Choose today or a later day."),
    ],
)
def test_bad_factor_input_keeps_what_was_typed(
    client, world, login_as, make_project, field, value, message
):
    project = make_project()
    login_as(world.secretary_a)
    data = {**FACTOR, field: value}
    r = client.post(f"/projects/{project.id}/factors?lang=en", data=data, htmx=True)
    assert r.status_code == 200
    assert root_ids(r.text) == ["factor-new"]
    assert r.text.count(message) == 1
    assert "No work after 22:00" in r.text
    assert "Night work near block 5" in r.text
    assert db.session.scalar(sa.select(sa.func.count(RiskFactor.id))) == 0
    # Without htmx the whole page comes back with the form open in the register.
    r = client.post(f"/projects/{project.id}/factors?lang=en", data=data)
    assert r.status_code == 200
    assert "<html" in r.text
    assert message in r.text
    assert "No work after 22:00" in r.text


def test_edit_factor_inline(client, world, login_as, make_project, make_factor):
    project = make_project()
    factor = make_factor(project, "P3", 1, 1)
    login_as(world.secretary_a)
    url = f"/projects/{project.id}/factors/{factor.id}"
    r = client.get(url + "/edit", htmx=True)
    assert root_ids(r.text) == [f"factor-{factor.id}"]
    assert "<form" in r.text
    r = client.get(url + "/edit")
    assert "<html" in r.text
    assert "<form" in r.text
    r = client.get(url, htmx=True)  # cancel
    assert root_ids(r.text) == [f"factor-{factor.id}"]
    assert "<form" not in r.text
    r = client.post(
        url,
        data={
            **FACTOR,
            "factor_code": "P7",
            "likelihood": "3",
            "impact": "3",
            "status": "mitigated",
        },
        htmx=True,
    )
    assert root_ids(r.text) == ["register"]
    db.session.expire_all()
    assert (factor.factor_code, factor.level, factor.status) == ("P3", "high", "mitigated")
    assert len(_audit("risk_factor_updated")) == 1
    r = client.post(url, data={**FACTOR, "likelihood": "4"}, htmx=True)
    assert root_ids(r.text) == [f"factor-{factor.id}"]
    assert 'aria-invalid="true"' in r.text
    r = client.post(url, data=FACTOR)
    assert r.status_code == 303


def test_an_overdue_factor_is_closed_with_its_review_date_as_it_stands(
    client, world, login_as, make_project, make_factor
):
    """A review date gone by is refused for a new factor, not for one on the record: the
    secretary closing an overdue factor is not made to invent a new date."""
    project = make_project()
    factor = make_factor(project, "P3", 2, 2)
    factor.review_on = date.today() - timedelta(days=10)
    db.session.commit()
    login_as(world.secretary_a)
    data = {**FACTOR, "review_on": factor.review_on.isoformat(), "status": "closed"}
    r = client.post(f"/projects/{project.id}/factors/{factor.id}?lang=en", data=data, htmx=True)
    assert root_ids(r.text) == ["register"], r.text
    db.session.expire_all()
    assert factor.status == "closed"
    # Moved to another day gone by, it is refused as for a new factor.
    data["review_on"] = (date.today() - timedelta(days=3)).isoformat()
    r = client.post(f"/projects/{project.id}/factors/{factor.id}?lang=en", data=data, htmx=True)
    assert "This date has passed. Choose today or a later day." in r.text


def test_closing_the_only_high_factor_lowers_the_overall_level(
    client, world, login_as, make_project, make_factor
):
    project = make_project()
    high = make_factor(project, "P3", 3, 3)
    make_factor(project, "P7", 1, 2)
    login_as(world.secretary_a)
    r = client.post(
        f"/projects/{project.id}/factors/{high.id}",
        data={**FACTOR, "likelihood": "3", "impact": "3", "status": "closed"},
        htmx=True,
    )
    overall = r.text.split('class="overall"')[1].split("</p>")[0]
    assert "level-low" in overall
    db.session.expire_all()
    assert project.overall_level == "low"


# ---- concerns on the page ------------------------------------------------------------------


def test_factor_shows_concern_count_latest_and_flag(
    client, world, login_as, make_project, make_factor, make_concern
):
    from app.timeutil import local_today

    project = make_project()
    noise = make_factor(project, "P3")
    quiet = make_factor(project, "P7")
    today = local_today()
    for i in range(4):
        make_concern(project, noise, today - timedelta(days=i), f"noise report {i}")
    login_as(world.worker_a)
    r = client.get(f"/projects/{project.id}?lang=en")
    row = r.text.split(f'id="factor-{noise.id}"')[1].split("</tbody>")[0]
    assert f'id="factor-{noise.id}-concerns">4<' in row
    assert "Flagged for review" in row
    assert "noise report 0" in row
    assert "noise report 2" in row
    assert "noise report 3" not in row  # only the latest three
    quiet_row = r.text.split(f'id="factor-{quiet.id}"')[1].split("</tbody>")[0]
    assert f'id="factor-{quiet.id}-concerns">0<' in quiet_row
    assert "Flagged" not in quiet_row


def test_register_fragment_follows_new_visits(
    client, world, login_as, make_project, make_factor, make_concern
):
    project = make_project()
    noise = make_factor(project, "P3")
    login_as(world.worker_a)
    page = client.get(f"/projects/{project.id}").text
    assert 'hx-trigger="visit-saved from:body"' in page
    make_concern(project, noise)
    r = client.get(f"/projects/{project.id}/register", htmx=True)
    assert r.status_code == 200
    assert root_ids(r.text) == ["register"]
    assert f'id="factor-{noise.id}-concerns">1<' in r.text
    assert "HX-Request" in r.headers["Vary"]
    assert "<html" in client.get(f"/projects/{project.id}/register").text
    login_as(world.worker_b)
    assert client.get(f"/projects/{project.id}/register", htmx=True).status_code == 404


# ---- assessment and decision ---------------------------------------------------------------


def test_assessment_saved_both_ways(client, world, login_as, make_project):
    project = make_project()
    login_as(world.secretary_a)
    data = {
        "legality_finding": "met",
        "legality_note": "Permit 2026-17",
        "safety_environment_finding": "partly_met",
        "safety_environment_note": "Dust",
    }
    r = client.post(f"/projects/{project.id}/assessment", data=data, htmx=True)
    assert r.status_code == 200
    assert root_ids(r.text) == ["assessment"]
    assert "assessment-saved" in r.headers["HX-Trigger"]
    rows = {a.dimension: a for a in db.session.scalars(sa.select(Assessment))}
    assert len(rows) == 5
    assert (rows["legality"].finding, rows["legality"].note) == ("met", "Permit 2026-17")
    assert rows["feasibility"].finding == ""
    data["legality_finding"] = "not_met"
    r = client.post(f"/projects/{project.id}/assessment", data=data)
    assert r.status_code == 303
    assert r.headers["Location"].endswith("#assessment")
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Assessment.id))) == 5
    assert rows["legality"].finding == "not_met"
    login_as(world.worker_a)
    page = client.get(f"/projects/{project.id}?lang=en").text
    assert "Not met" in page
    assert "Permit 2026-17" in page


def test_bad_assessment_keeps_notes(client, world, login_as, make_project):
    project = make_project()
    login_as(world.secretary_a)
    data = {"legality_finding": "maybe", "legality_note": "Waiting for the permit"}
    r = client.post(f"/projects/{project.id}/assessment?lang=en", data=data, htmx=True)
    assert root_ids(r.text) == ["assessment"]
    assert "Not a valid choice." in r.text
    assert "Waiting for the permit" in r.text
    assert db.session.scalar(sa.select(sa.func.count(Assessment.id))) == 0


def test_decision_recorded_with_date(client, world, login_as, make_project):
    project = make_project()
    login_as(world.secretary_a)
    r = client.post(
        f"/projects/{project.id}/decision?lang=en",
        data={"decision": "proceed_with_mitigations"},
        htmx=True,
    )
    assert root_ids(r.text) == ["decision"]
    assert "Give the date of the decision." in r.text
    # Not yet taken: refused, the choice kept on the form, nothing saved.
    tomorrow = local_today() + timedelta(days=1)
    r = client.post(
        f"/projects/{project.id}/decision?lang=en",
        data={"decision": "proceed_with_mitigations", "decided_on": tomorrow.isoformat()},
        htmx=True,
    )
    assert root_ids(r.text) == ["decision"]
    assert "This date is in the future." in r.text
    assert '<option selected value="proceed_with_mitigations">' in r.text
    db.session.expire_all()
    assert (project.decision, project.decided_on) == (None, None)
    r = client.post(
        f"/projects/{project.id}/decision?lang=en",
        data={"decision": "proceed_with_mitigations", "decided_on": "2026-02-20"},
        htmx=True,
    )
    assert root_ids(r.text) == ["decision"]
    assert "Proceed with mitigations" in r.text
    db.session.expire_all()
    assert (project.decision, project.decided_on) == ("proceed_with_mitigations", date(2026, 2, 20))
    assert len(_audit("decision_recorded")) == 1
    r = client.post(
        f"/projects/{project.id}/decision",
        data={"decision": "postpone", "decided_on": "2026-02-21"},
    )
    assert r.status_code == 303


def test_project_page_queries_do_not_grow_with_rows(
    client,
    world,
    login_as,
    make_project,
    make_factor,
    make_concern,
    make_visit,
    make_hazard,
    count_queries,
):
    def page_queries(project):
        with count_queries() as n:
            assert client.get(f"/projects/{project.id}").status_code == 200
        return n.count

    login_as(world.worker_a)
    small, big = make_project(name="Small"), make_project(name="Big")
    for project, codes in ((small, ["P1"]), (big, ["P1", "P2", "P3", "P5", "P6", "P7"])):
        for code in codes:
            factor = make_factor(project, code)
            make_concern(project, factor)
            make_hazard(visit=make_visit(project=project, purpose="project"))
    page_queries(small)  # warm up: the session and reference rows
    assert page_queries(big) == page_queries(small)


def test_township_sees_the_register_as_structure_never_free_text(
    client, world, login_as, make_project, make_factor
):
    from app.models import Assessment

    project = make_project()
    factor = make_factor(
        project,
        "P1",
        3,
        2,
        description="3号楼张三家拒绝签约",
        mitigation="请街道出面与张三家协商",
        owner="李主任",
    )
    db.session.add(
        Assessment(project_id=project.id, dimension="legality", finding="met", note="张三情绪激动")
    )
    db.session.commit()
    login_as(world.township_user)
    page = client.get(f"/projects/{project.id}?lang=en").text
    for text in ("张三", "李主任", "协商"):
        assert text not in page
    # Structure stays: the factor, likelihood x impact, its level.
    assert f'id="factor-{factor.id}"' in page
    assert "3×2" in page
    assert "level-high" in page
    login_as(world.secretary_a)
    page = client.get(f"/projects/{project.id}?lang=en").text
    for text in ("3号楼张三家拒绝签约", "请街道出面与张三家协商", "李主任", "张三情绪激动"):
        assert text in page
    # The description is read across the row's width, not in the factor's narrow cell.
    detail = re.search(
        rf'id="factor-{factor.id}".*?<tr class="factor-detail">(.*?)</tr>', page, re.S
    )
    assert '<p class="factor-description">3号楼张三家拒绝签约</p>' in detail.group(1)


def test_an_approved_day_says_so_beside_a_projects_log_a_visit(
    client, world, login_as, make_project, make_daily_log
):
    project = make_project()
    login_as(world.worker_a)
    note = "is already approved: a visit on that day is refused until"
    page = client.get(f"/projects/{project.id}?lang=en").text
    assert note not in page
    make_daily_log(status="approved")
    page = client.get(f"/projects/{project.id}?lang=en").text
    assert note in page
    assert f'hx-get="/visits/new?project={project.id}"' in page  # the button stays
