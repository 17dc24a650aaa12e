"""Safe spreadsheet exports: every civicai CSV/XLSX goes through these so a submission cannot run a formula.

Citizens' text is untrusted. A cell that starts with = + - @ (or tab / carriage return, which some
spreadsheets skip before parsing) is a formula to Excel and LibreOffice: `=HYPERLINK("http://evil", "x")`
becomes a live link, `=cmd|...` worse. Following OWASP's CSV-injection guidance, such cells get a leading
apostrophe and every CSV field is quoted. Plain numbers ("-5", "+3.2") are left alone so numeric columns
stay numeric; real int/float values are never formulas.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

# ASCII triggers plus their full-width forms, which some spreadsheet versions normalise before parsing.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d+)*|\d*[.,]\d+)([eE][+-]?\d+)?%?")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
XLSX_MAX_CELL = 32767  # Excel's hard limit on characters in a cell


def neutralise(value: Any) -> Any:
    """The value as it is safe to put in a spreadsheet cell: strings that a spreadsheet would read as a
    formula get a leading apostrophe; other values are returned unchanged (None becomes '')."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    stripped = value.lstrip(" \u00a0")
    if stripped.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(stripped.strip()):
        return "'" + value
    return value


def _cell_text(value: Any) -> Any:
    if isinstance(value, (list, tuple, set)):
        return ";".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def write_csv(path: str | Path, rows: Iterable[Mapping[str, Any]], fieldnames: Sequence[str], *,
              excel_bom: bool = False, delimiter: str = ",") -> int:
    """Write rows (dicts; keys outside `fieldnames` are an error, missing keys are empty) as a quoted CSV with
    formulas neutralised. Lists become ';'-joined strings. `excel_bom` adds a UTF-8 BOM so Excel shows accents
    right. Returns the number of data rows. Streams: rows may be a generator."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8-sig" if excel_bom else "utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(fieldnames), quoting=csv.QUOTE_ALL, delimiter=delimiter,
                                    extrasaction="raise", restval="")
            writer.writerow({name: neutralise(name) for name in fieldnames})
            for row in rows:
                writer.writerow({k: neutralise(_cell_text(v)) for k, v in row.items()})
                count += 1
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)  # a reader (or a crash) never leaves a half-written CSV under the real name
    return count


def write_text_atomic(path: str | Path, text: str) -> Path:
    """A text file written whole or not at all (a crash mid-write leaves the previous version)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_text(text, encoding="utf-8")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)
    return path


def write_xlsx(path: str | Path, rows: Iterable[Mapping[str, Any]], fieldnames: Sequence[str], *,
               sheet_name: str = "data") -> int:
    """Write rows to a one-sheet workbook (streaming, openpyxl write-only). Text cells are stored as strings,
    never formulas, and carry the same apostrophe as write_csv (so a later CSV save from Excel stays safe);
    characters XML forbids are removed and cells over Excel's 32,767-character limit are cut with a marker.
    Returns the number of data rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(sheet_name))
    names = list(fieldnames)

    def cell(value: Any) -> WriteOnlyCell:
        value = neutralise(_cell_text(value))
        if isinstance(value, str):
            value = _XML_ILLEGAL.sub("", value)
            if len(value) > XLSX_MAX_CELL:
                value = value[:XLSX_MAX_CELL - 20] + " …[truncated]"
        out = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            out.data_type = "s"  # a string, even if it still looks like '=...' to openpyxl
        return out

    partial = path.with_name(path.name + ".partial")
    sheet.append([cell(name) for name in names])
    count = 0
    try:
        for row in rows:
            unknown = set(row) - set(names)
            if unknown:
                raise ValueError(f"row has keys not in fieldnames: {sorted(unknown)}")
            sheet.append([cell(row.get(name, "")) for name in names])
            count += 1
    except BaseException:
        workbook.save(partial)  # finishes openpyxl's streaming writer cleanly; the half file is removed
        partial.unlink(missing_ok=True)
        raise
    workbook.save(partial)
    partial.replace(path)  # a reader never sees a half-written workbook
    return count


def _sheet_title(name: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", "_", name).strip("'") or "data"
    return cleaned[:31]


__all__ = ["FORMULA_TRIGGERS", "neutralise", "write_csv", "write_xlsx"]
