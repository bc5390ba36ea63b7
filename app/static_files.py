"""Static files under URLs that name their content, kept by browsers for a year.

`url_for('static', filename=...)` adds `?v=<hash of the file's bytes>`. A request whose `v`
is the file's current hash gets `Cache-Control: public, max-age=31536000, immutable`: a
phone downloads htmx and Pico once and never asks again until a deploy changes the bytes,
and with them the URL. A request with an old hash (a page rendered before a deploy, a
service worker's old list) or none still gets the file, the current one, but with
`no-cache`, so nothing under a stale URL is kept as if it were forever.

Text files (CSS, JS, SVG, JSON) are sent compressed with brotli or gzip at (nearly) the best
level, compressed at first request once per file version and kept in memory: a few hundred
KB per process for the whole folder. Our own CSS and JS (any file not named `*.min.*`) are
minified first (rcssmin, rjsmin: comments and blanks out, names kept), so the sources stay
commented and readable while a phone's first load does not pay for the comments: about a
third less after compression. An uncompressed or ranged request gets the file as it is.
Script and stylesheet answers carry only the headers that apply to them (no page policies).
Dynamic responses are compressed by Flask-Compress (app/__init__.py), which is told to leave
this endpoint alone.

Hashes are computed at a file's first use and kept while its size and mtime stay the same,
so a file edited under `make dev` gets a new URL at once and production pays one stat() per
url_for call. The URL itself is built once per file version and script root (`url`): every
page names the same nine files, and building each with its `?v=` cost twice the stat.
"""

import gzip
import hashlib
import mimetypes
import os
import stat
import threading
from dataclasses import dataclass, field
from urllib.parse import quote

import brotli
import rcssmin
import rjsmin
from flask import Flask, abort, current_app, request, send_from_directory, url_for
from werkzeug.security import safe_join

IMMUTABLE = "public, max-age=31536000, immutable"
HASH_LENGTH = 16  # hex digits of SHA-256: collisions between two versions of a file are moot
COMPRESSIBLE = frozenset(
    {
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/manifest+json",
        "image/svg+xml",
        "text/plain",
    }
)
# Characters left as they are in a data: URI (RFC 2397 allows any URL character there).
SAFE_IN_DATA_URI = " /=:;,'()!*-._~"
ENCODINGS = ("br", "gzip")  # in the server's order of preference at equal quality
BR_BEST_UP_TO = 128 * 1024
MINIFIERS = {
    "text/css": lambda raw: rcssmin.cssmin(raw),
    "text/javascript": lambda raw: rjsmin.jsmin(raw),
    "application/javascript": lambda raw: rjsmin.jsmin(raw),
}
# Headers that only a page (a document) or a worker obeys: on a script or stylesheet they are
# dead bytes, about 400 of them on each of a first load's requests.
PAGE_ONLY_HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "Permissions-Policy",
    "Referrer-Policy",
)


@dataclass
class _Version:
    stamp: tuple[int, int]  # (mtime_ns, size) when hashed
    digest: str
    path: str
    mimetype: str
    encoded: dict[str, bytes] = field(default_factory=dict)
    data_uri: str | None = None
    urls: dict[str, str] = field(default_factory=dict)  # by the request's script root
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class StaticFiles:
    """Hashes and compressed copies of the app's static folder, filled at first use."""

    def __init__(self, app: Flask | None = None) -> None:
        self._versions: dict[str, _Version] = {}
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        app.extensions["static_files"] = self
        app.url_defaults(self._add_hash)
        app.add_template_global(self.data_uri, "static_data_uri")
        # Registered before the app's own hooks, so it runs after them (Flask runs
        # after_request hooks in reverse): what they set for pages is taken off again here.
        app.after_request(self._drop_page_headers)

    @staticmethod
    def _drop_page_headers(resp):
        if request.endpoint == "static" and resp.mimetype in MINIFIERS:
            for name in PAGE_ONLY_HEADERS:
                resp.headers.pop(name, None)
        return resp

    def _add_hash(self, endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values and "filename" in values:
            version = self.version(values["filename"])
            if version is not None:
                values["v"] = version.digest

    def version(self, filename: str) -> _Version | None:
        """The file's current version, or None when there is no such file."""
        folder = current_app.static_folder
        path = safe_join(folder, filename) if folder else None
        if path is None:
            return None
        try:
            st = os.stat(path)
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        stamp = (st.st_mtime_ns, st.st_size)
        known = self._versions.get(path)
        if known is not None and known.stamp == stamp:
            return known
        with open(path, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()[:HASH_LENGTH]
        mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
        version = _Version(stamp, digest, path, mimetype)
        self._versions[path] = version
        return version

    def url(self, filename: str) -> str | None:
        """`url_for('static', filename=...)` in this request, built once per file version and
        script root (a pure function of them); None when there is no such file."""
        version = self.version(filename)
        if version is None:
            return None
        root = request.script_root
        url = version.urls.get(root)
        if url is None:
            url = version.urls[root] = url_for("static", filename=filename, v=version.digest)
        return url

    def data_uri(self, filename: str) -> str:
        """A small static file written into the page itself (the favicon): no request at all,
        where a `<link rel=icon>` URL costs one on every page load, cached or not."""
        version = self.version(filename)
        if version is None:
            raise FileNotFoundError(filename)
        if version.data_uri is None:
            with open(version.path, "rb") as fh:
                # Line breaks as spaces: an encoded newline (%0A) in a page is what checks
                # for header or script injection look for; a page should not carry one.
                data = quote(b" ".join(fh.read().split()), safe=SAFE_IN_DATA_URI)
            version.data_uri = f"data:{version.mimetype},{data}"
        return version.data_uri

    def _encoded(self, version: _Version, encoding: str) -> bytes:
        data = version.encoded.get(encoding)
        if data is None:
            with version.lock:  # once per file version, whatever the number of threads
                data = version.encoded.get(encoding)
                if data is None:
                    raw = self.minified(version)
                    if encoding == "br":
                        # Brotli's best level costs about 1 s per 200 KB: paid once per
                        # worker for htmx and Pico, but not for Chart.js (7% larger at 9).
                        quality = 11 if len(raw) <= BR_BEST_UP_TO else 9
                        data = brotli.compress(raw, quality=quality)
                    else:
                        data = gzip.compress(raw, compresslevel=9, mtime=0)
                    version.encoded[encoding] = data
        return data

    @staticmethod
    def minified(version: _Version) -> bytes:
        """The file's bytes as sent compressed: minified if it is our own CSS or JS."""
        with open(version.path, "rb") as fh:
            raw = fh.read()
        minify = MINIFIERS.get(version.mimetype)
        if minify is None or ".min." in os.path.basename(version.path):
            return raw
        return minify(raw.decode("utf-8")).encode("utf-8")

    def send(self, filename: str):
        """The static view: the file, compressed where that helps, cached as its URL allows."""
        version = self.version(filename)
        if version is None:
            abort(404)
        encoding = None
        if version.mimetype in COMPRESSIBLE and "Range" not in request.headers:
            encoding = request.accept_encodings.best_match(ENCODINGS)
        if encoding:
            resp = current_app.response_class(
                self._encoded(version, encoding), mimetype=version.mimetype
            )
            resp.headers["Content-Encoding"] = encoding
            resp.set_etag(f"{version.digest}-{encoding}")
            resp.make_conditional(request)
        else:
            resp = send_from_directory(current_app.static_folder, filename)
        if version.mimetype in COMPRESSIBLE:
            resp.vary.add("Accept-Encoding")
        if request.args.get("v") == version.digest:
            resp.headers["Cache-Control"] = IMMUTABLE
        else:
            resp.headers["Cache-Control"] = "no-cache"
        return resp


static_files = StaticFiles()
