"""The outbox page and the small state call a replayer makes before it sends anything."""

from flask import current_app, jsonify, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from . import bp, replay  # noqa: F401  (replay: its request hooks)
from .keys import user_key


@bp.app_template_global()
def outbox_user_key() -> str:
    """The current user's outbox key for the page (empty when signed out)."""
    if current_user and current_user.is_authenticated:
        return user_key(current_user)
    return ""


@bp.app_template_global()
def outbox_dev_sw() -> str:
    """The stand-in service worker's URL when OUTBOX_DEV_SW is on (tests before /sw.js lands)."""
    return url_for("outbox.dev_sw") if current_app.config.get("OUTBOX_DEV_SW") else ""


@bp.route("")
@login_required
def index():
    """Waiting and refused entries, read from the phone by static/js/outbox.js."""
    return render_template("outbox/index.html")


@bp.route("/state")
def state():
    """Who is signed in here and a fresh CSRF token: asked before every replay."""
    if not current_user.is_authenticated:
        resp = jsonify(status="signed_out", reason=_("You are signed out. Log in to send."))
        resp.status_code = 401
    else:
        resp = jsonify(user=user_key(current_user), csrf=generate_csrf())
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("/dev-sw.js")
def dev_sw():
    """A minimal service worker for this branch's tests until the real /sw.js is merged."""
    if not current_app.config.get("OUTBOX_DEV_SW"):
        from flask import abort

        abort(404)
    resp = current_app.response_class(
        render_template("outbox/dev-sw.js"), mimetype="text/javascript"
    )
    resp.headers["Service-Worker-Allowed"] = "/"
    resp.headers["Cache-Control"] = "no-cache"
    return resp
