"""Import residents from the community's sheet: upload, map and preview, then one write."""

import io
from functools import partial
from pathlib import Path

import xlsxwriter
from flask import current_app, flash, redirect, send_file, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import scope
from ..db import on_commit, on_rollback
from ..forms import redisplays_form_on_error
from ..htmx import render
from ..i18n import LOCALES, is_english, localized
from ..permissions import requires
from ..refusals import Invalid
from . import bp, importing, queries, sheet
from .forms import UploadForm, action_choices, import_form
from .pending import Store

# A sheet of thousands is not listed name by name on one page.
RESULT_NAMES_SHOWN = 200


def _in_each_language(errors) -> dict[str, list[str]]:
    """A left-out row's reasons in every language: the result page is kept, and may be read
    after a switch of language (the walk: it stayed in the language of the import)."""
    said = {}
    for locale in LOCALES:
        with force_locale(locale):
            said[locale] = [str(e) for e in errors]
    return said


def _store() -> Store:
    folder = current_app.config.get("IMPORT_STORE") or Path(current_app.instance_path) / "imports"
    return Store(folder)


@bp.route("/import", methods=["GET", "POST"])
@login_required
@requires("residents.import")
@redisplays_form_on_error
def import_upload():
    """Upload a sheet; it is read at once and kept for the preview under a token."""
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.stream.read(sheet.MAX_BYTES + 1)
        filename = upload.filename or ""
        rows = sheet.read_rows(data, filename)
        if not rows:
            raise sheet.SheetRefused(_("The sheet has no rows."), field="file")
        # Only the rows are kept, read once, and never the cells of never-stored columns.
        rows = importing.without_forbidden(rows, importing.find_columns(rows))
        token = _store().save(current_user.id, filename, sheet.dumps(rows))
        return redirect(url_for("residents.import_preview", token=token), code=303)
    return render(
        "residents/import_upload.html",
        form=form,
        forbidden_examples="身份证号、民族、宗教、政治面貌",
    )


@bp.route("/import/template.xlsx")
@login_required
@requires("residents.import")
def import_template():
    """An empty sheet with the columns Gridbook reads, to fill in and upload."""
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = wb.add_worksheet(_("Residents"))
    text = wb.add_format({"num_format": "@"})
    bold = wb.add_format({"bold": True})
    headers = ["姓名", "网格", "楼栋", "单元", "房号", "联系电话", "家庭人口", "关爱类型", "备注"]
    ws.write_row(0, 0, headers, bold)
    # Text columns, so that Excel keeps "5-1" and "0571..." as typed instead of a date or number.
    ws.set_column(0, len(headers) - 1, 14, text)
    # The example lives on the second sheet: only the first is read, so a template uploaded
    # as it is imports nobody.
    help_sheet = wb.add_worksheet(_("Care reasons"))
    grids = scope.import_grids()
    example = ["张福贵", grids[0].name if grids else "", "5", "1", "504", "13812345678", "2"]
    help_sheet.write_row(0, 0, [_("Example row"), *headers], bold)
    help_sheet.write_row(1, 1, [*example, "独居老人、残疾人"])
    help_sheet.write_row(3, 0, [_("Care reason"), _("Code")], bold)
    for i, reason in enumerate(queries.care_reasons(), start=4):
        help_sheet.write_row(i, 0, [reason.name_zh, reason.code])
    wb.close()
    out.seek(0)
    return send_file(
        out,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name="gridbook-residents-template.xlsx",
    )


def _grid_choices(grids) -> list[tuple[str, str]]:
    communities = {g.community_id for g in grids}
    many = len(communities) > 1
    return [("", _("From the sheet's grid column"))] + [
        (str(g.id), f"{g.community.name} · {g.name}" if many else g.name) for g in grids
    ]


def _prepare(data: bytes):
    """Read the kept rows, build their form from what was posted (or the guesses), and plan."""
    rows = sheet.loads(data)
    columns = importing.find_columns(rows)
    grids = scope.import_grids()
    reasons = queries.care_reasons()

    def build(duplicate_lines=()):
        form = import_form(
            columns.guessed, columns.forbidden, importing.FIELD_LABELS, duplicate_lines
        )
        form.grid.choices = _grid_choices(grids)
        form.default_reason.choices = [("", _("None: the row must name one"))] + [
            (c.code, localized(c)) for c in reasons
        ]
        form.duplicate_default.choices = action_choices()
        if form.is_submitted():
            form.validate()
        mapping = [
            getattr(form, f"col_{i}").data if hasattr(form, f"col_{i}") else ""
            for i in range(len(columns.headers))
        ]
        grid = next((g for g in grids if str(g.id) == (form.grid.data or "")), None)
        choices = importing.Choices(
            mapping=mapping,
            default_grid=grid,
            default_reason=form.default_reason.data or "",
            duplicate_default=form.duplicate_default.data or "skip",
            per_row={line: getattr(form, f"row_{line}").data for line in duplicate_lines},
        )
        return form, choices

    form, choices = build()
    plan = importing.make_plan(rows, columns, choices, grids)
    shown = [r.line for r in plan.duplicates[: importing.DUPLICATE_CHOICES_SHOWN]]
    if shown:
        form, choices = build(shown)
        importing.choose(plan.rows, choices)
    return rows, columns, form, plan


def _mapping_table(rows, columns, form) -> list[dict]:
    first = rows[columns.header_index + 1] if len(rows) > columns.header_index + 1 else []
    return [
        {
            "header": header or _("(column %(n)d, no header)", n=i + 1),
            # Shown before anything is checked: an ID number in a note is refused on import,
            # and is not shown here either.
            "sample": importing.hide_id_like(importing.cell_text(first[i]))
            if i < len(first)
            else "",
            "field": getattr(form, f"col_{i}", None),
            "forbidden": i in columns.forbidden,
        }
        for i, header in enumerate(columns.headers)
    ]


@bp.route("/import/<token>", methods=["GET", "POST"])
@login_required
@requires("residents.import")
@redisplays_form_on_error
def import_preview(token: str):
    """Map the columns, see each row's problems and duplicates (a dry run), then import."""
    store = _store()
    # Back from the result page (or a form resent from before the import): the sheet is in,
    # so the preview's place is taken by what the import did, not by "upload it again".
    if store.has_result(token, current_user.id):
        return redirect(url_for("residents.import_done", token=token), code=303)
    filename, data = store.load(token, current_user.id)
    rows, columns, form, plan = _prepare(data)
    step = form.step.data if form.is_submitted() else ""
    if form.is_submitted() and not form.errors and step == "cancel":
        store.discard(token, current_user.id)
        flash(_("Import cancelled; the uploaded file was deleted."), "success")
        return redirect(url_for("residents.import_upload"), code=303)
    if form.is_submitted() and not form.errors and step == "import":
        # The page offers no Import then; a request sent anyway (a page kept from before,
        # or columns changed without Check again) comes back to it with why.
        nothing = plan.nothing_to_import()
        if nothing is not None:
            raise Invalid(nothing)
        # Only the request that takes the file imports it: a double tap finds it taken. It is
        # deleted once the rows are committed and given back if they are not (the commit comes
        # after this view returns, and can fail): the secretary then imports again from this
        # preview, with the choices she made (app/errors.py), without uploading the sheet anew.
        store.claim(token, current_user.id)
        on_rollback(partial(store.unclaim, token))
        done = importing.apply_plan(plan)
        # The rows left out stay listed after the import, each with why, as in the preview:
        # the sheet is put right from this list.
        done["refused"] = [
            {"line": r.line, "name": r.data.get("name", ""), "errors": _in_each_language(r.errors)}
            for r in plan.with_errors
        ]
        done["filename"] = filename
        # The result page says who was added: only once they are.
        on_commit(partial(store.save_result, token, current_user.id, done))
        on_commit(partial(store.imported, token))
        return redirect(url_for("residents.import_done", token=token), code=303)
    return render(
        "residents/import_preview.html",
        form=form,
        plan=plan,
        token=token,
        filename=filename,
        mapping=_mapping_table(rows, columns, form),
        shown=importing.DUPLICATE_CHOICES_SHOWN,
        column_missing=importing.COLUMN_MISSING,
    )


@bp.get("/import/<token>/done")
@login_required
@requires("residents.import")
def import_done(token: str):
    """What an import did: how many were added, merged and skipped, who was added, and each
    row left out with its errors."""
    result = _store().load_result(token, current_user.id)
    locale = "en" if is_english() else "zh_Hans"
    for row in result.get("refused", []):
        # A result saved before the reasons were kept in both languages: a list as it was said.
        if isinstance(row["errors"], dict):
            row["errors"] = row["errors"][locale]
    return render("residents/import_done.html", result=result, shown=RESULT_NAMES_SHOWN)
