"""Hazards reported (上报) to a department: the worker's clock measures the report, the
secretary records the department's progress, verification still closes it."""

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, Hazard
from app.timeutil import local_today
from tests.conftest import fragment_root_ids as root_ids
from tests.dates import Days

EN = {"Accept-Language": "en"}


def hz(h) -> Hazard:
    db.session.expire_all()
    return db.session.get(Hazard, h.id)


@pytest.fixture
def late_hazard(make_hazard, make_resident, make_visit):
    """An S1 found three days ago, due the same day: overdue, beyond the worker's power."""
    day = local_today() - timedelta(days=3)
    visit = make_visit(resident=make_resident(), day=day)
    return make_hazard(visit=visit, severity="S1", due_on=day)


def _report(client, hazard, on=None, htmx=True, **over):
    data = {
        "department": "gas_company",
        "reported_on": (on or hazard.found_on).isoformat(),
        "note": "电话报燃气公司抢修",
    }
    data.update(over)
    return client.post(f"/hazards/{hazard.id}/report", data=data, htmx=htmx, headers=EN)


def test_report_in_time_stops_the_workers_clock(client, world, login_as, late_hazard):
    from app.review.badges import badge_counts

    login_as(world.worker_a)
    board = client.get("/hazards?status=overdue", headers=EN)
    assert f'id="hazard-row-{late_hazard.id}"' in board.text
    resp = _report(client, late_hazard)
    assert resp.status_code == 200
    assert root_ids(resp.text)[0] == f"hazard-card-{late_hazard.id}"
    assert "Gas company" in resp.text
    assert "reported in time" in resp.text
    h = hz(late_hazard)
    assert (h.reported_on, h.department_code, h.department_progress, h.status) == (
        late_hazard.found_on,
        "gas_company",
        "reported",
        "open",
    )
    assert h.reported_by_id == world.worker_a.id
    assert not h.is_overdue(local_today())
    # Not overdue anywhere: the board's filter, Today and the badges use the one rule.
    board = client.get("/hazards?status=overdue", headers=EN)
    assert f'id="hazard-row-{late_hazard.id}"' not in board.text
    reported = client.get("/hazards?status=reported", headers=EN)
    assert f'id="hazard-row-{late_hazard.id}"' in reported.text
    today = client.get("/today", headers=EN)
    assert f"/hazards/{late_hazard.id}" not in today.text
    assert badge_counts(world.worker_a)["hazards"] == 0
    audit = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "hazard_reported"))
    detail = json.loads(audit.detail) if isinstance(audit.detail, str) else audit.detail
    assert detail["department"] == "gas_company"
    assert detail["late_days"] == 0


def test_late_report_says_how_late(client, world, login_as, late_hazard):
    login_as(world.worker_a)
    resp = _report(client, late_hazard, on=local_today())
    assert "reported 3 days late" in resp.text
    assert hz(late_hazard).report_days_late() == 3


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"department": ""}, "Choose the department from the list."),
        ({"department": "nope"}, "Not a valid choice"),
        ({"reported_on": ""}, "Enter the day it was reported."),
        ({"reported_on": Days(+1).iso}, "in the future."),
        ({"reported_on": "2999-01-01"}, "This date is too far ahead. Check the year."),
        ({"reported_on": "2020-01-01"}, "too far in the past"),
    ],
)
def test_bad_report_is_refused_keeping_the_note(
    client, world, login_as, late_hazard, over, message
):
    login_as(world.worker_a)
    resp = _report(client, late_hazard, **over)
    assert resp.status_code == 200
    assert message in resp.text
    assert "电话报燃气公司抢修" in resp.text
    assert hz(late_hazard).reported_on is None


def test_report_before_it_was_found_is_refused(client, world, login_as, late_hazard):
    login_as(world.worker_a)
    resp = _report(client, late_hazard, on=late_hazard.found_on - timedelta(days=1))
    assert "cannot be reported before it was found" in resp.text
    assert hz(late_hazard).reported_on is None


def test_second_report_is_a_conflict(client, world, login_as, late_hazard):
    login_as(world.worker_a)
    _report(client, late_hazard)
    resp = _report(client, late_hazard, department="housing")
    assert "already reported" in resp.text
    assert hz(late_hazard).department_code == "gas_company"


def test_secretary_tracks_department_progress_and_verification_still_closes(
    client, world, login_as, late_hazard, make_photo
):
    login_as(world.worker_a)
    _report(client, late_hazard)
    # The worker does not record the department's progress.
    resp = client.post(
        f"/hazards/{late_hazard.id}/department", data={"progress": "handled", "note": "x"}
    )
    assert resp.status_code == 404
    login_as(world.secretary_b)
    resp = client.post(
        f"/hazards/{late_hazard.id}/department", data={"progress": "handled", "note": "x"}
    )
    assert resp.status_code == 404
    login_as(world.secretary_a)
    resp = client.post(
        f"/hazards/{late_hazard.id}/department",
        data={"progress": "in_hand", "note": "燃气公司已派人"},
        htmx=True,
        headers=EN,
    )
    assert resp.status_code == 200
    assert "Department is handling it" in resp.text
    h = hz(late_hazard)
    assert (h.department_progress, h.department_note, h.status) == (
        "in_hand",
        "燃气公司已派人",
        "open",
    )
    # The department fixed it: the worker photographs and marks it rectified; the
    # secretary verifies, which still closes it.
    login_as(world.worker_a)
    make_photo(hazard=late_hazard, rectification=True)
    client.post(f"/hazards/{late_hazard.id}/rectify", data={"note": "燃气公司已更换管道"})
    assert hz(late_hazard).status == "rectified"
    login_as(world.secretary_a)
    client.post(f"/hazards/{late_hazard.id}/verify", data={})
    assert hz(late_hazard).status == "verified"


def test_department_progress_on_an_unreported_hazard_is_refused(
    client, world, login_as, late_hazard
):
    login_as(world.secretary_a)
    resp = client.post(
        f"/hazards/{late_hazard.id}/department",
        data={"progress": "in_hand", "note": ""},
        htmx=True,
        headers=EN,
    )
    assert "has not been reported" in resp.text
    assert hz(late_hazard).department_progress is None


def test_tallies_overdue_column_uses_the_same_rule(world, late_hazard):
    from app.tallies.queries import filters_for, hazard_atoms, user_scope

    user = world.secretary_a
    f = filters_for(user, user_scope(user), local_today() - timedelta(days=10), local_today())
    overdue = {k[-1] for k in hazard_atoms(f, local_today())}
    assert overdue == {1}
    late_hazard.reported_on = late_hazard.found_on
    late_hazard.department_code = "gas_company"
    db.session.commit()
    overdue = {k[-1] for k in hazard_atoms(f, local_today())}
    assert overdue == {0}


def test_card_offers_report_in_chinese(client, world, login_as, late_hazard):
    login_as(world.worker_a)
    page = client.get(f"/hazards/{late_hazard.id}")
    assert "上报部门" in page.text
    assert "燃气公司" in page.text


def _report_heading(page: str, hazard_id: int) -> str:
    section = page.split(f'id="hazard-report-{hazard_id}"', 1)[1]
    return section.split("<h2>", 1)[1].split("</h2>", 1)[0].strip()


@pytest.mark.parametrize(
    ("headers", "before", "after"),
    [
        ({}, "上报部门", "已上报部门"),
        (EN, "Report to a department", "Reported to a department"),
    ],
)
def test_the_report_heading_says_reported_only_once_it_is(
    client, world, login_as, late_hazard, headers, before, after
):
    """Walk: "已上报部门" headed every open hazard never reported."""
    login_as(world.worker_a)
    page = client.get(f"/hazards/{late_hazard.id}", headers=headers).text
    assert _report_heading(page, late_hazard.id) == before
    assert _report(client, late_hazard).status_code == 200
    page = client.get(f"/hazards/{late_hazard.id}", headers=headers).text
    assert _report_heading(page, late_hazard.id) == after


def test_the_report_heading_of_a_hazard_never_reported_and_closed(
    client, world, login_as, late_hazard
):
    """Rectified without a report, the section says so under a heading that claims nothing."""
    late_hazard.status = "rectified"
    late_hazard.rectified_on = local_today()
    db.session.commit()
    login_as(world.worker_a)
    page = client.get(f"/hazards/{late_hazard.id}", headers=EN).text
    assert _report_heading(page, late_hazard.id) == "Report to a department"
    assert "Not reported to a department." in page
