"""What a refusal and a success look like on the phone: the first message of a refused form or
upload is on the screen, not above or below it (nor under a checklist's counts); the "saved"
toast goes away at any tap, and stays long enough to read; a visit's edit and delete buttons are
one height; a hazard tapped but not saved yet is neither answered OK by "All remaining OK" nor
loses its photo (walks of sessions 7 and 8)."""

import io

import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import expect

from app.models import Answer, Hazard, Photo
from tests.browser.conftest import (
    fresh_scalar,
    login,
    open_pending_hazard,
    saves_note_and_photo,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

# Between the top bar and the bottom tabs, where the thumb's user can read it.
ON_SCREEN = """e => {
  const r = e.getBoundingClientRect();
  const top = document.querySelector('.topbar').getBoundingClientRect().bottom;
  const nav = document.querySelector('.bottom-nav').getBoundingClientRect().top;
  return r.top >= top && r.bottom <= nav;
}"""


def test_a_refused_visit_form_shows_its_first_message_on_screen(page, world, make_resident, shoot):
    r = make_resident(name="钱奶奶")
    login(page, "worker_a", PASSWORD)
    page.goto(page.base_url + f"/residents/{r.id}")
    page.click("text=记录走访")
    form = page.locator("#visit-form")
    form.wait_for()
    summary = "量了血压，一切正常。" * 80  # a long summary: the purpose is far above Save
    form.locator("textarea[name=summary]").fill(summary)
    form.locator("input[name=outcome][value=done]").check()
    form.locator("button[type=submit]").click()  # no purpose chosen
    error = page.locator("#visit-form small.error").first
    error.wait_for()
    page.wait_for_timeout(300)  # the swap has settled
    assert "走访事由" in error.inner_text()
    assert error.evaluate(ON_SCREEN)
    shoot(page, "refused")  # full-page: it moves the page, so after the look at the screen
    assert page.locator("#visit-form textarea[name=summary]").input_value() == summary


def _jpeg(tmp_path, n: int):
    path = tmp_path / f"p{n}.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (400, 300), (20 * n, 80, 120)).save(buf, "JPEG")
    path.write_bytes(buf.getvalue())
    return str(path)


def test_a_refused_photo_shows_its_message_on_screen(
    page, world, make_resident, make_visit, tmp_path
):
    visit = make_visit(resident=make_resident())
    login(page, "worker_a", PASSWORD)
    page.goto(page.base_url + f"/visits/{visit.id}")
    gallery = f"#photos-visit-{visit.id}"
    page.locator(f"{gallery} input[type=file]").set_input_files(
        [_jpeg(tmp_path, n) for n in range(9)]
    )
    page.wait_for_selector(f"{gallery} .thumbs li >> nth=8")
    bad = tmp_path / "scan.jpg"
    bad.write_bytes(b"not a photo at all" * 50)
    page.locator(f"{gallery} input[type=file]").set_input_files(str(bad))
    message = page.locator(f"{gallery} .photo-errors")
    message.wait_for()
    page.wait_for_timeout(300)
    assert "scan.jpg" in message.inner_text()
    assert message.evaluate(ON_SCREEN)


def _save_a_visit(page, make_resident, query=""):
    """worker_a saves a visit to 钱奶奶 from her page, which the answer leaves in place."""
    r = make_resident(name="钱奶奶")
    login(page, "worker_a", PASSWORD)
    page.goto(page.base_url + f"/residents/{r.id}{query}")
    page.click("#visit-form-slot a[role=button]")
    form = page.locator("#visit-form")
    form.locator("input[name=purpose]").first.check()
    form.locator("input[name=outcome][value=done]").check()
    form.locator("button[type=submit]").click()


def test_the_saved_toast_goes_at_a_tap_anywhere_or_escape(page, world, make_resident):
    """The toast takes no tap of its own (one under it reaches the page: test_referrals_flow);
    a tap anywhere puts it away, and so does Escape on a keyboard."""
    page.clock.install()  # time runs on until paused: the toast's own timer does not end it
    _save_a_visit(page, make_resident)
    toast = page.locator(".toast")
    toast.wait_for()
    page.clock.pause_at(page.evaluate("Date.now()") / 1000 + 0.1)  # seconds
    heading = page.locator("h1", has_text="钱奶奶")
    heading.tap()
    page.clock.run_for(50)
    expect(toast).to_have_count(0)
    assert heading.is_visible()
    page.evaluate(TOAST, ["已发送并保存。", None])
    toast.wait_for()
    page.keyboard.press("Escape")
    page.clock.run_for(50)
    expect(toast).to_have_count(0)
    assert page.js_errors == []


RECT = "e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }"
# The first field or button of the page that a thumb sees (not the 1 px ones for screen
# readers).
FIRST_CONTROL = """() => {
  const seen = e => { const r = e.getBoundingClientRect(); return r.width > 2 && r.height > 2; };
  const e = [...document.querySelectorAll(
    'main :is(input:not([type=hidden]), select, textarea, button, [role=button])')].find(seen);
  const r = e.getBoundingClientRect();
  return [r.left, r.top, r.right, r.bottom];
}"""


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize(("lang", "saved"), [("zh", "已保存"), ("en", "saved")])
def test_the_saved_toast_leaves_the_heading_and_first_field_clear(
    page, world, make_resident, shoot, lang, saved
):
    """The tester's walk: the green toast lay over the resident's name for its 3 s. It now
    sits above the bottom bar, in both languages, and is still read out (a live region)."""
    _save_a_visit(page, make_resident, f"?lang={lang}")
    toast = page.locator(".toast")
    toast.wait_for()
    assert saved in toast.inner_text()
    shoot(page, "toast")
    box = toast.evaluate(RECT)
    heading = page.locator("main h1").evaluate(RECT)
    assert heading[3] > heading[1]
    assert not _overlap(box, heading)
    assert not _overlap(box, page.evaluate(FIRST_CONTROL))
    nav = page.locator("#bottom-nav").evaluate(RECT)
    assert box[3] <= nav[1]  # above the bottom bar, on the screen
    live = page.locator("#toasts")
    assert (live.get_attribute("role"), live.get_attribute("aria-live")) == ("status", "polite")
    assert page.js_errors == []


TOAST = """([message, level]) => document.body.dispatchEvent(
  new CustomEvent("toast", {detail: {message, level}}))"""


def test_a_long_success_toast_stays_longer_and_an_error_stays_longest(page, world):
    login(page, "worker_a", PASSWORD)
    # Time moves only when the test moves it (no waiting on the machine's clock).
    page.clock.install()
    page.goto(page.base_url + "/")
    toast = page.locator(".toast")

    page.evaluate(TOAST, ["已发送并保存。", None])
    page.clock.run_for(2400)
    assert toast.count() == 1
    page.clock.run_for(1000)
    assert toast.count() == 0

    # 15 characters: 4 s, not the 2.5 s of a one-word note.
    page.evaluate(TOAST, ["保存在手机上，有信号时自动发送", None])
    page.clock.run_for(3800)
    assert toast.count() == 1
    page.clock.run_for(400)
    assert toast.count() == 0

    page.evaluate(TOAST, ["很长的一句话，" * 20, None])
    page.clock.run_for(5800)
    assert toast.count() == 1
    page.clock.run_for(400)
    assert toast.count() == 0

    page.evaluate(TOAST, ["没有保存。", "error"])
    page.clock.run_for(9800)
    assert page.locator(".toast-error").count() == 1
    page.clock.run_for(400)
    assert toast.count() == 0


def test_edit_and_delete_visit_are_one_height(page, world, make_resident, make_visit):
    visit = make_visit(resident=make_resident())
    login(page, "worker_a", PASSWORD)
    page.goto(page.base_url + f"/visits/{visit.id}")
    edit = page.locator(".actions a[role=button]").bounding_box()
    delete = page.locator(".actions form button").bounding_box()
    assert abs(edit["height"] - delete["height"]) < 1
    assert abs(edit["y"] - delete["y"]) < 1


def _open_pending_hazard(page, world, make_resident, make_visit):
    visit = make_visit(resident=make_resident(name="王秀英"), purpose="screening")
    return open_pending_hazard(page, visit).locator(".hazard-form")


def _stored(model) -> int:
    return fresh_scalar(sa.select(sa.func.count()).select_from(model))


def test_all_remaining_ok_waits_for_a_hazard_not_saved_yet(
    page, world, make_resident, make_visit, shoot
):
    """ "All remaining OK" would answer the tapped item OK and the reload would drop its note:
    it says so, and the note typed so far stays."""
    form = _open_pending_hazard(page, world, make_resident, make_visit)
    form.locator("textarea[name=note]").fill("楼道堆放")
    page.click("#remaining-ok button[type=submit]")
    page.wait_for_selector(".toast-error")
    assert "隐患还没保存" in page.locator(".toast-error").inner_text()
    assert form.locator("textarea[name=note]").input_value() == "楼道堆放"
    assert page.evaluate("() => document.activeElement.name") == "note"
    page.click("#finish-screening button[type=submit]")
    page.wait_for_timeout(300)
    shoot(page, "waits")
    assert form.locator("textarea[name=note]").input_value() == "楼道堆放"
    assert _stored(Answer) == 0
    assert _stored(Hazard) == 0
    assert page.js_errors == []


def test_a_photo_chosen_before_an_empty_note_is_kept(
    page, world, make_resident, make_visit, tmp_path
):
    """Save with a photo and no note: nothing is sent (there is no hazard to keep the photo
    on), the note asks for itself, and the photo stays chosen for the Save that follows."""
    form = _open_pending_hazard(page, world, make_resident, make_visit)
    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.url.endswith("/hazard") else None)
    form.locator("input[type=file]").set_input_files(_jpeg(tmp_path, 1))
    page.wait_for_function("() => !document.querySelector('form.hazard-form[data-shrinking]')")
    form.locator("button[type=submit]").click()
    message = form.locator("small.error")
    message.wait_for()
    assert "请描述隐患情况" in message.inner_text()
    assert sent == []
    assert form.locator("input[type=file]").evaluate("e => e.files.length") == 1
    saves_note_and_photo(page, form, "楼道堆放纸箱")


def test_a_hazard_message_is_not_under_the_checklist_counts(page, world, make_resident, make_visit):
    """The checklist's counts stay on top as it scrolls: a message under them is not seen."""
    form = _open_pending_hazard(page, world, make_resident, make_visit)
    page.evaluate("() => window.scrollBy(0, 0)")
    form.locator("button[type=submit]").click()  # no note, no photo: the server refuses
    error = page.locator("li.checklist-item .hazard-form small.error").first
    error.wait_for()
    page.wait_for_timeout(300)
    below_counts = """e => {
      const r = e.getBoundingClientRect();
      const bar = document.querySelector('.screening-summary').getBoundingClientRect();
      return r.top >= bar.bottom && r.bottom <= innerHeight;
    }"""
    assert error.evaluate(below_counts)


def test_a_hazard_with_a_photo_takes_a_new_note_and_another_photo(
    page, world, make_resident, make_visit, tmp_path
):
    """Walk: once a hazard had a photo, every later save of its form answered 500 ("未保存，
    请稍后重试") and the new note was lost."""
    form = _open_pending_hazard(page, world, make_resident, make_visit)
    form.locator("input[type=file]").set_input_files(_jpeg(tmp_path, 1))
    page.wait_for_function("() => !document.querySelector('form.hazard-form[data-shrinking]')")
    saves_note_and_photo(page, form, "楼道停了两辆电动车")
    hazard = fresh_scalar(sa.select(Hazard))

    form.locator("textarea[name=note]").fill("楼道停了两辆电动车，已劝走一辆")
    with page.expect_response(lambda r: r.url.endswith("/hazard")) as sent:
        form.locator("button[type=submit]").click()
    assert sent.value.status == 200
    page.wait_for_selector(".toast:not(.toast-error)")
    assert fresh_scalar(sa.select(Hazard.note)) == "楼道停了两辆电动车，已劝走一辆"
    assert _photos_of(hazard) == 1

    # A photo chosen on a described hazard goes at once, with the note as it stands.
    with page.expect_response(lambda r: r.url.endswith("/hazard")) as sent:
        form.locator("input[type=file]").set_input_files(_jpeg(tmp_path, 2))
    assert sent.value.status == 200
    page.wait_for_selector("li.checklist-item .hazard-box .thumbs li >> nth=1")
    assert _photos_of(hazard) == 2
    assert page.locator(".toast-error").count() == 0
    assert page.js_errors == []


def _photos_of(hazard) -> int:
    return fresh_scalar(sa.select(sa.func.count(Photo.id)).where(Photo.hazard_id == hazard.id))


@pytest.mark.parametrize(
    ("lang", "says"),
    [
        ("zh", "未能打开：网络未连接，且这一页还没有存到手机上。有信号时再试。"),
        (
            "en",
            "Not opened: no connection, and this is not kept on the phone yet. "
            "Try again with signal.",
        ),
    ],
)
def test_a_form_that_cannot_be_opened_without_signal_says_so_not_that_nothing_was_sent(
    page_without_worker, world, make_resident, lang, says
):
    """Tapping "Log a visit" with no connection, before the phone keeps the form (walk of
    session 14): the toast said "Not sent … your entries are kept", though nothing was typed."""
    page = page_without_worker  # the route below sees what the page fetches itself
    r = make_resident(name="钱奶奶")
    login(page, "worker_a", PASSWORD)
    page.goto(page.base_url + f"/residents/{r.id}?lang={lang}")
    page.route("**/visits/new**", lambda route: route.abort("internetdisconnected"))
    page.click("#visit-form-slot a[role=button]")
    toast = page.locator(".toast.toast-error")
    toast.wait_for()
    assert toast.inner_text().strip() == says
    assert page.locator("#visit-form").count() == 0
