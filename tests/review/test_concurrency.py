"""Two approvals of one day at the same moment: one wins, one is refused, one audit entry."""

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from app.accounts.services import start_session
from app.extensions import db
from app.models import AuditEvent, DailyLog
from app.refusals import Conflict
from app.review import services
from tests.conftest import GridbookClient


def _approvals() -> int:
    return db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "daylog_approved")
    )


@pytest.fixture
def submitted(make_visit, make_resident):
    log = make_visit(resident=make_resident()).daily_log
    log.status = "submitted"
    db.session.commit()
    return log


def test_a_stale_read_cannot_approve_again(app, world, submitted):
    """The second approver read 'submitted' before the first committed: the UPDATE decides."""
    with app.test_request_context():
        log = db.session.get(DailyLog, submitted.id)
        services.approve(log, world.secretary_a)
        db.session.commit()
        # The other request's copy of the row, read before that commit.
        stale = db.session.get(DailyLog, submitted.id)
        set_committed_value(stale, "status", "submitted")
        with pytest.raises(Conflict):
            services.approve(stale, world.secretary_a)
        db.session.rollback()
    assert _approvals() == 1


def _client(app, user) -> GridbookClient:
    app.test_client_class = GridbookClient
    c = app.test_client()
    token = start_session(user)
    db.session.commit()
    with c.session_transaction() as sess:
        sess["_user_id"] = token
        sess["_fresh"] = True
    c.csrf_token()
    return c


def test_two_concurrent_approvals(app, world, submitted):
    clients = [_client(app, world.secretary_a) for _ in range(2)]
    url = f"/review/days/{submitted.id}/approve"
    db.session.commit()
    barrier = threading.Barrier(2)
    codes: list[int] = []

    errors: list[BaseException] = []

    def approve(c):
        barrier.wait()
        try:
            codes.append(c.post(url, data={}).status_code)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=approve, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    db.session.expire_all()
    assert errors == []
    assert sorted(codes) == [303, 409]
    assert db.session.get(DailyLog, submitted.id).status == "approved"
    assert _approvals() == 1
