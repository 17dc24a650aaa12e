"""Consultations, uploads, analysis jobs and runs (the staff workspace's left half)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, UploadFile
from sqlalchemy import select
from sqlalchemy.orm import Session

from civicai.api.deps import READERS, STAFF, ctx_of, get_db, require
from civicai.api.schemas import AnalysisBody, AuditBody
from civicai.store.db import session_scope
from civicai.store.schema import Job
from civicai.workspace import queries
from civicai.workspace.analyses import analysis_params, preview, store_upload, upload_path
from civicai.workspace.jobs import JobForbidden, job_view
from civicai.workspace.upload_checks import refuse_repeat_analysis
from civicai.workspace.users import Principal

router = APIRouter(prefix="/api", tags=["workspace"])


@router.get("/consultations")
def consultations(who: Principal = Depends(require(*READERS)), session: Session = Depends(get_db, scope="function")) -> list[dict]:
    return queries.consultation_rows(session)


@router.get("/consultations/{consultation_id}")
def consultation(consultation_id: int, who: Principal = Depends(require(*READERS)),
                 session: Session = Depends(get_db, scope="function")) -> dict[str, Any]:
    c = queries.get_consultation(session, consultation_id)
    return {"id": c.id, "name": c.name, "question": c.question, "created_at": c.created_at.isoformat(),
            "runs": queries.run_rows(session, c.id), "groups": queries.group_columns(session, c.id),
            "campaigns": queries.campaign_rows(session, c.id)}


def _chunks(file: UploadFile):
    while True:
        block = file.file.read(1 << 20)
        if not block:
            return
        yield block


@router.post("/uploads", status_code=201)
def upload(file: UploadFile, request: Request, who: Principal = Depends(require(*STAFF))) -> dict[str, Any]:
    """Upload a consultation export (CSV, XLSX, JSON, JSONL; size-limited); returns a preview with redacted text."""
    ctx = ctx_of(request)
    stored = store_upload(ctx, file.filename, _chunks(file))
    return {"upload_id": stored.upload_id, "name": stored.name, "size": stored.size, "preview": preview(stored.path)}


@router.get("/uploads/{upload_id}/preview")
def upload_preview(upload_id: str, request: Request, text_column: str | None = None,
                   who: Principal = Depends(require(*STAFF))) -> dict[str, Any]:
    return preview(upload_path(ctx_of(request), upload_id), text_column)


@router.post("/analyses", status_code=202)
def start_analysis(body: AnalysisBody, request: Request, who: Principal = Depends(require(*STAFF))) -> dict[str, Any]:
    """Start an analysis of an upload as a background job; poll GET /api/jobs/{id} for progress. A file analysed
    before (or being analysed) gets 409 unless `again` is true, as in the staff app."""
    ctx = ctx_of(request)
    path = upload_path(ctx, body.upload_id)
    with session_scope(ctx.url) as session:
        refuse_repeat_analysis(session, path, body.again, 'send "again": true')
    preview(path, body.text_column)  # fails now (422) on a wrong column, not minutes later in the job
    params = analysis_params(ctx, path, text_column=body.text_column, id_column=body.id_column,
                             group_columns=body.group_columns, question_column=body.question_column, label="upload",
                             label_language=body.label_language)
    params["requested_by"] = who.username
    return {"job_id": ctx.jobs.submit("analyse", params, owner_id=who.user_id)}


@router.get("/jobs")
def jobs(who: Principal = Depends(require(*READERS)), session: Session = Depends(get_db, scope="function"),
         limit: int = Query(50, ge=1, le=500)) -> list[dict[str, Any]]:
    return [job_view(j) for j in session.scalars(select(Job).order_by(Job.id.desc()).limit(limit))]


@router.get("/jobs/{job_id}")
def job(job_id: int, who: Principal = Depends(require(*READERS)), session: Session = Depends(get_db, scope="function")) -> dict[str, Any]:
    row = session.get(Job, job_id)
    if row is None:
        raise HTTPException(404, f"job {job_id} does not exist")
    return job_view(row)


@router.post("/jobs/{job_id}/resume", status_code=202)
def resume(job_id: int, request: Request, who: Principal = Depends(require(*STAFF))) -> dict[str, Any]:
    """Run an interrupted (or failed) job again; finished stages are reused from its checkpoints. Only the user
    who started the job, or an admin, may (403 otherwise)."""
    try:
        ctx_of(request).jobs.resume(job_id, who)
    except JobForbidden as exc:
        raise HTTPException(403, exc.message) from exc
    return {"job_id": job_id, "status": "queued"}


@router.post("/jobs/{job_id}/cancel", status_code=202)
def cancel(job_id: int, request: Request, who: Principal = Depends(require(*STAFF))) -> dict[str, Any]:
    """Cancel a queued job at once, or stop a running one (status 'running' until its worker stops it, within
    seconds); a finished job answers 409. Only the user who started the job, or an admin, may (403 otherwise)."""
    try:
        return {"job_id": job_id, "status": ctx_of(request).jobs.cancel(job_id, who)}
    except JobForbidden as exc:
        raise HTTPException(403, exc.message) from exc


@router.get("/runs")
def runs(consultation_id: int | None = None, who: Principal = Depends(require(*READERS)),
         session: Session = Depends(get_db, scope="function")) -> list[dict[str, Any]]:
    return queries.run_rows(session, consultation_id)


@router.get("/runs/{run_id}")
def run(run_id: int, who: Principal = Depends(require(*READERS)), session: Session = Depends(get_db, scope="function")) -> dict[str, Any]:
    return queries.run_row(queries.get_run(session, run_id))


@router.get("/runs/{run_id}/manifest")
def manifest(run_id: int, who: Principal = Depends(require(*READERS)), session: Session = Depends(get_db, scope="function")) -> dict:
    """The run manifest (run.json): versions, models with checksums, prompts, parameters, seed, timings; files
    named by their names, not the server's paths (the run folder's run.json keeps them)."""
    from civicai.workspace.security import hide_paths

    return hide_paths(queries.get_run(session, run_id).manifest or {})


@router.get("/runs/{run_id}/themes")
def run_themes(run_id: int, who: Principal = Depends(require(*READERS)), session: Session = Depends(get_db, scope="function")) -> list:
    return queries.theme_rows(session, run_id)


@router.get("/runs/{run_id}/map")
def run_map(run_id: int, who: Principal = Depends(require(*READERS)), session: Session = Depends(get_db, scope="function")) -> list:
    """2-D map points (x, y, theme, redacted text) of the run's submissions."""
    return queries.map_points(session, run_id)


@router.post("/runs/{run_id}/remap", status_code=202)
def remap(run_id: int, request: Request, who: Principal = Depends(require(*STAFF)),
          session: Session = Depends(get_db, scope="function")) -> dict[str, Any]:
    """Map every submission onto this run's edited theme set (the pipeline's --themes) as a new run. The input is
    the database's redacted text (erased submissions left out), not the raw upload."""
    from civicai.workspace.analyses import remap_params

    ctx = ctx_of(request)
    return {"job_id": ctx.jobs.submit("remap", remap_params(ctx, session, run_id, who.username), owner_id=who.user_id)}


@router.post("/runs/{run_id}/audit", status_code=202)
def audit(run_id: int, body: AuditBody, request: Request, who: Principal = Depends(require(*STAFF)),
          session: Session = Depends(get_db, scope="function")) -> dict[str, Any]:
    """Run the bias audit of a stored run as a background job."""
    from civicai.workspace.audits import audit_job_params

    params = audit_job_params(queries.get_run(session, run_id), body.group_columns, who.username)
    return {"job_id": ctx_of(request).jobs.submit("audit", params, owner_id=who.user_id)}
