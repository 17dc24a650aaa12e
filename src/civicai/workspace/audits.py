"""The auditors' view: bias reports of every run (the `audits` table and report files in run folders), run
manifests and model cards."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civicai.errors import InputError
from civicai.paths import models_dir
from civicai.store.db import get_or_raise
from civicai.store.schema import AnalysisRun, Audit

REPORT_JSON = "bias_report.json"
REPORT_HTML = "bias_report.html"


def _summary(report: dict[str, Any]) -> dict[str, Any]:
    findings = report.get("findings") or []
    return {"findings": len(findings), "flagged": sum(1 for f in findings if f.get("flagged")),
            "verdict": [v.get("sentence") if isinstance(v, dict) else str(v) for v in report.get("verdict") or []][:5]}


def audit_rows(session: Session) -> list[dict[str, Any]]:
    """Every audit in the database, then report files found in run folders that the database does not list."""
    rows = []
    known_dirs = set()
    for audit in session.scalars(select(Audit).order_by(Audit.id.desc())):
        known_dirs.add(str(Path(audit.out_dir).resolve()) if audit.out_dir else None)
        rows.append({"id": audit.id, "source": "database", "run_id": audit.run_id,
                     "created_at": audit.created_at.isoformat(), "out_dir": audit.out_dir,
                     **_summary(audit.report or {})})
    for run in session.scalars(select(AnalysisRun).order_by(AnalysisRun.id.desc())):
        if not run.out_dir:
            continue
        for path in sorted(Path(run.out_dir).glob(f"**/{REPORT_JSON}"))[:5]:
            folder = str(path.parent.resolve())
            if folder in known_dirs:
                continue
            try:
                report = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                continue
            known_dirs.add(folder)
            rows.append({"id": None, "source": "file", "run_id": run.id, "created_at": None, "out_dir": folder,
                         **_summary(report)})
    return rows


def get_audit(session: Session, audit_id: int) -> Audit:
    return get_or_raise(session, Audit, audit_id, "audit")


def audit_file(session: Session, audit_id: int, fmt: str) -> tuple[Path | None, dict[str, Any]]:
    """The report file (html/json) of an audit, or (None, report) when only the database holds it."""
    if fmt not in ("json", "html"):
        raise InputError(f"unknown report format '{fmt}'", "use json or html")
    audit = get_audit(session, audit_id)
    name = REPORT_JSON if fmt == "json" else REPORT_HTML
    if audit.out_dir and (Path(audit.out_dir) / name).is_file():
        return Path(audit.out_dir) / name, audit.report or {}
    return None, audit.report or {}


def run_report_file(session: Session, run_id: int, fmt: str) -> Path:
    """A report file found in a run's folder (for audits that are only files)."""
    run = get_or_raise(session, AnalysisRun, run_id, "analysis run")
    name = REPORT_JSON if fmt == "json" else REPORT_HTML
    found = sorted(Path(run.out_dir or "/nonexistent").glob(f"**/{name}"))
    if not found:
        raise LookupError(f"run {run_id} has no {name}")
    return found[0]


def model_cards() -> list[dict[str, str]]:
    folder = models_dir() / "cards"
    cards = []
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        text = path.read_text(encoding="utf-8")
        title = next((ln.lstrip("# ").strip() for ln in text.splitlines() if ln.startswith("#")), path.stem)
        cards.append({"name": path.stem, "title": title, "markdown": text})
    return cards


def model_card(name: str) -> dict[str, str]:
    for card in model_cards():
        if card["name"] == name:
            return card
    raise LookupError(f"model card '{name}' does not exist")


def audit_job_params(run: AnalysisRun, group_columns: list[str], requested_by: str) -> dict[str, Any]:
    """Parameters of an 'audit' job for a stored run (group columns default to the run's own)."""
    if not run.out_dir or not Path(run.out_dir).is_dir():
        raise InputError(f"run {run.id} has no output folder on this server to audit", "re-run the analysis")
    columns = group_columns or (run.manifest or {}).get("parameters", {}).get("group_columns", [])
    return {"run_id": run.id, "run_dir": run.out_dir, "out_dir": str(Path(run.out_dir) / "audit"),
            "group_columns": list(columns), "requested_by": requested_by}


def run_audit_job(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Job 'audit': the bias audit of a stored run, written into the run folder and the audits table."""
    from civicai.bias.audit import AuditOptions, run_audit

    options = AuditOptions(out_dir=Path(params["out_dir"]), group_columns=tuple(params.get("group_columns") or ()),
                           seed=ctx.settings.seed, database_url=ctx.url)
    result = run_audit(str(params.get("run_id") or params["run_dir"]), options)
    return {"audit_id": result.audit_id, "flagged": len(result.flagged), "out_dir": str(options.out_dir)}
