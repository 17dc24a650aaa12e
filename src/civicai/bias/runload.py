"""Read an analysis run (issue 3's output folder, or its database id) into one typed object for the audit.

Files: themes.json, assignments.csv, rejected.csv, run.json (report.html is only scanned for leaks).
Rejected rows carry no group columns, so their groups are joined back from the input file named in
run.json (by row number, or by id), so that "who was rejected" can be audited too.
"""
from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.exc import SQLAlchemyError

from civicai.errors import CivicaiError, InputError

ASSIGNMENT_COLUMNS = ("submission_id", "primary_theme", "themes", "unassigned_reason", "language",
                      "duplicate_of", "campaign_id", "sentiment", "pii_redactions")
# Columns of assignments.csv that are pipeline outputs, never demographic group columns.
NON_GROUP_COLUMNS = set(ASSIGNMENT_COLUMNS) | {"row", "question", "text", "score", "scores", "via_outlier",
                                              "author_id", "sentiment_score", "stance", "text_redacted", "pii_kinds",
                                              "x", "y", "theme"}


@dataclass
class AuditRun:
    run_dir: Path
    manifest: dict[str, Any]
    themes: list[dict[str, Any]]
    assignments: pd.DataFrame  # every column as str, "" for missing
    rejected: pd.DataFrame  # row, id, field, reason, message (+ group columns joined from the input)
    run_id: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def input_path(self) -> Path | None:
        value = find_value(self.manifest, ("input", "path"), ("input_path",), ("params", "input_path"),
                           ("options", "input_path"), ("input",))
        return Path(value) if isinstance(value, str) and value else None

    @property
    def embedder_name(self) -> str:
        value = find_value(self.manifest, ("parameters", "embedder"), ("params", "embedder"),
                           ("options", "embedder"), ("embedder",), ("models", "embedder"))
        if isinstance(value, dict):
            value = value.get("name") or value.get("id")
        return str(value) if value else "use"

    def available_group_columns(self) -> list[str]:
        return [c for c in self.assignments.columns if c not in NON_GROUP_COLUMNS]


def find_value(data: dict[str, Any], *paths: tuple[str, ...]) -> Any:
    """The first path that exists in a nested dict (run.json's layout is the pipeline's to choose)."""
    for path in paths:
        node: Any = data
        for key in path:
            if not isinstance(node, dict) or key not in node:
                node = None
                break
            node = node[key]
        if node not in (None, "", {}):
            return node
    return None


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def resolve_run_dir(ref: str | Path, database_url: str | None = None) -> tuple[Path, int | None]:
    """RUN_DIR, or a run's database id -> (folder, id or None)."""
    text = str(ref)
    if text.isdigit() and not Path(text).is_dir():
        from civicai.store import session_scope
        from civicai.store.schema import AnalysisRun

        with session_scope(database_url) as session:
            run = session.get(AnalysisRun, int(text))
            if run is None:
                raise InputError(f"no analysis run with id {text} in the database",
                                 "pass the run's output folder, or an id listed by the staff UI")
            if not run.out_dir:
                raise InputError(f"analysis run {text} has no output folder recorded",
                                 "re-run `civicai analyse` or pass the folder")
            return Path(run.out_dir), run.id
    return Path(text), _find_run_id(Path(text), database_url)


def _find_run_id(run_dir: Path, database_url: str | None) -> int | None:
    """The id of the stored run whose out_dir is this folder, if a database holds one (else None)."""
    try:
        from sqlalchemy import select

        from civicai.store import session_scope
        from civicai.store.schema import AnalysisRun

        wanted = {str(run_dir), str(run_dir.resolve())}
        with session_scope(database_url) as session:
            ids = session.scalars(select(AnalysisRun.id).where(AnalysisRun.out_dir.in_(wanted))
                                  .order_by(AnalysisRun.id.desc())).all()
            return ids[0] if ids else None
    except (SQLAlchemyError, CivicaiError):  # no database, not migrated, unreachable: the audit uses files alone
        return None


def load_run(ref: str | Path, database_url: str | None = None) -> AuditRun:
    run_dir, run_id = resolve_run_dir(ref, database_url)
    if not run_dir.is_dir():
        raise InputError(f"run folder {run_dir} does not exist", "pass the --out folder of `civicai analyse`")
    missing = [name for name in ("themes.json", "assignments.csv") if not (run_dir / name).is_file()]
    if missing:
        raise InputError(f"{run_dir} is not an analysis run: {', '.join(missing)} missing",
                         "run `civicai analyse INPUT --out DIR` first, then audit DIR")
    try:
        themes = json.loads((run_dir / "themes.json").read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{run_dir / 'themes.json'} is not valid JSON: {exc}", "re-run the analysis") from exc
    if isinstance(themes, dict):
        themes = themes.get("themes", [])
    assignments = _read_csv(run_dir / "assignments.csv")
    if "submission_id" not in assignments.columns:
        raise InputError(f"{run_dir / 'assignments.csv'} has no submission_id column",
                         "the file must come from `civicai analyse`")
    for column in ASSIGNMENT_COLUMNS:
        if column not in assignments.columns:
            assignments[column] = ""
    manifest: dict[str, Any] = {}
    if (run_dir / "run.json").is_file():
        manifest = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    rejected = (_read_csv(run_dir / "rejected.csv") if (run_dir / "rejected.csv").is_file()
                else pd.DataFrame(columns=["row", "id", "field", "reason", "message"]))
    if run_id is None:  # the pipeline records its database id in run.json
        stored = find_value(manifest, ("database", "run_id"))
        run_id = int(stored) if isinstance(stored, int) and _run_exists(stored, database_url) else None
    return AuditRun(run_dir, manifest, themes, assignments, rejected, run_id)


def _run_exists(run_id: int, database_url: str | None) -> bool:
    try:
        from civicai.store import session_scope
        from civicai.store.schema import AnalysisRun

        with session_scope(database_url) as session:
            return session.get(AnalysisRun, run_id) is not None
    except (SQLAlchemyError, CivicaiError):  # no database here: a folder-only audit
        return False


def join_rejected_groups(run: AuditRun, group_columns: list[str]) -> None:
    """Fill each group column of run.rejected from the input file (rejected.csv has no groups)."""
    wanted = [c for c in group_columns if c not in run.rejected.columns]
    if run.rejected.empty or not wanted:
        return
    path = run.input_path
    if path is None or not path.exists():
        run.notes.append("rejected rows could not be given groups: the run's input file is not available")
        return
    values: dict[str, dict[str, str]] = {c: {} for c in wanted}  # column -> row or id -> group
    try:
        for row, record, by_id in _raw_records(path):
            lowered = {str(k).strip().lower(): v for k, v in record.items()}
            for column in wanted:
                value = lowered.get(column.lower())
                if value is None and column == "opinion_group":
                    value = record.get("__opinion_group__")
                if value not in (None, ""):
                    values[column][f"row:{row}"] = str(value)
                    if by_id:
                        values[column][f"id:{by_id}"] = str(value)
    except (CivicaiError, OSError, ValueError, csv.Error) as exc:
        run.notes.append(f"rejected rows could not be given groups: {exc}")
        return
    for column in wanted:
        lookup = values[column]
        run.rejected[column] = [lookup.get(f"row:{r}") or lookup.get(f"id:{i}") or ""
                                for r, i in zip(run.rejected.get("row", ""), run.rejected.get("id", ""))]


def _raw_records(path: Path) -> Iterator[tuple[int, dict[str, Any], str]]:
    """(row number as ingest counts it, the raw record, its id if the layout has one) for every input row."""
    from civicai.ingest import layouts, tabular
    from civicai.ingest.decode import check_file, detect_encoding

    if path.is_dir():
        comments = path / "comments.csv"
        if not comments.is_file():
            return
        path = comments
    head = check_file(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        table = tabular.read_xlsx(path)
    else:
        encoding = detect_encoding(path, head)
        reader = {".json": tabular.read_json, ".jsonl": tabular.read_jsonl}.get(suffix, tabular.read_csv)
        table = reader(path, encoding)
    opinion: dict[str, str] = {}
    polis = layouts.is_polis(table.columns)
    if polis:
        opinion = layouts.polis_opinion_groups(path)
    for row, record in table.records:
        ident = ""
        if polis:
            ident = str(record.get("comment-id", "")).strip()
            author = str(record.get("author-id", "")).strip()
            if author in opinion:
                record = {**record, "__opinion_group__": opinion[author]}
        yield row, record, ident
