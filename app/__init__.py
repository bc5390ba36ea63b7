"""Gridbook: field app for community grid work."""

import json
import logging
from pathlib import Path

from flask import Flask, before_render_template, g, has_request_context, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from .config import load_config
from .db import (
    end_transaction,
    finish_unit_of_work,
    install_postgresql_hooks,
    install_sqlite_hooks,
    set_write_intent,
)
from .errors import register_errors
from .extensions import babel, compress, csrf, db, limiter, login, migrate
from .extensions import htmx as htmx_ext  # the name `htmx` is the app.htmx module
from .ids import MAX_ID
from .static_files import static_files

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# templates/, static/ and migrations/ sit beside the app package (STYLE.md).
ROOT = Path(__file__).resolve().parent.parent


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a number past the database's ids does not match (a 404),
    instead of overflowing a 64-bit column in the query."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(url_map, fixed_digits, min, max, signed)


class Gridbook(Flask):
    """Flask, with the request's unit of work committed when its view returns."""

    def dispatch_request(self):
        rv = super().dispatch_request()
        finish_unit_of_work()
        return rv

    def url_for(
        self,
        /,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values,
    ) -> str:
        # A page's static files, by far its costliest links: their URLs are kept per version.
        if (
            endpoint == "static"
            and values.keys() == {"filename"}
            and _anchor is None
            and _method is None
            and _scheme is None
            and not _external
            and has_request_context()
        ):
            url = static_files.url(values["filename"])
            if url is not None:
                return url
        return super().url_for(
            endpoint,
            _anchor=_anchor,
            _method=_method,
            _scheme=_scheme,
            _external=_external,
            **values,
        )

    def send_static_file(self, filename: str):
        # Content-hashed, precompressed, immutable when the hash matches (app/static_files.py).
        return static_files.send(filename)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the Gridbook app; test_config overrides the environment."""
    app = Gridbook(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.url_map.converters["int"] = IdConverter
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.update(load_config(instance))
    if test_config:
        app.config.update(test_config)
    if app.config.get("JINJA_BYTECODE_CACHE") is not None:
        # The test suite builds an app per test; one cache shared by them all spares each app
        # compiling the same templates again.
        app.jinja_options = {
            **app.jinja_options,
            "bytecode_cache": app.config["JINJA_BYTECODE_CACHE"],
        }

    from .photos.pipeline import limit_decodes

    limit_decodes(app.config["PHOTO_DECODES"], app.config["PHOTO_DECODE_WAIT"])

    if app.config["PROXY_COUNT"]:
        # Trust exactly as many proxies as we are told sit in front of us.
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(ROOT / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    # Before Flask-WTF's token check: a post from another site is refused as such.
    _register_origin_check(app)
    csrf.init_app(app)
    htmx_ext.init_app(app)
    limiter.init_app(app)
    login.init_app(app)
    static_files.init_app(app)
    _register_compression(app)

    from .i18n import select_locale

    babel.init_app(app, locale_selector=select_locale)

    with app.app_context():
        install_sqlite_hooks(db.engine)
        install_postgresql_hooks(db.engine)
    before_render_template.connect(finish_unit_of_work, app)

    _register_login(app)
    _register_blueprints(app)
    _register_request_hooks(app)
    register_errors(app)
    _register_templates(app)

    from .cli import register_cli

    register_cli(app)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)
    return app


def _register_login(app: Flask) -> None:
    from .accounts.services import load_session_user

    login.login_view = "accounts.login"
    login.session_protection = None  # the server-side session table does this job

    @login.user_loader
    def _load(token: str):
        user = load_session_user(token)
        if user is not None:
            from .offline.routes import user_headers

            # Answered now, while the user and their grids are loaded: after a write's
            # commit they are expired, and the end-of-request hooks would read them again.
            user_headers(user)
        return user

    @login.unauthorized_handler
    def _unauthorized():
        from flask import url_for

        from .htmx import redirect_client

        # request.full_path ends in a bare "?" when there is no query string.
        here = request.full_path.removesuffix("?")
        target = url_for(
            "accounts.login",
            next=here if request.method == "GET" and not request.htmx else None,
        )
        return redirect_client(target)


AREAS = (
    "main",
    "accounts",
    "admin",
    "today",
    "residents",
    "projects",
    "visits",
    "screening",
    "photos",
    "review",
    "hazards",
    "referrals",
    "requests",
    "tallies",
    "rounds",
    "outbox",
    "offline",
    "handovers",
)


def _register_blueprints(app: Flask) -> None:
    """Each area's package holds `bp`; its routes module attaches the views."""
    import importlib

    for name in AREAS:
        package = importlib.import_module(f"app.{name}")
        importlib.import_module(f"app.{name}.routes")
        app.register_blueprint(package.bp)


def _register_origin_check(app: Flask) -> None:
    """Refuse a state-changing request that a browser says came from another site."""
    # Flask-WTF's own origin check (WTF_CSRF_SSL_STRICT) reads only the Referer and only
    # over HTTPS; a township network often serves plain HTTP, and `Origin: null` with a
    # same-host Referer passed. So: Sec-Fetch-Site, where sent, must be same-origin or none
    # (typed, bookmarked); Origin, where sent, must be ours (scheme and host as we see them,
    # after ProxyFix); without either (old clients) a Referer, where sent, must be ours.
    from .urls import origin_of

    def from_this_site() -> bool:
        own = origin_of(request.host_url)
        site = request.headers.get("Sec-Fetch-Site")
        if site is not None and site not in ("same-origin", "none"):
            return False
        origin = request.headers.get("Origin")
        if origin is not None:
            return origin_of(origin) == own
        if site is None and request.referrer:
            return origin_of(request.referrer) == own
        return True

    @app.before_request
    def _refuse_cross_site_writes():
        if request.method in SAFE_METHODS or from_this_site():
            return None
        from flask_babel import gettext as _

        from .htmx import render, toast, wants_fragment

        app.logger.warning(
            "cross-site %s %s refused (Origin %r, Sec-Fetch-Site %r, Referer %r)",
            request.method,
            request.path,
            request.headers.get("Origin"),
            request.headers.get("Sec-Fetch-Site"),
            request.referrer,
        )
        resp = render(
            "errors/error.html",
            "errors/_error.html",
            status=403,
            code=403,
            reason="cross_site",
            refusal=None,
        )
        if wants_fragment():
            toast(resp, _("Refused: this request was sent from another website."), "error")
        return resp


def _register_compression(app: Flask) -> None:
    """Flask-Compress for every response but static files, which come compressed already."""
    compress.init_app(app)

    @app.after_request
    def _compress(resp):
        if request.endpoint == "static":
            return resp
        resp = compress.after_request(resp)
        # Flask-Compress makes the answer conditional, and werkzeug then sets a Date header
        # that the server sets again: two Date headers parse as no date, and the service
        # worker's expiry (Workbox reads Date) then keeps a page for ever.
        resp.headers.pop("Date", None)
        return resp


def _register_request_hooks(app: Flask) -> None:
    from .accounts.services import signed_in
    from .audit.services import flush_pending

    @app.before_request
    def _declare_write_intent():
        set_write_intent(request.method not in SAFE_METHODS or "lang" in request.args)

    @app.before_request
    def _refuse_nul_bytes():
        # No keyboard types U+0000, and PostgreSQL cannot store it in text: a 400 here
        # instead of a 500 from the database on a search, a form or an audit row.
        values = [request.path, *(v for _k, vs in request.args.lists() for v in vs)]
        if request.method not in SAFE_METHODS:
            values.extend(v for _k, vs in request.form.lists() for v in vs)
        if any("\x00" in v for v in values):
            from flask import abort

            abort(400)

    @app.before_request
    def _keep_language_choice():
        from .i18n import remember_lang

        remember_lang()

    app.teardown_request(flush_pending)
    # When the request's app context ends, before Flask-SQLAlchemy removes the session (its
    # teardown was registered first, so runs last): a transaction that only read ends with a
    # COMMIT on PostgreSQL (db.end_transaction). Not per request context: one pushed inside
    # an app context that is not its own (a test's session_transaction, a command rendering
    # a page) must leave that context's session alone.
    app.teardown_appcontext(end_transaction)

    @app.after_request
    def _security_headers(resp):
        h = resp.headers
        h.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
            "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
            "worker-src 'self'; manifest-src 'self'",
        )
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Permissions-Policy", "geolocation=(), microphone=(), camera=(self)")
        # Only over a connection that really is HTTPS (as ProxyFix reports it): a header
        # sent over plain HTTP would pin the host to HTTPS, which may not be there.
        if request.is_secure:
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        user = current_user._get_current_object() if request.endpoint != "static" else None
        if signed_in(user):
            # Personal data: never kept by the browser or a proxy. A view may opt in to the
            # browser's private cache for bytes that never change under their URL (photos).
            if not resp.cache_control.private:
                h["Cache-Control"] = "no-store"
        elif request.endpoint != "static":
            h.setdefault("Cache-Control", "no-cache")
        return resp


def _register_templates(app: Flask) -> None:
    from .htmx import HTMX_CONFIG
    from .i18n import (
        current_lang_code,
        is_english,
        localized_in,
        switch_lang_url,
        template_gettext,
    )
    from .permissions import can, navigation
    from .templating import register_filters

    register_filters(app)
    app.jinja_env.globals.update(can=can, navigation=navigation, switch_lang_url=switch_lang_url)

    app.context_processor(template_gettext)

    @app.context_processor
    def _globals():
        return {
            "htmx_config": json.dumps(HTMX_CONFIG),
            "csrf_header": json.dumps({"X-CSRFToken": generate_csrf()}),
            "lang": current_lang_code(),
            "is_english": is_english,
            # The render's language, looked up once: a list names a category on every row.
            "localized": localized_in("en" if is_english() else "zh"),
            "can": can,
            "demo_loaded": _demo_loaded,
            "session_lang": session.get("lang"),
        }

    def _demo_loaded() -> bool:
        if "demo_loaded" not in g:
            from .demo.data import demo_is_loaded

            g.demo_loaded = demo_is_loaded()
        return g.demo_loaded
