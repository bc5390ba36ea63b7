"""Reading a community's spreadsheet (XLSX or CSV) into rows of cells, within fixed bounds.

XLSX is read with openpyxl in read-only mode: it streams the sheet's rows instead of building
the whole workbook, it hands back a formula as its text ("=SUM(A1:A3)") rather than a result
some Excel computed (nothing in a cell is ever evaluated), and with defusedxml installed it
parses the workbook's XML with entity expansion refused. The zip is checked before openpyxl
sees it: the declared uncompressed size bounds what can be inflated, since Python's zipfile
stops a member at its declared size and fails its CRC if the data says otherwise.
"""

import csv
import io
import json
import os
import zipfile
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l

from ..refusals import Invalid

MAX_BYTES = 10 * 1024 * 1024
MAX_UNZIPPED = 100 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 60
# Rows read at most, empty ones included: a sheet of a million blank rows is refused quickly.
MAX_SCANNED_ROWS = 100_000

# What a CSV may be called: WPS and some phones save one as .txt; a file with no name (a
# shared blob) is read by its content.
TEXT_SUFFIXES = ("", ".csv", ".txt", ".tsv")

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# An encrypted Office file is an OLE container holding this stream (MS-OFFCRYPTO).
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")


class SheetRefused(Invalid):
    """The file cannot be read as a residents' sheet; nothing was read from it."""


def read_rows(data: bytes, filename: str = "") -> list[list]:
    """The first sheet's rows as lists of cell values (str, int, float, datetime or None)."""
    if not data:
        raise SheetRefused(_l("The file is empty."), field="file")
    if len(data) > MAX_BYTES:
        raise SheetRefused(
            _l(
                "The file is larger than %(mb)d MB. Split it into smaller sheets, "
                "or remove pictures and other sheets from it.",
                mb=MAX_BYTES // (1024 * 1024),
            ),
            field="file",
        )
    if data.startswith(OLE_MAGIC):
        if ENCRYPTED_STREAM in data:
            raise SheetRefused(
                _l(
                    "The file is protected by a password. Open it in Excel or WPS, remove the "
                    "password, save it and upload it again."
                ),
                field="file",
            )
        raise SheetRefused(
            _l("This is an old Excel file (.xls). Save it as .xlsx or CSV and upload it again."),
            field="file",
        )
    if data.startswith(ZIP_MAGIC):
        rows = _read_xlsx(data)
    elif b"\x00" in data[:4096] or os.path.splitext(filename.lower())[1] not in TEXT_SUFFIXES:
        # Text named as something else (a photo's name, a .docx saved as text) is not taken
        # for a CSV: its "rows" would be stored as residents.
        raise SheetRefused(_NOT_A_SHEET, field="file")
    else:
        rows = _read_csv(data)
    return rows


_NOT_A_SHEET = _l("This file is not an Excel workbook (.xlsx) or a CSV file.")


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise SheetRefused(_NOT_A_SHEET, field="file") from exc
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        raise SheetRefused(_NOT_A_SHEET, field="file")
    if len(infos) > 1000 or sum(i.file_size for i in infos) > MAX_UNZIPPED:
        raise SheetRefused(
            _l(
                "This workbook unpacks to far more data than a residents' sheet holds; "
                "it was not opened. Save the sheet on its own as .xlsx or CSV."
            ),
            field="file",
        )


def _read_xlsx(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    _check_zip(data)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise SheetRefused(
            _l("The workbook could not be read; it may be damaged. Save it again and retry."),
            field="file",
        ) from exc
    try:
        ws = wb.worksheets[0]
        # The sheet's declared width, when it declares one: padding every row to the
        # maximum width costs more than reading the cells.
        width = min(MAX_COLUMNS, ws.max_column or MAX_COLUMNS)
        return _bounded(
            [_cell(v) for v in row] for row in ws.iter_rows(max_col=width, values_only=True)
        )
    except SheetRefused:
        raise
    except (zipfile.BadZipFile, ValueError, KeyError, OSError) as exc:
        raise SheetRefused(
            _l("The workbook could not be read; it may be damaged. Save it again and retry."),
            field="file",
        ) from exc
    finally:
        wb.close()


def _cell(value):
    if value is None or isinstance(value, str | int | float | datetime | date | time):
        return value
    # Array and data-table formulas come as objects: keep their text, never a result.
    text = getattr(value, "text", None)
    return str(text if text is not None else value)


def _decode(data: bytes) -> str:
    # Chinese Excel saves CSV as GB18030 (its "ANSI"); others save UTF-8, often with a BOM.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SheetRefused(
        _l("The CSV file's characters could not be read. Save it as UTF-8 or as an .xlsx file."),
        field="file",
    )


def _read_csv(data: bytes) -> list[list]:
    text = _decode(data)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    try:
        return _bounded(
            [cell if cell != "" else None for cell in row[:MAX_COLUMNS]]
            for row in csv.reader(io.StringIO(text, newline=""), dialect)
        )
    except csv.Error as exc:
        raise SheetRefused(
            _l("The CSV file is malformed near a quotation mark. Save it again from Excel."),
            field="file",
        ) from exc


def _bounded(rows) -> list[list]:
    out: list[list] = []
    filled = 0
    for scanned, row in enumerate(rows, start=1):
        if scanned > MAX_SCANNED_ROWS:
            break
        while row and row[-1] in (None, ""):
            row.pop()
        out.append(row)
        if any(v not in (None, "") for v in row):
            filled += 1
            if filled > MAX_ROWS:
                raise SheetRefused(
                    _l(
                        "The sheet has more than %(n)d rows. Split it into smaller sheets.",
                        n=MAX_ROWS,
                    ),
                    field="file",
                )
    # Trailing empty rows say nothing.
    while out and not any(v not in (None, "") for v in out[-1]):
        out.pop()
    return out


def dumps(rows: list[list]) -> bytes:
    """Rows as JSON for keeping between preview and import (dates tagged, read back by loads)."""

    def encode(value):
        if isinstance(value, datetime | date | time):
            return {"d": value.isoformat(), "t": type(value).__name__}
        raise TypeError(type(value).__name__)

    return json.dumps(rows, ensure_ascii=False, default=encode).encode()


def loads(data: bytes) -> list[list]:
    """Rows kept by dumps, with their dates as dates again."""
    kinds = {"datetime": datetime, "date": date, "time": time}

    def decode(obj):
        return kinds[obj["t"]].fromisoformat(obj["d"]) if set(obj) == {"d", "t"} else obj

    return json.loads(data, object_hook=decode)
