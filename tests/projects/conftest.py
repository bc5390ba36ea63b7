"""Factories for the projects tests: risk factors and concerns."""

import pytest

from app.extensions import db
from app.timeutil import local_today


@pytest.fixture
def make_factor(world):
    from app.models import RiskFactor

    def _make(project, code="P3", likelihood=2, impact=2, status="open", **kw):
        f = RiskFactor(
            project_id=project.id,
            factor_code=code,
            likelihood=likelihood,
            impact=impact,
            status=status,
            **kw,
        )
        db.session.add(f)
        db.session.commit()
        return f

    return _make


@pytest.fixture
def make_concern(world):
    from app.models import Concern

    def _make(project, factor=None, raised_on=None, summary="Night-time noise after 22:00"):
        c = Concern(
            project_id=project.id,
            risk_factor_id=factor.id if factor else None,
            summary=summary,
            raised_on=raised_on or local_today(),
        )
        db.session.add(c)
        db.session.commit()
        return c

    return _make
