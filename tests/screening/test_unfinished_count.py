"""The one count of checklists not finished, per visit (Today's rows) and per day (the review
queue, Today's status): a finished checklist and another day's are left out."""

import uuid
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import ChecklistTemplate, DailyLog, Screening, Visit
from app.screening.queries import unfinished_count
from app.timeutil import local_today, utcnow


def test_unfinished_checklists_counted_per_visit_and_per_day(make_resident, make_visit):
    template = db.session.scalars(sa.select(ChecklistTemplate.id).order_by(ChecklistTemplate.id))
    template_id = template.first()
    today = local_today()
    two_open = make_visit(resident=make_resident(name="李奶奶"))
    one_open = make_visit(resident=make_resident(name="王五"))
    yesterday = make_visit(resident=make_resident(name="赵六"), day=today - timedelta(1))
    none_open = make_visit(resident=make_resident(name="钱七"))
    for visit, done in [
        (two_open, None),
        (two_open, None),
        (two_open, utcnow()),
        (one_open, None),
        (yesterday, None),
        (none_open, utcnow()),
    ]:
        db.session.add(
            Screening(
                uuid=str(uuid.uuid4()),
                visit_id=visit.id,
                template_id=template_id,
                completed_at=done,
            )
        )
    db.session.commit()

    per_visit = dict(db.session.execute(sa.select(Visit.id, unfinished_count(Visit))).all())
    assert per_visit == {two_open.id: 2, one_open.id: 1, yesterday.id: 1, none_open.id: 0}
    per_day = dict(db.session.execute(sa.select(DailyLog.day, unfinished_count(DailyLog))).all())
    assert per_day == {today: 3, today - timedelta(1): 1}
