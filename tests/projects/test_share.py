"""Issue 14 item 5: the township reads a secretary's text on a project only when she shares it,
and the page says which texts are shared."""

import json
from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.models import Assessment, AuditEvent, RiskFactor

SHARED = "Shared with the township"
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


def _page(client, project):
    return client.get(f"/projects/{project.id}?lang=en").text


def test_a_shared_factor_shows_its_text_to_the_township_and_says_so(
    client, world, login_as, make_project
):
    project = make_project()
    login_as(world.secretary_a)
    assert client.post(f"/projects/{project.id}/factors", data=FACTOR).status_code == 303
    factor = db.session.scalar(sa.select(RiskFactor))
    assert factor.text_shared is False
    login_as(world.township_user)
    page = _page(client, project)
    assert "Night work near block 5" not in page
    assert SHARED not in page

    login_as(world.secretary_a)
    changed = {**FACTOR, "text_shared": "y"}
    r = client.post(f"/projects/{project.id}/factors/{factor.id}", data=changed)
    assert r.status_code == 303
    db.session.expire_all()
    assert db.session.get(RiskFactor, factor.id).text_shared is True
    detail = json.loads(
        db.session.scalars(
            sa.select(AuditEvent.detail)
            .where(AuditEvent.action == "risk_factor_updated")
            .order_by(AuditEvent.id.desc())
        ).first()
    )
    assert detail["text_shared"] is True
    assert SHARED in _page(client, project)  # the secretary sees what she shared

    login_as(world.township_user)
    page = _page(client, project)
    assert "Night work near block 5" in page
    assert "No work after 22:00" in page
    assert SHARED in page
    assert "Site manager Li" not in page  # a person's name is never shared

    login_as(world.secretary_a)
    client.post(f"/projects/{project.id}/factors/{factor.id}", data=FACTOR)  # unticked
    login_as(world.township_user)
    page = _page(client, project)
    assert "Night work near block 5" not in page
    assert SHARED not in page


def test_the_share_box_is_on_the_factor_form_ticked_as_stored(
    client, world, login_as, make_project, make_factor
):
    project = make_project()
    factor = make_factor(project, description="Dust", text_shared=True)
    login_as(world.secretary_a)
    form = client.get(f"/projects/{project.id}/factors/{factor.id}/edit?lang=en").text
    assert "Share the description and mitigation with the township" in form
    assert 'name="text_shared" type="checkbox" value="y" checked' in form or (
        'checked id="text_shared"' in form
    )


def test_assessment_notes_are_shared_one_by_one(client, world, login_as, make_project):
    project = make_project()
    login_as(world.secretary_a)
    data = {
        "legality_finding": "met",
        "legality_note": "Permit 2026-17 on file",
        "legality_shared": "y",
        "safety_environment_finding": "partly_met",
        "safety_environment_note": "Zhang San upset about dust",
    }
    assert client.post(f"/projects/{project.id}/assessment", data=data).status_code == 303
    rows = {a.dimension: a for a in db.session.scalars(sa.select(Assessment))}
    assert rows["legality"].note_shared is True
    assert rows["safety_environment"].note_shared is False
    login_as(world.township_user)
    page = _page(client, project)
    assert "Permit 2026-17 on file" in page
    assert page.count(SHARED) == 1
    assert "Zhang San" not in page


def test_the_mark_reads_in_chinese(client, world, login_as, make_project, make_factor):
    project = make_project()
    make_factor(project, description="夜间施工", text_shared=True)
    login_as(world.township_user)
    page = client.get(f"/projects/{project.id}?lang=zh").text
    assert "夜间施工" in page
    assert "已与街道共享" in page
