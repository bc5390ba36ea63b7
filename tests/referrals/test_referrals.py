"""Referrals (转介): raised from a welfare item or a visit, followed to done, never a hazard."""

import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Answer,
    AuditEvent,
    ChecklistItem,
    ChecklistTemplate,
    Hazard,
    Referral,
    Screening,
)
from app.timeutil import local_today
from tests.conftest import fragment_root_ids as root_ids

EN = {"Accept-Language": "en"}


def _item(code):
    return db.session.scalar(sa.select(ChecklistItem).where(ChecklistItem.code == code))


def audits(action):
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


@pytest.fixture
def visit(make_resident, make_visit):
    return make_visit(resident=make_resident(), purpose="elderly_care")


@pytest.fixture
def welfare_screening(client, world, login_as, visit):
    login_as(world.worker_a)
    tpl = db.session.scalar(sa.select(ChecklistTemplate).where(ChecklistTemplate.code == "elderly"))
    resp = client.post(
        "/screening",
        data={"visit_id": visit.id, "template_id": tpl.id, "client_uuid": str(uuid.uuid4())},
    )
    assert resp.status_code == 303
    return db.session.scalar(sa.select(Screening))


def _raise(client, visit, answer=None, htmx=False, **over):
    data = {
        "visit_id": visit.id,
        "answer_id": answer.id if answer else "",
        "service_code": "health_station",
        "note": "血压偏高，请家庭医生上门",
        "follow_up_on": (local_today() + timedelta(days=7)).isoformat(),
        "client_uuid": str(uuid.uuid4()),
    }
    data.update(over)
    return client.post("/referrals", data=data, htmx=htmx, headers=EN)


# ---- welfare items: a concern and a referral, never a hazard ---------------------------


def test_welfare_item_needing_attention_offers_a_referral_and_opens_no_hazard(
    client, welfare_screening
):
    w2 = _item("W2")
    page = client.get(f"/screening/{welfare_screening.id}", headers=EN)
    item_html = page.text.split(f'id="item-{w2.id}"')[1].split("</li>")[0]
    assert 'value="concern"' in item_html
    assert 'value="hazard"' not in item_html
    # An old page (or outbox entry) may still send "hazard" for it: the item decides.
    resp = client.post(
        f"/screening/{welfare_screening.id}/items/{w2.id}", data={"value": "hazard"}, htmx=True
    )
    assert resp.status_code == 200
    assert db.session.scalar(sa.select(Answer.value)) == "concern"
    assert db.session.scalar(sa.select(sa.func.count(Hazard.id))) == 0
    answer = db.session.scalar(sa.select(Answer))
    assert f'id="referrals-answer-{answer.id}"' in resp.text
    # The item's usual service is chosen already.
    assert '<option selected value="health_station">' in resp.text
    assert "Save hazard" not in resp.text


def test_safety_item_of_the_welfare_check_still_opens_a_hazard(client, welfare_screening):
    w6 = _item("W6")  # gas safety: a thing to fix
    client.post(
        f"/screening/{welfare_screening.id}/items/{w6.id}", data={"value": "hazard"}, htmx=True
    )
    client.post(
        f"/screening/{welfare_screening.id}/items/{w6.id}/hazard",
        data={"note": "燃气软管老化", "severity": w6.default_severity, "due_on": ""},
        htmx=True,
    )
    assert db.session.scalar(sa.select(Answer.value)) == "hazard"
    assert db.session.scalar(sa.select(sa.func.count(Hazard.id))) == 1


def test_referral_from_a_welfare_item_is_saved_once_and_audited(client, welfare_screening, visit):
    w14 = _item("W14")
    client.post(f"/screening/{welfare_screening.id}/items/{w14.id}", data={"value": "concern"})
    answer = db.session.scalar(sa.select(Answer))
    key = str(uuid.uuid4())
    resp = _raise(client, visit, answer, service_code="social_worker", client_uuid=key, htmx=True)
    assert resp.status_code == 200
    assert root_ids(resp.text) == [f"referrals-answer-{answer.id}"]
    assert "toast" in resp.headers["HX-Trigger"]
    assert resp.headers["Vary"] == "HX-Request" or "HX-Request" in resp.headers["Vary"]
    ref = db.session.scalar(sa.select(Referral))
    assert (ref.service_code, ref.status, ref.answer_id, ref.item_id) == (
        "social_worker",
        "referred",
        answer.id,
        w14.id,
    )
    assert ref.resident_id == visit.resident_id
    assert ref.grid_id == visit.grid_id
    # A double tap: the same key saves nothing more.
    again = _raise(client, visit, answer, service_code="social_worker", client_uuid=key)
    assert again.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count(Referral.id))) == 1
    assert len(audits("referral_raised")) == 1
    assert db.session.scalar(sa.select(sa.func.count(Hazard.id))) == 0


def test_any_visit_can_raise_a_referral_plain_post_redirects(client, world, login_as, visit):
    login_as(world.worker_a)
    page = client.get(f"/visits/{visit.id}", headers=EN)
    assert f'id="referrals-visit-{visit.id}"' in page.text
    resp = _raise(client, visit, service_code="civil_affairs")
    assert resp.status_code == 303
    ref = db.session.scalar(sa.select(Referral))
    assert resp.headers["Location"] == f"/referrals/{ref.id}"
    assert ref.answer_id is None
    shown = client.get(f"/referrals/{ref.id}", headers=EN)
    assert "Civil affairs" in shown.text
    assert "血压偏高" in shown.text


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"note": "  "}, "note", "Say what the person needs."),
        ({"service_code": ""}, "service_code", "Choose a service from the list."),
        ({"service_code": "nonsense"}, "service_code", "Not a valid choice"),
        ({"follow_up_on": "2020-01-01"}, "follow_up_on", "too far in the past"),
        ({"follow_up_on": "not a date"}, "follow_up_on", "Not a valid date value"),
    ],
)
def test_bad_input_keeps_what_was_typed_and_saves_nothing(
    client, world, login_as, visit, over, field, message
):
    login_as(world.worker_a)
    resp = _raise(client, visit, htmx=True, **over)
    assert resp.status_code == 200
    assert root_ids(resp.text) == [f"referrals-visit-{visit.id}"]
    assert message in resp.text
    if field != "note":
        assert "血压偏高" in resp.text  # the note typed is kept
    assert db.session.scalar(sa.select(sa.func.count(Referral.id))) == 0


def test_referral_on_an_answer_that_is_not_a_concern_is_refused(client, welfare_screening, visit):
    w2 = _item("W2")
    client.post(f"/screening/{welfare_screening.id}/items/{w2.id}", data={"value": "ok"})
    answer = db.session.scalar(sa.select(Answer))
    resp = _raise(client, visit, answer, htmx=True)
    assert "no longer marked as needing attention" in resp.text
    assert db.session.scalar(sa.select(sa.func.count(Referral.id))) == 0


# ---- the service's steps -------------------------------------------------------------


@pytest.fixture
def referral(client, world, login_as, visit):
    login_as(world.worker_a)
    _raise(client, visit)
    return db.session.scalar(sa.select(Referral))


def test_referred_then_accepted_then_done_each_audited(client, referral):
    later = local_today() + timedelta(days=10)
    resp = client.post(
        f"/referrals/{referral.id}/accept",
        data={"follow_up_on": later.isoformat()},
        htmx=True,
        headers=EN,
    )
    assert resp.status_code == 200
    assert root_ids(resp.text) == [f"referral-card-{referral.id}"]
    db.session.expire_all()
    ref = db.session.get(Referral, referral.id)
    assert (ref.status, ref.accepted_on, ref.follow_up_on) == ("accepted", local_today(), later)
    # Done needs to say what the service did.
    resp = client.post(
        f"/referrals/{referral.id}/done", data={"outcome": ""}, htmx=True, headers=EN
    )
    assert "Say what the service did." in resp.text
    assert db.session.get(Referral, referral.id).status == "accepted"
    resp = client.post(f"/referrals/{referral.id}/done", data={"outcome": "医生已上门"})
    assert resp.status_code == 303
    db.session.expire_all()
    ref = db.session.get(Referral, referral.id)
    assert (ref.status, ref.done_on, ref.outcome, ref.follow_up_on) == (
        "done",
        local_today(),
        "医生已上门",
        None,
    )
    assert [len(audits(a)) for a in ("referral_accepted", "referral_done")] == [1, 1]
    # Accepting a done referral is a conflict, said at the top of the card.
    resp = client.post(f"/referrals/{referral.id}/accept", data={}, htmx=True, headers=EN)
    assert "already done" in resp.text
    assert db.session.get(Referral, referral.id).status == "done"


def test_an_overdue_referrals_forms_offer_a_date_they_accept(client, referral):
    """The walk: "服务机构已受理" came filled with the check-in date gone by, and was refused
    for a date in the past; the card also called the resident "操作人"."""
    referral.follow_up_on = local_today() - timedelta(days=13)
    db.session.commit()
    page = client.get(f"/referrals/{referral.id}")
    offered = re.findall(r'name="follow_up_on"[^>]*value="([^"]*)"', page.text)
    offered += re.findall(r'value="([^"]*)"[^>]*name="follow_up_on"', page.text)
    assert offered
    assert set(offered) == {(local_today() + timedelta(days=7)).isoformat()}
    assert "<dt>居民</dt>" in page.text
    form = {"follow_up_on": offered[0]}
    assert client.post(f"/referrals/{referral.id}/accept", data=form).status_code == 303
    db.session.expire_all()
    ref = db.session.get(Referral, referral.id)
    assert (ref.status, ref.follow_up_on) == ("accepted", local_today() + timedelta(days=7))


def test_referral_is_never_counted_as_a_hazard_nor_needs_a_fix_photo(client, referral):
    resp = client.post(f"/referrals/{referral.id}/done", data={"outcome": "已办理"})
    assert resp.status_code == 303
    assert db.session.get(Referral, referral.id).status == "done"
    assert db.session.scalar(sa.select(sa.func.count(Hazard.id))) == 0


def test_unknown_step_is_404(client, referral):
    assert client.post(f"/referrals/{referral.id}/close", data={}).status_code == 404


# ---- Today and the list -----------------------------------------------------------------


def test_today_lists_referrals_to_check_on_in_one_statement(
    client, world, login_as, make_resident, make_visit, count_queries
):
    from app.today.queries import today_context

    today = local_today()
    for i in range(4):
        v = make_visit(resident=make_resident(name=f"居民{i}"))
        db.session.add(
            Referral(
                uuid=str(uuid.uuid4()),
                visit_id=v.id,
                grid_id=v.grid_id,
                resident_id=v.resident_id,
                service_code="elderly_services",
                note="助餐",
                referred_on=today,
                follow_up_on=today + timedelta(days=i * 2),  # 0, 2, 4, 6 days ahead
                status="done" if i == 1 else "referred",
                created_by_id=world.worker_a.id,
            )
        )
    db.session.commit()
    login_as(world.worker_a)
    page = client.get("/today", headers=EN)
    section = page.text.split('id="today-referrals"')[1].split("</section>")[0]
    assert "居民0" in section
    assert "居民1" not in section  # done
    assert "居民2" not in section
    assert "居民3" not in section
    from app.referrals.queries import follow_ups_due

    worker = db.session.get(type(world.worker_a), world.worker_a.id)
    _ = worker.role  # loaded before counting: the page has its user already
    with count_queries() as counted:
        due = follow_ups_due(worker, today)
        [r.resident.name for r in due] + [r.service.name_zh for r in due]
    assert counted.count == 1, counted.statements
    assert "referrals_due" in today_context(world.worker_a)


def test_list_shows_open_referrals_and_filters_by_status(client, referral):
    page = client.get("/referrals", headers=EN)
    assert f'id="referral-row-{referral.id}"' in page.text
    frag = client.get("/referrals?status=done", htmx=True)
    assert root_ids(frag.text) == ["referral-rows"]
    assert f'id="referral-row-{referral.id}"' not in frag.text


def test_other_community_sees_404_and_township_cannot_list(client, world, login_as, referral):
    login_as(world.worker_b)
    assert client.get(f"/referrals/{referral.id}").status_code == 404
    assert client.post(f"/referrals/{referral.id}/accept", data={}).status_code == 404
    assert db.session.get(Referral, referral.id).status == "referred"
    login_as(world.township_user)
    assert client.get("/referrals").status_code == 404
    login_as(world.secretary_a)
    assert client.get(f"/referrals/{referral.id}").status_code == 200


def test_referral_form_page_in_chinese(client, world, login_as, visit):
    login_as(world.worker_a)
    page = client.get(f"/referrals/new?visit={visit.id}")
    assert page.status_code == 200
    assert "转介" in page.text
    assert "社区卫生服务站" in page.text


def test_erasing_the_resident_blanks_what_the_referral_says(client, referral, world):
    """A referral says what a person needs (health, self-care): erased with them (PIPL)."""
    from app.models import Resident
    from app.ops.retention import ErasureReport, erase_resident

    client.post(f"/referrals/{referral.id}/done", data={"outcome": "医生已上门"})
    erase_resident(db.session.get(Resident, referral.resident_id), ErasureReport())
    db.session.commit()
    ref = db.session.get(Referral, referral.id)
    assert (ref.note, ref.outcome) == ("", "")
    assert ref.status == "done"  # still counted
