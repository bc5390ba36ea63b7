"""Users, their roles and scopes, and the audit log: the administrator's pages."""

from datetime import timedelta

import sqlalchemy as sa
from babel.lists import format_list
from flask import abort, flash, redirect, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.models import user_grids
from ..accounts.services import create_user, set_active, set_password, set_scope
from ..audit.services import record
from ..extensions import db
from ..forms import redisplays_form_on_error
from ..htmx import render
from ..i18n import current_lang_code
from ..models import AuditEvent, CareReason, Community, Grid, Township, User
from ..pagination import page_number, paginate
from ..permissions import ADMIN, requires
from ..places import by_name, grids_in_order
from ..requests.deadlines import knows_year, schedule_status
from ..requests.holidays import as_ranges, as_text, entered_days, set_year
from ..scope import get_or_404, select_for
from ..timeutil import day_start_utc, local_today
from . import bp
from .forms import AuditFilterForm, HolidayYearForm, UserForm, cadence_form
from .services import set_visit_cadence


def _place_choices() -> dict:
    return {
        "townships": list(db.session.scalars(sa.select(Township).order_by(Township.name))),
        "communities": by_name(db.session.scalars(sa.select(Community))),
        "grids": grids_in_order(
            db.session.execute(sa.select(Grid, Community.name).join(Grid.community)).all()
        ),
    }


@bp.route("/")
@login_required
@requires("admin.manage")
def index():
    return redirect(url_for("admin.users"))


@bp.route("/users")
@login_required
@requires("admin.manage")
def users():
    """Everyone who can log in, with role and scope."""
    stmt = select_for(User).order_by(User.role, User.username)
    page = paginate(stmt, "admin.users", {}, number=page_number(request.args), per_page=50)
    return render("admin/users.html", page=page, holidays=schedule_status())


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
@requires("admin.manage")
@redisplays_form_on_error
def user_new():
    """Create a user with a role and a scope."""
    form = UserForm(creating=True, **_place_choices())
    if form.validate_on_submit():
        user = create_user(
            form.username.data,
            form.password.data,
            form.role.data,
            form.display_name.data,
            township_id=form.township_id.data or None,
            community_id=form.community_id.data or None,
            grid_ids=form.grid_ids.data,
            actor=current_user,
        )
        flash(_("User created."), "success")
        return redirect(url_for("admin.user_edit", user_id=user.id), code=303)
    return render("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@login_required
@requires("admin.manage")
@redisplays_form_on_error
def user_edit(user_id: int):
    """Change a user's name, role, scope, password or active state."""
    user = get_or_404(User, user_id)
    form = UserForm(obj=user, **_place_choices())
    if not form.is_submitted():
        form.grid_ids.data = user.grid_ids
        form.township_id.data = user.township_id or 0
        form.community_id.data = user.community_id or 0
    if form.validate_on_submit():
        if user.id == current_user.id and not form.active.data:
            form.active.errors.append(_("You cannot deactivate your own account."))
        elif user.id == current_user.id and form.role.data not in ADMIN:
            form.role.errors.append(_("You cannot remove your own administrator access."))
        else:
            user.display_name = form.display_name.data.strip()
            held = list(user.grid_ids) if user.role == "worker" and user.active else []
            before = (user.role, user.community_id, tuple(user.grid_ids), user.township_id)
            set_scope(
                user,
                form.role.data,
                form.township_id.data or None,
                form.community_id.data or None,
                form.grid_ids.data,
            )
            after = (user.role, user.community_id, tuple(user.grid_ids), user.township_id)
            if before != after:
                record("user_scope_changed", "user", user.id, {"role": user.role})
            if form.password.data:
                set_password(user, form.password.data, actor=current_user)
            if bool(form.active.data) != user.active:
                set_active(user, bool(form.active.data), actor=current_user)
            flash(_("Changes to %(username)s saved.", username=user.username), "success")
            db.session.flush()
            if left := _grids_without_a_worker(held):
                # Their residents' visits, follow-ups and hazards are nobody's until the
                # community's secretary hands the grid over (handovers).
                flash(
                    ngettext(
                        "%(grids)s now has no active grid worker: ask the community's "
                        "secretary to hand it to another worker.",
                        "%(grids)s now have no active grid worker: ask the community's "
                        "secretary to hand them to other workers.",
                        len(left),
                        grids=format_list([g.name for g in left], locale=get_locale()),
                    ),
                    "warning",
                )
            return redirect(url_for("admin.users"), code=303)
    return render("admin/user_form.html", form=form, user=user)


def _grids_without_a_worker(grid_ids: list[int]) -> list[Grid]:
    """Those of these grids that no active grid worker holds."""
    if not grid_ids:
        return []
    held = (
        sa.select(user_grids.c.grid_id)
        .join(User, User.id == user_grids.c.user_id)
        .where(User.active.is_(True), User.role == "worker")
    )
    return by_name(
        db.session.scalars(sa.select(Grid).where(Grid.id.in_(grid_ids), Grid.id.not_in(held)))
    )


@bp.route("/cadences", methods=["GET", "POST"])
@login_required
@requires("admin.manage")
@redisplays_form_on_error
def cadences():
    """Days between visits per care reason: who is due a visit, and when."""
    reasons = list(db.session.scalars(sa.select(CareReason).order_by(CareReason.code)))
    form = cadence_form(reasons, current_lang_code())
    if form.validate_on_submit():
        # A field the request left out leaves its reason as it is; an emptied one clears it.
        fields = {r.code: form[f"every_{r.code}"] for r in reasons}
        changed = sum(
            set_visit_cadence(r, fields[r.code].data) for r in reasons if fields[r.code].raw_data
        )
        flash(_("Days between visits saved (%(n)s changed).", n=changed), "success")
        return redirect(url_for("admin.cadences"), code=303)
    return render("admin/cadences.html", form=form, reasons=reasons)


def _holiday_years() -> list[int]:
    """The years the holiday page offers: this and next year, any near year the package does
    not know, and every year entered (a superseded one, to remove it)."""
    this = local_today().year
    near = {y for y in range(this - 1, this + 3) if not knows_year(y)}
    return sorted({this, this + 1} | near | set(schedule_status()["entered"]))


@bp.route("/holidays")
@login_required
@requires("admin.manage")
def holidays():
    """Which years' holidays move request deadlines, and the years to enter."""
    years = []
    for year in _holiday_years():
        off, working = entered_days(year)
        years.append(
            {
                "year": year,
                "package": knows_year(year),
                "off": as_ranges(off),
                "off_count": len(off),
                "working": working,
            }
        )
    return render("admin/holidays.html", years=years, schedule=schedule_status())


def _holiday_year_or_404(year: int) -> tuple[list, list]:
    """The year's entered days, if the page offers the year: a year the package carries only
    while days entered for it remain (to remove them)."""
    off, working = entered_days(year)
    if year not in _holiday_years() or (knows_year(year) and not (off or working)):
        abort(404)
    return off, working


@bp.route("/holidays/<int:year>", methods=["GET", "POST"])
@login_required
@requires("admin.manage")
@redisplays_form_on_error
def holiday_year(year: int):
    """Enter or correct one year's schedule from the State Council's notice."""
    off, working = _holiday_year_or_404(year)
    entered = bool(off or working)
    form = HolidayYearForm(year=year)
    if not form.is_submitted():
        form.off_days.data, form.working_days.data = as_text(off), as_text(working)
    if knows_year(year):
        # Superseded: nothing to enter, only the days entered to remove.
        form = None
    elif form.validate_on_submit():
        changed = set_year(year, form.off, form.working, current_user)
        flash(
            _(
                "Holiday schedule for %(year)s saved (days off: %(off)s; weekend days "
                "worked: %(working)s). Requests whose due date moved: %(changed)s.",
                year=year,
                off=len(form.off),
                working=len(form.working),
                changed=changed,
            ),
            "success",
        )
        return redirect(url_for("admin.holidays"), code=303)
    return render(
        "admin/holiday_year.html", form=form, year=year, package=knows_year(year), entered=entered
    )


@bp.route("/holidays/<int:year>/remove", methods=["POST"])
@login_required
@requires("admin.manage")
def holiday_remove(year: int):
    """Remove the days entered for a year: its deadlines count calendar days again, or the
    package's schedule where it now carries the year."""
    off, working = _holiday_year_or_404(year)
    if not (off or working):
        abort(404)
    changed = set_year(year, set(), set(), current_user)
    flash(
        _(
            "The holiday schedule entered for %(year)s was removed. Requests whose "
            "due date moved: %(changed)s.",
            year=year,
            changed=changed,
        ),
        "success",
    )
    return redirect(url_for("admin.holidays"), code=303)


@bp.route("/audit")
@login_required
@requires("admin.manage")
def audit():
    """The audit log, newest first, filterable by action, user, record and dates."""
    form = AuditFilterForm(formdata=request.args)
    stmt = sa.select(AuditEvent).order_by(AuditEvent.id.desc())
    filters = {}
    if form.validate():
        for name, column in (
            ("action", AuditEvent.action),
            ("username", AuditEvent.username),
            ("object_type", AuditEvent.object_type),
            ("object_id", AuditEvent.object_id),
        ):
            if value := (form[name].data or "").strip():
                # A username is one whatever its case (they are kept in lower case, and
                # the walk's "SECRETARY1" found nothing).
                if name == "username":
                    stmt = stmt.where(sa.func.lower(column) == value.lower())
                else:
                    stmt = stmt.where(column == value)
                filters[name] = value
        if form.since.data:
            stmt = stmt.where(AuditEvent.at >= day_start_utc(form.since.data))
            filters["since"] = form.since.data.isoformat()
        if form.until.data:
            stmt = stmt.where(AuditEvent.at < day_start_utc(form.until.data + timedelta(days=1)))
            filters["until"] = form.until.data.isoformat()
    else:
        # Said above the rows (the filters' own fields are not redrawn by htmx), with no
        # rows: the whole log under a refused filter reads as its answer.
        stmt = stmt.where(sa.false())
    actions = list(
        db.session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    )
    # Chosen from a list in the user's words: the stored codes are English ("resident"),
    # which a Chinese office could not guess to type.
    object_types = list(
        db.session.scalars(
            sa.select(AuditEvent.object_type)
            .where(AuditEvent.object_type != "")
            .distinct()
            .order_by(AuditEvent.object_type)
        )
    )
    page = paginate(stmt, "admin.audit", filters, number=page_number(request.args), per_page=50)
    return render(
        "admin/audit.html",
        "admin/_audit_rows.html",
        form=form,
        page=page,
        actions=actions,
        object_types=object_types,
    )
