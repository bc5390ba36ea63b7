"""Role homes, language switching and the health check."""

import sqlalchemy as sa
from flask import jsonify, redirect, url_for
from flask_login import current_user, login_required

from ..extensions import db
from . import bp

HOMES = {
    "worker": "today.index",
    "secretary": "review.queue",
    "township": "tallies.dashboard",
    "admin": "admin.users",
}


@bp.route("/")
@login_required
def home():
    """Send each role to the page it starts its day on."""
    from flask import current_app

    endpoint = HOMES.get(current_user.role, "today.index")
    if endpoint not in current_app.view_functions:
        endpoint = "main.overview"
    return redirect(url_for(endpoint))


@bp.route("/overview")
@login_required
def overview():
    """A plain landing page for roles whose own home is not built yet."""
    from ..htmx import render

    return render("main/overview.html")


@bp.route("/healthz")
def healthz():
    """Liveness and database reachability, for the reverse proxy and monitoring."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        ok = True
    except sa.exc.SQLAlchemyError:
        ok = False
    finally:
        db.session.rollback()
    return jsonify(status="ok" if ok else "error", database="ok" if ok else "unreachable"), (
        200 if ok else 503
    )
