import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from app.extensions import db
from app.models import AuditEvent, Concern
from app.projects.concerns import is_rising
from app.projects.queries import concern_factor_choices, concerns_30d_by_project
from app.projects.services import concern_stats, record_concern
from app.refusals import Invalid
from app.timeutil import local_today


@pytest.mark.parametrize(
    ("recent", "previous", "flagged"),
    [
        (0, 0, False),
        (1, 0, False),  # one concern is not yet a trend
        (2, 0, True),
        (2, 1, True),
        (2, 2, False),  # steady, not rising
        (3, 5, False),  # falling
        (6, 5, True),
    ],
)
def test_rising_rule(recent, previous, flagged):
    assert is_rising(recent, previous) is flagged


def test_stats_count_the_last_30_days_and_show_the_latest_three(
    make_project, make_factor, make_concern
):
    today = local_today()
    project = make_project()
    noise = make_factor(project, "P3")
    dust = make_factor(project, "P7")
    for days_ago in (0, 1, 5, 29):
        make_concern(project, noise, today - timedelta(days=days_ago), f"noise {days_ago}")
    make_concern(project, noise, today - timedelta(days=30), "too old to count")
    make_concern(project, dust, today - timedelta(days=40), "old dust")
    make_concern(project, None, today, "unlinked")

    stats = concern_stats(project)

    assert stats[noise.id].count_30d == 4
    assert [c.summary for c in stats[noise.id].latest] == ["noise 0", "noise 1", "noise 5"]
    assert stats[dust.id].count_30d == 0
    assert [c.summary for c in stats[dust.id].latest] == ["old dust"]
    assert stats[None].count_30d == 1


def test_stats_flag_a_factor_with_rising_concerns(make_project, make_factor, make_concern):
    today = local_today()
    project = make_project()
    rising = make_factor(project, "P3")
    steady = make_factor(project, "P6")
    for days_ago in (0, 3, 13):  # 3 in the recent fortnight
        make_concern(project, rising, today - timedelta(days=days_ago))
    make_concern(project, rising, today - timedelta(days=20))  # 1 in the fortnight before
    for days_ago in (2, 10, 15, 27):  # 2 and 2
        make_concern(project, steady, today - timedelta(days=days_ago))

    stats = concern_stats(project)

    assert stats[rising.id].flagged is True
    assert stats[steady.id].flagged is False
    assert stats[steady.id].count_30d == 4


def test_stats_do_not_mix_projects(make_project, make_factor, make_concern, world):
    mine, other = make_project(), make_project(world.cb, name="Other works")
    factor = make_factor(mine, "P3")
    make_concern(other, make_factor(other, "P3"))
    make_concern(mine, factor)
    assert set(concern_stats(mine)) == {factor.id}
    assert concerns_30d_by_project([mine.id, other.id]) == {mine.id: 1, other.id: 1}


def test_stats_take_two_queries_however_many_factors(
    make_project, make_factor, make_concern, count_queries
):
    project = make_project()
    for code in ("P1", "P2", "P3", "P5", "P6", "P7"):
        factor = make_factor(project, code)
        make_concern(project, factor)
        make_concern(project, factor)
    db.session.refresh(project)  # the page has the project loaded already
    with count_queries() as n:
        stats = concern_stats(project)
        assert all(len(s.latest) == 2 for s in stats.values())
    assert n.count == 2


def test_record_concern_links_to_a_factor_of_the_visited_project(
    make_project, make_factor, make_visit
):
    project = make_project()
    noise = make_factor(project, "P3")
    visit = make_visit(project=project, purpose="project")

    concern = record_concern(visit, noise.id, "  Night-time noise after 22:00  ")
    db.session.commit()

    assert concern.project_id == project.id
    assert concern.risk_factor_id == noise.id
    assert concern.visit_id == visit.id
    assert concern.summary == "Night-time noise after 22:00"
    assert concern.raised_on == visit.visited_on
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "concern_recorded"))
    assert event.object_id == str(concern.id)
    assert "noise" not in event.detail.lower()
    assert json.loads(event.detail)["risk_factor_id"] == noise.id


def test_record_concern_without_a_factor(make_project, make_visit):
    project = make_project()
    visit = make_visit(project=project, purpose="project")
    concern = record_concern(visit, None, "Questions about compensation")
    assert concern.risk_factor_id is None


def test_record_concern_refuses_a_factor_of_another_project(
    make_project, make_factor, make_visit, world
):
    project = make_project()
    other_factor = make_factor(make_project(name="Elsewhere"), "P3")
    visit = make_visit(project=project, purpose="project")
    with force_locale("en"), pytest.raises(Invalid) as refused:
        record_concern(visit, other_factor.id, "noise")
    assert refused.value.field == "concern_factor_id"
    with force_locale("en"), pytest.raises(Invalid) as refused:
        record_concern(visit, 999_999, "noise")
    assert refused.value.field == "concern_factor_id"
    assert db.session.scalar(sa.select(sa.func.count(Concern.id))) == 0


@pytest.mark.parametrize("summary", ["", "   "])
def test_record_concern_needs_a_summary(make_project, make_visit, summary):
    visit = make_visit(project=make_project(), purpose="project")
    with force_locale("en"), pytest.raises(Invalid) as refused:
        record_concern(visit, None, summary)
    assert refused.value.field == "concern_summary"


def test_record_concern_needs_a_project_visit(make_resident, make_visit):
    visit = make_visit(resident=make_resident())
    with force_locale("en"), pytest.raises(Invalid):
        record_concern(visit, None, "noise")


def test_factor_choices_for_the_visit_form(app, make_project, make_factor):
    project = make_project()
    noise = make_factor(project, "P3")
    make_factor(make_project(name="Elsewhere"), "P7")
    with app.test_request_context("/?lang=en"):
        assert concern_factor_choices(project) == [(noise.id, "P3 Construction noise; night work")]
