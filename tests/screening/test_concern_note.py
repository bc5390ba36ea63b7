"""A welfare item marked "needs attention" says what (walk: 需关注 could be finished with
nothing said of it): a few words on the item, or a referral whose note tells the service.
Finishing asks for one or the other, and an outbox finish is refused with the reason."""

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Answer, AuditEvent, ChecklistItem, ChecklistTemplate, Screening
from app.outbox.replay import REPLAY_HEADER
from app.timeutil import local_today


def _item(code):
    return db.session.scalar(sa.select(ChecklistItem).where(ChecklistItem.code == code))


@pytest.fixture
def welfare(client, world, login_as, make_resident, make_visit):
    login_as(world.worker_a)
    visit = make_visit(resident=make_resident(name="孙桂兰"), purpose="elderly_care")
    tpl = db.session.scalar(sa.select(ChecklistTemplate).where(ChecklistTemplate.code == "elderly"))
    data = {"visit_id": visit.id, "template_id": tpl.id, "client_uuid": str(uuid.uuid4())}
    assert client.post("/screening", data=data).status_code == 303
    return db.session.scalar(sa.select(Screening))


def _concern(client, screening, code, **extra):
    item = _item(code)
    return client.post(
        f"/screening/{screening.id}/items/{item.id}", data={"value": "concern", **extra}, htmx=True
    )


def _w14(model=Answer):
    """W14's answer (or a column of it): the rest are answered "not applicable" on finishing."""
    return db.session.scalar(
        sa.select(model)
        .join(ChecklistItem, Answer.item_id == ChecklistItem.id)
        .where(ChecklistItem.code == "W14")
    )


def _finish(client, screening, **headers):
    return client.post(
        f"/screening/{screening.id}/finish", data={"remaining": "na"}, headers=headers
    )


def test_finishing_asks_what_needs_attention_until_it_is_said(client, welfare):
    resp = _concern(client, welfare, "W14")
    assert resp.status_code == 200
    assert "需关注的情况" in resp.text  # the item asks for it at once
    resp = _finish(client, welfare)
    assert resp.status_code == 200
    assert "1 项需关注的情况还没有说明。" in resp.text
    assert "W14" in resp.text.split('id="finish-unexplained"', 1)[1]
    db.session.refresh(welfare)
    assert welfare.completed_at is None

    # Left empty, it is refused beside the field; nothing changes.
    resp = _concern(client, welfare, "W14", note="  ")
    assert resp.status_code == 422
    assert "请说明需关注的情况。" in resp.text
    assert _w14(Answer.note) == ""
    item = _item("W14")
    plain = client.post(
        f"/screening/{welfare.id}/items/{item.id}", data={"value": "concern", "note": ""}
    )
    assert plain.status_code == 422  # without script: the page, the message beside the field
    assert f'id="concern-note-{item.id}-error"' in plain.text

    resp = _concern(client, welfare, "W14", note="  近一周没出门，冰箱里没有菜  ")
    assert resp.status_code == 200
    assert "近一周没出门，冰箱里没有菜</textarea>" in resp.text
    answer = _w14()
    assert (answer.value, answer.note) == ("concern", "近一周没出门，冰箱里没有菜")
    noted = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "answer_noted")
    ).all()
    assert [e.object_id for e in noted] == [str(answer.id)]
    # A tap on the buttons again leaves what was said; a change of answer clears it.
    _concern(client, welfare, "W14")
    assert _w14(Answer.note) == "近一周没出门，冰箱里没有菜"

    assert _finish(client, welfare).status_code == 303
    db.session.refresh(welfare)
    assert welfare.completed_at is not None


def test_a_referral_says_what_for_the_item_it_was_raised_from(client, welfare):
    _concern(client, welfare, "W14")
    answer = _w14()
    resp = client.post(
        "/referrals",
        data={
            "visit_id": welfare.visit_id,
            "answer_id": answer.id,
            "service_code": "health_station",
            "note": "血压偏高，请家庭医生上门",
            "follow_up_on": (local_today() + timedelta(days=7)).isoformat(),
            "client_uuid": str(uuid.uuid4()),
        },
    )
    assert resp.status_code == 303
    assert _finish(client, welfare).status_code == 303


def test_an_answer_changed_from_needs_attention_drops_its_note(client, welfare):
    _concern(client, welfare, "W14", note="行动不便")
    item = _item("W14")
    client.post(f"/screening/{welfare.id}/items/{item.id}", data={"value": "ok"}, htmx=True)
    assert _w14(Answer.note) == ""
    assert _finish(client, welfare).status_code == 303


def test_a_finish_from_the_outbox_is_refused_with_the_reason(client, welfare):
    _concern(client, welfare, "W14")
    resp = _finish(client, welfare, **{REPLAY_HEADER: "1"})
    assert resp.status_code == 422
    assert "1 项需关注的情况还没有说明。" in resp.json["reason"]


def test_a_marked_item_shows_one_text_box_and_the_referral_behind_its_button(client, welfare):
    """The walk: under 需关注 the item's note box and the referral form's note box were both
    open, and the worker could not tell which one the item needed."""
    html = _concern(client, welfare, "W14").text
    item = _item("W14")
    box = html.split(f'id="item-{item.id}"', 1)[1]
    raise_form = box.split('class="referral-raise"', 1)
    assert f'id="concern-note-{item.id}"' in raise_form[0]
    assert raise_form[1].startswith(">")  # the referral's <details> is closed
    assert 'name="note"' in raise_form[1]  # and still there, one tap away

    # A refused referral opens it again, with the reason beside what was typed.
    answer = _w14()
    resp = client.post(
        "/referrals",
        data={
            "visit_id": welfare.visit_id,
            "answer_id": answer.id,
            "service_code": "",
            "note": "需要助餐",
            "client_uuid": str(uuid.uuid4()),
        },
        htmx=True,
    )
    assert 'class="referral-raise" open>' in resp.text
    assert "需要助餐" in resp.text
