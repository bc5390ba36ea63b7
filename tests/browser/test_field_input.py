"""What a grid worker's phone does with Chinese input, the photo picker and the checklist's
count bar (issue 13, items 6-8)."""

import io
from urllib.parse import parse_qs, urlparse

import pytest
from PIL import Image

from tests.browser.conftest import login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

RECT = "e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }"
TYPE_COMPOSING = """(e, v) => {
  e.value = v;
  e.dispatchEvent(new InputEvent('input', {bubbles: true, isComposing: true, data: v}));
}"""


def _searches(page) -> list[str]:
    sent: list[str] = []

    def seen(req):
        url = urlparse(req.url)
        if url.path == "/residents" and req.headers.get("hx-request"):
            sent.append(parse_qs(url.query).get("q", [""])[0])

    page.on("request", seen)
    return sent


def test_search_waits_while_pinyin_is_composed(page, world, make_resident, shoot):
    make_resident(name="徐秀英")
    make_resident(name="刘强")
    login(page, "worker_a", PASSWORD)
    page.goto(page.base_url + "/residents")
    sent = _searches(page)
    q = page.locator("#q")
    q.focus()

    # The IME shows Latin letters until the worker picks the characters.
    q.dispatch_event("compositionstart", {"data": ""})
    for typed in ("x", "xu", "xux", "xuxi", "xuxiu"):
        q.evaluate(TYPE_COMPOSING, typed)
        page.wait_for_timeout(120)
    page.wait_for_timeout(600)  # twice the search's delay: nothing may have gone out
    assert sent == []
    assert page.locator("#resident-rows >> text=刘强").count() == 1  # no "nothing found"
    shoot(page, "1-composing")

    q.evaluate("e => { e.value = '徐秀'; }")
    q.dispatch_event("compositionend", {"data": "徐秀"})
    page.wait_for_selector("#resident-rows >> text=刘强", state="detached")
    assert page.locator("#resident-rows >> text=徐秀英").count() == 1
    assert sent == ["徐秀"]
    shoot(page, "2-composed")

    # Plain typing (no IME) still searches as before.
    q.fill("刘")
    page.wait_for_selector("#resident-rows >> text=徐秀英", state="detached")
    assert sent == ["徐秀", "刘"]
    # One focus ring round the box, not round the box and the list together.
    assert page.locator("#resident-search").evaluate("e => getComputedStyle(e).boxShadow") in (
        "none",
        "",
    )
    assert page.js_errors == []


# The width the placeholder's text takes in the input's own font, and the room the input has
# for it (inside its padding and the search icon).
PLACEHOLDER_FIT = """e => {
  const s = getComputedStyle(e);
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
  const room = e.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
  return [ctx.measureText(e.placeholder).width, room];
}"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_search_box_says_initials_find_a_name(page, world, make_resident, shoot, lang):
    """The tester's walk: nothing said that "wxy" finds 王秀英. The box says it, whole, on a
    390 px phone, and its example works."""
    make_resident(name="王秀英")
    make_resident(name="刘强")
    login(page, "worker_a", PASSWORD)
    page.goto(f"{page.base_url}/residents?lang={lang}")
    q = page.locator("#q")
    assert "wxy" in q.get_attribute("placeholder")
    needs, room = q.evaluate(PLACEHOLDER_FIT)
    shoot(page, "placeholder")
    assert needs <= room, (q.get_attribute("placeholder"), needs, room)
    q.fill("wxy")
    page.wait_for_selector("#resident-rows >> text=刘强", state="detached")
    assert page.locator("#resident-rows >> text=王秀英").count() == 1
    assert page.js_errors == []


def _jpeg(tmp_path):
    path = tmp_path / "door.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (800, 600), (40, 90, 160)).save(buf, "JPEG")
    path.write_bytes(buf.getvalue())
    return path


@pytest.mark.parametrize(
    ("lang", "words", "waits"),
    [
        ("zh", "拍照或选择照片", "待发送"),
        ("en", "Take or choose a photo", "Waiting to send"),
    ],
    ids=["zh", "en"],
)
def test_photo_picker_speaks_our_language_and_works_by_keyboard(
    page_without_worker, world, make_resident, make_visit, shoot, tmp_path, lang, words, waits
):
    # Without a service worker (the first visit): with one, the photo waits in the outbox
    # instead (tests/offline/test_outbox_browser.py).
    page = page_without_worker
    visit = make_visit(resident=make_resident(name="王秀英"))
    login(page, "worker_a", PASSWORD)
    page.goto(f"{page.base_url}/visits/{visit.id}?lang={lang}")
    page.wait_for_load_state("networkidle")
    gallery = page.locator(f"#photos-visit-{visit.id}")
    label = gallery.locator("label.photo-pick-label")
    assert label.inner_text().strip() == words
    box = label.bounding_box()
    assert box["height"] >= 44
    assert box["width"] >= 200
    # The browser's own control ("Choose Files / No file chosen") is out of sight ...
    file_input = gallery.locator("input[type=file]")
    hidden = file_input.bounding_box()
    assert hidden["width"] <= 1
    assert hidden["height"] <= 1
    # ... but it is still the control a screen reader names and the keyboard reaches.
    assert page.get_by_label(words, exact=True).evaluate("e => e.type") == "file"
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "file":
            break
    assert page.evaluate("document.activeElement.id") == file_input.get_attribute("id")
    assert label.evaluate("e => getComputedStyle(e).outlineStyle") != "none"
    shoot(page, "focused")

    # No connection: the chosen photo is not sent; it waits on the phone (the page's outbox),
    # and the page says so in its language, once: no "chosen, not saved" beside it, no red
    # "not sent" left over.
    page.route("**/photos", lambda route: route.abort())
    # The press goes to the file input itself: a page-level key press lands wherever the
    # focus is at that instant, and an htmx swap elsewhere on the page may have moved it.
    with page.expect_file_chooser() as chooser:
        file_input.press("Space")
    chooser.value.set_files(str(_jpeg(tmp_path)))
    mark = gallery.locator(".outbox-mark")
    mark.wait_for()
    assert mark.locator("strong").inner_text() == waits
    assert gallery.locator(".photo-chosen").inner_text() == ""
    page.wait_for_selector(".toast:not(.toast-error)")
    assert page.locator(".toast-error").count() == 0
    shoot(page, "waits")


def test_checklist_counts_stick_right_under_the_top_bar(
    page, world, make_resident, make_visit, shoot
):
    visit = make_visit(resident=make_resident(name="王秀英"), purpose="screening")
    login(page, "worker_a", PASSWORD)
    page.goto(page.base_url + f"/visits/{visit.id}")
    page.click("#start-screening >> text=消防安全")
    page.wait_for_selector("#screening-summary")
    page.mouse.wheel(0, 1500)
    page.wait_for_timeout(100)
    bar = page.locator(".topbar").evaluate(RECT)
    counts = page.locator("#screening-summary").evaluate(RECT)
    assert counts[1] == pytest.approx(bar[3], abs=0.5)  # no gap for text to show through
    shoot(page, "scrolled")


def test_the_summary_counts_its_characters_near_the_limit(page, make_resident, shoot):
    """The limit shows while typing, past 80 % of it, and turns red over it; nothing is cut."""
    resident = make_resident(name="赵建国")
    login(page, "worker_a", PASSWORD)
    page.goto(page.base_url + f"/visits/new?resident={resident.id}")
    count = page.locator("#summary-count")
    page.fill("#summary", "量" * 1500)
    assert count.is_hidden()
    page.fill("#summary", "量" * 1700)
    assert count.is_visible()
    assert count.inner_text() == "1,700 / 2,000"
    assert "over" not in (count.get_attribute("class") or "")
    page.fill("#summary", "😀" * 2001)  # counted as the server counts: characters
    assert count.inner_text() == "2,001 / 2,000"
    assert "over" in count.get_attribute("class")
    assert page.input_value("#summary") == "😀" * 2001  # nothing cut
    shoot(page, "over")


def test_an_old_note_over_a_newer_limit_is_not_marked_until_changed(
    page, make_resident, make_visit
):
    """The server keeps a summary saved before the 2,000 limit when it is left as it is: the
    count shows its length, red only once the text is changed."""
    visit = make_visit(resident=make_resident(name="赵建国"), summary="旧记录" * 1000)
    login(page, "worker_a", PASSWORD)
    page.goto(page.base_url + f"/visits/{visit.id}/edit")
    count = page.locator("#summary-count")
    assert count.is_visible()
    assert count.inner_text() == "3,000 / 2,000"
    assert "over" not in (count.get_attribute("class") or "")
    page.locator("#summary").press("End")
    page.keyboard.type("补")
    assert count.inner_text() == "3,001 / 2,000"
    assert "over" in count.get_attribute("class")


def test_a_resident_typed_on_a_full_width_keyboard(page, world, make_resident, shoot):
    """Walk: １２３４５ was refused as "digits only"; the fixed number and ７/２/３０１ saved
    as typed, the walk then listing 7栋 and ７栋 apart."""
    make_resident(name="李明", building="7", unit="2", room="301")
    login(page, "worker_a", PASSWORD)
    page.goto(page.base_url + "/residents/new")
    page.fill("#name", "测试辛")
    page.fill("#building", "７")
    page.fill("#unit", "２")
    page.fill("#room", "３０１")
    page.fill("#phone", "１２３４５")
    page.check("input[name=care_reasons][value=elderly_alone]")
    page.click("#resident-form button[type=submit]")
    error = page.locator("#phone-error")
    error.wait_for()
    assert error.inner_text().startswith("号码太短：手机号是 11 位数字")
    assert page.input_value("#room") == "301"
    shoot(page, "1-phone-short")

    page.fill("#phone", "１３８１２３４５６７９")
    page.click("#resident-form button[type=submit]")
    page.wait_for_selector("h1 >> text=测试辛")
    assert "7栋2单元301室" in page.inner_text("main")
    shoot(page, "2-saved")

    page.goto(page.base_url + "/residents/buildings")
    # One building, one household: 李明's and hers, at the same door.
    buildings = page.locator("#building-list li").all_inner_texts()
    assert [b.split(" · ")[0] for b in buildings] == ["7栋 1 户"]
    shoot(page, "3-buildings")
    assert page.js_errors == []


def test_switching_language_asks_before_typing_is_lost(page, world, make_resident):
    """The walk: the language link dropped the page's address (a 404) and what was typed.
    Now it keeps the address, and asks first when a form holds unsaved typing."""
    r = make_resident(name="徐秀英")
    login(page, "worker_a", PASSWORD)
    page.goto(f"{page.base_url}/visits/new?resident={r.id}")
    asked: list[str] = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", answer)
    page.fill("textarea[name=summary]", "切换语言前输入的内容")
    page.click("#account-menu summary")
    page.click("a[data-switch-lang]")
    page.wait_for_timeout(300)
    assert len(asked) == 1
    assert "未保存" in asked[0]
    assert page.input_value("textarea[name=summary]") == "切换语言前输入的内容"
    assert "lang=" not in page.url
    # The open menu's name stays readable on the blue bar (the walk: it turned dark blue).
    page.evaluate("document.activeElement.blur()")
    colour = "e => getComputedStyle(e).color"
    assert page.eval_on_selector("#account-menu[open] summary", colour) == "rgb(255, 255, 255)"

    # Nothing typed: no question, and the same page in English.
    page.remove_listener("dialog", answer)
    page.goto(f"{page.base_url}/visits/new?resident={r.id}")
    page.click("#account-menu summary")
    with page.expect_navigation():
        page.click("a[data-switch-lang]")
    assert page.url.endswith(f"/visits/new?resident={r.id}&lang=en")
    assert page.locator("textarea[name=summary]").count() == 1
    assert page.locator("html").get_attribute("lang") == "en"
