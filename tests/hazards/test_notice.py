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
    # Advice for the household, not the worker's typical action ("advise the household to...").
    assert escape(h.item.action_zh) not in page
    todo = _section(page, "notice-todo")
    assert "请对上述隐患进行整改。不清楚怎么整改的，可以问下面写明的网格员" in todo
    assert "劝导" not in todo
    assert "请于" in page  # by when, as a request
    assert "网格员Worker_A" in page
    assert page.count('class="sign-line') >= 5
    assert 'id="notice-receipt"' in page
    assert "回执" in page
    assert "css/notice.css" in page
    for word in ("罚款", "责令", "处罚"):
        assert word not in page


def _sheet(page: str) -> str:
    """The notice itself: what is handed to the household."""
    return page[page.index('<article class="notice-sheet"') : page.index("</article>")]


def _chrome(page: str) -> str:
    """The page around the notice: top bar, tools, bottom bar."""
    return page[: page.index('<article class="notice-sheet"')] + page[page.index("</article>") :]


def _section(page: str, heading_id: str) -> str:
    start = page.index(f'aria-labelledby="{heading_id}"')
    return page[start : page.index("</section>", start)]


def test_notice_in_english_on_request_whatever_the_screen(
    client, world, login_as, make_resident, make_hazard
):
    h = make_hazard(resident=make_resident(name="钱奶奶"))
    login_as(world.worker_a)
    page = client.get(f"/hazards/{h.id}/notice?language=en").text
    sheet = _sheet(page)
    assert 'lang="en"' in sheet[: sheet.index(">")]
    assert "Hazard rectification notice" in sheet
    assert escape(h.item.text_en) in sheet
    assert escape(h.item.action_en) not in page
    assert "Please fix the hazard described above. Not sure how?" in _section(sheet, "notice-todo")
    assert "Receipt" in sheet
    assert 'id="notice-zh"' in page
    # The page around it stays in the screen's language, Chinese here.
    assert '<html lang="zh-Hans"' in page
    chrome = _chrome(page)
    for word in ("← 隐患", "打印", "今日", "居民"):
        assert word in chrome
    assert "← Hazard" not in chrome
    assert '<html lang="zh-Hans"' in client.get(f"/hazards/{h.id}").text


def test_a_chinese_notice_on_an_english_screen_keeps_the_page_in_english(
    client, world, login_as, make_resident, make_hazard
):
    """The walk: with English chosen, the whole page was Chinese ("← 隐患", "打印", the bottom
    bar's 今日/居民/隐患); only the notice handed to the household should be."""
    world.worker_a.locale = "en"
    db.session.commit()
    h = make_hazard(resident=make_resident(name="钱奶奶"), note="飞线充电")
    login_as(world.worker_a)
    page = client.get(f"/hazards/{h.id}/notice").text
    assert '<html lang="en"' in page
    chrome = _chrome(page)
    for word in ("← Hazard", "Print", "Today", "Residents", "Hazards"):
        assert word in chrome, word
    for word in ("← 隐患", "打印", "今日", "居民"):
        assert word not in chrome, word
    assert 'id="notice-en"' in page  # the English notice, a tap away
    sheet = _sheet(page)
    assert 'lang="zh-Hans"' in sheet[: sheet.index(">")]
    assert "安全隐患限期整改通知单" in sheet
    assert escape(h.item.text_zh) in sheet
    assert "请对上述隐患进行整改。" in _section(sheet, "notice-todo")
    for word in ("Hazard rectification notice", "What we advise", "Receipt"):
        assert word not in sheet


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
