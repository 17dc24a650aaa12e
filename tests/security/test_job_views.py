"""Security review s8, item 1: what staff and scripts see of a job (GET /api/jobs, /api/jobs/{id}, the /staff job
list) held the server's paths: params.input_path (HOME/uploads/<id>/file.csv), out_dir, themes_path, run_dir and
result.out_dir. Now an upload is named by its id and file name, anything else by its last part; no value holds
the server's home. On SQLite and PostgreSQL."""
from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from _api_support import Server, add_user, login, make_app

CSV = "id,text\n" + "".join(f"{i},Plant more trees along avenue {i} to cool the street in summer\n" for i in range(30))


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_job_views_name_the_upload_not_the_server_path(migrated_db_url: str, tmp_path: Path) -> None:
    from civicai.queue.execute import update_job
    from civicai.ui.staff_data import jobs_frame

    home = tmp_path / "home"
    add_user(migrated_db_url, "staff1", "staff")
    app = make_app(migrated_db_url, home)
    with TestClient(app) as client:
        login(client, "staff1")
        upload_id = client.post("/api/uploads", files={"file": ("trees.csv", CSV.encode(), "text/csv")}
                                ).json()["upload_id"]
        job_id = client.post("/api/analyses", json={"upload_id": upload_id}).json()["job_id"]
        ctx = app.state.civicai
        # what a finished analysis leaves in its row (civicai.workspace.analyses.run_analysis_job)
        run_folder = ctx.runs_dir / "20261202-081500-upload-abc123"
        update_job(ctx.url, job_id, status="done", result={"run_id": 1, "out_dir": str(run_folder), "themes": 3})

        one = client.get(f"/api/jobs/{job_id}").json()
        listed = next(j for j in client.get("/api/jobs").json() if j["id"] == job_id)
        frame, _ = jobs_frame(ctx)
    for view in (one, listed):
        assert view["params"]["upload_id"] == upload_id and view["params"]["input"] == "trees.csv", view["params"]
        assert "-upload-" in view["params"]["output_folder"]  # the run folder's name, not its path
        assert view["result"]["output_folder"] == run_folder.name and view["result"]["themes"] == 3
        shown = _strings(view["params"]) + _strings(view["result"])
        leaks = [s for s in shown if str(tmp_path) in s or "/uploads/" in s or s.startswith("/")]
        assert not leaks, leaks
        assert str(tmp_path) not in json.dumps(view)
    assert str(tmp_path) not in frame.to_csv()  # the /staff job list


def test_remap_and_audit_jobs_show_file_names_only(migrated_db_url: str, tmp_path: Path) -> None:
    from civicai.store.db import session_scope
    from civicai.store.schema import Job, JobStatus
    from civicai.workspace.jobs import job_view

    home = tmp_path / "home"
    params = {"input_path": str(home / "runs" / "r1" / "input.csv"), "out_dir": str(home / "runs" / "r1"),
              "themes_path": str(home / "runs" / "r1" / "edited_themes.json"), "run_dir": str(home / "runs" / "r0"),
              "run_id": 7, "database_url": "postgresql://civicai:secret@db/civicai", "requested_by": "staff1",
              "path": "C:\\civicai\\plans\\plan.pdf"}
    with session_scope(migrated_db_url) as session:
        job = Job(kind="remap", status=JobStatus.QUEUED, params=params)
        session.add(job)
        session.flush()
        view = job_view(job)
    assert view["params"] == {"input": "input.csv", "output_folder": "r1", "themes_file": "edited_themes.json",
                              "run_id": 7, "requested_by": "staff1", "file": "plan.pdf"}


def test_runs_manifests_and_audits_show_no_server_path(server: Server) -> None:
    """The same leak in the readers' other views (found while attacking item 1): a run's `out_dir`, the
    manifest's input and output paths, an audit's folder and the paths inside its stored report."""
    from civicai.store.db import session_scope
    from civicai.store.schema import Audit

    with session_scope(server.url) as session:
        audit = Audit(run_id=server.run_id, out_dir=str(server.ctx.runs_dir / "r1" / "audits" / "20261202"),
                      report={"run": {"run_dir": str(server.ctx.runs_dir / "r1" / "reviewed-run")}, "findings": []})
        session.add(audit)
        session.flush()
        audit_id = audit.id
    client = server.client
    login(client, "audit1")
    views = {path: client.get(path).json() for path in (
        f"/api/runs/{server.run_id}", "/api/runs", f"/api/consultations/{server.consultation_id}",
        f"/api/runs/{server.run_id}/manifest", "/api/audits", f"/api/audits/{audit_id}")}
    for path, view in views.items():
        leaks = [s for s in _strings(view) if s.startswith("/") or "/uploads/" in s or "sqlite:" in s]
        assert not leaks, (path, leaks)
    manifest = views[f"/api/runs/{server.run_id}/manifest"]
    assert manifest["input"]["path"] == "consultation_small.csv" and manifest["models"]  # names, same schema
    assert views[f"/api/audits/{audit_id}"]["report"]["run"]["run_dir"] == "reviewed-run"
    assert views[f"/api/runs/{server.run_id}"]["output_folder"]
