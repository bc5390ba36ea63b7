"""The grid worker's home: what today holds."""

from flask import abort
from flask_login import current_user, login_required

from ..htmx import render
from . import bp
from .queries import today_context


@bp.route("")
@login_required
def index():
    """Visits logged today, follow-ups and hazards due, requests with deadlines near."""
    if current_user.role != "worker":
        abort(404)
    return render("today/index.html", **today_context(current_user))
