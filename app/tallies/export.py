"""The tallies as XLSX (a cover sheet and one sheet per tally) and as one CSV file.

Text that a spreadsheet would read as a formula (= + - @, and tab or carriage return per
OWASP) is always written as text: XLSX string cells, and in CSV behind a single quote.
Dates are ISO (the cover's period, each week as "2026-12-01 – 2026-12-06"), whatever the
language: a file is sorted, filtered and passed on, where "Dec 1 – 6" would sort by name.
"""

import csv
import io
import re
from datetime import date

import xlsxwriter
from flask_babel import gettext as _

from .disclosure import APPROX, SMALL_SHOWN, chart_number, is_inexact
from .tables import Table, Week

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
NUMBER_FORMATS = {"int": "#,##0", "decimal": "0.0", "date": "yyyy-mm-dd"}
# "≈n" is written as the number n shown behind a literal "≈": it still adds up and sorts.
APPROX_FORMATS = {kind: f'"{APPROX}"{NUMBER_FORMATS[kind]}' for kind in ("int", "decimal")}


def _legend() -> str:
    return _(
        "“≈” marks an approximate figure: a number that counts each hidden count "
        "as 2; sums and sorting use it. “<3” marks a hidden count of 1 or 2: it is "
        "text, so sums and sorting leave it out."
    )


def csv_safe(value) -> str | int | float:
    """A CSV cell: numbers as they are, text that could run as a formula behind a quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, date):
        return value.isoformat()
    text = value.iso() if isinstance(value, Week) else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _display_width(value) -> int:
    if isinstance(value, Week):
        value = value.iso()
    text = value.isoformat() if isinstance(value, date) else str(value if value is not None else "")
    # CJK characters take two columns in a spreadsheet's default font.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _sheet_names(tables: list[Table]) -> list[str]:
    names, seen = [], set()
    for i, t in enumerate(tables, start=1):
        name = SHEET_NAME_BAD.sub(" ", t.sheet).strip("'")[:28] or f"Sheet{i}"
        while name.lower() in seen:
            name = f"{name[:25]} {i}"
        seen.add(name.lower())
        names.append(name)
    return names


def to_xlsx(tables: list[Table], cover: list[tuple[str, str]]) -> bytes:
    """A workbook: the cover with the filters and the time of export, then one sheet per tally."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {
            # No temporary files: creating and removing one per sheet and per part took
            # most of an export's time (70 of 80 ms). The sheets hold the tallies, whose
            # rows are weeks and places whatever the number of records: a five-year
            # workbook's cells are a few thousand, about a megabyte while it is written.
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    bold = wb.add_format({"bold": True})
    header = wb.add_format(
        {"bold": True, "bg_color": "#E8EEF6", "bottom": 1, "text_wrap": True, "valign": "top"}
    )
    formats = {kind: wb.add_format({"num_format": fmt}) for kind, fmt in NUMBER_FORMATS.items()}
    total_formats = {
        kind: wb.add_format({"num_format": fmt, "bold": True, "top": 1})
        for kind, fmt in NUMBER_FORMATS.items()
    }
    approx_formats = {
        kind: wb.add_format({"num_format": fmt}) for kind, fmt in APPROX_FORMATS.items()
    }
    approx_total_formats = {
        kind: wb.add_format({"num_format": fmt, "bold": True, "top": 1})
        for kind, fmt in APPROX_FORMATS.items()
    }
    total_text = wb.add_format({"bold": True, "top": 1})
    total_small = wb.add_format({"bold": True, "top": 1, "align": "right"})
    text_right = wb.add_format({"align": "right"})
    inexact = any(
        is_inexact(value)
        for t in tables
        for row in [*t.rows, *([t.total] if t.total else [])]
        for value in row[1:]
    )
    if inexact:
        cover = [*cover, (_("Symbols"), _legend())]

    ws = wb.add_worksheet(_("Cover")[:31])
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 60)
    ws.write_string(0, 0, _("Gridbook tallies"), bold)
    for r, (key, value) in enumerate(cover, start=2):
        ws.write_string(r, 0, key, bold)
        ws.write_string(r, 1, value)

    for table, name in zip(tables, _sheet_names(tables), strict=True):
        ws = wb.add_worksheet(name)
        widths = [_display_width(c.label) for c in table.columns]
        for c, col in enumerate(table.columns):
            ws.write_string(0, c, col.label, header)
        rows = [*table.rows, *([table.total] if table.total else [])]
        has_inexact = False
        for r, row in enumerate(rows, start=1):
            is_total = table.total is not None and r == len(rows)
            for c, (col, value) in enumerate(zip(table.columns, row, strict=True)):
                widths[c] = max(widths[c], _display_width(value))
                fmt = (total_formats if is_total else formats).get(col.kind)
                if isinstance(value, Week):
                    value = value.iso()
                if value is None:
                    ws.write_blank(r, c, None, fmt)
                elif isinstance(value, date):
                    ws.write_datetime(r, c, value, fmt)
                elif isinstance(value, int | float) and not isinstance(value, bool):
                    ws.write_number(r, c, value, fmt)
                elif col.kind in APPROX_FORMATS and is_inexact(value):
                    has_inexact = True
                    if value == SMALL_SHOWN:
                        # Hidden: no number to give. Text, right-aligned among the numbers.
                        ws.write_string(r, c, value, total_small if is_total else text_right)
                    else:
                        approx = (approx_total_formats if is_total else approx_formats)[col.kind]
                        ws.write_number(r, c, chart_number(value), approx)
                else:
                    cell_fmt = total_text if is_total else (text_right if col.numeric else None)
                    ws.write_string(r, c, str(value), cell_fmt)
        for c, w in enumerate(widths):
            ws.set_column(c, c, min(max(w + 2, 8), 50))
        ws.freeze_panes(1, 0)
        below = len(rows) + 2
        for line in (table.note, _legend() if has_inexact else ""):
            if line:
                ws.write_string(below, 0, line)
                below += 1
    wb.close()
    return buf.getvalue()


def to_csv(tables: list[Table], cover: list[tuple[str, str]]) -> bytes:
    """One CSV: the cover lines, then each tally as a titled section; UTF-8 with a BOM."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for key, value in cover:
        w.writerow([csv_safe(key), csv_safe(value)])
    for table in tables:
        w.writerow([])
        w.writerow([csv_safe(table.title)])
        w.writerow([csv_safe(c.label) for c in table.columns])
        for row in [*table.rows, *([table.total] if table.total else [])]:
            w.writerow([csv_safe(v) for v in row])
        if table.note:
            w.writerow([csv_safe(table.note)])
    return buf.getvalue().encode("utf-8-sig")
