"""Role homes, language switching and the health check."""

import sqlalchemy as sa
from flask import jsonify, redirect, url_for
from flask_login import login_required

from ..extensions import db
from ..permissions import home_endpoint
from . import bp


@bp.route("/")
@login_required
def home():
    """Send each role to the page it starts its day on."""
    return redirect(url_for(home_endpoint()))


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
