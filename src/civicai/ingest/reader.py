"""read_submissions: any supported file in, accepted submissions and rejected rows out.

File-level problems (missing, empty, binary, unknown format, no text column, nothing usable) raise
InputError with what to do; row-level problems become RejectedRow so one bad row never stops a run.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from civicai.errors import InputError
from civicai.ingest import layouts, tabular
from civicai.ingest.columns import detect_id_column, detect_question_column, detect_text_column, resolve_column
from civicai.ingest.decode import check_file, detect_encoding, reject_binary
from civicai.ingest.rowcheck import clean_text, has_broken_bytes, junk_reason
from civicai.ingest.types import IngestResult, RawSubmission, RejectedRow

_EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".tab": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
               ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_SAMPLE_ROWS = 500


def read_submissions(path: str | Path, *, text_column: str | None = None, id_column: str | None = None,
                     group_columns: Sequence[str] = (), question_column: str | None = None,
                     max_cell_chars: int = 20000) -> IngestResult:
    """Read a consultation export. See docs/input-formats.md for layouts, detection and rejection reasons."""
    path = Path(path)
    if max_cell_chars < 1:
        raise InputError(f"max_cell_chars must be positive, got {max_cell_chars}", "use e.g. 20000")
    if path.is_dir():
        return _read_folder(path, text_column, id_column, group_columns, question_column, max_cell_chars)
    head = check_file(path)
    kind = _EXTENSIONS.get(path.suffix.lower())
    if kind is None:
        hint = "save it as .xlsx or CSV" if path.suffix.lower() == ".xls" else \
            "export the submissions as .csv, .xlsx, .json or .jsonl"
        raise InputError(f"{path}: unknown file type '{path.suffix or '(none)'}'", hint)
    if kind == "xlsx":
        if not head.startswith(b"PK"):
            reject_binary(path, head, "an Excel workbook")
            raise InputError(f"{path} is not an Excel workbook (it looks like text)", "rename it to .csv")
        table, encoding = tabular.read_xlsx(path), None
    else:
        reject_binary(path, head, f"a {kind.upper()} text file")
        encoding = detect_encoding(path, head)
        reader = {"csv": tabular.read_csv, "json": tabular.read_json, "jsonl": tabular.read_jsonl}[kind]
        table = reader(path, encoding)
    notes = [n for n in (encoding.note if encoding else "", table.note) if n]

    if layouts.is_polis(table.columns) and (text_column is None or text_column.lower() == "comment-body"):
        return _read_polis(path, table, notes, encoding, group_columns, max_cell_chars)
    if layouts.is_themefinder(table.columns) and text_column is None and path.name == "responses.jsonl":
        _close(table)
        return _read_folder(path, None, id_column, group_columns, question_column, max_cell_chars)
    layout = "themefinder" if kind == "jsonl" and layouts.is_themefinder(table.columns) and text_column is None else kind

    sample: list[tuple[int, dict[str, Any]]] = []
    if text_column is None:  # peek at the first rows to guess the text column, then replay them
        for item in table.records:
            sample.append(item)
            if len(sample) >= _SAMPLE_ROWS:
                break
    chosen = _choose_columns(path, table.columns, [r for _, r in sample], text_column, id_column,
                             group_columns, question_column, notes)
    rows = _chain(sample, table.records)
    builder = _Builder(path, max_cell_chars, *chosen)
    builder.consume(rows)
    return builder.result(layout, table.columns, notes, encoding.name if encoding else None)


def _choose_columns(path: Path, columns: list[str], sample_rows: list[dict[str, Any]], text_column: str | None,
                    id_column: str | None, group_columns: Sequence[str], question_column: str | None,
                    notes: list[str]) -> tuple[str, str | None, list[str], str | None]:
    source = str(path)
    if text_column is not None:
        text = resolve_column(text_column, columns, source=source, flag="--text-column")
    else:
        text, how = detect_text_column(columns, [{k: _as_text(v) for k, v in r.items()} for r in sample_rows])
        if text is None:
            raise InputError(f"{source}: no column with free text found; its columns are: {', '.join(columns)}",
                             "name the column that holds the submissions with --text-column")
        notes.append(how)
    if id_column is not None:
        ident = resolve_column(id_column, columns, source=source, flag="--id-column")
    else:
        ident = detect_id_column(columns, text)
        notes.append(f"id column '{ident}' (recognised by name)" if ident else
                     "no id column: submissions are numbered by their row")
    groups = [resolve_column(g, columns, source=source, flag="--group-column") for g in group_columns]
    if question_column is not None:
        question = resolve_column(question_column, columns, source=source, flag="--question-column")
    else:
        question = detect_question_column(columns, text)
        if question:
            notes.append(f"question column '{question}' (recognised by name): analysed per question")
    return text, ident, groups, question


def _read_polis(path: Path, table: tabular.Table, notes: list[str], encoding, group_columns: Sequence[str],
                max_cell_chars: int) -> IngestResult:  # type: ignore[no-untyped-def]
    columns = table.columns
    by_name = {c.lower().replace("_", "-"): c for c in columns}
    text, ident = by_name["comment-body"], by_name["comment-id"]
    author, moderated = by_name["author-id"], by_name["moderated"]
    groups = [resolve_column(g, columns, source=str(path), flag="--group-column") for g in group_columns]
    opinion = layouts.polis_opinion_groups(path)
    notes.append("Polis export: text 'comment-body', id 'comment-id'; moderated -1 rejected, 0 and 1 kept")
    if opinion:
        notes.append(f"opinion groups joined from participants-votes.csv ({len(opinion)} participants)")
    builder = _Builder(path, max_cell_chars, text, ident, groups, None)
    for row, record in table.records:
        status = str(record.get(moderated, "")).strip()
        if status == "-1":
            builder.reject(row, str(record.get(ident, "")).strip() or None, moderated, "moderated_out",
                           "moderated out by the Polis conversation's moderator (moderated = -1)")
            continue
        who = str(record.get(author, "")).strip()
        attributes = {"author_id": who}
        if who in opinion:
            attributes["opinion_group"] = opinion[who]
        builder.add(row, record, attributes=attributes)
    return builder.result("polis", columns, notes, encoding.name if encoding else None)


def _read_folder(path: Path, text_column, id_column, group_columns, question_column,
                 max_cell_chars) -> IngestResult:  # type: ignore[no-untyped-def]
    parts = layouts.themefinder_parts(path)
    if parts is None:
        if path.is_dir() and (path / "comments.csv").is_file():
            return read_submissions(path / "comments.csv", text_column=text_column, id_column=id_column,
                                    group_columns=group_columns, question_column=question_column,
                                    max_cell_chars=max_cell_chars)
        raise InputError(f"{path} is a folder but not a ThemeFinder consultation or Polis conversation",
                         "give a CSV, XLSX, JSON or JSONL file (or a folder with question_part_N/responses.jsonl)")
    notes: list[str] = []
    builder: _Builder | None = None
    columns: list[str] = []
    for part in parts:
        head = check_file(part.responses)
        reject_binary(part.responses, head, "a JSONL text file")
        encoding = detect_encoding(part.responses, head)
        table = tabular.read_jsonl(part.responses, encoding)
        columns = columns or table.columns
        text = resolve_column(text_column or "response", table.columns, source=str(part.responses),
                              flag="--text-column")
        ident = resolve_column(id_column or "response_id", table.columns, source=str(part.responses),
                               flag="--id-column")
        people = layouts.themefinder_respondents(part.responses)
        if builder is None:
            builder = _Builder(part.responses if len(parts) == 1 else path, max_cell_chars, text, ident,
                               list(group_columns), None)
        builder.question = part.question if len(parts) > 1 or part.question != part.key else None
        for row, record in table.records:
            builder.add(row, record, attributes=dict(people.get(str(record.get(ident, "")).strip(), {})),
                        extra_fixed={"question_id": part.key})
        notes.append(f"{part.key}: {part.responses}")
    assert builder is not None
    notes.insert(0, f"ThemeFinder layout: {len(parts)} question(s); demographics joined from respondents.jsonl"
                 if any(builder.attribute_seen) else f"ThemeFinder layout: {len(parts)} question(s)")
    result = builder.result("themefinder", columns, notes, "utf-8")
    result.source = path
    return result


def _chain(first, rest):  # type: ignore[no-untyped-def]
    yield from first
    yield from rest


def _close(table: tabular.Table) -> None:
    close = getattr(table.records, "close", None)
    if close:
        close()


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        import json

        return json.dumps(value, ensure_ascii=False)
    return str(value)


class _Builder:
    """Turns records into RawSubmission/RejectedRow, applying every per-row check once."""

    def __init__(self, path: Path, max_cell_chars: int, text: str, ident: str | None, groups: list[str],
                 question_column: str | None) -> None:
        self.path, self.max_cell_chars = path, max_cell_chars
        self.text, self.ident, self.groups, self.question_column = text, ident, groups, question_column
        self.question: str | None = None  # fixed question (ThemeFinder parts)
        self.submissions: list[RawSubmission] = []
        self.rejected: list[RejectedRow] = []
        self._seen_ids: set[tuple[str | None, str]] = set()
        self.attribute_seen = [False]

    def reject(self, row: int, ident: str | None, field: str, reason: str, message: str) -> None:
        self.rejected.append(RejectedRow(row, ident, field, reason, message))

    def consume(self, rows) -> None:  # type: ignore[no-untyped-def]
        for row, record in rows:
            self.add(row, record)

    def add(self, row: int, record: dict[str, Any], attributes: dict[str, str] | None = None,
            extra_fixed: dict[str, Any] | None = None) -> None:
        ident = _as_text(record.get(self.ident, "")).strip() if self.ident else str(row)
        if "__unparseable__" in record:
            self.reject(row, ident or None, "(row)", "unparseable", str(record["__unparseable__"]))
            return
        if "__overflow__" in record:
            self.reject(row, ident or None, "(row)", "unparseable",
                        f"row has {len(record) - 1 + len(record['__overflow__'])} cells but the header names "
                        f"{len(record) - 1} columns: an unquoted delimiter inside a text? Quote text cells")
            return
        if not ident:
            self.reject(row, None, self.ident or "", "missing_id",
                        f"no id in column '{self.ident}'; fill it in, or omit --id-column to number rows")
            return
        raw = record.get(self.text)
        raw_text = _as_text(raw)
        if len(raw_text) > self.max_cell_chars:
            self.reject(row, ident, self.text, "too_long",
                        f"text has {len(raw_text):,} characters, over the limit of {self.max_cell_chars:,}; "
                        "split it into separate submissions or raise max_cell_chars")
            return
        if has_broken_bytes(raw_text):
            self.reject(row, ident, self.text, "bad_encoding",
                        "text contains bytes that are not valid in the file's encoding; re-save the file as UTF-8")
            return
        text = clean_text(raw_text)
        if not text:
            self.reject(row, ident, self.text, "empty_text", "no text in this row")
            return
        why = junk_reason(text)
        if why:
            self.reject(row, ident, self.text, "junk", f"no usable words: {why}")
            return
        question = self.question
        if self.question_column:
            question = _as_text(record.get(self.question_column, "")).strip() or None
        key = (question, ident)
        if key in self._seen_ids:
            self.reject(row, ident, self.ident or "", "duplicate_id",
                        f"id '{ident}' already used by an earlier row" + (f" for question '{question}'" if question else ""))
            return
        self._seen_ids.add(key)
        attrs = attributes if attributes is not None else {}
        for column in self.groups:
            attrs[column] = _as_text(record.get(column, "")).strip()
        if attrs:
            self.attribute_seen[0] = True
        skip = {self.text, self.ident, self.question_column, *self.groups}
        extra = {k: _trim(v, self.max_cell_chars) for k, v in record.items() if k not in skip}
        if extra_fixed:
            extra.update(extra_fixed)
        self.submissions.append(RawSubmission(row, ident, text, question, attrs, extra))

    def result(self, layout: str, columns: list[str], notes: list[str], encoding: str | None) -> IngestResult:
        if not self.submissions:
            counts: dict[str, int] = {}
            for r in self.rejected:
                counts[r.reason] = counts.get(r.reason, 0) + 1
            detail = ", ".join(f"{n} {reason}" for reason, n in counts.items()) or "the file has no data rows"
            first = f" (first: row {self.rejected[0].row}: {self.rejected[0].message})" if self.rejected else ""
            raise InputError(f"{self.path}: no usable submissions in column '{self.text}': {detail}{first}",
                             "check that --text-column names the column with the submissions")
        return IngestResult(self.path, layout, self.submissions, self.rejected, columns, self.text, self.ident,
                            self.groups, self.question_column, encoding, notes)  # type: ignore[arg-type]


def _trim(value: Any, limit: int) -> Any:
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + "…"
    return value
