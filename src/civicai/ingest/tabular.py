"""Readers that turn a file into (row number, {column: value}) records, streaming where the format allows."""
from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from civicai.errors import InputError
from civicai.ingest.columns import TEXT_NAMES, normalise_name, unique_headers
from civicai.ingest.decode import TextEncoding, open_text

# A cell may legitimately be long; the per-row max_cell_chars check decides. Without this the csv module
# stops the whole file at the first cell over 128 KiB.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
_DELIMITERS = ",;\t|"
JSON_LIST_KEYS = ("data", "responses", "submissions", "items", "records", "rows", "comments", "results")


@dataclass
class Table:
    """Columns and a one-shot iterator of records. `row` numbers are what a user sees (see RawSubmission)."""

    columns: list[str]
    records: Iterator[tuple[int, dict[str, Any]]]
    note: str = ""


class _NulStripper(io.TextIOBase):
    """Python's csv module refuses lines with NUL bytes; strip them while streaming (rowcheck strips the rest)."""

    def __init__(self, handle: io.TextIOBase) -> None:
        self._handle = handle

    def __iter__(self):  # type: ignore[no-untyped-def]
        for line in self._handle:
            yield line.replace("\x00", "") if "\x00" in line else line


def sniff_dialect(sample: str) -> tuple[type[csv.Dialect] | csv.Dialect, str]:
    """The CSV dialect from a text sample: csv.Sniffer on whole lines, checked, else delimiter counts."""
    lines = sample.splitlines(keepends=True)
    complete = "".join(lines[:-1]) if len(lines) > 1 else sample
    try:
        dialect = csv.Sniffer().sniff(complete, delimiters=_DELIMITERS)
        header = next(csv.reader(io.StringIO(complete), dialect))
        if len(header) > 1 or not any(d in lines[0] for d in _DELIMITERS):
            return dialect, f"delimiter {dialect.delimiter!r}"
    except (csv.Error, StopIteration):
        pass
    first = lines[0] if lines else ""
    counts = {d: first.count(d) for d in _DELIMITERS}
    delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","

    class Fallback(csv.excel):
        pass

    Fallback.delimiter = delimiter
    return Fallback, f"delimiter {delimiter!r} (most frequent in the header)"


def read_csv(path: Path, encoding: TextEncoding) -> Table:
    with open_text(path, encoding) as handle:
        sample = handle.read(64 * 1024)
    dialect, note = sniff_dialect(sample.replace("\x00", ""))
    handle = open_text(path, encoding)
    reader = csv.reader(_NulStripper(handle), dialect)
    try:
        header = next(reader)
    except StopIteration:
        handle.close()
        raise InputError(f"{path} has no header row", "the first row must name the columns") from None
    except csv.Error as exc:
        handle.close()
        raise InputError(f"{path}, row 1: cannot parse the header ({exc})", "check the file is a CSV") from exc
    columns = unique_headers(header)

    def records() -> Iterator[tuple[int, dict[str, Any]]]:
        row_number = 1
        with handle:
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:  # e.g. an unterminated quote: report it and stop at that row
                    yield row_number + 1, {"__unparseable__": f"CSV parse error: {exc}; the rows after this one "
                                                              "were not read (fix the quoting and run again)"}
                    return
                row_number += 1
                if not any(c.strip() for c in cells):
                    continue  # blank line, not a submission
                record = dict(zip(columns, cells))
                if len(cells) > len(columns):
                    record["__overflow__"] = cells[len(columns):]
                yield row_number, record

    return Table(columns, records(), note)


def read_xlsx(path: Path) -> Table:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(f"{path} is not a readable Excel workbook ({exc})",
                         "open it in Excel/LibreOffice and save it again as .xlsx, or export CSV") from exc
    sheet, header_row, header = _choose_sheet(workbook)
    if sheet is None:
        workbook.close()
        raise InputError(f"{path} has no sheet with a header row", "put the column names in the first row")
    columns = unique_headers(header)
    note = f"sheet '{sheet.title}'"

    def records() -> Iterator[tuple[int, dict[str, Any]]]:
        try:
            for row_number, cells in enumerate(sheet.iter_rows(min_row=header_row + 1, values_only=True),
                                               start=header_row + 1):
                if not any(c is not None and str(c).strip() for c in cells):
                    continue
                yield row_number, {c: ("" if v is None else v) for c, v in zip(columns, cells)}
        finally:
            workbook.close()

    return Table(columns, records(), note)


def _choose_sheet(workbook):  # type: ignore[no-untyped-def]
    """The first sheet whose header names a text column, else the first sheet with any header."""
    first = None
    for sheet in workbook.worksheets:
        for row_number, cells in enumerate(sheet.iter_rows(max_row=20, values_only=True), start=1):
            if any(c is not None and str(c).strip() for c in cells):
                header = list(cells)
                while header and (header[-1] is None or not str(header[-1]).strip()):
                    header.pop()
                if any(normalise_name(str(c)) in TEXT_NAMES for c in header if c is not None):
                    return sheet, row_number, header
                first = first or (sheet, row_number, header)
                break
    return first if first else (None, 0, [])


def read_json(path: Path, encoding: TextEncoding) -> Table:
    with open_text(path, encoding) as handle:
        try:
            data = json.load(handle)
        except json.JSONDecodeError as exc:
            if exc.msg == "Extra data":  # several objects one per line: it is really JSONL
                return read_jsonl(path, encoding)
            raise InputError(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
                             "fix the JSON, or export the submissions as CSV") from exc
    if isinstance(data, dict):
        key = next((k for k in data if normalise_name(k) in JSON_LIST_KEYS and isinstance(data[k], list)), None)
        if key is None:
            raise InputError(f"{path} holds a JSON object without a list of submissions",
                             f"use a list of objects, or an object with one of the keys {', '.join(JSON_LIST_KEYS)}")
        data, note = data[key], f"submissions under key '{key}'"
    else:
        note = ""
    if not isinstance(data, list):
        raise InputError(f"{path} must hold a list of submission objects", "e.g. [{\"id\": 1, \"text\": \"...\"}]")
    columns = _columns_of(obj for obj in data if isinstance(obj, dict))

    def records() -> Iterator[tuple[int, dict[str, Any]]]:
        for number, obj in enumerate(data, start=1):
            yield number, obj if isinstance(obj, dict) else {"__unparseable__": "not a JSON object"}

    return Table(columns, records(), note)


def read_jsonl(path: Path, encoding: TextEncoding) -> Table:
    columns: list[str] = []
    seen: set[str] = set()
    with open_text(path, encoding) as handle:  # first pass: the union of keys, one line at a time
        for line in handle:
            try:
                obj = json.loads(line) if line.strip() else None
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict):
                for key in obj:
                    if key not in seen:
                        seen.add(key)
                        columns.append(key)

    def records() -> Iterator[tuple[int, dict[str, Any]]]:
        with open_text(path, encoding) as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield number, {"__unparseable__": f"invalid JSON: {exc.msg}"}
                    continue
                yield number, obj if isinstance(obj, dict) else {"__unparseable__": "not a JSON object"}

    return Table(columns, records())


def _columns_of(objects) -> list[str]:  # type: ignore[no-untyped-def]
    columns: dict[str, None] = {}
    for obj in objects:
        for key in obj:
            columns.setdefault(key, None)
    return list(columns)
