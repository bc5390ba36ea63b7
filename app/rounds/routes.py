"""Visit rounds: who is due a visit, and for the secretary how many are overdue per worker."""

from flask import request
from flask_login import current_user, login_required

from ..audit.services import record_read
from ..htmx import render
from ..models import User
from ..pagination import page_number, page_of
from ..permissions import requires
from ..scope import get_or_404
from ..timeutil import local_today
from . import bp, queries


@bp.route("")
@login_required
@requires("rounds.view")
def index():
    """Everyone due a visit or overdue, nearest date first; a secretary may pick a worker."""
    worker = None
    if worker_id := request.args.get("worker"):
        worker = get_or_404(User, worker_id)
    number = page_number(request.args)
    due = queries.due_list(
        current_user,
        limit=queries.PER_PAGE + 1,
        worker=worker,
        offset=(number - 1) * queries.PER_PAGE,
    )
    page = page_of(
        due.items,
        number,
        queries.PER_PAGE,
        "rounds.index",
        {"worker": worker.id if worker else None},
    )
    record_read("rounds_viewed", "resident", None, {"hits": len(page.items)})
    return render(
        "rounds/index.html",
        "rounds/_rows.html",
        page=page,
        due=due,
        worker=worker,
        today=local_today(),
        due_ahead=queries.DUE_AHEAD_DAYS,
    )


@bp.route("/workers")
@login_required
@requires("rounds.workers")
def workers():
    """Per worker of the community: residents overdue a visit and due today."""
    return render("rounds/workers.html", rows=queries.overdue_by_worker(current_user))
