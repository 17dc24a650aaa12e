"""API tests of background analysis jobs (progress, interruption, resume), the residents' chat (citations with
PDF page links, streaming, redacted feedback) and the auditors' endpoints, on SQLite and PostgreSQL."""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from _api_support import SMALL_CSV, Server, add_user, copy_plan, login, make_app

pytestmark = pytest.mark.slow


def _wait(client: TestClient, job_id: int, timeout: float = 900) -> dict:
    deadline = time.monotonic() + timeout
    seen = set()
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        seen.add((job["status"], job["progress"]))
        if job["status"] in ("done", "failed"):
            job["seen"] = seen
            return job
        time.sleep(1)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s: {job}")


def test_upload_preview_and_analysis_job(migrated_db_url: str, tmp_path: Path) -> None:
    app = make_app(migrated_db_url, tmp_path / "home", start_jobs=True)
    add_user(migrated_db_url, "staff1", "staff")
    with TestClient(app) as client:
        login(client, "staff1")
        uploaded = client.post("/api/uploads", files={"file": (SMALL_CSV.name, SMALL_CSV.read_bytes(), "text/csv")})
        assert uploaded.status_code == 201
        info = uploaded.json()
        preview = info["preview"]
        assert preview["text_column"] == "text" and "district" in preview["columns"] and preview["rows"]
        assert not any("@" in r["text"] and "[EMAIL]" not in r["text"] for r in preview["rows"])
        again = client.get(f"/api/uploads/{info['upload_id']}/preview").json()
        assert again["accepted"] == preview["accepted"]
        assert client.get("/api/uploads/nothex/preview").status_code == 422
        assert client.get(f"/api/uploads/{'0' * 32}/preview").status_code == 404
        wrong = client.post("/api/analyses", json={"upload_id": info["upload_id"], "text_column": "nope"})
        assert wrong.status_code == 422 and "nope" in wrong.json()["detail"]
        assert client.post("/api/analyses", json={"upload_id": "x"}).status_code == 422
        started = client.post("/api/analyses", json={"upload_id": info["upload_id"], "text_column": "text",
                                                     "group_columns": ["district"]})
        assert started.status_code == 202
        job = _wait(client, started.json()["job_id"])
        assert job["status"] == "done", job["message"]
        assert len({p for _, p in job["seen"]}) >= 2  # progress moved while it ran
        run_id = job["result"]["run_id"]
        assert client.get(f"/api/runs/{run_id}/themes").json()
        assert client.get("/api/consultations").json()[0]["latest_run_id"] == run_id
        assert client.get("/api/jobs/99999").status_code == 404


def test_interrupted_job_is_marked_and_resumes_from_checkpoints(migrated_db_url: str, analysis_dir: Path,
                                                                tmp_path: Path) -> None:
    from sqlalchemy import select

    from civicai.store.db import session_scope
    from civicai.store.schema import Job, JobStatus, User

    folder = tmp_path / "run"
    shutil.copytree(analysis_dir, folder)
    for name in ("run.json", "themes.json", "report.html"):  # the crash came before the outputs
        (folder / name).unlink(missing_ok=True)
    params = {"input_path": str(SMALL_CSV), "out_dir": str(folder), "group_columns": ["district", "age_band"]}
    add_user(migrated_db_url, "staff1", "staff")
    with session_scope(migrated_db_url) as session:  # staff1 started it (only they or an admin may resume it)
        owner = session.scalars(select(User).where(User.username == "staff1")).one().id
        session.add(Job(kind="analyse", status=JobStatus.RUNNING, progress=0.55, message="embedding", params=params,
                        owner_id=owner))
    app = make_app(migrated_db_url, tmp_path / "home", start_jobs=True)  # a server start after a crash
    with TestClient(app) as client:
        login(client, "staff1")
        job = client.get("/api/jobs").json()[0]
        assert job["status"] == "interrupted" and "resume" in job["message"]
        assert client.post("/api/jobs/99999/resume").status_code == 404
        assert client.post(f"/api/jobs/{job['id']}/resume").status_code == 202
        done = _wait(client, job["id"])
        assert done["status"] == "done", done["message"]
        manifest = json.loads((folder / "run.json").read_text(encoding="utf-8"))
        assert {"redact", "language", "dedup"} <= set(manifest["resumed_stages"])
        # a run with group columns is audited without anyone asking (issue 17: auditors found no report)
        audited = _wait(client, done["result"]["audit_job"])
        assert audited["kind"] == "audit" and audited["status"] == "done", audited["message"]
        assert audited["params"]["group_columns"] == ["district", "age_band"]
        assert [a["run_id"] for a in client.get("/api/audits").json()] == [done["result"]["run_id"]]
        again = client.post(f"/api/jobs/{job['id']}/resume")
        assert again.status_code == 409 and "only interrupted or failed" in again.json()["detail"]


def test_chat_answers_with_cited_pages_and_feedback(migrated_db_url: str, tmp_path: Path,
                                                    plan_source_url: str) -> None:
    from civicai.store.db import session_scope
    from civicai.store.schema import ChatFeedback

    copy_plan(plan_source_url, migrated_db_url)
    app = make_app(migrated_db_url, tmp_path / "home")
    with TestClient(app) as client:
        answer = client.post("/api/chat", json={"question": "What is the city's emissions reduction target for 2030?"})
        assert answer.status_code == 200
        body = answer.json()
        assert not body["abstained"] and body["citations"] and body["notice"]
        cited = body["citations"][0]
        assert cited["page"] and cited["url"].endswith(f"#page={cited['page']}") and cited["quote"] in \
            " ".join(c["quote"] for c in body["citations"])
        pdf = client.get(cited["url"].split("#")[0])
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert client.get("/api/plans/99999/pdf").status_code == 404
        plans = client.get("/api/plans").json()
        assert plans[0]["name"] == "rivermouth" and plans[0]["pdf"]
        french = client.post("/api/chat", json={"question": "Quel est l'objectif de réduction des émissions pour 2030 ?",
                                                "audience": "child"}).json()
        assert french["language"] == "fr"
        off = client.post("/api/chat", json={"question": "Who won the football world cup in 1998?"}).json()
        assert off["abstained"] and not off["citations"]
        lines = client.post("/api/chat/stream", json={"question": "How much does the Rivermouth Pass cost per month?"})
        pieces = [json.loads(line) for line in lines.text.splitlines() if line.strip()]
        assert any("delta" in p for p in pieces) and "answer" in pieces[-1]
        assert pieces[-1]["answer"]["citations"]
        assert client.post("/api/chat", json={"question": ""}).status_code == 422
        bad = client.post("/api/chat", json={"question": "hi", "audience": "toddler"})
        assert bad.status_code == 422 and "audience" in bad.json()["detail"]
        assert client.post("/api/chat", json={"question": "x" * 1001}).status_code == 422
        examples = client.get("/api/chat/examples").json()
        assert len(examples) >= 2 and all(examples.values())

        question = "My email is jane.doe@example.org, when will buses be electric?"
        stored = client.post("/api/chat/feedback", json={"question": question, "answer": body["answer"],
                                                         "rating": -1, "language": "en"})
        assert stored.status_code == 201 and "jane.doe@example.org" not in stored.json()["question_redacted"]
        assert client.post("/api/chat/feedback", json={"question": "q", "answer": "a", "rating": 0}).status_code == 422
    with session_scope(migrated_db_url) as session:
        rows = session.query(ChatFeedback).all()
        assert len(rows) == 1 and rows[0].rating == -1 and "example.org" not in rows[0].question_redacted


def test_audit_endpoints(server: Server) -> None:
    import uuid

    from civicai.bias.audit import AuditOptions, run_audit
    from civicai.store.db import session_scope
    from civicai.workspace.queries import get_run

    with session_scope(server.url) as session:
        run_dir = Path(get_run(session, server.run_id).out_dir)
    login(server.client, "audit1")
    missing = server.client.get(f"/api/runs/{server.run_id}/bias_report.json")
    assert missing.status_code == 404 and "bias_report.json" in missing.json()["detail"]
    server.client.cookies.clear()
    out = run_dir / f"audit-{uuid.uuid4().hex[:8]}"  # inside the run folder, as `civicai analyse --audit` does
    try:
        result = run_audit(str(server.run_id), AuditOptions(out_dir=out, group_columns=("district",),
                                                            counterfactuals=False, translation_check=False,
                                                            database_url=server.url))
        _check_audit_endpoints(server, result)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def _check_audit_endpoints(server: Server, result) -> None:
    c = server.client
    c.headers.pop("X-CSRF-Token", None)
    assert c.get("/api/audits").status_code == 401
    login(c, "audit1")
    audits = c.get("/api/audits").json()
    assert audits[0]["id"] == result.audit_id and audits[0]["run_id"] == server.run_id
    assert audits[0]["findings"] == len(result.report["findings"])
    detail = c.get(f"/api/audits/{result.audit_id}").json()
    assert detail["report"]["findings"]
    as_json = c.get(f"/api/audits/{result.audit_id}/report.json")
    assert as_json.status_code == 200 and json.loads(as_json.content)["findings"]
    as_html = c.get(f"/api/audits/{result.audit_id}/report.html")
    assert as_html.status_code == 200 and "sandbox" in as_html.headers["content-security-policy"]
    assert c.get(f"/api/audits/{result.audit_id}/report.pdf").status_code == 422
    assert c.get("/api/audits/99999").status_code == 404
    for fmt in ("json", "html"):
        from_run = c.get(f"/api/runs/{server.run_id}/bias_report.{fmt}")
        assert from_run.status_code == 200 and len(from_run.content) > 100
    cards = c.get("/api/model-cards").json()
    assert cards and c.get(f"/api/model-cards/{cards[0]['name']}").json()["markdown"]
    assert c.get("/api/model-cards/nope").status_code == 404
    assert c.post(f"/api/runs/{server.run_id}/audit", json={}).status_code == 403  # auditors read only
    c.cookies.clear()
    login(c, "staff1")
    queued = c.post(f"/api/runs/{server.run_id}/audit", json={"group_columns": ["district"]})
    assert queued.status_code == 202
    assert c.post(f"/api/runs/{server.run_id}/audit", json={"group_columns": "district"}).status_code == 422
