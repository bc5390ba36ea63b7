"""Readers for the exported tallies: XLSX parsed as the zip of XML it is, and the CSV."""

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree as ET

M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_R = "{http://schemas.openxmlformats.org/package/2006/relationships}"


@dataclass
class Sheet:
    name: str
    rows: list[list]
    xml: str
    formulas: int
    # (row, column) -> style index, to look up number formats
    styles: dict


def _col_index(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref).group(0)
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def read_xlsx(data: bytes) -> dict[str, Sheet]:
    """Every sheet of a workbook as rows of values (numbers as int or float, text as str)."""
    z = zipfile.ZipFile(io.BytesIO(data))
    names = z.namelist()
    shared = []
    if "xl/sharedStrings.xml" in names:
        root = ET.fromstring(z.read("xl/sharedStrings.xml"))  # noqa: S314
        shared = ["".join(t.text or "" for t in si.iter(f"{M}t")) for si in root]
    wb = ET.fromstring(z.read("xl/workbook.xml"))  # noqa: S314
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))  # noqa: S314
    targets = {r.get("Id"): r.get("Target") for r in rels.iter(f"{PKG_R}Relationship")}
    sheets = {}
    for s in wb.iter(f"{M}sheet"):
        raw = z.read("xl/" + targets[s.get(f"{R}id")].lstrip("/").removeprefix("xl/")).decode()
        root = ET.fromstring(raw)  # noqa: S314
        rows, styles, formulas = [], {}, 0
        for row in root.iter(f"{M}row"):
            r = int(row.get("r")) - 1
            while len(rows) <= r:
                rows.append([])
            for c in row.iter(f"{M}c"):
                col = _col_index(c.get("r"))
                if c.find(f"{M}f") is not None:
                    formulas += 1
                v = c.find(f"{M}v")
                t = c.get("t")
                if t == "s":
                    value = shared[int(v.text)]
                elif t == "inlineStr":
                    value = "".join(x.text or "" for x in c.iter(f"{M}t"))
                elif t == "str":
                    value = v.text or ""
                elif v is None:
                    value = None
                else:
                    num = float(v.text)
                    value = int(num) if num.is_integer() else num
                while len(rows[r]) <= col:
                    rows[r].append(None)
                rows[r][col] = value
                styles[(r, col)] = int(c.get("s", "0"))
        sheets[s.get("name")] = Sheet(s.get("name"), rows, raw, formulas, styles)
    return sheets


def xlsx_number_format(data: bytes, sheet: Sheet, row: int, col: int) -> str:
    """The number format code of a cell ("General" when none is set)."""
    z = zipfile.ZipFile(io.BytesIO(data))
    root = ET.fromstring(z.read("xl/styles.xml"))  # noqa: S314
    codes = {int(n.get("numFmtId")): n.get("formatCode") for n in root.iter(f"{M}numFmt")}
    xfs = list(root.find(f"{M}cellXfs"))
    xf = xfs[sheet.styles.get((row, col), 0)]
    fmt_id = int(xf.get("numFmtId", "0"))
    return codes.get(fmt_id, {0: "General", 3: "#,##0", 14: "yyyy-mm-dd"}.get(fmt_id, str(fmt_id)))


def xlsx_text(data: bytes) -> str:
    """All XML text of a workbook, for searching."""
    z = zipfile.ZipFile(io.BytesIO(data))
    return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


@dataclass
class CsvSection:
    title: str
    header: list[str]
    rows: list[list[str]]


def read_csv(data: bytes) -> tuple[list[list[str]], list[CsvSection]]:
    """The cover lines and the titled sections of the tallies CSV."""
    assert data.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM"
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    blocks, current = [], []
    for line in lines:
        if not line:
            blocks.append(current)
            current = []
        else:
            current.append(line)
    blocks.append(current)
    cover, sections = blocks[0], []
    for b in blocks[1:]:
        rows = [r for r in b[2:] if len(r) > 1]  # a one-cell line is the table's note
        sections.append(CsvSection(b[0][0], b[1], rows))
    return cover, sections
