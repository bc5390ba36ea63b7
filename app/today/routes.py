"""The grid worker's home: what today holds."""

from flask import request
from flask_login import current_user, login_required

from ..audit.services import record_read
from ..htmx import render
from ..pagination import page_number, page_of
from ..permissions import requires
from ..timeutil import local_today
from . import bp
from .queries import FOLLOW_UPS_PER_PAGE, follow_ups_page, today_context


@bp.route("")
@login_required
@requires("today.view")
def index():
    """Visits logged today, follow-ups and hazards due, requests with deadlines near."""
    record_read("today_viewed", "", None)
    return render("today/index.html", **today_context(current_user._get_current_object()))


@bp.route("/follow-ups")
@login_required
@requires("today.view")
def follow_ups():
    """Every follow-up due (Today shows the nearest few), nearest date first."""
    number = page_number(request.args)
    rows, total = follow_ups_page(
        current_user,
        local_today(),
        limit=FOLLOW_UPS_PER_PAGE + 1,
        offset=(number - 1) * FOLLOW_UPS_PER_PAGE,
    )
    page = page_of(rows, number, FOLLOW_UPS_PER_PAGE, "today.follow_ups", {})
    record_read("follow_ups_listed", "visit", None, {"hits": len(page.items)})
    return render("today/follow_ups.html", "today/_follow_ups.html", page=page, total=total)
