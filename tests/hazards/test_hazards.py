"""The hazard board and a hazard's loop: rectified with a photo, verified or sent back."""

import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, ChecklistItem, ChecklistTemplate, Hazard
from app.timeutil import local_today
from tests.conftest import fragment_root_ids as root_ids

EN = {"Accept-Language": "en"}


def hz(h) -> Hazard:
    db.session.expire_all()
    return db.session.get(Hazard, h.id)


def audits(action):
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


@pytest.fixture
def resident(make_resident):
    return make_resident()


@pytest.fixture
def hazard(make_hazard, resident):
    return make_hazard(resident=resident, due_on=local_today() + timedelta(days=2))


def _rows(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li id="hazard-row-(\d+)"', html)]


# ---- the board ---------------------------------------------------------------------


def test_board_orders_by_severity_then_due_and_marks_overdue(
    client, world, login_as, make_hazard, make_visit, resident
):
    today = local_today()
    found = make_visit(resident=resident, day=today - timedelta(days=6))
    s3 = make_hazard(visit=found, severity="S3", due_on=today - timedelta(days=4))
    s1 = make_hazard(resident=resident, severity="S1", due_on=today + timedelta(days=1))
    s2_late = make_hazard(resident=resident, severity="S2", due_on=today + timedelta(days=3))
    s2_soon = make_hazard(resident=resident, severity="S2", due_on=today)
    closed = make_hazard(resident=resident, status="verified")
    login_as(world.worker_a)
    page = client.get("/hazards", headers=EN)
    assert page.status_code == 200
    assert "<html" in page.text
    assert _rows(page.text) == [s1.id, s2_soon.id, s2_late.id, s3.id]
    assert closed.id not in _rows(page.text)
    row = re.search(rf'<li id="hazard-row-{s3.id}".*?</li>', page.text, re.S).group(0)
    assert "overdue" in row
    assert "4 days overdue" in row
    assert "open 6 days" in " ".join(row.split())


def test_board_scope(client, world, login_as, make_hazard, make_resident, make_visit, hazard):
    rb = make_resident(grid=world.b1)
    foreign = make_hazard(resident=rb, visit=make_visit(resident=rb, worker=world.worker_b))
    login_as(world.worker_a)
    assert _rows(client.get("/hazards").text) == [hazard.id]
    login_as(world.secretary_b)
    assert _rows(client.get("/hazards").text) == [foreign.id]
    login_as(world.secretary_a)
    assert _rows(client.get("/hazards").text) == [hazard.id]
    for user in (world.township_user, world.admin):
        login_as(user)
        assert client.get("/hazards").status_code == 404


def test_board_filters(client, world, login_as, make_hazard, make_resident, make_visit):
    today = local_today()
    r1 = make_resident()
    r2 = make_resident(grid=world.a2)
    overdue = make_hazard(resident=r1, due_on=today - timedelta(days=1))
    in_a2 = make_hazard(resident=r2, visit=make_visit(resident=r2, worker=world.worker_a2))
    rectified = make_hazard(resident=r1, status="rectified", rectified_on=today)
    verified = make_hazard(resident=r1, status="verified", rectified_on=today)
    gas = db.session.scalar(sa.select(ChecklistTemplate).where(ChecklistTemplate.code == "gas"))
    gas_item = db.session.scalar(
        sa.select(ChecklistItem).where(ChecklistItem.template_id == gas.id)
    )
    gas_hazard = make_hazard(resident=r1)
    db.session.execute(
        sa.update(Hazard)
        .where(Hazard.id == gas_hazard.id)
        .values(item_id=gas_item.id, template_id=gas.id)
    )
    db.session.commit()
    login_as(world.secretary_a)
    assert set(_rows(client.get(f"/hazards?grid={world.a2.id}").text)) == {in_a2.id}
    assert _rows(client.get("/hazards?status=overdue").text) == [overdue.id]
    assert _rows(client.get("/hazards?status=rectified").text) == [rectified.id]
    assert _rows(client.get("/hazards?status=verified").text) == [verified.id]
    assert _rows(client.get(f"/hazards?category={gas.id}").text) == [gas_hazard.id]
    everything = set(_rows(client.get("/hazards?status=nonsense&grid=x").text))
    assert everything == {overdue.id, in_a2.id, rectified.id, gas_hazard.id}


def test_board_rows_as_fragment_for_htmx(client, world, login_as, hazard):
    login_as(world.worker_a)
    resp = client.get("/hazards?status=open", htmx=True)
    assert "<html" not in resp.text
    assert root_ids(resp.text) == ["hazard-rows"]
    assert "HX-Request" in resp.headers["Vary"]


def test_rectified_late_is_visible(client, world, login_as, make_hazard, resident):
    today = local_today()
    late = make_hazard(
        resident=resident,
        due_on=today - timedelta(days=5),
        status="rectified",
        rectified_on=today - timedelta(days=2),
    )
    login_as(world.secretary_a)
    page = client.get("/hazards?status=rectified", headers=EN).text
    assert "rectified 3 days late" in page
    assert "rectified 3 days late" in client.get(f"/hazards/{late.id}", headers=EN).text


# (status, found days ago, fixed days after found, due days after found) -> what the board
# and the hazard's page say of its age, in English and in Chinese.
AGES = [
    (("open", 0, None, 3), "found today", "今天发现"),
    (("open", 1, None, 3), "open 1 day", "历时 1 天"),
    (("open", 2, None, 3), "open 2 days", "历时 2 天"),
    (("rectified", 2, 0, 3), "fixed the same day", "当天整改"),
    (("rectified", 2, 1, 3), "fixed in 1 day", "整改用时 1 天"),
    (("rectified", 4, 2, 3), "fixed in 2 days", "整改用时 2 天"),
    (("open", 4, None, 3), "1 day overdue", "逾期 1 天"),
    (("open", 5, None, 3), "2 days overdue", "逾期 2 天"),
    (("rectified", 4, 4, 3), "rectified 1 day late", "超期 1 天完成整改"),
    (("rectified", 5, 5, 3), "rectified 2 days late", "超期 2 天完成整改"),
]


@pytest.mark.parametrize(("case", "en", "zh"), AGES)
def test_a_hazards_age_reads_as_words_with_english_plurals(
    client, world, login_as, make_hazard, make_visit, resident, case, en, zh
):
    """The walk: a hazard fixed the day it was found read "open 0 days" (历时 0 天); and the
    English said "1 days overdue"."""
    status, ago, fixed_after, due_after = case
    found = local_today() - timedelta(days=ago)
    h = make_hazard(
        visit=make_visit(resident=resident, day=found),
        status=status,
        due_on=found + timedelta(days=due_after),
        rectified_on=None if fixed_after is None else found + timedelta(days=fixed_after),
    )
    login_as(world.worker_a)
    for lang, said in (("en", en), ("zh-CN", zh)):
        headers = {"Accept-Language": lang}
        board = client.get("/hazards", headers=headers).text
        row = re.search(rf'<li id="hazard-row-{h.id}".*?</li>', board, re.S).group(0)
        card = client.get(f"/hazards/{h.id}", headers=headers).text
        timing = re.search(r'<p class="hazard-timing">(.*?)</p>', card, re.S).group(1)
        for text in (row, timing):
            words = " ".join(re.sub(r"<[^>]+>", " ", text).split())
            assert said in words
            assert "0 days" not in words
            assert "0 天" not in words
            assert not re.search(r"\b1 days\b", words)


def test_a_report_one_day_late_says_day(client, world, login_as, make_hazard, resident):
    h = make_hazard(
        resident=resident,
        due_on=local_today() - timedelta(days=1),
        reported_on=local_today(),
        department_code="gas_company",
        department_progress="reported",
    )
    login_as(world.worker_a)
    assert "reported 1 day late" in client.get(f"/hazards/{h.id}", headers=EN).text


# ---- one hazard --------------------------------------------------------------------


def test_hazard_page_and_card(client, world, login_as, hazard):
    login_as(world.worker_a)
    page = client.get(f"/hazards/{hazard.id}", headers=EN)
    assert page.status_code == 200
    assert "<html" in page.text
    assert 'id="rectify-form"' in page.text
    assert 'name="is_rectification"' in page.text
    frag = client.get(f"/hazards/{hazard.id}", htmx=True)
    assert root_ids(frag.text) == [f"hazard-card-{hazard.id}"]
    for user in (world.worker_a2, world.worker_b, world.secretary_b, world.township_user):
        login_as(user)
        assert client.get(f"/hazards/{hazard.id}").status_code == 404


def test_rectify_needs_a_note_and_a_photo(client, world, login_as, hazard, make_photo):
    login_as(world.worker_a)
    resp = client.post(
        f"/hazards/{hazard.id}/rectify", data={"note": "清理了楼道"}, htmx=True, headers=EN
    )
    assert resp.status_code == 200
    assert "Add at least one photo of the fix first." in resp.text
    assert "清理了楼道" in resp.text
    assert hz(hazard).status == "open"
    make_photo(hazard=hazard)  # a photo of the problem is not a photo of the fix
    resp = client.post(f"/hazards/{hazard.id}/rectify", data={"note": "清理了楼道"}, headers=EN)
    assert resp.status_code == 200
    assert "Add at least one photo of the fix first." in resp.text
    make_photo(hazard=hazard, rectification=True)
    resp = client.post(f"/hazards/{hazard.id}/rectify", data={"note": " "}, headers=EN)
    assert "Say what was done to fix it." in resp.text
    assert hz(hazard).status == "open"
    assert audits("hazard_rectified") == []


def test_worker_rectifies_with_note_and_photo(client, world, login_as, hazard, make_photo):
    make_photo(hazard=hazard, rectification=True)
    login_as(world.worker_a)
    resp = client.post(f"/hazards/{hazard.id}/rectify", data={"note": "清理了楼道"}, htmx=True)
    assert root_ids(resp.text) == [f"hazard-card-{hazard.id}", "bottom-nav"]
    trig = json.loads(resp.headers["HX-Trigger"])
    assert trig["toast"]["level"] == "success"
    h = hz(hazard)
    assert h.status == "rectified"
    assert h.rectified_note == "清理了楼道"
    assert h.rectified_by_id == world.worker_a.id
    assert h.rectified_on == local_today()
    (event,) = audits("hazard_rectified")
    assert json.loads(event.detail) == {"late": False}
    again = client.post(f"/hazards/{hazard.id}/rectify", data={"note": "again"}, headers=EN)
    assert again.status_code == 409
    assert "already marked rectified" in again.text
    assert len(audits("hazard_rectified")) == 1


def test_secretary_may_rectify_too_plain_post_redirects(
    client, world, login_as, hazard, make_photo
):
    make_photo(hazard=hazard, rectification=True, by=world.secretary_a)
    login_as(world.secretary_a)
    resp = client.post(f"/hazards/{hazard.id}/rectify", data={"note": "已处理"})
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/hazards/{hazard.id}"
    assert hz(hazard).status == "rectified"


def test_secretary_verifies_a_rectified_hazard(client, world, login_as, hazard):
    login_as(world.secretary_a)
    assert client.post(f"/hazards/{hazard.id}/verify", data={}).status_code == 409  # still open
    hazard.status, hazard.rectified_on = "rectified", local_today()
    db.session.commit()
    login_as(world.worker_a)
    assert client.post(f"/hazards/{hazard.id}/verify", data={}).status_code == 404
    login_as(world.secretary_b)
    assert client.post(f"/hazards/{hazard.id}/verify", data={}).status_code == 404
    assert hz(hazard).status == "rectified"
    login_as(world.secretary_a)
    resp = client.post(f"/hazards/{hazard.id}/verify", data={}, htmx=True)
    assert root_ids(resp.text) == [f"hazard-card-{hazard.id}", "bottom-nav"]
    h = hz(hazard)
    assert h.status == "verified"
    assert h.verified_by_id == world.secretary_a.id
    assert len(audits("hazard_verified")) == 1
    assert client.post(f"/hazards/{hazard.id}/verify", data={}).status_code == 409
    assert len(audits("hazard_verified")) == 1


def test_secretary_sends_a_fix_back_with_a_comment(client, world, login_as, hazard):
    hazard.status, hazard.rectified_on = "rectified", local_today()
    hazard.rectified_note = "物业已修复。"
    db.session.commit()
    login_as(world.worker_a)
    assert client.post(f"/hazards/{hazard.id}/send-back", data={"comment": "x"}).status_code == 404
    login_as(world.secretary_a)
    resp = client.post(
        f"/hazards/{hazard.id}/send-back", data={"comment": ""}, htmx=True, headers=EN
    )
    assert resp.status_code == 200
    assert "Say what is still wrong." in resp.text
    assert hz(hazard).status == "rectified"
    resp = client.post(f"/hazards/{hazard.id}/send-back", data={"comment": "纸箱还在"})
    assert resp.status_code == 303
    h = hz(hazard)
    assert h.status == "open"
    assert h.returned_comment == "纸箱还在"
    assert h.rectified_on is None
    (event,) = audits("hazard_sent_back")
    assert "纸箱还在" not in event.detail
    login_as(world.worker_a)
    page = client.get(f"/hazards/{hazard.id}?lang=en").text
    assert "纸箱还在" in page
    # What the fix said stays in sight beside why it was sent back.
    assert "The fix sent back: 物业已修复。" in page


def test_rectification_photos_stay_allowed_on_an_approved_day(client, world, login_as, hazard):
    log = hazard.visit.daily_log
    log.status = "approved"
    db.session.commit()
    login_as(world.worker_a)
    page = client.get(f"/hazards/{hazard.id}").text
    assert f'id="photos-hazard-{hazard.id}-fix"' in page
    assert 'id="rectify-form"' in page


def test_a_refused_step_under_htmx_shows_the_card_as_it_stands(client, world, login_as, hazard):
    login_as(world.secretary_a)
    resp = client.post(f"/hazards/{hazard.id}/verify", data={}, htmx=True, headers=EN)
    assert resp.status_code == 200
    assert root_ids(resp.text) == [f"hazard-card-{hazard.id}"]
    assert "has not been marked rectified" in resp.text
    trig = json.loads(resp.headers["HX-Trigger"])
    assert trig["toast"]["level"] == "error"
    assert "has not been marked rectified" in trig["toast"]["message"]
    assert client.post(f"/hazards/{hazard.id}/no-such-step", data={}).status_code == 404
    assert hz(hazard).status == "open"


def test_step_address_reloaded_after_a_refused_step_shows_the_hazard(
    client, world, login_as, hazard, make_photo
):
    """Reloading the "already rectified" refusal asked for /rectify by GET: a 405 page."""
    make_photo(hazard=hazard, rectification=True)
    login_as(world.worker_a)
    client.post(f"/hazards/{hazard.id}/rectify", data={"note": "清理了楼道"})
    assert client.post(f"/hazards/{hazard.id}/rectify", data={"note": "x"}).status_code == 409
    resp = client.get(f"/hazards/{hazard.id}/rectify")
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/hazards/{hazard.id}"
    assert client.get(resp.headers["Location"]).status_code == 200
    assert hz(hazard).rectified_note == "清理了楼道"
    assert client.get(f"/hazards/{hazard.id}/no-such-step").status_code == 404
    assert client.get(f"/hazards/{hazard.id + 99}/rectify").status_code == 404
    login_as(world.secretary_a)
    resp = client.get(f"/hazards/{hazard.id}/verify")
    assert resp.headers["Location"] == f"/hazards/{hazard.id}"
    assert hz(hazard).status == "rectified"
    for user in (world.worker_b, world.secretary_b, world.township_user):
        login_as(user)
        assert client.get(f"/hazards/{hazard.id}/rectify").status_code == 404


@pytest.mark.parametrize("step", ["verify", "send-back", "department"])
def test_a_secretarys_step_link_opened_by_the_worker_shows_the_hazard(
    client, world, login_as, hazard, step
):
    """The worker may see the hazard but not verify it: its page, not a 404; nothing done."""
    login_as(world.worker_a)
    assert client.get(f"/hazards/{hazard.id}").status_code == 200
    resp = client.get(f"/hazards/{hazard.id}/{step}")
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/hazards/{hazard.id}"
    assert hz(hazard).status == "open"
    assert audits("hazard_verified") == []
    for user in (world.worker_a2, world.inspector, world.admin):
        login_as(user)
        assert client.get(f"/hazards/{hazard.id}/{step}").status_code == 404
