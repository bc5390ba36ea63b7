"""The counts of checklists not finished, per visit (Today's rows) and per day (the review
queue, Today's status): a finished checklist and another day's are left out, and one started
with nothing checked is counted apart from one with answers (walk: a blank one read "not
finished" on Today and in the review)."""

import uuid
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import Answer, ChecklistTemplate, DailyLog, Screening, Visit
from app.screening.queries import unfinished_count
from app.timeutil import local_today, utcnow


def test_unfinished_checklists_counted_per_visit_and_per_day(make_resident, make_visit):
    template = db.session.scalars(sa.select(ChecklistTemplate).order_by(ChecklistTemplate.id))
    template = template.first()
    today = local_today()
    two_open = make_visit(resident=make_resident(name="李奶奶"))
    one_open = make_visit(resident=make_resident(name="王五"))
    yesterday = make_visit(resident=make_resident(name="赵六"), day=today - timedelta(1))
    none_open = make_visit(resident=make_resident(name="钱七"))
    # (visit, finished, answered): an answered one is work left half done, an empty one a tap.
    for visit, done, answered in [
        (two_open, None, True),
        (two_open, None, False),
        (two_open, None, True),
        (two_open, utcnow(), True),
        (one_open, None, False),
        (yesterday, None, True),
        (none_open, utcnow(), True),
    ]:
        s = Screening(
            uuid=str(uuid.uuid4()), visit_id=visit.id, template_id=template.id, completed_at=done
        )
        db.session.add(s)
        db.session.flush()
        if answered:
            db.session.add(Answer(screening_id=s.id, item_id=template.items[0].id, value="ok"))
    db.session.commit()

    def per(of, key, **kw):
        return dict(db.session.execute(sa.select(key, unfinished_count(of, **kw))).all())

    assert per(Visit, Visit.id) == {
        two_open.id: 2,
        one_open.id: 0,
        yesterday.id: 1,
        none_open.id: 0,
    }
    assert per(Visit, Visit.id, answered=False) == {
        two_open.id: 1,
        one_open.id: 1,
        yesterday.id: 0,
        none_open.id: 0,
    }
    assert per(DailyLog, DailyLog.day) == {today: 2, today - timedelta(1): 1}
    assert per(DailyLog, DailyLog.day, answered=False) == {today: 2, today - timedelta(1): 0}
