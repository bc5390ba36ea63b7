"""The manifest, the service worker and the caseload list a worker's phone keeps."""

import io
import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from app.extensions import db
from app.models import AuditEvent
from app.timeutil import utcnow

ROOT = Path(__file__).resolve().parents[2]


def _body_attr(html: str, name: str) -> str | None:
    body = re.search(r"<body\b[^>]*>", html, re.S).group(0)
    m = re.search(rf'\s{name}="([^"]*)"', body)
    return m.group(1) if m else None


def _actions(action: str) -> list[AuditEvent]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


# ---- installable -------------------------------------------------------------------


def test_manifest_names_the_app_in_the_users_language(client):
    resp = client.get("/manifest.webmanifest")
    assert resp.status_code == 200
    assert resp.mimetype == "application/manifest+json"
    data = json.loads(resp.get_data(as_text=True))
    assert data["name"] == "网格通"
    assert data["lang"] == "zh-Hans"
    assert data["start_url"] == "/today"
    assert data["scope"] == "/"
    assert data["display"] == "standalone"
    assert data["theme_color"] == "#12366b"

    en = json.loads(client.get("/manifest.webmanifest", headers={"Accept-Language": "en"}).data)
    assert en["name"] == "Gridbook"
    assert en["lang"] == "en"


def test_manifest_icons_are_drawn_at_their_sizes(client):
    data = json.loads(client.get("/manifest.webmanifest").data)
    pngs = [i for i in data["icons"] if i["type"] == "image/png"]
    assert {i["sizes"] for i in pngs} == {"192x192", "512x512"}
    for icon in pngs:
        resp = client.get(icon["src"])
        assert resp.status_code == 200
        assert resp.mimetype == "image/png"
        size = int(icon["sizes"].split("x")[0])
        assert Image.open(io.BytesIO(resp.data)).size == (size, size)
        assert icon["src"].startswith("/")  # our own origin, no downloaded art
    svg = [i for i in data["icons"] if i["type"] == "image/svg+xml"]
    assert svg
    assert client.get(svg[0]["src"]).status_code == 200
    assert client.get("/icons/icon-64.png").status_code == 404


@pytest.mark.parametrize("who", [None, "worker_a", "secretary_a", "admin"])
def test_every_page_links_the_manifest_and_the_offline_script(client, world, login_as, who):
    if who:
        login_as(getattr(world, who))
    html = client.get("/login" if who is None else "/", follow_redirects=True).get_data(
        as_text=True
    )
    assert '<link rel="manifest" href="/manifest.webmanifest"' in html
    assert re.search(r'src="/static/js/offline\.js\?v=[0-9a-f]{16}"', html)
    assert _body_attr(html, "data-sw") == "/sw.js"
    assert "<script>" not in html  # registered from our own file, no inline script


def test_service_worker_is_served_from_the_root_with_workbox_from_our_origin(client):
    resp = client.get("/sw.js")
    assert resp.status_code == 200
    assert resp.mimetype == "application/javascript"
    assert "no-cache" in resp.headers["Cache-Control"]
    assert "no-store" not in resp.headers["Cache-Control"]
    assert resp.headers["Service-Worker-Allowed"] == "/"
    js = resp.get_data(as_text=True)
    assert re.search(r'importScripts\("/static/vendor/workbox/workbox-sw\.js\?v=[0-9a-f]+"\)', js)
    assert 'modulePathPrefix: "/static/vendor/workbox"' in js
    assert "googleapis" not in js  # workbox-sw's default CDN
    assert not re.search(r"https?://", js)
    # Contract 1: the outbox's part, guarded, installed once.
    assert re.search(r'importScripts\("/static/js/outbox-core\.js\?v=[0-9a-f]+"\)', js)
    assert js.count("gridbookOutbox.install(self)") == 1
    # The precache list comes from url_for, with a revision per file.
    config = json.loads(re.search(r"const CONFIG = (\{.*?\});\n", js).group(1))
    urls = {e["url"].split("?v=")[0] for e in config["precache"]}
    assert {"/static/js/offline.js", "/static/css/app.css", "/offline"} <= urls
    assert all(e["revision"] for e in config["precache"])
    assert config["maxAgeSeconds"] == 7 * 86400


def test_offline_days_is_a_setting(app, client):
    app.config["OFFLINE_DAYS"] = 3
    js = client.get("/sw.js").get_data(as_text=True)
    assert '"maxAgeSeconds": 259200' in js


def test_service_worker_for_a_signed_in_user_holds_nothing_personal(client, world, login_as):
    anonymous = client.get("/sw.js").get_data(as_text=True)
    login_as(world.worker_a)
    resp = client.get("/sw.js")
    assert resp.get_data(as_text=True) == anonymous
    assert "no-cache" in resp.headers["Cache-Control"]


def test_workbox_is_pinned_and_vendored_by_the_makefile():
    deps = json.loads((ROOT / "package.json").read_text())["dependencies"]
    workbox = {k: v for k, v in deps.items() if k.startswith("workbox-")}
    assert {"workbox-sw", "workbox-routing", "workbox-strategies", "workbox-precaching"} <= set(
        workbox
    )
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", v) for v in workbox.values())
    makefile = (ROOT / "Makefile").read_text()
    assert "static/vendor/workbox" in makefile
    assert "workbox-*.prod.js" in makefile


def test_csp_gains_only_worker_and_manifest_sources(client):
    csp = client.get("/login").headers["Content-Security-Policy"]
    assert "worker-src 'self'" in csp
    assert "manifest-src 'self'" in csp
    assert "script-src 'self';" in csp
    assert "unsafe" not in csp
    assert "http" not in csp


def test_fallback_page_holds_nothing_personal(client, world, login_as):
    login_as(world.worker_a)
    html = client.get("/offline").get_data(as_text=True)
    assert "Worker_A" not in html
    assert "data-user" not in html
    assert "网络未连接" in html


# ---- whose pages -------------------------------------------------------------------


def test_user_key_is_opaque_and_per_user(client, world, login_as):
    login_as(world.worker_a)
    resp = client.get("/today")
    key_a = _body_attr(resp.get_data(as_text=True), "data-user")
    assert re.fullmatch(r"[0-9a-f]{32}", key_a)
    assert resp.headers["X-Gridbook-User"] == key_a
    assert str(world.worker_a.id) != key_a
    assert "worker_a" not in key_a
    login_as(world.worker_a2)
    key_a2 = _body_attr(client.get("/today").get_data(as_text=True), "data-user")
    assert key_a2 != key_a


@pytest.mark.parametrize(
    ("who", "kept"), [("worker_a", True), ("secretary_a", False), ("admin", False)]
)
def test_only_a_field_workers_pages_may_be_kept_on_the_phone(client, world, login_as, who, kept):
    login_as(getattr(world, who))
    resp = client.get("/", follow_redirects=True)
    assert resp.headers.get("X-Gridbook-Keep") == ("1" if kept else None)


def test_signed_out_pages_name_no_user(client):
    resp = client.get("/login")
    assert _body_attr(resp.get_data(as_text=True), "data-user") == ""
    assert "X-Gridbook-User" not in resp.headers


# ---- the caseload ------------------------------------------------------------------


def test_caseload_lists_the_workers_own_grid_only(client, world, login_as, make_resident):
    own = make_resident(grid=world.a1, name="王秀英", building="3", unit="2", room="301")
    other_grid = make_resident(grid=world.a2, name="李四")
    other_community = make_resident(grid=world.b1, name="赵六")
    archived = make_resident(grid=world.a1, name="钱七", archived_at=utcnow())
    login_as(world.worker_a)
    page = client.get("/today").get_data(as_text=True)
    assert _body_attr(page, "data-offline-caseload") == "/offline/caseload.json"

    resp = client.get("/offline/caseload.json")
    assert resp.status_code == 200
    assert "no-store" in resp.headers["Cache-Control"]
    data = resp.get_json()
    assert data["user"] == _body_attr(page, "data-user")
    assert [r["name"] for r in data["residents"]] == ["王秀英"]
    row = data["residents"][0]
    assert row["url"] == f"/residents/{own.id}"
    assert "3-2-301" in row["match"]
    assert row["address"] == "3-2-301"
    for url in (
        f"/residents/{own.id}",
        f"/requests/new?resident={own.id}",
        "/today",
        "/today/follow-ups",
        "/residents",
    ):
        assert url in data["pages"]
    assert data["fragments"] == [f"/visits/new?resident={own.id}"]
    text = json.dumps(data, ensure_ascii=False)
    for r in (other_grid, other_community, archived):
        assert r.name not in text
        assert f"/residents/{r.id}" not in text


def test_caseload_keeps_recent_visits_and_their_checklists(
    client, world, login_as, make_resident, make_visit
):
    from app.models import ChecklistTemplate
    from app.screening.services import start

    resident = make_resident()
    visit = make_visit(resident=resident, purpose="screening")
    template = db.session.scalar(
        sa.select(ChecklistTemplate).where(ChecklistTemplate.code == "fire")
    )
    screening = start(visit, template, "7b0f3c84-4a07-4d3c-9a55-0d3c2b7e6a11")
    db.session.commit()
    others = make_visit(resident=make_resident(grid=world.a2), worker=world.worker_a2)
    login_as(world.worker_a)
    pages = client.get("/offline/caseload.json").get_json()["pages"]
    assert f"/visits/{visit.id}" in pages
    assert f"/screening/{screening.id}" in pages
    assert f"/visits/{others.id}" not in pages


@pytest.mark.parametrize(
    ("lang", "says"),
    [
        (
            "zh",
            {"screening": "开始排查：", "elderly_care": "开始探访：", "project": "开始工地检查："},
        ),
        (
            "en",
            {
                "screening": "Start a checklist:",
                "elderly_care": "Start a welfare check:",
                "project": "Start a site check:",
            },
        ),
    ],
)
def test_caseload_words_a_checklists_start_by_the_visits_purpose(
    client, world, login_as, lang, says
):
    """The phone's start buttons on a visit waiting to send (static/js/outbox.js): each
    purpose's own words (an elderly-care visit's welfare check read 开始排查, a screening)."""
    login_as(world.worker_a)
    data = client.get(f"/offline/caseload.json?lang={lang}").get_json()
    assert data["messages"]["start_checklists"] == says
    assert {c["purpose"] for c in data["checklists"]} == set(says)
    # A phone's outbox.js from before the purposes reads the one prefix.
    assert data["messages"]["start_checklist"] == says["screening"]


def test_caseload_is_bounded_per_grid(app, client, world, login_as, make_resident):
    app.config["OFFLINE_RESIDENTS"] = 2
    for name in ("甲", "乙", "丙"):
        make_resident(grid=world.a1, name=name)
    world.worker_a.grids = [world.a1, world.a2]
    db.session.commit()
    make_resident(grid=world.a2, name="丁")
    login_as(world.worker_a)
    names = [r["name"] for r in client.get("/offline/caseload.json").get_json()["residents"]]
    assert len(names) == 3
    assert "丁" in names


@pytest.mark.parametrize("who", ["secretary_a", "township_user", "admin"])
def test_only_workers_take_a_caseload_offline(client, world, login_as, who):
    login_as(getattr(world, who))
    assert client.get("/offline/caseload.json").status_code == 404
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert _body_attr(page, "data-offline-caseload") is None
    assert _body_attr(page, "data-user")  # still tagged: the shell and outbox need it


@pytest.mark.parametrize(
    ("who", "home", "captures"),
    [
        ("worker_a", "/today", True),
        ("secretary_a", "/review", False),
        ("township_user", "/tallies", False),
        ("inspector", "/requests", False),
        ("admin", "/admin/users", False),
    ],
)
def test_only_workers_get_the_outbox(client, world, login_as, who, home, captures):
    """The office roles capture nothing offline: no "waiting" count in the top bar, no outbox."""
    login_as(getattr(world, who))
    resp = client.get(home, headers={"Accept-Language": "zh"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert ("data-outbox-count" in html) is captures
    assert ("待发送" in html or 'id="outbox-strings"' in html) is captures
    assert (_body_attr(html, "data-outbox-js") is not None) is captures
    assert client.get("/outbox").status_code == (200 if captures else 404)
    # The shell still knows who is signed in: the service worker keys its caches by it.
    assert _body_attr(html, "data-user")


def test_caseload_needs_a_login(client):
    resp = client.get("/offline/caseload.json")
    assert resp.status_code in (302, 303)
    assert "/login" in resp.headers["Location"]


def test_taking_the_caseload_offline_is_audited_once(client, world, login_as, make_resident):
    residents = [make_resident(name=n) for n in ("甲", "乙")]
    login_as(world.worker_a)
    client.get("/offline/caseload.json")
    (event,) = _actions("caseload_taken_offline")
    assert event.user_id == world.worker_a.id
    assert json.loads(event.detail)["residents"] == 2
    # The pages fetched for it then are not audited one by one...
    for r in residents:
        assert client.get(f"/residents/{r.id}", headers={"Gridbook-Warmup": "1"}).status_code == 200
    assert _actions("resident_viewed") == []
    # ...but a page the worker opens is.
    client.get(f"/residents/{residents[0].id}")
    assert len(_actions("resident_viewed")) == 1


def test_warmup_header_changes_no_scope_and_no_other_roles_audit(
    client, world, login_as, make_resident
):
    other = make_resident(grid=world.b1)
    own = make_resident(grid=world.a1)
    login_as(world.worker_a)
    assert client.get(f"/residents/{other.id}", headers={"Gridbook-Warmup": "1"}).status_code == 404
    assert len(_actions("access_denied")) == 1
    login_as(world.secretary_a)
    assert client.get(f"/residents/{own.id}", headers={"Gridbook-Warmup": "1"}).status_code == 200
    assert len(_actions("resident_viewed")) == 1
