"""The grid worker's home: what today holds."""

from flask_login import current_user, login_required

from ..audit.services import record_read
from ..htmx import render
from ..permissions import requires
from . import bp
from .queries import today_context


@bp.route("")
@login_required
@requires("today.view")
def index():
    """Visits logged today, follow-ups and hazards due, requests with deadlines near."""
    record_read("today_viewed", "", None)
    return render("today/index.html", **today_context(current_user))
