"""Daily logs: the worker submits the day, the secretary approves or returns it."""

import re
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from ..audit.services import record_refusal
from ..extensions import db
from ..forms import redisplays_form_on_error
from ..htmx import fragments, render, toast, trigger, wants_fragment
from ..labels import label
from ..models import DailyLog
from ..pagination import page_number, paginate
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
from .services import TransitionRefused

DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def today_status(user=None) -> dict:
    """What the worker's Today shows about their logs: today's and the returned ones."""
    user = user or current_user
    today = local_today()
    log = queries.log_for_day(user, user.id, today)
    return {
        "day": today,
        "log": log,
        "visits": services.visit_count(log) if log is not None else 0,
        "returned": [r for r in queries.recent_returned(user) if r.day != today],
    }


@bp.app_context_processor
def _review_globals():
    return {"badges": LazyBadges(), "daylog_status": today_status}


def _secretary_only() -> None:
    if current_user.role != "secretary":
        abort(404)


def _worker_only() -> None:
    if current_user.role != "worker":
        abort(404)


def _log_or_404(log_id: int) -> DailyLog:
    log = queries.log_by_id(current_user, log_id)
    if log is None:
        record_refusal("daily_log", log_id)
        abort(404)
    return log


def day_url(log: DailyLog) -> str:
    return url_for("review.day", worker_id=log.worker_id, day=log.day.isoformat())


def _queue_context() -> dict:
    form = QueueFilterForm(formdata=request.args)
    grids = queries.grids_for(current_user)
    form.grid.choices = [("", _("All grids"))] + [(str(g.id), g.name) for g in grids]
    form.status.choices = [("", _("All statuses"))] + [
        (s, label("daylog_status", s)) for s in queries.QUEUE_STATUSES
    ]
    grid_id = int(form.grid.data) if form.grid.data in {str(g.id) for g in grids} else None
    status = form.status.data if form.status.data in queries.QUEUE_STATUSES else ""
    page = paginate(
        queries.queue(current_user, grid_id, status),
        "review.queue",
        {"grid": grid_id, "status": status or None},
        number=page_number(request.args),
        per_page=queries.PER_PAGE,
        scalars=False,
    )
    return {
        "form": form,
        "page": page,
        "waiting": queries.waiting_count(current_user),
        "next": request.full_path.rstrip("?"),
    }


@bp.route("")
@login_required
def queue():
    """Every worker's days with their counts and status, newest first; filter by grid, status."""
    _secretary_only()
    return render("review/queue.html", "review/_rows.html", **_queue_context())


def _day_context(log: DailyLog, **extra) -> dict:
    ctx = {
        "log": log,
        "row": queries.queue_row(current_user, log.id),
        "detail": queries.day_detail(current_user, log),
        "waiting": queries.waiting_count(current_user)
        if current_user.role == "secretary"
        else None,
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
    log = queries.log_for_day(current_user, worker_id, when) if when else None
    if log is None:
        record_refusal("daily_log", f"{worker_id}/{day}"[:40])
        abort(404)
    return render("review/day.html", **_day_context(log))


def _row_response(log: DailyLog, message: str, level: str = "success", **forms):
    """The day's row as it now stands, with the queue count swapped out of band."""
    row = queries.queue_row(current_user, log.id)
    parts = [render_template("review/_row.html", row=row, next=forms.pop("next", ""), **forms)]
    if current_user.role == "secretary":
        parts.append(
            render_template(
                "review/_count.html", oob=True, waiting=queries.waiting_count(current_user)
            )
        )
    if level == "success":
        parts.append(nav_oob())
    resp = fragments(*parts)
    if level == "success":
        trigger(resp, {"log-reviewed": {"id": log.id, "status": log.status}})
    return toast(resp, message, level)


def _refused(log: DailyLog, exc: TransitionRefused, next_url: str):
    """A step the day's state does not allow: the row as it is, or the day page with 409."""
    db.session.rollback()
    log = db.session.get(DailyLog, log.id)
    if wants_fragment():
        return _row_response(log, str(exc.message), "error", next=next_url)
    return render("review/day.html", status=409, **_day_context(log, refusal=exc.message))


def _invalid(log: DailyLog, next_url: str, **forms):
    """A form with errors: the row with what was typed, or the day page with it."""
    if wants_fragment():
        return _row_response(
            log, _("Not saved: see the message in the form."), "error", next=next_url, **forms
        )
    return render("review/day.html", **_day_context(log, **forms))


def _done(log: DailyLog, form, message: str):
    if not wants_fragment():
        flash(message, "success")
        return redirect(form.next_url(day_url(log)), code=303)
    return _row_response(log, message, next=form.next_url(day_url(log)))


@bp.route("/<int:daily_log_id>/approve", methods=["POST"])
@login_required
@redisplays_form_on_error
def approve(daily_log_id: int):
    """Approve a submitted day; it is locked from now on."""
    _secretary_only()
    log = _log_or_404(daily_log_id)
    form = ApproveForm()
    if not form.validate_on_submit():
        return _invalid(log, form.next_url(day_url(log)))
    try:
        services.approve(log, current_user)
    except TransitionRefused as exc:
        return _refused(log, exc, form.next_url(day_url(log)))
    return _done(log, form, _("Day approved."))


@bp.route("/<int:daily_log_id>/return", methods=["POST"])
@login_required
@redisplays_form_on_error
def return_day(daily_log_id: int):
    """Send a submitted day back to the worker with a comment."""
    _secretary_only()
    log = _log_or_404(daily_log_id)
    form = ReturnForm()
    if not form.validate_on_submit():
        return _invalid(log, form.next_url(day_url(log)), return_form=form)
    try:
        services.return_day(log, current_user, form.comment.data)
    except TransitionRefused as exc:
        return _refused(log, exc, form.next_url(day_url(log)))
    return _done(log, form, _("Day returned to the worker."))


@bp.route("/<int:daily_log_id>/reopen", methods=["POST"])
@login_required
@redisplays_form_on_error
def reopen(daily_log_id: int):
    """Unlock an approved day, giving the reason; the worker sees it as returned."""
    _secretary_only()
    log = _log_or_404(daily_log_id)
    form = ReopenForm()
    if not form.validate_on_submit():
        return _invalid(log, form.next_url(day_url(log)), reopen_form=form)
    try:
        services.reopen(log, current_user, form.reason.data)
    except TransitionRefused as exc:
        return _refused(log, exc, form.next_url(day_url(log)))
    return _done(log, form, _("Day reopened; the worker can correct it."))


@bp.route("/<int:daily_log_id>/submit", methods=["POST"])
@login_required
@redisplays_form_on_error
def submit_day(daily_log_id: int):
    """The worker submits (or resubmits) one of their days from its page."""
    _worker_only()
    log = _log_or_404(daily_log_id)
    form = SubmitForm()
    if not form.validate_on_submit():
        return _invalid(log, form.next_url(day_url(log)))
    try:
        services.submit(log, current_user)
    except TransitionRefused as exc:
        return _refused(log, exc, form.next_url(day_url(log)))
    return _done(log, form, _("Day submitted for review."))


def _today_response(message: str, level: str = "success", status: int = 200, form=None):
    resp = render(
        "today/index.html",
        "review/_today_status.html",
        status=status,
        submit_form=form,
        **_today_page_context(),
    )
    if level == "success":
        # No nav refresh here: rendered under this POST's endpoint it would lose its
        # "Today" highlight; the count follows on the next page.
        trigger(resp, {"log-submitted": True})
    return toast(resp, message, level)


def _today_page_context() -> dict:
    from ..today.queries import today_context

    return today_context(current_user)


@bp.route("/submit", methods=["POST"])
@login_required
@redisplays_form_on_error
def submit():
    """Submit today's log from the Today page."""
    _worker_only()
    form = SubmitTodayForm()
    if not form.validate_on_submit():
        return _today_response(_("Not sent: try again."), "error", form=form)
    log = queries.log_for_day(current_user, current_user.id, form.day.data or local_today())
    try:
        if log is None:
            raise TransitionRefused(_("Log at least one visit before submitting the day."))
        services.submit(log, current_user)
    except TransitionRefused as exc:
        db.session.rollback()
        if not wants_fragment():
            flash(str(exc.message), "error")
            return redirect(url_for("today.index"), code=303)
        return _today_response(str(exc.message), "error")
    if not wants_fragment():
        flash(_("Today's log submitted for review."), "success")
        return redirect(url_for("today.index"), code=303)
    return _today_response(_("Today's log submitted for review."))


@bp.route("/approve-many", methods=["POST"])
@login_required
@redisplays_form_on_error
def approve_many():
    """Approve several submitted days at once (the page asked for confirmation)."""
    _secretary_only()
    form = ApproveManyForm()
    if not form.validate_on_submit():
        flash(_("Tick the days to approve."), "error")
        return redirect(url_for("review.queue"), code=303)
    logs = queries.logs_by_ids(current_user, list(dict.fromkeys(form.log_ids.data))[:100])
    done, refused = services.approve_many(logs, current_user)
    if done:
        flash(ngettext("%(num)d day approved.", "%(num)d days approved.", len(done)), "success")
    for log, message in refused:
        flash(f"{log.worker.display_name} {log.day.isoformat()}: {message}", "error")
    missing = len(set(form.log_ids.data)) - len(logs)
    if missing > 0:
        flash(
            ngettext("%(num)d day was not found.", "%(num)d days were not found.", missing), "error"
        )
    return redirect(url_for("review.queue", status="submitted"), code=303)
