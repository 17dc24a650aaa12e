"""Themes (detail, rename, summary, merge, split, delete), submissions and triage, exports."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from civicai.api.deps import ADMIN, READERS, STAFF, ctx_of, get_db, require
from civicai.api.schemas import BulkTriageBody, MergeBody, SplitBody, ThemePatch, TriageBody
from civicai.errors import InputError
from civicai.triage import UNSET, TriageChange, bulk_update, history, update_submission
from civicai.workspace import queries, review
from civicai.workspace.exporting import FORMATS, write_export
from civicai.workspace.users import Principal

router = APIRouter(prefix="/api", tags=["review"])
EXPORT_CSP = ("sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
              "form-action 'none'; frame-ancestors 'none'")
MEDIA = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "html": "text/html"}


def submission_filter(request: Request, consultation_id: int | None = None, run_id: int | None = None, theme_id: int | None = None,
                      status: str | None = None, language: str | None = None, sentiment: str | None = None,
                      tag: str | None = None, assignee: str | None = None, campaign: bool | None = None,
                      duplicates: bool | None = None, unassigned: bool = False, q: str | None = Query(None, max_length=200),
                      group: list[str] = Query([], description="attribute filter COLUMN:VALUE, repeatable")
                      ) -> queries.SubmissionFilter:
    groups = {}
    for item in group:
        if ":" not in item:
            raise InputError(f"group filter '{item}' is not COLUMN:VALUE", "e.g. group=district:Riverside")
        key, value = item.split(":", 1)
        groups[key] = value
    if status:
        from civicai.triage import validate_status

        validate_status(status)
    return queries.SubmissionFilter(consultation_id, run_id, theme_id, status, language, sentiment, tag, assignee,
                                    campaign, duplicates, unassigned, groups, q,
                                    min_group_size=ctx_of(request).settings.min_group_size)


# --- themes ------------------------------------------------------------------------------------------------
def _reaudit(tasks: BackgroundTasks, request: Request, run_id: int, who: Principal) -> None:
    """After a theme edit: the run's bias audit runs again on the reviewed themes, as after an edit in /staff.
    Queued once the response is sent, so after the edit is committed and the audit reads it."""
    from civicai.store.db import session_scope
    from civicai.workspace.audits import request_reaudit

    ctx = ctx_of(request)

    def queue() -> None:
        with session_scope(ctx.url) as session:
            request_reaudit(ctx, session, run_id, who.username, owner_id=who.user_id)

    tasks.add_task(queue)


@router.get("/themes/{theme_id}")
def theme(theme_id: int, who: Principal = Depends(require(*READERS)), session: Session = Depends(get_db, scope="function"),
          flt: queries.SubmissionFilter = Depends(submission_filter), limit: int = 100, offset: int = 0) -> dict:
    """A theme with its quotes, keywords and its members (filterable like /api/submissions)."""
    row = queries.get_theme(session, theme_id)
    flt.theme_id, flt.run_id = theme_id, row.run_id
    total, members = queries.find_submissions(session, flt, limit, offset)
    held = queries.themes_by_submission(session, row.run_id, [m.id for m in members])
    return {**queries.theme_row(row), "members_total": total,
            "members": [queries.submission_row(m, held.get(m.id)) for m in members]}


@router.patch("/themes/{theme_id}")
def edit_theme(theme_id: int, body: ThemePatch, request: Request, tasks: BackgroundTasks,
               who: Principal = Depends(require(*STAFF)), session: Session = Depends(get_db, scope="function")) -> dict:
    if body.label is None and body.summary is None:
        raise InputError("nothing to change", "send 'label' and/or 'summary'")
    row = queries.get_theme(session, theme_id)
    _reaudit(tasks, request, row.run_id, who)
    if body.label is not None:
        row = review.rename_theme(session, theme_id, body.label, actor=who.username)
    if body.summary is not None:
        row = review.edit_summary(session, theme_id, body.summary, actor=who.username)
    return queries.theme_row(row)


@router.post("/themes/{theme_id}/merge")
def merge(theme_id: int, body: MergeBody, request: Request, tasks: BackgroundTasks,
          who: Principal = Depends(require(*STAFF)), session: Session = Depends(get_db, scope="function")) -> dict:
    _reaudit(tasks, request, queries.get_theme(session, theme_id).run_id, who)
    return queries.theme_row(review.merge_themes(session, theme_id, body.source_ids, actor=who.username,
                                                 label=body.label))


@router.post("/themes/{theme_id}/split", status_code=201)
def split(theme_id: int, body: SplitBody, request: Request, tasks: BackgroundTasks,
          who: Principal = Depends(require(*STAFF)), session: Session = Depends(get_db, scope="function")) -> dict:
    _reaudit(tasks, request, queries.get_theme(session, theme_id).run_id, who)
    return queries.theme_row(review.split_theme(session, theme_id, body.submission_ids, body.label,
                                                actor=who.username))


@router.delete("/themes/{theme_id}")
def delete(theme_id: int, request: Request, tasks: BackgroundTasks, who: Principal = Depends(require(*STAFF)),
           session: Session = Depends(get_db, scope="function")) -> dict:
    _reaudit(tasks, request, queries.get_theme(session, theme_id).run_id, who)
    return {"deleted": theme_id, "unassigned": review.delete_theme(session, theme_id, actor=who.username)}


# --- submissions and triage --------------------------------------------------------------------------------
@router.get("/submissions")
def submissions(who: Principal = Depends(require(*READERS)), session: Session = Depends(get_db, scope="function"),
                flt: queries.SubmissionFilter = Depends(submission_filter),
                limit: int = Query(100, ge=1, le=500), offset: int = Query(0, ge=0)) -> dict[str, Any]:
    total, rows = queries.find_submissions(session, flt, limit, offset)
    held = queries.themes_by_submission(session, flt.run_id, [r.id for r in rows])
    return {"total": total, "items": [queries.submission_row(r, held.get(r.id)) for r in rows]}


@router.get("/submissions/{submission_id}")
def submission(submission_id: int, run_id: int | None = None, who: Principal = Depends(require(*READERS)),
               session: Session = Depends(get_db, scope="function")) -> dict[str, Any]:
    row = queries.get_submission(session, submission_id)
    held = queries.themes_by_submission(session, run_id, [row.id])
    return {**queries.submission_row(row, held.get(row.id)),
            "history": [vars(e) for e in history(session, submission_id)]}


def _change(body: TriageBody) -> TriageChange:
    given = body.model_fields_set
    change = TriageChange(status=body.status if "status" in given and body.status is not None else UNSET,
                          assignee=body.assignee if "assignee" in given else UNSET,
                          tags=body.tags if "tags" in given and body.tags is not None else UNSET,
                          add_tags=body.add_tags, remove_tags=body.remove_tags,
                          notes=body.notes if "notes" in given else UNSET, note=body.note)
    if change.is_empty():
        raise InputError("nothing to change", "send at least one of: status, assignee, tags, add_tags, "
                                              "remove_tags, notes")
    return change


@router.patch("/submissions/{submission_id}")
def triage(submission_id: int, body: TriageBody, who: Principal = Depends(require(*STAFF)),
           session: Session = Depends(get_db, scope="function")) -> dict[str, Any]:
    """Change status, assignee, tags or notes; every change is appended to the history with who and when."""
    row = update_submission(session, submission_id, _change(body), actor=who.username, expected_version=body.version)
    return {**queries.submission_row(row), "history": [vars(e) for e in history(session, submission_id)]}


@router.delete("/submissions/{submission_id}")
def erase(submission_id: int, request: Request, note: str | None = Query(None, max_length=500),
          who: Principal = Depends(require(*ADMIN))) -> dict[str, Any]:
    """GDPR erasure (admins): the text leaves the database, run folders, checkpoints, the stored upload, theme
    quotes/labels/summaries and audits; the erasure (who, when, which id) is logged without the text."""
    from civicai.workspace.erasure import erase_submission

    ctx = ctx_of(request)
    return erase_submission(ctx.url, ctx.home, actor=who.username, submission_id=submission_id, note=note).as_dict()


@router.post("/submissions/bulk")
def bulk(body: BulkTriageBody, who: Principal = Depends(require(*STAFF)), session: Session = Depends(get_db, scope="function")) -> dict:
    events = bulk_update(session, body.ids, _change(body), actor=who.username)
    return {"updated": len(set(body.ids)), "events": events}


@router.get("/submissions/{submission_id}/history")
def submission_history(submission_id: int, who: Principal = Depends(require(*READERS)),
                       session: Session = Depends(get_db, scope="function")) -> list[dict[str, Any]]:
    return [vars(e) for e in history(session, submission_id)]


@router.get("/triage/events")
def events(consultation_id: int | None = None, limit: int = Query(200, ge=1, le=2000),
           who: Principal = Depends(require(*READERS)), session: Session = Depends(get_db, scope="function")) -> list[dict[str, Any]]:
    return [vars(e) for e in history(session, consultation_id=consultation_id, limit=limit)]


# --- exports -----------------------------------------------------------------------------------------------
@router.get("/exports/{fmt}")
def export(fmt: str, who: Principal = Depends(require(*READERS)), session: Session = Depends(get_db, scope="function"),
           flt: queries.SubmissionFilter = Depends(submission_filter)) -> FileResponse:
    """CSV or XLSX (formulas neutralised) or HTML report of everything (consultation_id) or of any filter."""
    if fmt not in FORMATS:
        raise InputError(f"unknown export format '{fmt}'", f"use one of: {', '.join(FORMATS)}")
    if flt.consultation_id is None and flt.run_id is None:
        raise InputError("an export needs consultation_id or run_id", "e.g. /api/exports/csv?consultation_id=1")
    if flt.consultation_id is None:
        flt.consultation_id = queries.get_run(session, flt.run_id).consultation_id
    path = write_export(session, flt, flt.run_id, fmt)
    import shutil

    # an HTML export holds citizen text: opened in the browser it runs no script and loads nothing
    headers = {"Content-Security-Policy": EXPORT_CSP} if fmt == "html" else None
    return FileResponse(path, media_type=MEDIA[fmt], filename=path.name, headers=headers,
                        background=BackgroundTask(shutil.rmtree, path.parent, ignore_errors=True))


__all__ = ["HTTPException", "router"]
