"""Daily logs: the worker submits the day, the secretary approves or returns it."""

import re
from datetime import date

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from .. import scope
from ..audit.services import record_read, record_refusal
from ..forms import redisplays_form_on_error
from ..htmx import fragments, render, toast, wants_fragment
from ..labels import label
from ..models import DailyLog
from ..pagination import page_number, page_of
from ..permissions import authorize, can, requires
from ..requests.deadlines import rules
from ..requests.queries import due_soon
from ..scope import get_or_404
from ..steps import Step, step_named
from ..timeutil import local_today
from . import bp, queries, services
from .badges import LazyBadges, nav_oob
from .forms import (
    ApproveForm,
    ApproveManyForm,
    QueueFilterForm,
    ReopenForm,
    ReturnForm,
    SubmitForm,
    SubmitTodayForm,
)

DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def today_status(user=None) -> dict:
    """What the worker's Today shows about their logs: today's and the returned ones."""
    user = user or current_user
    # Today's page asks three times (title, notice, the section itself): one statement, kept
    # for the request. Only on a GET: a submit must show the state after its own change.
    memo = g.get("daylog_status") if request.method == "GET" else None
    if memo is not None and memo[0] == user.id:
        return memo[1]
    today = local_today()
    log, visits, unfinished, empty, returned = queries.own_days(user, today)
    status = {
        "day": today,
        "log": log,
        "visits": visits,
        "open_screenings": unfinished,
        "empty_screenings": empty,
        "returned": returned,
    }
    if request.method == "GET":
        g.daylog_status = (user.id, status)
    return status


def prime_today_status(
    user, today, visits: list, open_screenings: int = 0, empty_screenings: int = 0
) -> None:
    """Today's status from the visits Today already loaded, sparing own_days' statement.

    Only when no day waits returned to the worker (the nav's count says so): then today's
    log is the one its visits joined (none without a visit: a log is made by its first
    visit, and a day is submitted only with visits) and its visit count is theirs, as is its
    count of checklists not finished (`open_screenings`, summed from the visits' rows) and of
    those started with nothing checked (`empty_screenings`).
    """
    if request.method != "GET" or LazyBadges().get("returned", 0):
        return
    log = visits[0].daily_log if visits else None
    g.daylog_status = (
        user.id,
        {
            "day": today,
            "log": log,
            "visits": len(visits) if log else 0,
            "open_screenings": open_screenings if log else 0,
            "empty_screenings": empty_screenings if log else 0,
            "returned": [],
        },
    )


@bp.app_context_processor
def _review_globals():
    # The return and reopen boxes are written by hand in review/_row.html: their limit too.
    return {
        "badges": LazyBadges(),
        "daylog_status": today_status,
        "review_comment_max": services.COMMENT_MAX,
    }


def day_url(log: DailyLog) -> str:
    return url_for("review.day", worker_id=log.worker_id, day=log.day.isoformat())


def _queue_context() -> dict:
    form = QueueFilterForm(formdata=request.args)
    grids = scope.grids()
    form.grid.choices = [("", _("All grids"))] + [(str(g.id), g.name) for g in grids]
    form.status.choices = [("", _("All statuses"))] + [
        (s, label("daylog_status", s)) for s in queries.QUEUE_STATUSES
    ]
    grid_id = int(form.grid.data) if form.grid.data in {str(g.id) for g in grids} else None
    status = form.status.data if form.status.data in queries.QUEUE_STATUSES else ""
    number = page_number(request.args)
    page = page_of(
        queries.queue_page(
            current_user,
            grid_id,
            status,
            limit=queries.PER_PAGE + 1,
            offset=(number - 1) * queries.PER_PAGE,
        ),
        number,
        queries.PER_PAGE,
        "review.queue",
        {"grid": grid_id, "status": status or None},
    )
    return {
        "form": form,
        "page": page,
        # The page's count is the nav's count of days waiting: counted once for both; the
        # rows alone (htmx) show neither.
        "waiting": None if wants_fragment() else LazyBadges().get("review", 0),
        "next": request.full_path.rstrip("?"),
        # Formal decisions are the secretary's: the requests near or past their deadline.
        "requests_due": due_soon(current_user, limit=30),
        "requests_due_days": rules().amber_days,
    }


@bp.route("")
@login_required
@requires("review.queue")
def queue():
    """Every worker's days with their counts and status, newest first; filter by grid, status."""
    return render("review/queue.html", "review/_rows.html", **_queue_context())


def _day_context(log: DailyLog, row=None, **extra) -> dict:
    record_read("daylog_viewed", "daily_log", log.id)
    ctx = {
        "log": log,
        "row": row or queries.queue_row(current_user, log.id),
        "detail": queries.day_detail(current_user, log),
        # The nav's count of days waiting is this number: counted once for both.
        "waiting": LazyBadges().get("review", 0) if can("review.queue") else None,
        "next": day_url(log),
    }
    ctx.update(extra)
    return ctx


@bp.route("/<int:worker_id>/<day>")
@login_required
def day(worker_id: int, day: str):
    """One worker's day in full: visits, answers, hazards and photos, with the review actions."""
    try:
        when = date.fromisoformat(day) if DAY_RE.fullmatch(day) else None
    except ValueError:
        when = None
    row = queries.day_row(current_user, worker_id, when) if when else None
    if row is None:
        record_refusal("daily_log", f"{worker_id}/{day}"[:40])
        abort(404)
    return render("review/day.html", **_day_context(row[0], row=row))


@bp.route("/days/<int:daily_log_id>")
@login_required
def show(daily_log_id: int):
    """The same day's page, found by the daily log's id."""
    return render("review/day.html", **_day_context(get_or_404(DailyLog, daily_log_id)))


def _row_response(log: DailyLog, message: str, level: str = "success", **forms):
    """The day's row as it now stands, with the queue count swapped out of band."""
    row = queries.queue_row(current_user, log.id)
    next_url = forms.pop("next", "")
    parts = [
        render_template(
            "review/_row.html", row=row, next=next_url, on_day=next_url == day_url(log), **forms
        )
    ]
    if can("review.queue"):
        parts.append(
            render_template(
                "review/_count.html", oob=True, waiting=queries.waiting_count(current_user)
            )
        )
    if level == "success":
        parts.append(nav_oob())
    return toast(fragments(*parts), message, level)


STEPS = {
    "approve": Step(
        ApproveForm,
        "review.decide",
        lambda log, user, _form: services.approve(log, user),
        _l("Day approved."),
    ),
    "return": Step(
        ReturnForm,
        "review.decide",
        lambda log, user, form: services.return_day(log, user, form.comment.data),
        _l("Day returned to the worker."),
        "return_form",
        "submitted",
    ),
    "reopen": Step(
        ReopenForm,
        "review.decide",
        lambda log, user, form: services.reopen(log, user, form.reason.data),
        _l("Day reopened; the worker can correct it."),
        "reopen_form",
        "approved",
    ),
    "submit": Step(
        SubmitForm,
        "review.submit",
        lambda log, user, _form: services.submit(log, user),
        _l("Day submitted for review."),
    ),
}


@bp.route("/days/<int:daily_log_id>/<step>", methods=["POST"])
@login_required
@redisplays_form_on_error
def step(daily_log_id: int, step: str):
    """Take one step on a day (approve, return, reopen, submit); a refusal says why."""
    todo = step_named(STEPS, step)
    authorize(todo.action)
    log = get_or_404(DailyLog, daily_log_id)
    authorize(todo.action, log)
    form = todo.form()
    next_url = form.next_url(day_url(log))
    if form.validate_on_submit():
        todo.take(log, current_user._get_current_object(), form)
        if not wants_fragment():
            flash(str(todo.done), "success")
            return redirect(next_url, code=303)
        return _row_response(log, str(todo.done), next=next_url)
    forms = {todo.form_name: form} if todo.form_name else {}
    if wants_fragment():
        return _row_response(
            log, _("Not saved: see the message in the form."), "error", next=next_url, **forms
        )
    # A form the row does not offer now (the day moved on) says its errors above the row.
    shown = todo.form_name and log.status == todo.offered_in
    refusal = None if shown else " ".join(form.all_form_errors) or None
    return render("review/day.html", **_day_context(log, refusal=refusal, **forms))


@bp.get("/days/<int:daily_log_id>/<step>")
@login_required
def step_address(daily_log_id: int, step: str):
    """The day, for a step's address reached by GET (a reload after a refused approve or
    reopen, the back button, a shared link), whoever may see it."""
    step_named(STEPS, step)  # an unknown step is a 404
    log = get_or_404(DailyLog, daily_log_id)
    return redirect(day_url(log), code=303)


def _today_response(message: str, level: str = "success", form=None):
    from ..today.queries import today_context

    resp = render(
        "today/index.html",
        "review/_today_status.html",
        submit_form=form,
        **today_context(current_user),
    )
    # No nav refresh here: rendered under this POST's endpoint it would lose its "Today"
    # highlight; the count follows on the next page.
    return toast(resp, message, level)


@bp.route("/submit", methods=["POST"])
@login_required
@requires("review.submit")
@redisplays_form_on_error
def submit():
    """Submit today's log from the Today page."""
    form = SubmitTodayForm()
    if form.validate_on_submit():
        log = queries.log_for_day(current_user, current_user.id, form.day.data or local_today())
        services.submit(log, current_user._get_current_object())
        message = _("Today's log submitted for review.")
        if not wants_fragment():
            flash(message, "success")
            return redirect(url_for("today.index"), code=303)
        return _today_response(message)
    if not wants_fragment():
        for error in form.all_form_errors:
            flash(error, "error")
        return redirect(url_for("today.index"), code=303)
    return _today_response(_("Not sent: try again."), "error", form=form)


@bp.route("/approve-many", methods=["POST"])
@login_required
@requires("review.decide")
@redisplays_form_on_error
def approve_many():
    """Approve several submitted days at once (the page asked for confirmation)."""
    form = ApproveManyForm()
    if not form.validate_on_submit():
        flash(_("Tick the days to approve."), "error")
        return redirect(url_for("review.queue"), code=303)
    logs = queries.logs_by_ids(current_user, list(dict.fromkeys(form.log_ids.data))[:100])
    done, refused = services.approve_many(logs, current_user)
    if done:
        flash(ngettext("%(num)d day approved.", "%(num)d days approved.", len(done)), "success")
    for log, message in refused:
        flash(f"{log.worker.display_name} {format_date(log.day)}: {message}", "error")
    missing = len(set(form.log_ids.data)) - len(logs)
    if missing > 0:
        flash(
            ngettext("%(num)d day was not found.", "%(num)d days were not found.", missing), "error"
        )
    return redirect(url_for("review.queue", status="submitted"), code=303)


@bp.get("/approve-many")
@login_required
@requires("review.queue")
def approve_many_address():
    """The queue of days waiting, for the approve-all address reached by GET (a reload),
    whoever may see the queue."""
    return redirect(url_for("review.queue", status="submitted"), code=303)


@bp.get("/submit")
@login_required
@requires("today.view")
def submit_address():
    """Today's page, for the submit address reached by GET (a reload), whoever may see it."""
    return redirect(url_for("today.index"), code=303)
