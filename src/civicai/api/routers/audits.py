"""The auditors' view: bias reports, run manifests (see /api/runs/{id}/manifest) and model cards."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from sqlalchemy.orm import Session

from civicai.api.deps import READERS, get_db, require
from civicai.workspace import audits as auditsvc
from civicai.workspace.users import Principal

router = APIRouter(prefix="/api", tags=["audits"])
SANDBOX = {"Content-Security-Policy": "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"}


@router.get("/audits")
def audits(who: Principal = Depends(require(*READERS)), session: Session = Depends(get_db, scope="function")) -> list[dict[str, Any]]:
    return auditsvc.audit_rows(session)


@router.get("/audits/{audit_id}")
def audit(audit_id: int, who: Principal = Depends(require(*READERS)), session: Session = Depends(get_db, scope="function")) -> dict:
    from civicai.workspace.security import hide_paths, path_name

    row = auditsvc.get_audit(session, audit_id)
    return {"id": row.id, "run_id": row.run_id, "created_at": row.created_at.isoformat(),
            "output_folder": path_name(row.out_dir) if row.out_dir else None, "report": hide_paths(row.report)}


@router.get("/audits/{audit_id}/report.{fmt}")
def audit_report(audit_id: int, fmt: str, who: Principal = Depends(require(*READERS)),
                 session: Session = Depends(get_db, scope="function")):
    """bias_report.json or bias_report.html as a download (HTML sandboxed by CSP)."""
    path, report = auditsvc.audit_file(session, audit_id, fmt)
    if path is not None:
        return FileResponse(path, filename=f"audit{audit_id}-{path.name}", headers=SANDBOX if fmt == "html" else None)
    if fmt == "json":
        return JSONResponse(report, headers={"Content-Disposition": f'attachment; filename="audit{audit_id}.json"'})
    return HTMLResponse("<p>This audit's HTML report is not on this server; download the JSON.</p>", 404)


@router.get("/runs/{run_id}/bias_report.{fmt}")
def run_report(run_id: int, fmt: str, who: Principal = Depends(require(*READERS)),
               session: Session = Depends(get_db, scope="function")) -> FileResponse:
    path = auditsvc.run_report_file(session, run_id, fmt)
    return FileResponse(path, filename=f"run{run_id}-{path.name}", headers=SANDBOX if fmt == "html" else None)


@router.get("/model-cards")
def model_cards(who: Principal = Depends(require(*READERS)),
                full: bool = Query(False, description="include the markdown")) -> list[dict[str, str]]:
    cards = auditsvc.model_cards()
    return cards if full else [{"name": c["name"], "title": c["title"]} for c in cards]


@router.get("/model-cards/{name}")
def model_card(name: str, who: Principal = Depends(require(*READERS))) -> dict[str, str]:
    return auditsvc.model_card(name)
