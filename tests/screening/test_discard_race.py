"""A checklist discarded while something is saved to it (an answer, a hazard, "all remaining",
finish): whichever comes first, the other is told so in the worker's language, on the page,
in its toast and in the outbox's replay, never with a 500 (a foreign key error on PostgreSQL,
where the answer was written under a checklist just deleted).

The lock tests run on PostgreSQL (TEST_DATABASE_URL): a session of the test's own holds the
discard (or the answer) uncommitted while the request waits for it. On SQLite a writing
request's transaction (BEGIN IMMEDIATE) already serialises the two, so there a save comes
either before the discard or after it, as in the tests that need no lock.
"""

import html
import json
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Answer, AuditEvent, ChecklistTemplate, Screening
from tests.conftest import PG_URL
from tests.locks import request_waits_for_first
from tests.outbox_fixtures import REPLAY

DISCARDED_ZH = (
    "这份检查表已经放弃了，这一项没有保存。如果这次走访还需要检查，请在走访页面重新开始一份。"
)
DISCARDED_EN = (
    "This checklist was discarded, so this was not saved to it. If the visit needs a "
    "checklist, start a new one on the visit."
)
ANSWERED_ZH = "这份检查表已保存了答案，不能放弃。请把它完成：不适用的项目可以标为“不适用”。"

# Each save to a checklist: the address after /screening/<id or u/uuid>/, and its form.
SAVES = {
    "answer": ("items/{item}", {"value": "ok"}),
    "hazard": ("items/{item}/hazard", {"note": "插线板私拉到楼道", "severity": "S2"}),
    "remaining": ("remaining", {"value": "ok"}),
    "finish": ("finish", {"remaining": "na"}),
}

pg_only = pytest.mark.skipif(not PG_URL, reason="SQLite has one writer at a time")


@pytest.fixture
def empty(client, world, login_as, make_resident, make_visit):
    """worker_a's fire checklist on a visit, started with nothing checked."""
    login_as(world.worker_a)
    visit = make_visit(resident=make_resident(name="杨国华"), purpose="screening")
    template = db.session.scalar(
        sa.select(ChecklistTemplate).where(ChecklistTemplate.code == "fire")
    )
    resp = client.post(
        "/screening",
        data={"visit_id": visit.id, "template_id": template.id, "client_uuid": str(uuid.uuid4())},
    )
    assert resp.status_code == 303
    return db.session.scalar(sa.select(Screening))


def _url(screening: Screening, save: str, by: str = "id") -> str:
    item = next(i for i in screening.template.items if not i.is_welfare)
    at = f"u/{screening.uuid}" if by == "uuid" else str(screening.id)
    return f"/screening/{at}/" + SAVES[save][0].format(item=item.id)


def _discard(client, screening: Screening):
    return client.post(
        f"/screening/{screening.id}/discard", data={"screening_uuid": screening.uuid}
    )


def _answers() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count(Answer.id)))


@pytest.mark.parametrize("by", ["id", "uuid"])
@pytest.mark.parametrize("save", SAVES)
def test_a_save_after_the_discard_is_told_the_checklist_was_discarded(client, empty, save, by):
    url, data = _url(empty, save, by), SAVES[save][1]
    assert _discard(client, empty).status_code == 303

    page = client.post(url, data=data)
    assert page.status_code == 409
    assert DISCARDED_ZH in html.unescape(page.text)

    fragment = client.post(url, data=data, htmx=True)
    assert fragment.status_code == 409
    toast = json.loads(fragment.headers["HX-Trigger"])["toast"]
    assert toast == {"message": DISCARDED_ZH, "level": "error"}

    replayed = client.post(url, data=data, headers=REPLAY)
    assert replayed.status_code == 409
    assert replayed.json == {"status": "refused", "reason": DISCARDED_ZH}

    assert _answers() == 0


def test_it_is_said_in_english_to_an_english_reader(client, empty):
    url = _url(empty, "answer")
    _discard(client, empty)
    replayed = client.post(url, data={"value": "ok"}, headers={**REPLAY, "Accept-Language": "en"})
    assert replayed.json == {"status": "refused", "reason": DISCARDED_EN}


def test_whoever_could_not_see_it_is_told_nothing_more_than_not_found(
    client, world, login_as, empty
):
    url = _url(empty, "answer", "uuid")
    _discard(client, empty)
    login_as(world.worker_b)
    assert client.post(url, data={"value": "ok"}).status_code == 404


def _held_discard(screening: Screening) -> Session:
    """A discard of the checklist under way in a session of its own: the checklist locked,
    deleted and its discard audited as services.discard does, not committed yet."""
    sid = screening.id
    detail = {"visit": screening.visit_id, "template": "fire", "uuid": screening.uuid}
    db.session.rollback()
    first = Session(db.engine)
    first.execute(sa.select(Screening.id).where(Screening.id == sid).with_for_update())
    first.add(
        AuditEvent(
            action="screening_discarded",
            object_type="screening",
            object_id=str(sid),
            detail=json.dumps(detail),
        )
    )
    first.execute(sa.delete(Screening).where(Screening.id == sid))
    return first


@pg_only
@pytest.mark.parametrize("replayed", [False, True], ids=["page", "outbox"])
@pytest.mark.parametrize("save", SAVES)
def test_a_save_that_waited_for_a_discard_is_told_so_not_500(client, empty, save, replayed):
    url, data = _url(empty, save), SAVES[save][1]
    first = _held_discard(empty)
    got = {}

    def send():
        got["resp"] = client.post(url, data=data, headers=REPLAY if replayed else {})

    request_waits_for_first(send, first.commit)
    first.close()
    resp = got["resp"]
    assert resp.status_code == 409, resp.text[:300]
    if replayed:
        assert resp.json == {"status": "refused", "reason": DISCARDED_ZH}
    else:
        assert DISCARDED_ZH in html.unescape(resp.text)
    assert _answers() == 0


@pg_only
def test_a_discard_that_waited_for_an_answer_is_refused_and_the_answer_kept(client, empty):
    sid, item, uuid_ = empty.id, empty.template.items[0].id, empty.uuid
    db.session.rollback()
    first = Session(db.engine)
    first.add(Answer(screening_id=sid, item_id=item, value="ok"))
    first.flush()
    got = {}

    def send():
        got["resp"] = client.post(f"/screening/{sid}/discard", data={"screening_uuid": uuid_})

    request_waits_for_first(send, first.commit)
    first.close()
    assert got["resp"].status_code == 409
    assert ANSWERED_ZH in html.unescape(got["resp"].text)
    assert db.session.scalar(sa.select(Screening.uuid).where(Screening.id == sid)) == uuid_
    assert _answers() == 1


@pg_only
def test_a_discard_that_waited_for_another_discard_says_it_is_discarded(client, empty):
    sid, visit = empty.id, empty.visit_id
    data = {"screening_uuid": empty.uuid}
    first = _held_discard(empty)
    got = {}

    def send():
        got["resp"] = client.post(f"/screening/{sid}/discard", data=data)

    request_waits_for_first(send, first.commit)
    first.close()
    assert got["resp"].status_code == 303
    assert got["resp"].headers["Location"] == f"/visits/{visit}"
    # The discard audited once: by the one that deleted it.
    discards = sa.select(AuditEvent.id).where(AuditEvent.action == "screening_discarded")
    assert len(db.session.scalars(discards).all()) == 1
