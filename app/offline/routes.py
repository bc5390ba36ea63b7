"""The web app manifest, the service worker, the icons and the caseload a phone keeps."""

import hashlib
import json
from functools import cache
from pathlib import Path

from flask import Response, abort, current_app, g, jsonify, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.services import signed_in
from ..audit.services import record_later
from ..i18n import is_english
from ..labels import LABELS, label
from ..permissions import can, requires
from ..screening.routes import offline_checklist
from . import bp, icons, queries
from .keys import USER_HEADER, WARMUP_HEADER, user_key

THEME = icons.NAVY
# Set on pages the phone may keep: a field worker's. Other roles' pages (a secretary on a
# shared office PC, the audit log) are never kept, whatever the user visits.
KEEP_HEADER = "X-Gridbook-Keep"
# Kept by the service worker before any page needs them (the shell every page loads).
# Files not there on this checkout (another engineer's, not yet merged) are left out.
PRECACHE_STATIC = (
    "vendor/pico.min.css",
    "css/app.css",
    "vendor/htmx.min.js",
    "js/app.js",
    "js/offline.js",
    "js/outbox-core.js",
    "js/outbox.js",
    "js/outbox-page.js",
    "js/photos.js",
    "js/checklist-offline.js",
    "favicon.svg",
)


@cache
def _digest(path: Path, _mtime: float) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _revision(path: Path) -> str | None:
    """A fingerprint of a file's bytes: the service worker fetches it again when it changes."""
    if not path.is_file():
        return None
    return _digest(path, path.stat().st_mtime)


def _precache() -> list[dict]:
    static = Path(current_app.static_folder)
    entries = []
    for name in PRECACHE_STATIC:
        if rev := _revision(static / name):
            entries.append({"url": url_for("static", filename=name), "revision": rev})
    templates = Path(current_app.root_path).parent / "templates" / "offline"
    entries.append(
        {"url": url_for("offline.fallback"), "revision": _revision(templates / "fallback.html")}
    )
    return entries


def _shared(resp: Response) -> Response:
    # No personal data here: revalidated on each use, but the browser may keep it (the
    # app-wide rule for a signed-in user's responses is no-store).
    resp.cache_control.private = True
    resp.cache_control.no_cache = True
    return resp


@bp.route("/sw.js")
def service_worker():
    """The service worker (scope /): Workbox from our own origin, never its CDN."""
    config = {
        "precache": _precache(),
        "fallback": url_for("offline.fallback"),
        "caseload": url_for("offline.caseload"),
        "residents": url_for("residents.index"),
        # A checklist started without signal, and the blank one that stands in for it.
        "checklistPrefix": url_for("screening.show", screening_uuid="x")[:-1],
        "checklistBlank": url_for("screening.blank"),
        "staticPrefix": url_for("static", filename=""),
        # Never kept: signing in and out, the worker itself, exports and photo bytes.
        "neverCache": [
            url_for("accounts.login"),
            url_for("accounts.logout"),
            url_for("offline.service_worker"),
            url_for("offline.manifest"),
        ],
        "maxAgeSeconds": current_app.config["OFFLINE_DAYS"] * 86400,
        "maxEntries": current_app.config["OFFLINE_MAX_PAGES"],
        "networkTimeoutSeconds": current_app.config["OFFLINE_NETWORK_TIMEOUT"],
        "warmEverySeconds": current_app.config["OFFLINE_WARM_EVERY"],
        "userHeader": USER_HEADER,
        "keepHeader": KEEP_HEADER,
        "warmupHeader": WARMUP_HEADER,
    }
    body = render_template(
        "offline/sw.js",
        config=config,
        workbox_sw=url_for("static", filename="vendor/workbox/workbox-sw.js"),
        workbox_prefix=url_for("static", filename="vendor/workbox"),
    )
    resp = Response(body, mimetype="application/javascript")
    resp.headers["Service-Worker-Allowed"] = "/"
    return _shared(resp)


@bp.route("/manifest.webmanifest")
def manifest():
    """What a phone needs to install Gridbook, named in the user's language."""
    name = _("Gridbook")
    data = {
        "name": name,
        "short_name": name,
        "description": _("Visits, hazard checklists and residents' requests, door to door."),
        "lang": "en" if is_english() else "zh-Hans",
        "dir": "ltr",
        "id": "/",
        "start_url": url_for("today.index"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME,
        "background_color": "#ffffff",
        "icons": [
            {
                "src": url_for("offline.icon", size=size),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any",
            }
            for size in icons.SIZES
        ]
        + [
            {
                "src": url_for("static", filename="favicon.svg"),
                "sizes": "any",
                "type": "image/svg+xml",
                "purpose": "any",
            }
        ],
    }
    resp = Response(json.dumps(data, ensure_ascii=False), mimetype="application/manifest+json")
    resp.vary.add("Cookie")
    resp.vary.add("Accept-Language")
    return _shared(resp)


@bp.route("/icons/icon-<int:size>.png")
def icon(size: int):
    """The app icon at an installable size, drawn by app/offline/icons.py."""
    if size not in icons.SIZES:
        abort(404)
    resp = Response(icons.png(size), mimetype="image/png")
    resp.cache_control.public = True
    resp.cache_control.max_age = 86400
    return resp


@bp.route("/offline")
def fallback():
    """The page shown without signal for a page the phone did not keep (no personal data)."""
    return render_template("offline/fallback.html")


@bp.route("/offline/caseload.json")
@login_required
@requires("offline.caseload")
def caseload():
    """The worker's own pages to keep on the phone, and the data for a search without signal."""
    data = queries.caseload(current_user)
    # One audit row for the whole caseload taken onto the phone (see keys.is_warmup).
    record_later(
        "caseload_taken_offline",
        "user",
        current_user.id,
        {"residents": len(data["residents"]), "pages": len(data["pages"])},
    )
    data["user"] = user_key(current_user)
    # A checklist started on a visit still waiting in the outbox (static/js/outbox.js).
    data["start_checklist"] = {
        **offline_checklist("template_id"),
        "action": url_for("screening.start"),
        "visits": url_for("visits.create"),
    }
    data["messages"] = {
        # Kept for a phone whose outbox.js is from before the words by purpose.
        "start_checklist": _("Start a checklist:"),
        # By the waiting visit's purpose: an elderly-care visit's starts a welfare check.
        "start_checklists": {p: label("checklist_start", p) for p in LABELS["checklist_start"]},
        "no_match": _("No resident in your grids matches “%(q)s”.", q="{q}"),
        "none": _("No residents."),
        "searched_here": _("Searched on this phone, among the residents kept for offline use."),
    }
    return jsonify(data)


@bp.app_context_processor
def _offline_globals():
    return {"current_user_key": user_key(current_user._get_current_object())}


@bp.after_app_request
def _name_the_user(resp: Response) -> Response:
    # The service worker keeps a page only under the user it was rendered for, and learns
    # from a page without this header that nobody is signed in (contract 3, issue 12).
    user = current_user._get_current_object()
    named = g.get("named_user")
    if named is None or named[0] is not user:
        named = user_headers(user)
    for name, value in named[1].items():
        resp.headers[name] = value
    return resp


def user_headers(user) -> tuple:
    """The headers for this user, remembered with it for the rest of the request: after a
    write's commit every loaded row is expired, and asking again would read the user and
    their grids once more for the same answer."""
    headers = {}
    if signed_in(user):
        headers[USER_HEADER] = user_key(user)
        if can("offline.caseload", user=user):
            headers[KEEP_HEADER] = "1"
    g.named_user = (user, headers)
    return g.named_user
