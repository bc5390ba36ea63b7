"""The township's and secretaries' tallies: dashboard, XLSX and CSV export."""

import io
import re
from urllib.parse import quote

from flask import abort, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from jinja2 import pass_context

from ..audit.services import record_refusal
from ..htmx import push_url, render
from ..i18n import LANG_PARAM
from ..permissions import requires
from ..timeutil import local_today, local_tz, to_local, utcnow
from . import (
    bp,
    rollups,  # noqa: F401  (its flush hook keeps the roll-ups current)
)
from .export import to_csv, to_xlsx
from .forms import TallyFilterForm
from .queries import Filters, Scope, filters_for, user_scope, whole_months_only
from .services import record_export
from .tables import build_tables, cell_text, charts

# RFC 5987 attr-chars besides letters and digits: left as they are in filename*.
ATTR_CHARS = "!#$&+-.^_`|~"
FILENAME_BAD = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


@bp.app_template_filter("tally_cell")
@pass_context
def _tally_cell(ctx, value, kind: str) -> str:
    # The render's language, from its context: a year's tables have some thousand cells, and
    # Flask-Babel's get_locale() goes through about ten context lookups for each.
    return cell_text(value, kind, LANG_PARAM.get(ctx.get("lang", "")))


def _filter_form() -> tuple[TallyFilterForm, Filters | None, Scope]:
    """The filter form from the query string, the filters when they are valid, the scope.

    A community or grid outside the user's scope is a 404, as if it did not exist.
    """
    scope = user_scope(current_user)
    form = TallyFilterForm(
        formdata=request.args,
        scope=scope,
        today=local_today(),
        months_only=whole_months_only(current_user),
    )
    community_id, grid_id = form.community.data, form.grid.data
    if form.community.process_errors or form.grid.process_errors:
        # "?grid=abc" names no record, as an id out of scope names none the user may see:
        # the same 404, not WTForms' "could not coerce" beside the select.
        abort(404)
    if community_id is not None and community_id not in scope.communities:
        record_refusal("community", community_id)
        abort(404)
    if grid_id is not None and grid_id not in {p.grid_id for p in scope.places}:
        record_refusal("grid", grid_id)
        abort(404)
    if not form.validate():
        return form, None, scope
    filters = filters_for(
        current_user, scope, form.start.data, form.end.data, community_id, form.grid.data
    )
    return form, filters, scope


def _filter_args(f: Filters) -> dict:
    args = {"from": f.start.isoformat(), "to": f.end.isoformat()}
    if f.community_id:
        args["community"] = f.community_id
    if f.grid_id:
        args["grid"] = f.grid_id
    return args


def dashboard_context() -> dict:
    """Everything the tallies page shows: the filter form, the tables and the chart data."""
    form, f, _scope = _filter_form()
    tables = build_tables(f, local_today()) if f else None
    return {
        "form": form,
        "filters": f,
        "tables": tables,
        "by_key": {t.key: t for t in tables} if tables else {},
        "charts": charts(tables) if tables else None,
        "export_args": _filter_args(f) if f else None,
    }


@bp.route("")
@login_required
@requires("tallies.view")
def dashboard():
    """Counts for a period: visits, screenings, hazards and requests, with two charts."""
    context = dashboard_context()
    resp = render("tallies/dashboard.html", "tallies/_tallies.html", **context)
    form = context["form"]
    if context["filters"] and form.period.data in form.presets:
        # A preset means other dates on another day, and the request carried the dates shown
        # before it: the address names the dates shown, so a reload or a link shows them.
        push_url(resp, url_for("tallies.dashboard", **context["export_args"]))
    return resp


def _one_place(f: Filters) -> tuple[str | None, str | None]:
    """The community and grid the export covers, when it covers only one."""
    communities = {p.community_name for p in f.places}
    community = communities.pop() if len(communities) == 1 else None
    grid = f.places[0].grid_name if f.grid_id and len(f.places) == 1 else None
    return community, grid


def _cover(f: Filters, township: str) -> list[tuple[str, str]]:
    community, grid = _one_place(f)
    cover = [
        (_("Township"), township),
        (_("Community"), community or _("All communities")),
        (_("Grid"), grid or _("All grids")),
        (_("From"), f.start.isoformat()),
        (_("To"), f.end.isoformat()),
        (_("Exported at"), f"{to_local(utcnow()):%Y-%m-%d %H:%M} ({local_tz().key})"),
        (_("Counts"), _("Aggregates only: no names, addresses or phone numbers.")),
    ]
    if f.suppress:
        cover.append(
            (
                _("Small counts"),
                _(
                    "Whole calendar months. A count of 1 or 2 that could point at a household "
                    "is shown as \u201c<3\u201d and counted as 2 in every figure that "
                    "includes it (\u201c\u2248\u201d), so that it cannot be worked out by "
                    "subtraction."
                ),
            )
        )
    return cover


def _file_name(f: Filters, township: str, ext: str) -> str:
    parts = [
        township or "Gridbook",
        _("tallies"),
        *filter(None, _one_place(f)),
        f"{f.start.isoformat()}_{f.end.isoformat()}",
    ]
    return FILENAME_BAD.sub("_", " ".join(parts)) + "." + ext


def _disposition(f: Filters, name: str, ext: str) -> str:
    """The file's name for the browser, with a plain one for clients that lack filename*."""
    # werkzeug's own fallback drops every Chinese letter; this one still says what it is.
    if name.isascii():
        return f'attachment; filename="{name}"'
    plain = f"gridbook-tallies-{f.start.isoformat()}_{f.end.isoformat()}.{ext}"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe=ATTR_CHARS)}"


def _export(fmt: str):
    _form, f, scope = _filter_form()
    if f is None:
        return render("tallies/dashboard.html", status=400, **dashboard_context())
    township = scope.township_name
    tables = build_tables(f, local_today())
    cover = _cover(f, township)
    if fmt == "xlsx":
        data = to_xlsx(tables, cover)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        data = to_csv(tables, cover)
        mimetype = "text/csv"  # werkzeug adds the charset to a text/ type
    record_export(fmt, f)
    resp = send_file(io.BytesIO(data), mimetype=mimetype, max_age=0)
    resp.headers["Content-Disposition"] = _disposition(f, _file_name(f, township, fmt), fmt)
    return resp


@bp.route("/export.xlsx")
@login_required
@requires("tallies.view")
def export_xlsx():
    """The same tallies as an Excel workbook."""
    return _export("xlsx")


@bp.route("/export.csv")
@login_required
@requires("tallies.view")
def export_csv():
    """The same tallies as one CSV file that Excel opens with Chinese text intact."""
    return _export("csv")
