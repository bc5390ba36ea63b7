"""The outbox page and the small state call a replayer makes before it sends anything."""

from flask import jsonify, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from ..offline.keys import user_key
from ..permissions import requires
from . import bp, replay  # noqa: F401  (replay: its request hooks)


@bp.route("")
@login_required
@requires("outbox.capture")
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
