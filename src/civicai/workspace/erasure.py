"""GDPR erasure of one citizen's submission everywhere civicai keeps it, and retention of raw uploads.

The data's path: an upload is stored under HOME/uploads/<id>/, an analysis reads it into a run folder
(checkpoints, themes.json, assignments.csv, report.html, ...) and into the database (submissions, theme quotes,
labels and summaries, run manifests, audits). `erase_submission` clears the database row (store.erasure), marks
theme labels and summaries built from the person's sentences, deletes the consultation's stored raw upload and
every run's checkpoints, drops the person's rows from run CSVs and replaces any remaining copy of their words in
run and audit files with a marker. What stays: the submission id, a triage event "erasure" (who, when) and the
counts of past runs. A re-map reads the database, where the text is gone, and the pipeline skips erased ids of
a consultation it re-reads, so neither brings the text back.
"""
from __future__ import annotations

import csv
import html
import json
import logging
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from civicai.errors import InputError
from civicai.store.db import get_engine, session_scope
from civicai.store.erasure import delete_submission_data
from civicai.store.schema import AnalysisRun, Audit, Consultation, Job, Submission, Theme

log = logging.getLogger("civicai.erasure")

MARK = "[erased]"
LABEL_MARK = "(label withdrawn: it quoted an erased submission)"
SUMMARY_MARK = "(summary withdrawn: it quoted an erased submission; re-run the analysis to write a new one)"
# Pieces shorter than this could match other people's words by accident.
MIN_FRAGMENT = 20
_TEXT_SUFFIXES = {".json", ".jsonl", ".csv", ".tsv", ".html", ".htm", ".txt", ".md"}
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")


@dataclass
class ErasureReport:
    submission_id: int
    consultation_id: int
    external_id: str
    actor: str
    quotes_removed: int = 0
    themes_marked: int = 0
    files_changed: list[str] = field(default_factory=list)
    folders_removed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"submission_id": self.submission_id, "consultation_id": self.consultation_id,
                "external_id": self.external_id, "quotes_removed": self.quotes_removed,
                "themes_marked": self.themes_marked, "files_changed": len(self.files_changed),
                "folders_removed": len(self.folders_removed)}


# --- what to look for ----------------------------------------------------------------------------------------
def fragments(texts: list[str]) -> list[str]:
    """The whole texts and each of their sentences long enough to be recognisable, longest first."""
    found: set[str] = set()
    for value in texts:
        whole = (value or "").strip()
        if len(whole) >= MIN_FRAGMENT:
            found.add(whole)
        for piece in _SENTENCE_END.split(whole):
            piece = piece.strip().strip("\"'“”«»…").strip()
            if len(piece) >= MIN_FRAGMENT:
                found.add(piece)
    return sorted(found, key=len, reverse=True)


def _variants(piece: str) -> list[str]:
    """How a fragment looks inside our files: plain, HTML-escaped (two escapers), JSON- and CSV-quoted."""
    from markupsafe import escape

    forms = {piece, html.escape(piece), str(escape(piece)), json.dumps(piece)[1:-1],
             json.dumps(piece, ensure_ascii=True)[1:-1], piece.replace('"', '""')}
    return sorted(forms, key=len, reverse=True)


def _uses(value: str | None, pieces: list[str], texts: list[str]) -> bool:
    """Does a label or summary repeat the erased words (either way round: a label is often a part of a sentence)?"""
    value = (value or "").strip()
    if not value or value in (LABEL_MARK, SUMMARY_MARK):
        return False
    if any(p in value for p in pieces):
        return True
    own = [s.strip().strip("\"'“”«»…").strip() for s in _SENTENCE_END.split(value)]
    return any(len(s) >= 12 and any(s in t for t in texts) for s in own)


def scrub_value(value: Any, pieces: list[str]) -> Any:
    """A JSON-like value with every copy of the erased words replaced by the marker."""
    if isinstance(value, str):
        for piece in pieces:
            if piece in value:
                value = value.replace(piece, MARK)
        return value
    if isinstance(value, list):
        return [scrub_value(v, pieces) for v in value]
    if isinstance(value, dict):
        return {k: scrub_value(v, pieces) for k, v in value.items()}
    return value


# --- files ---------------------------------------------------------------------------------------------------
def _write_atomic(path: Path, content: str) -> None:
    temporary = path.with_name(path.name + ".erasing")
    temporary.write_text(content, encoding="utf-8")
    temporary.replace(path)


def _drop_csv_rows(path: Path, ids: set[str]) -> bool:
    """Remove the rows whose submission_id (or id) is the erased one; the formula apostrophe is ignored."""
    raw = path.read_text(encoding="utf-8-sig")
    delimiter = "\t" if path.suffix == ".tsv" else ","
    rows = list(csv.reader(raw.splitlines(keepends=True), delimiter=delimiter))
    if not rows:
        return False
    header = [h.lstrip("'") for h in rows[0]]
    columns = [i for i, h in enumerate(header) if h in ("submission_id", "id")]
    if not columns:
        return False
    kept = [rows[0]] + [r for r in rows[1:] if not any(i < len(r) and r[i].lstrip("'") in ids for i in columns)]
    if len(kept) == len(rows):
        return False
    import io

    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows(kept)
    _write_atomic(path, ("\ufeff" if raw.startswith("\ufeff") else "") + out.getvalue())
    return True


def _scrub_themes_file(path: Path, ids: set[str], pieces: list[str], texts: list[str]) -> bool:
    try:
        themes = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(themes, list):
        return False
    changed = False
    for theme in themes:
        if not isinstance(theme, dict):
            continue
        quotes = theme.get("quotes") or []
        kept = [q for q in quotes if not (isinstance(q, dict) and str(q.get("submission_id")) in ids)]
        if len(kept) != len(quotes):
            theme["quotes"], changed = kept, True
        if _uses(theme.get("label"), pieces, texts):
            theme["label"], changed = LABEL_MARK, True
        if _uses(theme.get("summary"), pieces, texts):
            theme["summary"], changed = SUMMARY_MARK, True
    if changed:
        _write_atomic(path, json.dumps(themes, ensure_ascii=False, indent=2))
    return changed


def _scrub_text_file(path: Path, pieces: list[str]) -> bool:
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    original = content
    for piece in pieces:
        for form in _variants(piece):
            if form in content:
                content = content.replace(form, MARK)
    if content == original:
        return False
    _write_atomic(path, content)
    return True


def scrub_folder(folder: Path, ids: set[str], pieces: list[str], texts: list[str], report: ErasureReport) -> None:
    """A run or audit folder: checkpoints deleted (a resume recomputes them), the person's CSV rows dropped,
    themes.json quotes removed and labels marked, then every remaining copy of their words replaced."""
    if not folder.is_dir():
        return
    checkpoints = folder / ".checkpoints"
    if checkpoints.is_dir():
        shutil.rmtree(checkpoints, ignore_errors=True)
        report.folders_removed.append(str(checkpoints))
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        changed = False
        if path.suffix in (".csv", ".tsv"):
            changed |= _drop_csv_rows(path, ids)
        if path.name == "themes.json":
            changed |= _scrub_themes_file(path, ids, pieces, texts)
        if path.suffix in _TEXT_SUFFIXES:
            changed |= _scrub_text_file(path, pieces)
        if changed:
            report.files_changed.append(str(path))


# --- the database --------------------------------------------------------------------------------------------
def _find(session: Session, submission_id: int | None, external_id: str | None,
          consultation_id: int | None) -> Submission:
    if submission_id is not None:
        row = session.get(Submission, submission_id)
        if row is None:
            raise LookupError(f"submission {submission_id} does not exist")
        return row
    if not external_id:
        raise InputError("no submission given", "pass the submission id (--submission ID)")
    query = select(Submission).where(Submission.external_id == str(external_id))
    if consultation_id is not None:
        query = query.where(Submission.consultation_id == consultation_id)
    rows = list(session.scalars(query))
    if not rows:
        where = f" in consultation {consultation_id}" if consultation_id is not None else ""
        raise InputError(f"no submission with id {external_id!r}{where}",
                         "use the id exactly as in the imported file; `--consultation` picks the consultation")
    if len(rows) > 1:
        raise InputError(f"submission id {external_id!r} exists in consultations "
                         f"{', '.join(str(r.consultation_id) for r in rows)}", "add --consultation C to choose one")
    return rows[0]


def _mark_themes(session: Session, consultation_id: int, pieces: list[str], texts: list[str]) -> int:
    marked = 0
    themes = session.scalars(select(Theme).join(AnalysisRun).where(AnalysisRun.consultation_id == consultation_id))
    for theme in themes:
        hit = False
        if _uses(theme.label, pieces, texts):
            theme.label, hit = LABEL_MARK, True
        if _uses(theme.summary, pieces, texts):
            theme.summary, hit = SUMMARY_MARK, True
        marked += hit
    return marked


def _scrub_json_columns(session: Session, consultation_id: int, pieces: list[str]) -> None:
    """Run manifests (review log), audit reports (context snippets) and job records (messages)."""
    runs = list(session.scalars(select(AnalysisRun).where(AnalysisRun.consultation_id == consultation_id)))
    for run in runs:
        run.manifest = scrub_value(run.manifest or {}, pieces)
    run_ids = [r.id for r in runs]
    if run_ids:
        for audit in session.scalars(select(Audit).where(Audit.run_id.in_(run_ids))):
            audit.report = scrub_value(audit.report or {}, pieces)
    for job in session.scalars(select(Job)):
        job.params = scrub_value(job.params or {}, pieces)
        job.result = scrub_value(job.result, pieces) if job.result is not None else None
        job.message = scrub_value(job.message, pieces)


def _purge_sqlite(url: str) -> None:
    """Old row versions linger in the WAL file and free pages: checkpoint and vacuum so they are overwritten.
    (PostgreSQL: autovacuum reclaims dead rows; docs/security.md says what that leaves.)"""
    engine = get_engine(url)
    if engine.dialect.name != "sqlite":
        return
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            connection.exec_driver_sql("VACUUM")
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    except DBAPIError as exc:  # a busy database: the rows are already gone from every query; say what to do
        log.warning("erasure: could not compact the SQLite file now (%s); run `civicai erase --compact` "
                    "when the server is idle to overwrite freed pages", exc)


def compact_database(url: str) -> None:
    _purge_sqlite(url)


# --- the one entry point -------------------------------------------------------------------------------------
def erase_submission(url: str, home: Path, *, actor: str, submission_id: int | None = None,
                     external_id: str | None = None, consultation_id: int | None = None,
                     note: str | None = None) -> ErasureReport:
    """Erase one person's submission from the database and every file civicai wrote (see the module docstring)."""
    home = Path(home).resolve()
    with session_scope(url) as session:
        row = _find(session, submission_id, external_id, consultation_id)
        texts = [t for t in (row.text_redacted, row.text_raw) if t]
        pieces = fragments(texts)
        consultation = session.get(Consultation, row.consultation_id)
        ext = row.external_id
        ids = {ext, ext.split(":", 1)[1]} if re.match(r"^Q\d+:", ext) else {ext}
        result = delete_submission_data(session, row.consultation_id, ext, actor=actor, note=note)
        report = ErasureReport(row.id, row.consultation_id, ext, actor, quotes_removed=result.quotes_removed)
        report.themes_marked = _mark_themes(session, row.consultation_id, pieces, texts)
        if pieces:
            _scrub_json_columns(session, row.consultation_id, pieces)
        folders = [Path(r.out_dir) for r in consultation.runs if r.out_dir]
        run_ids = [r.id for r in consultation.runs]
        if run_ids:
            folders += [Path(a.out_dir) for a in session.scalars(select(Audit).where(Audit.run_id.in_(run_ids)))
                        if a.out_dir]
        source = Path(consultation.source_file) if consultation.source_file else None
    # the database is committed first: if a file step fails, the text is already gone from every screen
    uploads = home / "uploads"
    if source is not None and source.exists() and uploads in source.resolve().parents:
        upload_folder = uploads / source.resolve().relative_to(uploads).parts[0]
        shutil.rmtree(upload_folder, ignore_errors=True)
        report.folders_removed.append(str(upload_folder))
    for folder in dict.fromkeys(folders):
        scrub_folder(folder, ids, pieces, texts, report)
    _purge_sqlite(url)
    # who, when (the log record's time) and which id; never the text
    log.info("erasure: submission %s (consultation %s, id %r) erased by %s; %d quotes removed, %d themes marked, "
             "%d files rewritten", report.submission_id, report.consultation_id, ext, actor, report.quotes_removed,
             report.themes_marked, len(report.files_changed))
    return report


# --- retention of raw uploads --------------------------------------------------------------------------------
def delete_raw_upload(home: Path, input_path: Path) -> bool:
    """After a successful analysis: the raw upload goes (re-maps read the redacted database instead)."""
    uploads = Path(home).resolve() / "uploads"
    path = Path(input_path).resolve()
    if uploads not in path.parents:
        return False  # a file the operator passed on the command line is theirs, not ours
    folder = uploads / path.relative_to(uploads).parts[0]
    shutil.rmtree(folder, ignore_errors=True)
    log.info("retention: raw upload %s deleted after its analysis (set keep_raw_text to keep uploads)", folder.name)
    return True


def sweep_uploads(home: Path, max_age_days: float) -> list[str]:
    """Uploads never analysed are deleted after max_age_days."""
    import time

    uploads = Path(home).resolve() / "uploads"
    if not uploads.is_dir():
        return []
    cutoff = time.time() - max_age_days * 86400
    removed = []
    for folder in uploads.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    if removed:
        log.info("retention: %d raw uploads older than %s days deleted", len(removed), max_age_days)
    return removed


def erased_external_ids(url: str, source_file: str | None = None, consultation_id: int | None = None) -> set[str]:
    """External ids erased from the consultation(s) read from this file: the pipeline skips them."""
    with session_scope(url) as session:
        query = select(Submission.external_id).join(Consultation).where(Submission.erased_at.is_not(None))
        if consultation_id is not None:
            query = query.where(Submission.consultation_id == consultation_id)
        elif source_file is not None:
            query = query.where(Consultation.source_file == str(source_file))
        else:
            return set()
        return {str(e) for e in session.scalars(query)}
