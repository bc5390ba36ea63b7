"""On a phone: Today's visits due, a visit taking a resident off the list; a hazard's
rectification notice, readable at 390 px and one A4 page in print."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.timeutil import local_today
from tests.browser.conftest import login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_worker_sees_who_is_due_and_a_visit_takes_them_off(
    page, world, make_resident, make_visit, shoot
):
    overdue = make_resident(name="王秀英", care=("elderly_alone",))
    make_visit(resident=overdue, day=local_today() - timedelta(days=12))
    soon = make_resident(name="刘强", care=("disabled_daily",), room="502")
    make_visit(resident=soon, day=local_today() - timedelta(days=13))
    login(page, "worker_a", PASSWORD)
    page.goto(page.base_url + "/today")
    rows = page.locator("#today-rounds li.due-row")
    rows.first.wait_for()
    assert rows.count() == 2
    assert "王秀英" in rows.nth(0).inner_text()  # 5 days overdue before 1 day to go
    assert "刘强" in rows.nth(1).inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    shoot(page, "1-today-due")

    rows.nth(0).locator("a").click()
    page.wait_for_selector("h1 >> text=王秀英")
    page.click("#visit-form-slot a")
    page.wait_for_selector("#visit-form")
    page.check("input[name=purpose][value=elderly_care]")
    page.fill("textarea[name=summary]", "老人在家，一切正常")
    page.check("input[name=outcome][value=done]")
    page.click("#visit-form button[type=submit]")
    page.wait_for_selector("#timeline-new li.entry-visit")

    page.goto(page.base_url + "/today")
    page.locator("#today-rounds li.due-row").first.wait_for()
    assert page.locator("#today-rounds li.due-row").count() == 1
    assert "王秀英" not in page.locator("#today-rounds").inner_text()
    shoot(page, "2-after-visit")


def test_rectification_notice_reads_on_a_phone_and_prints_on_one_a4_page(
    page, world, make_resident, make_hazard, shoot
):
    r = make_resident(name="钱奶奶", building="5", unit="1", room="202")
    h = make_hazard(resident=r, note="楼道里停着两辆电动车，堵住了楼梯口")
    login(page, "worker_a", PASSWORD)
    page.goto(f"{page.base_url}/hazards/{h.id}")
    page.click(f"#notice-link-{h.id}")
    page.wait_for_selector("#notice-title")
    headings = page.locator(f"#hazard-notice-{h.id} h1, #hazard-notice-{h.id} h2")
    assert headings.all_inner_texts() == [
        "安全隐患限期整改通知单",
        "地点",
        "发现的问题",
        "建议整改措施",
        "整改期限",
        "联系人",
        "签字",
        "回执",
    ]
    # Shown by app.js (deferred): on a slow page it comes after the notice's own markup.
    expect(page.locator("button[data-print]")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert page.js_errors == []
    shoot(page, "1-notice-screen")

    page.emulate_media(media="print")
    assert not page.locator("#bottom-nav").is_visible()
    assert not page.locator(".notice-tools").is_visible()
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi, for the artifact
    shoot(page, "2-notice-print-a4")
    page.set_viewport_size({"width": 390, "height": 844})

    page.emulate_media(media="screen")
    page.click("#notice-en")
    page.wait_for_selector("#notice-title >> text=Hazard rectification notice")
    # The notice in English, the page around it still in the worker's Chinese.
    assert page.locator(f"#hazard-notice-{h.id}").get_attribute("lang") == "en"
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.locator(".notice-tools").inner_text().split() == ["←", "隐患", "中文版", "打印"]
    shoot(page, "3-notice-en")

    # The worker's screen in English (the walk: the whole page stayed Chinese): the page's
    # words follow it, the notice handed to the household stays Chinese.
    page.goto(f"{page.base_url}/hazards/{h.id}/notice?lang=en")
    page.wait_for_selector("#notice-title >> text=安全隐患限期整改通知单")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(f"#hazard-notice-{h.id}").get_attribute("lang") == "zh-Hans"
    tools = page.locator(".notice-tools").inner_text().split()
    assert tools == ["←", "Hazard", "English", "version", "Print"]
    nav = page.locator("#bottom-nav").inner_text()
    assert "Today" in nav
    assert "今日" not in nav
    assert headings.all_inner_texts()[3] == "建议整改措施"
    assert "劝导" not in page.locator(f"#hazard-notice-{h.id}").inner_text()
    shoot(page, "4-notice-zh-on-an-english-screen")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rounds_pages_and_the_notice_pass_axe(
    browser, live_server, world, make_resident, make_visit, make_hazard, lang
):
    from tests.browser.conftest import phone_page
    from tests.browser.test_accessibility import AXE, RUN_AXE, SMALL_TARGETS

    r = make_resident(name="王秀英")
    make_visit(resident=r, day=local_today() - timedelta(days=9))
    h = make_hazard(resident=make_resident(name="刘强"), note="楼道堆放纸箱")
    axe = AXE.read_text(encoding="utf-8")
    pages = {
        "worker_a": ["/rounds", f"/hazards/{h.id}/notice?language={lang}"],
        "secretary_a": ["/rounds/workers", f"/rounds?worker={world.worker_a.id}"],
        "admin_1": ["/admin/cadences"],
    }
    found: list[str] = []
    for username, paths in pages.items():
        with phone_page(browser, live_server.url) as pg:
            login(pg, username, PASSWORD)
            pg.goto(f"{pg.base_url}/?lang={lang}")
            for path in paths:
                pg.goto(pg.base_url + path)
                pg.wait_for_load_state("networkidle")
                pg.evaluate(axe)
                found += [
                    f"{path}: {v['impact']} {v['id']} {v['nodes']}"
                    for v in pg.evaluate(RUN_AXE)
                    if v["impact"] in ("serious", "critical")
                ]
                found += [f"{path}: small {t}" for t in pg.evaluate(SMALL_TARGETS)]
                assert pg.evaluate("document.documentElement.scrollWidth") <= 390, path
    assert found == []
