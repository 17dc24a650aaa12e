"""Uploads, previews and the analysis jobs behind the staff workspace (and the first-start sample)."""
from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from civicai.errors import InputError
from civicai.workspace.context import AppContext
from civicai.workspace.security import (
    UPLOAD_EXTENSIONS,
    UploadError,
    check_archive,
    safe_upload_name,
    sniff_upload,
)
from civicai.workspace.upload_checks import group_candidates

PREVIEW_ROWS = 5


@dataclass(frozen=True)
class StoredUpload:
    upload_id: str
    name: str
    path: Path
    size: int


def store_upload(ctx: AppContext, filename: str | None, chunks, *, limit: int | None = None) -> StoredUpload:
    """Save an upload (an iterable of byte chunks) under HOME/uploads/<id>/, refusing it once it passes the limit."""
    name = safe_upload_name(filename)
    limit = limit or ctx.options.max_upload_bytes
    if not ctx.settings.keep_raw_text:
        from civicai.workspace.erasure import sweep_uploads

        sweep_uploads(ctx.home, ctx.options.upload_retention_days)  # retention: old raw uploads go
    upload_id = uuid.uuid4().hex
    folder = ctx.uploads_dir / upload_id
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    size = 0
    head = b""
    try:
        with path.open("wb") as handle:
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise UploadTooLarge(f"'{name}' is larger than {limit // (1024 * 1024)} MB",
                                         "split the export, or ask the administrator to raise the upload limit")
                if len(head) < 8192:
                    head += chunk[:8192 - len(head)]
                handle.write(chunk)
        if size == 0:
            raise UploadError(f"'{name}' is empty", "upload the exported file with its rows")
        sniff_upload(head, name)
        check_archive(path, limit)  # a zip bomb is refused before anything unpacks it
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return StoredUpload(upload_id, name, path, size)


class UploadTooLarge(InputError):
    """The upload is over the size limit (HTTP 413)."""


def upload_path(ctx: AppContext, upload_id: str) -> Path:
    if not upload_id.isalnum() or len(upload_id) != 32:
        raise InputError(f"upload id {upload_id!r} is not valid", "use the id returned by POST /api/uploads")
    folder = ctx.uploads_dir / upload_id
    files = [p for p in folder.iterdir() if p.suffix.lower() in UPLOAD_EXTENSIONS] if folder.is_dir() else []
    if not files:
        raise LookupError(f"upload {upload_id} does not exist")
    return files[0]




def preview(path: Path, text_column: str | None = None) -> dict[str, Any]:
    """Columns, what was detected, and the first rows with their text redacted (a preview is not stored)."""
    from civicai.ingest import read_submissions

    result = read_submissions(path, text_column=text_column)
    rows = []
    sample = result.submissions[:PREVIEW_ROWS]
    from civicai.privacy import shared_redactor  # imported here: loading it costs seconds

    texts = [r.text for r in shared_redactor().redact_many([s.text for s in sample])] if sample else []
    for submission, text in zip(sample, texts, strict=True):
        rows.append({"row": submission.row, "id": submission.id, "text": text[:500],
                     "question": submission.question, **dict(submission.attributes)})
    return {"columns": result.columns, "layout": result.layout, "text_column": result.text_column,
            "id_column": result.id_column, "question_column": result.question_column,
            "accepted": len(result.submissions), "rejected": len(result.rejected), "notes": result.notes,
            "rows": rows,
            # which rows, and why (a reason code, never the row's text: it is not redacted yet)
            "rejected_rows": [{"row": r.row, "id": r.id, "field": r.field, "reason": r.reason}
                              for r in result.rejected[:5]],
            # demographic columns offered for the audit at once (issue 17: officers had to find them)
            "group_columns": group_candidates(result.columns, [{**s.extra, **s.attributes} for s in result.submissions],
                                              skip=[result.text_column, result.id_column, result.question_column])}


def analysis_params(ctx: AppContext, input_path: Path, *, text_column: str | None = None,
                    id_column: str | None = None, group_columns: list[str] | None = None,
                    question_column: str | None = None, themes_path: Path | None = None,
                    label: str = "run", label_language: str | None = None) -> dict[str, Any]:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    out_dir = ctx.runs_dir / f"{stamp}-{label}-{uuid.uuid4().hex[:6]}"
    return {"input_path": str(input_path), "out_dir": str(out_dir), "text_column": text_column or None,
            "id_column": id_column or None, "group_columns": list(group_columns or []),
            "question_column": question_column or None,
            "themes_path": str(themes_path) if themes_path else None, "label_language": label_language or None}


def remap_input(session, consultation_id: int, path: Path) -> dict[str, Any]:
    """Write the consultation's redacted, not erased submissions as the re-map's input CSV. A re-map reads the
    database, not the raw upload: erased people stay erased and raw uploads need not be kept."""
    import re

    from sqlalchemy import select

    from civicai.export import write_csv
    from civicai.store.schema import Submission

    rows = list(session.scalars(select(Submission).where(Submission.consultation_id == consultation_id,
                                                         Submission.erased_at.is_(None)).order_by(Submission.id)))
    if not rows:
        raise InputError(f"consultation {consultation_id} has no submission left to re-map",
                         "upload the consultation again")
    multi = len({r.question for r in rows}) > 1
    groups = sorted({k for r in rows for k in (r.attributes or {})})
    columns = ["id", "text"] + (["question"] if multi else []) + groups
    records = [{"id": re.sub(r"^Q\d+:", "", r.external_id) if multi else r.external_id, "text": r.text_redacted,
                **({"question": r.question or ""} if multi else {}),
                **{g: (r.attributes or {}).get(g, "") for g in groups}} for r in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(path, records, columns)
    return {"text_column": "text", "id_column": "id", "question_column": "question" if multi else None}


def remap_params(ctx: AppContext, session, run_id: int, actor: str) -> dict[str, Any]:
    """The 'remap' job's parameters: every (redacted, not erased) submission onto the run's edited themes."""
    from civicai.workspace.queries import get_run
    from civicai.workspace.review import edited_theme_set

    run = get_run(session, run_id)
    given = (run.manifest or {}).get("parameters", {})
    params = analysis_params(ctx, Path("input.csv"), group_columns=given.get("group_columns"), label=f"remap{run_id}",
                             label_language=run_label_language(run.manifest or {}))
    source = Path(params["out_dir"]) / "input.csv"
    params.update(remap_input(session, run.consultation_id, source), input_path=str(source))
    themes_path = edited_theme_set(session, run_id, Path(params["out_dir"]) / "edited_themes.json")
    params.update(themes_path=str(themes_path), requested_by=actor, from_run=run_id,
                  consultation_id=run.consultation_id)
    return params


def run_label_language(manifest: dict[str, Any]) -> str | None:
    """The language a run's titles were written in: the one staff chose, else the one every question used (the
    majority then). A re-map keeps it, so erasures or new submissions do not switch the titles' language."""
    chosen = manifest.get("parameters", {}).get("label_language")
    if chosen:
        return str(chosen)
    used = {q.get("label_language") for q in manifest.get("questions", [])} - {None}
    return str(used.pop()) if len(used) == 1 else None


def run_analysis_job(ctx: AppContext, params: dict[str, Any]) -> dict[str, Any]:
    """The 'analyse' and 'remap' job: the real pipeline, stored in the server's database."""
    from civicai.pipeline import AnalyseOptions, run_analysis

    options = AnalyseOptions(input_path=Path(params["input_path"]), out_dir=Path(params["out_dir"]),
                             text_column=params.get("text_column"), id_column=params.get("id_column"),
                             group_columns=tuple(params.get("group_columns") or ()),
                             question_column=params.get("question_column"),
                             label_language=params.get("label_language"),
                             themes_path=Path(params["themes_path"]) if params.get("themes_path") else None,
                             seed=ctx.settings.seed, embedder=ctx.settings.embedder_cluster,
                             database_url=ctx.url, progress=False, consultation_id=params.get("consultation_id"),
                             workers=1,  # no forking inside a multi-threaded server; the CLI uses workers
                             cluster_address=ctx.settings.cluster_address)  # per-text stages on a Dask cluster
    result = run_analysis(options)
    if not ctx.settings.keep_raw_text:
        from civicai.workspace.erasure import delete_raw_upload

        delete_raw_upload(ctx.home, options.input_path)  # retention: the redacted database is what stays
    consultation_id, audit_job = None, None
    if result.run_id is not None:
        from civicai.store.db import session_scope
        from civicai.store.schema import AnalysisRun
        from civicai.workspace.audits import audit_job_params

        with session_scope(ctx.url) as session:
            run = session.get(AnalysisRun, result.run_id)
            consultation_id = run.consultation_id
            audit = audit_job_params(run, list(options.group_columns), params.get("requested_by") or "automatic") \
                if options.group_columns else None
        if audit is not None:  # a run with group columns is audited at once, so auditors never find none
            audit_job = ctx.jobs.submit("audit", audit)
    return {"run_id": result.run_id, "consultation_id": consultation_id, "out_dir": str(result.out_dir),
            "themes": len(result.themes), "counts": result.counts, "audit_job": audit_job}


def run_plan_ingest_job(ctx: AppContext, params: dict[str, Any]) -> dict[str, Any]:
    from civicai.plans.ingest import ingest_file

    result = ingest_file(params["path"], name=params["name"], settings=ctx.settings)
    from civicai.rag import load_chat

    # the plan's sentence vectors are encoded here, in the background job, not on the first question
    load_chat(result.plan.name, result.plan.version, settings=ctx.settings).prepare_sentences()
    return {"plan_id": result.plan.id, "name": result.plan.name, "version": result.plan.version,
            "chunks": result.chunks, "created": result.created}
