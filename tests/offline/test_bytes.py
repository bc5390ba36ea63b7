"""Issue 12, item 8: fewer bytes over a slow link.

Compressed responses (Vary kept right) and content-hashed static URLs kept a year only when
the hash is the file's. In the browser: tests/browser/test_bytes.py; the byte and time
figures: bench/offline_bytes.py.
"""

import gzip
import hashlib
import io
import re
import zipfile
from pathlib import Path

import brotli
import rcssmin
import sqlalchemy as sa

from app.extensions import db
from app.models import Photo
from app.static_files import IMMUTABLE
from tests.photos.images import jpeg_with_metadata

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"
BR = {"Accept-Encoding": "gzip, deflate, br, zstd"}
STATIC_URL = re.compile(r"""(?:href|src)="(/static/[^"]+)\"""")
# Scripts app.js loads where they have work (photos.js, the outbox's): their URLs sit in
# body data-*-js attributes, several in one separated by spaces.
LAZY_URLS = re.compile(r'data-[a-z-]+-js="([^"]+)"')


def _vary(resp) -> set[str]:
    return {v.strip().lower() for v in resp.headers.get("Vary", "").split(",") if v.strip()}


def _static_urls(html: str) -> list[str]:
    urls = STATIC_URL.findall(html) + [u for v in LAZY_URLS.findall(html) for u in v.split()]
    return [u.replace("&amp;", "&") for u in urls]


# ---- compression ---------------------------------------------------------------------------


def test_pages_are_sent_compressed_and_vary_says_on_what(client, login_as, world):
    login_as(world.worker_a)
    plain = client.get("/today")
    assert plain.status_code == 200
    assert "Content-Encoding" not in plain.headers  # a client that did not ask gets it plain

    resp = client.get("/today", headers=BR)
    assert resp.headers["Content-Encoding"] == "br"
    body = brotli.decompress(resp.data)  # the same page (but for its fresh CSRF token)
    assert body.startswith(b"<!doctype html>")
    assert len(body) == len(plain.data)
    assert {"hx-request", "accept-encoding"} <= _vary(resp)
    assert int(resp.headers["Content-Length"]) == len(resp.data) < len(plain.data) / 2

    gz = client.get("/today", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip"
    assert {"hx-request", "accept-encoding"} <= _vary(gz)


def test_htmx_fragments_are_compressed_too(client, login_as, world, make_resident):
    login_as(world.worker_a)
    for n in range(12):
        make_resident(name=f"王{n}", room=f"{n:03}")
    page = client.get("/residents?q=王", headers=BR)
    frag = client.get("/residents?q=王", headers=BR, htmx=True)
    assert frag.headers["Content-Encoding"] == "br"
    assert {"hx-request", "accept-encoding"} <= _vary(frag)
    body = brotli.decompress(frag.data)
    assert b"<html" not in body
    assert "王1".encode() in body
    assert len(brotli.decompress(page.data)) > len(body)


def test_photos_are_never_recompressed(client, login_as, world, make_resident, make_visit):
    login_as(world.worker_a)
    visit = make_visit(resident=make_resident())
    client.post(
        "/photos",
        data={
            "owner_type": "visit",
            "owner_id": str(visit.id),
            "client_uuid": "5b2f7f4e-6a55-4b43-8d1c-0c1f4f0a0b01",
            "photos": [(io.BytesIO(jpeg_with_metadata(size=(1200, 900))), "a.jpg")],
        },
        content_type="multipart/form-data",
        htmx=True,
    )
    photo = db.session.scalar(sa.select(Photo))
    for path in (f"/photos/{photo.id}", f"/photos/{photo.id}/thumb"):
        resp = client.get(path, headers=BR)
        assert resp.status_code == 200
        assert resp.mimetype == "image/jpeg"
        assert "Content-Encoding" not in resp.headers
        assert resp.data[:2] == b"\xff\xd8"


def test_exports_still_stream_whole_files(client, login_as, world, make_visit, make_resident):
    make_visit(resident=make_resident())
    login_as(world.township_user)
    xlsx = client.get("/tallies/export.xlsx", headers=BR)
    assert xlsx.status_code == 200
    assert "Content-Encoding" not in xlsx.headers  # a zip already
    assert zipfile.ZipFile(io.BytesIO(xlsx.data)).testzip() is None
    csv = client.get("/tallies/export.csv", headers=BR)
    assert csv.status_code == 200
    assert "Content-Encoding" not in csv.headers
    assert csv.data.count(b"\n") > 1


# ---- content-hashed static URLs ------------------------------------------------------------


def test_pages_name_static_files_by_their_content(client, login_as, world):
    login_as(world.worker_a)
    html = client.get("/today").get_data(as_text=True)
    urls = _static_urls(html)
    assert {u.split("?")[0] for u in urls} >= {
        "/static/vendor/pico.min.css",
        "/static/css/app.css",
        "/static/vendor/htmx.min.js",
        "/static/js/app.js",
        "/static/js/offline.js",
        "/static/js/photos.js",
        "/static/js/outbox-core.js",
        "/static/js/outbox.js",
    }
    for url in urls:
        path, _, query = url.partition("?v=")
        digest = hashlib.sha256((STATIC / path.removeprefix("/static/")).read_bytes()).hexdigest()
        assert len(query) >= 12, url
        assert query == digest[: len(query)], url
    # The favicon comes inside the page: no request for it, cached or not.
    assert 'rel="icon" href="data:image/svg+xml,' in html


def test_hashed_url_is_kept_a_year_stale_or_bare_one_is_checked_each_time(client):
    with client.application.test_request_context():
        from flask import url_for

        current = url_for("static", filename="css/app.css")
    raw = (STATIC / "css/app.css").read_bytes()
    sent = rcssmin.cssmin(raw.decode()).encode()  # compressed answers carry it minified

    fresh = client.get(current, headers=BR)
    assert fresh.status_code == 200
    assert fresh.headers["Cache-Control"] == IMMUTABLE
    assert fresh.headers["Content-Encoding"] == "br"
    assert "accept-encoding" in _vary(fresh)
    assert brotli.decompress(fresh.data) == sent

    for stale in ("/static/css/app.css?v=0123456789abcdef", "/static/css/app.css"):
        resp = client.get(stale, headers=BR)
        assert resp.status_code == 200
        assert resp.headers["Cache-Control"] == "no-cache"  # never "immutable" here
        assert brotli.decompress(resp.data) == sent  # still the file: an old page keeps working

    # A browser revalidating the current URL is told it has it.
    again = client.get(current, headers={**BR, "If-None-Match": fresh.headers["ETag"]})
    assert again.status_code == 304
    # Without compression, ranges still work.
    part = client.get(current, headers={"Range": "bytes=0-9"})
    assert part.status_code == 206
    assert part.data == raw[:10]
    assert "Content-Encoding" not in part.headers

    assert client.get("/static/css/nope.css?v=0123456789abcdef").status_code == 404
    assert client.get("/static/../app/__init__.py").status_code == 404


def test_our_scripts_and_styles_go_minified_with_only_the_headers_they_use(client):
    """Comments and blanks stay in the sources, not on the wire; a script or stylesheet gets
    no page policies (CSP, frame and permission headers: a document's, dead bytes here)."""
    with client.application.test_request_context():
        from flask import url_for

        urls = {
            name: url_for("static", filename=name)
            for name in ("js/outbox.js", "css/app.css", "vendor/htmx.min.js", "favicon.svg")
        }
    for name in ("js/outbox.js", "css/app.css"):
        raw = (STATIC / name).read_bytes()
        resp = client.get(urls[name], headers={"Accept-Encoding": "gzip"})
        body = gzip.decompress(resp.data)
        assert resp.headers["Content-Encoding"] == "gzip"
        assert len(body) < len(raw) * 0.85, name
        assert b"/*" not in body, name
        assert b"\n//" not in body, name
        assert b"\n//" in raw or b"/*" in raw  # the source keeps its comments
        assert "Content-Security-Policy" not in resp.headers
        assert "X-Frame-Options" not in resp.headers
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
    # The outbox's code survives: its names and strings are all there.
    js = gzip.decompress(client.get(urls["js/outbox.js"], headers={"Accept-Encoding": "gzip"}).data)
    for word in (b"outbox-queued", b"gridbookOutbox", b"BroadcastChannel", b"data-outbox-mark"):
        assert word in js
    # Files that come minified are sent as they are; an SVG (a document of its own when
    # opened) keeps the page policies.
    htmx = client.get(urls["vendor/htmx.min.js"], headers={"Accept-Encoding": "gzip"})
    assert gzip.decompress(htmx.data) == (STATIC / "vendor/htmx.min.js").read_bytes()
    svg = client.get(urls["favicon.svg"], headers={"Accept-Encoding": "gzip"})
    assert "Content-Security-Policy" in svg.headers
    # A plain request (no compression) gets the file byte for byte.
    plain = client.get(urls["js/outbox.js"])
    assert plain.data == (STATIC / "js/outbox.js").read_bytes()


def test_a_changed_file_gets_a_new_url(app, client, tmp_path):
    (tmp_path / "site.css").write_text("body { color: red; }\n")
    app.static_folder = str(tmp_path)
    with app.test_request_context():
        from flask import url_for

        first = url_for("static", filename="site.css")
        (tmp_path / "site.css").write_text("body { color: blue; } /* edited */\n")
        second = url_for("static", filename="site.css")
        assert url_for("static", filename="missing.css") == "/static/missing.css"
    assert first != second
    old = client.get(first)
    assert old.headers["Cache-Control"] == "no-cache"
    assert b"blue" in old.data
    assert client.get(second).headers["Cache-Control"] == IMMUTABLE


def test_a_static_url_is_built_once_per_file_version_and_root(app, tmp_path, monkeypatch):
    """Every page names the same static files: their URLs are built once per version of the
    file and per script root (a deployment under a path), then given as built."""
    from flask import url_for
    from werkzeug.routing import MapAdapter

    (tmp_path / "site.css").write_text("body { color: red; }\n")
    app.static_folder = str(tmp_path)
    built = []
    build = MapAdapter.build

    def counted(self, endpoint, *args, **kwargs):
        if endpoint == "static":
            built.append(endpoint)
        return build(self, endpoint, *args, **kwargs)

    monkeypatch.setattr(MapAdapter, "build", counted)

    def urls() -> list[str]:
        out = []
        for root in ("", "", "/grid", "/grid"):
            with app.test_request_context(base_url=f"http://localhost{root}/"):
                out.append(url_for("static", filename="site.css"))
        return out

    first = urls()
    digest = hashlib.sha256(b"body { color: red; }\n").hexdigest()[:16]
    assert first == [f"/static/site.css?v={digest}"] * 2 + [f"/grid/static/site.css?v={digest}"] * 2
    assert len(built) == 2
    (tmp_path / "site.css").write_text("body { color: blue; } /* edited */\n")
    second = urls()
    assert second[0] != first[0]
    assert second[2] == "/grid" + second[0]
    assert len(built) == 4
    with app.test_request_context():
        # Any other argument goes through url_for as it is.
        assert url_for("static", filename="site.css", _anchor="x") == second[0] + "#x"
        assert url_for("static", filename="missing.css") == "/static/missing.css"
    assert len(built) == 6


def test_no_static_path_is_written_by_hand():
    """Templates, our JS and CSS name static files through url_for only (or relative CSS
    url()s), so every URL carries its hash and the service worker's list follows."""
    offenders = []
    files = [*(ROOT / "templates").rglob("*.html"), *(STATIC / "js").glob("*.js")]
    files += list((STATIC / "css").glob("*.css"))
    for path in files:
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if "/static/" in line:
                offenders.append(f"{path.relative_to(ROOT)}:{n}")
    for css in (STATIC / "css").glob("*.css"):
        for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)", css.read_text()):
            if not ref.startswith("data:") and (ref.startswith("/") or "//" in ref):
                offenders.append(f"{css.relative_to(ROOT)}: url({ref})")
    assert offenders == []


def test_a_compressed_page_leaves_its_date_to_the_server(client):
    # The server writes Date; a second one from the app reads as no date at all, and the
    # service worker's expiry of kept pages (Workbox parses Date) would never come.
    resp = client.get("/login", headers={"Accept-Encoding": "br"})
    assert resp.headers.get("Content-Encoding") == "br"
    assert resp.headers.getlist("Date") == []
