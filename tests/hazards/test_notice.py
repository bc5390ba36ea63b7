"""The printable rectification notice (限期整改通知单) of a hazard."""

from datetime import timedelta

import sqlalchemy as sa
from markupsafe import escape

from app.extensions import db
from app.models import AuditEvent
from app.timeutil import local_today


def test_notice_holds_place_finding_advice_deadline_contact_signatures_and_receipt(
    client, world, login_as, make_resident, make_hazard
):
    r = make_resident(name="钱奶奶", building="5", unit="1", room="202")
    due = local_today() + timedelta(days=3)
    h = make_hazard(resident=r, note="楼道里停着两辆电动车", due_on=due)
    login_as(world.worker_a)
    resp = client.get(f"/hazards/{h.id}/notice")
    assert resp.status_code == 200
    page = resp.text
    assert '<html lang="zh-Hans"' in page
    assert "安全隐患限期整改通知单" in page
    assert f"第{h.id:06d}号" in page
    assert "致钱奶奶：" in page
    assert "5-1-202" in page
    assert escape(h.item.text_zh) in page
    assert "楼道里停着两辆电动车" in page
    assert escape(h.item.action_zh) in page
    assert "请于" in page  # by when, as a request
    assert "网格员Worker_A" in page
    assert page.count('class="sign-line') >= 5
    assert 'id="notice-receipt"' in page
    assert "回执" in page
    assert "css/notice.css" in page
    for word in ("罚款", "责令", "处罚"):
        assert word not in page


def test_notice_in_english_on_request_whatever_the_screen(
    client, world, login_as, make_resident, make_hazard
):
    h = make_hazard(resident=make_resident(name="钱奶奶"))
    login_as(world.worker_a)
    page = client.get(f"/hazards/{h.id}/notice?language=en").text
    assert '<html lang="en"' in page
    assert "Hazard rectification notice" in page
    assert escape(h.item.text_en) in page
    assert escape(h.item.action_en) in page
    assert "Receipt" in page
    assert 'id="notice-zh"' in page
    # The screen's own language is not changed by printing an English copy.
    assert '<html lang="zh-Hans"' in client.get(f"/hazards/{h.id}").text


def test_notice_is_linked_from_an_open_hazard(client, world, login_as, make_resident, make_hazard):
    h = make_hazard(resident=make_resident())
    login_as(world.worker_a)
    assert f'href="/hazards/{h.id}/notice"' in client.get(f"/hazards/{h.id}").text


def test_notice_out_of_scope_is_404_and_a_read_is_audited(
    client, world, login_as, make_resident, make_hazard
):
    h = make_hazard(resident=make_resident())
    for user in (world.worker_b, world.secretary_b, world.township_user, world.admin):
        login_as(user)
        assert client.get(f"/hazards/{h.id}/notice").status_code == 404
    login_as(world.secretary_a)
    assert client.get(f"/hazards/{h.id}/notice").status_code == 200
    reads = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "hazard_notice_viewed")
    ).all()
    assert [(e.username, e.object_id) for e in reads] == [("secretary_a", str(h.id))]
    assert client.get("/hazards/99999999/notice").status_code == 404


def test_same_day_hazard_says_today(client, world, login_as, make_resident, make_hazard):
    h = make_hazard(resident=make_resident(), severity="S1", due_on=local_today())
    login_as(world.worker_a)
    page = client.get(f"/hazards/{h.id}/notice?language=en").text
    assert "Please fix it on the day it was found" in page
