"""After one online login a worker's phone opens the caseload without a network: cut by the
browser's offline mode, and separately by stopping the server process."""

import re
import uuid

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import login
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

BANNER = re.compile(r"^离线 · 截至 \d\d:\d\d 的内容$")


@pytest.fixture
def caseload(world, make_resident):
    """Two residents of worker_a's grid (A1), one of worker_a2's (A2)."""
    return {
        "wang": make_resident(grid=world.a1, name="王秀英", building="3", unit="2", room="301"),
        "liu": make_resident(
            grid=world.a1, name="刘强", building="5", unit="1", room="102", phone="139-1234-5678"
        ),
        "li": make_resident(grid=world.a2, name="李四", building="7", unit="1", room="201"),
    }


@pytest.fixture
def screening(caseload, make_visit):
    """A fire-safety checklist started on today's visit to 王秀英."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import ChecklistTemplate
    from app.screening.services import start

    visit = make_visit(resident=caseload["wang"], purpose="screening")
    template = db.session.scalar(
        sa.select(ChecklistTemplate).where(ChecklistTemplate.code == "fire")
    )
    started = start(visit, template, str(uuid.uuid4()))
    db.session.commit()
    return started


def _page(context, base_url):
    pg = context.new_page()
    pg.base_url = base_url
    return pg


def _log_in_and_keep(pg, username):
    login(pg, username, PASSWORD)
    # The warm-up runs in the background; offline.js marks the page when it is done.
    pg.wait_for_selector("body[data-offline-warmed]", state="attached", timeout=60_000)
    # Today, the worker's home, says so (the walk went out of signal too soon).
    assert pg.url.endswith("/today")
    said = pg.inner_text("#offline-ready")
    assert said.startswith("已存到手机（") or said.startswith("Kept on this phone at "), said


def _banner(pg) -> str:
    pg.wait_for_selector("#offline-banner:not([hidden])")
    return pg.inner_text("#offline-banner").strip()


def _page_cache_names(pg) -> list[str]:
    return pg.evaluate(
        "async () => (await caches.keys()).filter(n => n.startsWith('gridbook-pages-'))"
    )


def _open(pg, url) -> str:
    """The page's HTML, or the browser's network error when nothing at all was served."""
    try:
        pg.goto(url)
    except PlaywrightError as err:
        return str(err)
    return pg.content()


def _cut(how, context, app_server):
    if how == "offline":
        context.set_offline(True)
    else:
        app_server.stop()
        assert app_server.is_down()


@pytest.mark.parametrize("how", ["offline", "server_stopped"])
def test_caseload_opens_without_network(phone_context, app_server, caseload, screening, shoot, how):
    wang, liu = caseload["wang"], caseload["liu"]
    pg = _page(phone_context, app_server.url)
    _log_in_and_keep(pg, "worker_a")
    _cut(how, phone_context, app_server)
    base = app_server.url

    pg.goto(base + "/today")
    assert BANNER.match(_banner(pg))
    assert pg.locator("#bottom-nav").count() == 1

    pg.goto(f"{base}/residents/{wang.id}")
    pg.wait_for_selector("h1 >> text=王秀英")
    assert BANNER.match(_banner(pg))
    shoot(pg, f"{how}-resident")

    # The visit form opens inside the resident's page, as online; each opening of the kept
    # form carries a new client UUID.
    keys = []
    for _ in range(2):
        pg.goto(f"{base}/residents/{wang.id}")
        pg.click("#visit-form-slot a")
        pg.wait_for_selector("#visit-form input[name=client_uuid][data-key-seen]", state="attached")
        keys.append(pg.input_value("#visit-form input[name=client_uuid]"))
    assert keys[0] != keys[1]
    assert all(uuid.UUID(k) for k in keys)
    shoot(pg, f"{how}-visit-form")

    pg.goto(f"{base}/requests/new?resident={wang.id}")
    pg.wait_for_selector("form textarea[name=summary]")
    assert BANNER.match(_banner(pg))

    # Today's visit and its checklist, as started online.
    pg.goto(f"{base}/visits/{screening.visit_id}")
    assert BANNER.match(_banner(pg))
    pg.goto(f"{base}/screening/{screening.id}")
    pg.wait_for_selector("li.checklist-item button.ans-ok")
    assert BANNER.match(_banner(pg))

    # Search over the kept caseload: by name, then by address.
    pg.goto(base + "/residents")
    pg.fill("#q", "秀英")
    pg.wait_for_selector("#resident-rows >> text=刘强", state="detached")
    assert pg.locator("#resident-rows >> text=王秀英").count() == 1
    assert pg.locator("#resident-rows .offline-note").count() == 1
    pg.fill("#q", "5-1-102")
    pg.wait_for_selector("#resident-rows >> text=王秀英", state="detached")
    assert pg.locator("#resident-rows >> text=刘强").count() == 1
    shoot(pg, f"{how}-search")
    # As typed on a Chinese keyboard: full-width digits, a space inside the name.
    pg.fill("#q", "王 秀英")
    pg.wait_for_selector("#resident-rows >> text=刘强", state="detached")
    assert pg.locator("#resident-rows >> text=王秀英").count() == 1
    pg.fill("#q", "５－１－１０２")
    pg.wait_for_selector("#resident-rows >> text=王秀英", state="detached")
    assert pg.locator("#resident-rows >> text=刘强").count() == 1
    # A building alone, and the address as the resident's page writes it.
    pg.fill("#q", "3栋")
    pg.wait_for_selector("#resident-rows >> text=刘强", state="detached")
    assert pg.locator("#resident-rows >> text=王秀英").count() == 1
    pg.fill("#q", "5号楼")
    pg.wait_for_selector("#resident-rows >> text=王秀英", state="detached")
    assert pg.locator("#resident-rows >> text=刘强").count() == 1
    pg.fill("#q", "3栋2单元")
    pg.wait_for_selector("#resident-rows >> text=刘强", state="detached")
    assert pg.locator("#resident-rows >> text=王秀英").count() == 1
    # Pinyin initials and part of a phone number, as the server's search finds them (the
    # walk: "zly" found nobody without signal), and an address by whole parts only.
    pg.fill("#q", "wxy")
    pg.wait_for_selector("#resident-rows >> text=刘强", state="detached")
    assert pg.locator("#resident-rows >> text=王秀英").count() == 1
    pg.fill("#q", "5678")
    pg.wait_for_selector("#resident-rows >> text=王秀英", state="detached")
    assert pg.locator("#resident-rows >> text=刘强").count() == 1
    pg.fill("#q", "2-30")
    pg.wait_for_selector("#resident-rows >> text=刘强", state="detached")
    assert pg.locator("#resident-rows li").count() == 0
    pg.fill("#q", "5-1-102")
    pg.wait_for_selector("#resident-rows >> text=刘强")
    assert pg.locator("#resident-rows >> text=王秀英").count() == 0
    pg.click("#resident-rows >> text=刘强")
    pg.wait_for_selector("h1 >> text=刘强")
    assert pg.url.endswith(f"/residents/{liu.id}")

    # A search link opened as a page (no htmx request) is answered the same way.
    pg.goto(base + "/residents?q=王")
    pg.wait_for_selector("#resident-rows .offline-note")
    assert pg.locator("#resident-rows >> text=王秀英").count() == 1
    assert pg.locator("#resident-rows >> text=刘强").count() == 0

    # A resident of another grid was never kept.
    pg.goto(f"{base}/residents/{caseload['li'].id}")
    assert "李四" not in pg.content()


def test_gridbook_is_installable(phone_context, app_server, caseload):
    pg = _page(phone_context, app_server.url)
    _log_in_and_keep(pg, "worker_a")
    pg.reload()  # controlled by the service worker now
    cdp = phone_context.new_cdp_session(pg)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/manifest.webmanifest")
    assert manifest["errors"] == []
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    # Playwright's contexts are incognito profiles, where Chrome installs nothing.
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == []


def test_logout_leaves_no_personal_page_on_the_phone(phone_context, app_server, caseload):
    wang = caseload["wang"]
    pg = _page(phone_context, app_server.url)
    _log_in_and_keep(pg, "worker_a")
    assert len(_page_cache_names(pg)) == 1

    pg.click("#account-menu summary")
    pg.click("form[data-logout] button[type=submit]")
    # The logout's answer clears the site's storage (Clear-Site-Data), which the browser
    # finishes before it goes on. It twice took over 30 s on CI's SQLite run while the answer
    # also cleared "cache", which Chromium does by walking its whole disk cache; that is now
    # asked by the sign-in page, behind it. The wait stays generous: it is for the step, not a
    # measure of its speed.
    pg.wait_for_url(re.compile(r"/login"), timeout=120_000)
    pg.wait_for_load_state("networkidle")
    pg.wait_for_function(
        "async () => (await caches.keys()).every(n => !n.startsWith('gridbook-pages-'))"
    )

    phone_context.set_offline(True)
    for path in (f"/residents/{wang.id}", "/today", "/residents?q=王"):
        shown = _open(pg, app_server.url + path)
        assert "王秀英" not in shown
        assert "3-2-301" not in shown


def test_logout_leaves_no_photo_in_the_browsers_cache(
    phone_context, app_server, app, world, caseload, make_visit
):
    """Photos are kept in the browser's HTTP cache for a day; the sign-in page after a logout
    drops them (the logout's own answer only clears the storage: see accounts.logout)."""
    import io

    from werkzeug.datastructures import FileStorage

    from app.extensions import db
    from app.photos.routes import photo_url
    from app.photos.services import add_photos
    from tests.photos.images import two_tone

    visit = make_visit(resident=caseload["wang"])
    jpeg = io.BytesIO()
    two_tone().save(jpeg, "JPEG")
    jpeg.seek(0)
    (photo,) = add_photos([FileStorage(jpeg, "a.jpg")], visit, world.worker_a, str(uuid.uuid4()))
    db.session.commit()
    with app.test_request_context():
        url = photo_url(photo, thumb=True)

    pg = _page(phone_context, app_server.url)
    login(pg, "worker_a", PASSWORD)
    assert pg.evaluate("url => fetch(url).then(r => r.status)", url) == 200
    kept = (
        "url => fetch(url, {cache: 'only-if-cached', mode: 'same-origin'})"
        ".then(r => r.status, () => 'not kept')"
    )
    # Kept while the session lasts: a later page (the cookie's clock has moved on) shows the
    # thumbnail from the phone, not over the air again.
    pg.wait_for_timeout(1100)
    pg.goto(app_server.url + "/today")
    assert pg.evaluate(kept, url) == 200

    pg.click("#account-menu summary")
    with pg.expect_response(lambda r: r.url.endswith("/logout")) as logout:
        pg.click("form[data-logout] button[type=submit]")
    # The logout's answer does not wait for the HTTP cache to be walked.
    assert logout.value.all_headers()["clear-site-data"] == '"storage"'
    pg.wait_for_url(re.compile(r"/login"))
    pg.wait_for_selector("#forget-cache[data-forgotten]", state="attached")
    assert pg.evaluate(kept, url) == "not kept"


def test_second_user_on_the_same_phone_sees_none_of_the_first_users_pages(
    phone_context, app_server, caseload
):
    wang, li = caseload["wang"], caseload["li"]
    base = app_server.url
    pg = _page(phone_context, base)
    _log_in_and_keep(pg, "worker_a")
    first = _page_cache_names(pg)
    assert len(first) == 1

    # The first user's session ends without a logout (expired, cookies cleared): the next
    # user logs in on the same browser.
    phone_context.clear_cookies()
    _log_in_and_keep(pg, "worker_a2")
    names = _page_cache_names(pg)
    assert len(names) == 1
    assert names != first

    phone_context.set_offline(True)
    pg.goto(f"{base}/residents/{li.id}")
    pg.wait_for_selector("h1 >> text=李四")
    assert BANNER.match(_banner(pg))

    pg.goto(f"{base}/residents/{wang.id}")
    assert "王秀英" not in pg.content()

    pg.goto(base + "/residents")
    pg.fill("#q", "王")
    pg.wait_for_selector("#resident-rows .offline-note")
    assert "王秀英" not in pg.inner_text("#resident-rows")


def test_other_roles_get_the_app_but_keep_no_personal_page(phone_context, app_server, caseload):
    wang = caseload["wang"]
    pg = _page(phone_context, app_server.url)
    login(pg, "secretary_a", PASSWORD)
    pg.goto(f"{app_server.url}/residents/{wang.id}")
    pg.wait_for_selector("h1 >> text=王秀英")
    # The service worker runs and holds the app's shell...
    pg.wait_for_function("async () => !!(await navigator.serviceWorker.ready).active")
    pg.wait_for_function("async () => (await caches.keys()).some(n => n.includes('precache'))")
    pg.reload()  # now through the worker
    pg.wait_for_selector("h1 >> text=王秀英")
    assert pg.get_attribute("body", "data-offline-caseload") is None

    phone_context.set_offline(True)
    shown = _open(pg, f"{app_server.url}/residents/{wang.id}")
    assert "王秀英" not in shown
    assert pg.locator("#offline-fallback").count() == 1  # our page, not the browser's


@pytest.fixture
def short_lived_server(app, reads_do_not_lock):
    """The app with kept pages expiring after 3 seconds instead of OFFLINE_DAYS days."""
    from tests.offline.conftest import AppServer

    config = {
        key: app.config[key]
        for key in ("TESTING", "SQLALCHEMY_DATABASE_URI", "PHOTO_STORE", "SECRET_KEY")
    }
    config["OFFLINE_DAYS"] = 3 / 86400
    server = AppServer(config)
    yield server
    server.stop()


def test_kept_pages_expire(phone_context, short_lived_server, caseload):
    wang = caseload["wang"]
    pg = _page(phone_context, short_lived_server.url)
    _log_in_and_keep(pg, "worker_a")
    pg.wait_for_timeout(4_000)  # older than the 3-second setting
    short_lived_server.stop()
    shown = _open(pg, f"{short_lived_server.url}/residents/{wang.id}")
    assert "王秀英" not in shown
    assert pg.locator("#offline-fallback").count() == 1


def test_a_late_answer_for_the_first_user_does_not_bring_their_pages_back(
    phone_context, app_server, caseload
):
    """The first user's caseload warm-up is still fetching when the next user signs in on
    the same phone (no logout). Its answers, rendered for the first user, arrive after: they
    must not make the phone take the first user for the signed-in one again, or without
    signal the next user would be shown the first user's kept pages."""
    from app.offline.keys import WARMUP_HEADER

    base = app_server.url
    held = []

    def hold_warmup(route):
        request = route.request
        if WARMUP_HEADER.lower() in request.headers and "caseload" not in request.url:
            held.append((route, route.fetch()))  # answered now, for worker_a; delivered later
        else:
            route.continue_()

    phone_context.route("**/*", hold_warmup)
    pg = _page(phone_context, base)
    login(pg, "worker_a", PASSWORD)
    while len(held) < 2:  # both of the warm-up's fetchers wait on an answer
        pg.wait_for_timeout(100)

    phone_context.clear_cookies()
    login(pg, "secretary_a", PASSWORD)
    pg.wait_for_selector("body[data-user]", state="attached")

    route, answer = held.pop(0)
    assert "Worker_A" in answer.text()
    route.fulfill(response=answer)
    # The service worker has the late answer once the first user's kept copy is written.
    pg.wait_for_function(
        """async (url) => {
            for (const name of await caches.keys()) {
                if (!name.startsWith('gridbook-pages-')) continue;
                if (await (await caches.open(name)).match(url, {ignoreVary: true})) return true;
            }
            return false;
        }""",
        arg=route.request.url,
    )

    phone_context.set_offline(True)
    shown = _open(pg, route.request.url)
    assert "Worker_A" not in shown
    for resident in caseload.values():
        assert resident.name not in shown


def test_a_page_kept_on_an_earlier_day_says_which_day(phone_context, app_server, caseload):
    """Pages are kept for days: "as of 17:25" on a page from the day before yesterday would
    pass for today's."""
    from datetime import datetime, timedelta

    pg = _page(phone_context, app_server.url)
    _log_in_and_keep(pg, "worker_a")
    phone_context.set_offline(True)
    pg.goto(app_server.url + "/today")
    assert BANNER.match(_banner(pg))  # kept today: the time alone

    pg.clock.set_fixed_time(datetime.now() + timedelta(days=2))
    pg.goto(app_server.url + "/today")
    assert re.match(r"^离线 · 截至 \d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d 的内容$", _banner(pg))
