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
    from civicai.workspace.security import path_name

    for row in rows:  # readers see the folder's name, not the server's path (review s8)
        row["output_folder"] = path_name(row.pop("out_dir")) if row.get("out_dir") else None
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
    """The newest report file found in a run's folder (for audits that are only files): after a re-audit of
    the reviewed themes (RUN/audits/<time>/), that one, not the first audit (RUN/audit/, which sorts first)."""
    if fmt not in ("json", "html"):
        raise InputError(f"unknown report format '{fmt}'", "use json or html")
    run = get_or_raise(session, AnalysisRun, run_id, "analysis run")
    name = REPORT_JSON if fmt == "json" else REPORT_HTML
    found = sorted(Path(run.out_dir or "/nonexistent").glob(f"**/{name}"), key=lambda p: (p.stat().st_mtime_ns, str(p)))
    if not found:
        raise LookupError(f"run {run_id} has no {name}")
    return found[-1]


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
    from datetime import UTC, datetime

    columns = group_columns or (run.manifest or {}).get("parameters", {}).get("group_columns", [])
    # a folder per audit: a re-audit after review edits keeps the earlier report readable
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    return {"run_id": run.id, "run_dir": run.out_dir, "out_dir": str(Path(run.out_dir) / "audits" / stamp),
            "group_columns": list(columns), "requested_by": requested_by}


def request_reaudit(ctx: Any, session: Session, run_id: int, requested_by: str,
                    owner_id: int | None = None) -> int | None:
    """After a review edit: audit the run again when it has group columns. One waiting audit per run is
    enough (it reads the themes when it starts), so a burst of edits queues one job, not one per edit."""
    from civicai.store.schema import Job, JobStatus

    run = session.get(AnalysisRun, run_id)
    if run is None or not (run.manifest or {}).get("parameters", {}).get("group_columns"):
        return None
    for job in session.scalars(select(Job).where(Job.kind == "audit", Job.status == JobStatus.QUEUED)):
        if (job.params or {}).get("run_id") == run_id:
            return job.id
    return ctx.jobs.submit("audit", audit_job_params(run, [], requested_by), owner_id=owner_id)


def reviewed_snapshot(session: Session, run: AnalysisRun, folder: Path) -> Path:
    """The run as staff have reviewed it, in the files the audit reads: themes.json and assignments.csv from
    the database's themes (the workspace's ids and titles, after renames, merges, splits and deletes), the
    run's other files as they are. Issue 17: the audit read the pipeline's T1-T10 and ignored every edit."""
    import shutil

    import pandas as pd

    from civicai.store.schema import Submission, Theme, ThemeMembership

    source = Path(run.out_dir or "")
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("run.json", "rejected.csv", "map.csv"):
        if (source / name).is_file():
            shutil.copyfile(source / name, folder / name)
    themes = list(session.scalars(select(Theme).where(Theme.run_id == run.id).order_by(Theme.id)))
    external = dict(session.execute(select(Submission.id, Submission.external_id)
                                    .where(Submission.consultation_id == run.consultation_id)).all())
    held: dict[str, list[tuple[bool, str]]] = {}
    members: dict[int, list[str]] = {}
    for theme_id, submission_id, primary in session.execute(
            select(ThemeMembership.theme_id, ThemeMembership.submission_id, ThemeMembership.is_primary)
            .join(Theme).where(Theme.run_id == run.id)):
        key = str(external.get(submission_id, submission_id))
        held.setdefault(key, []).append((not primary, str(theme_id)))
        members.setdefault(theme_id, []).append(key)
    parents = {t.parent_id for t in themes if t.parent_id}
    records = [{"id": str(t.id), "label": t.label, "summary": t.summary or "", "keywords": list(t.keywords or []),
                "size": t.size, "weight": t.weight, "submission_ids": members.get(t.id, []),
                "quotes": list(t.quotes or []), "sentiment": dict(t.sentiment or {}),
                "languages": dict(t.languages or {}), "parent": str(t.parent_id) if t.parent_id else None,
                "level": "parent" if t.id in parents else "theme",
                "children": [str(c.id) for c in themes if c.parent_id == t.id]} for t in themes]
    (folder / "themes.json").write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    assignments = pd.read_csv(source / "assignments.csv", dtype=str, keep_default_na=False)
    leaf = {str(t.id) for t in themes if t.id not in parents}
    primary, every = [], []
    for sid in assignments["submission_id"].astype(str).str.lstrip("'"):
        chosen = [tid for _, tid in sorted(held.get(sid, [])) if tid in leaf] or \
            [tid for _, tid in sorted(held.get(sid, []))]
        primary.append(chosen[0] if chosen else "")
        every.append(";".join(chosen))
    assignments["primary_theme"], assignments["themes"] = primary, every
    assignments.to_csv(folder / "assignments.csv", index=False)
    return folder


def run_audit_job(ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Job 'audit': the bias audit of a stored run as reviewed (reviewed_snapshot), written into the run folder
    and the audits table."""
    from civicai.bias.audit import AuditOptions, run_audit
    from civicai.store.db import session_scope

    options = AuditOptions(out_dir=Path(params["out_dir"]), group_columns=tuple(params.get("group_columns") or ()),
                           seed=ctx.settings.seed, database_url=ctx.url)
    target: str | Path = str(params.get("run_id") or params["run_dir"])
    if params.get("run_id"):
        with session_scope(ctx.url) as session:
            run = session.get(AnalysisRun, int(params["run_id"]))
            if run is not None and run.out_dir and (Path(run.out_dir) / "assignments.csv").is_file():
                target = reviewed_snapshot(session, run, Path(params["out_dir"]) / "reviewed-run")
    result = run_audit(target, options)
    return {"audit_id": result.audit_id, "flagged": len(result.flagged), "out_dir": str(options.out_dir)}
