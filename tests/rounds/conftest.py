"""What the rounds' tests share: the seeded cadences put back, and the due-date oracle."""

from collections import defaultdict
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import CareReason, Resident, Visit, resident_care_reasons


@pytest.fixture(autouse=True)
def seeded_cadences(app):
    """Reference tables outlive a test on PostgreSQL: put the seeded cadences back."""
    yield
    from app.seed import care_reason_cadences

    db.session.rollback()
    for code, every in care_reason_cadences().items():
        db.session.get(CareReason, code).visit_every_days = every
    db.session.commit()


def computed_due() -> dict:
    """Every resident's due date worked out in plain Python from the rows read back one by
    one: the last visit that met them (else the day they were added) plus their shortest
    cadence; None without one."""
    every = {c.code: c.visit_every_days for c in db.session.scalars(sa.select(CareReason))}
    cadences = defaultdict(list)
    for rid, code in db.session.execute(sa.select(resident_care_reasons)):
        if every[code] is not None:
            cadences[rid].append(every[code])
    last = {}
    for rid, day, outcome in db.session.execute(
        sa.select(Visit.resident_id, Visit.visited_on, Visit.outcome)
    ):
        if rid is not None and outcome != "not_home" and (rid not in last or day > last[rid]):
            last[rid] = day
    out = {}
    for rid, created in db.session.execute(sa.select(Resident.id, Resident.created_at)):
        start = last.get(rid, created.date())
        out[rid] = start + timedelta(days=min(cadences[rid])) if cadences[rid] else None
    return out


def stored_due() -> dict:
    return dict(db.session.execute(sa.select(Resident.id, Resident.next_visit_due_on)).all())
