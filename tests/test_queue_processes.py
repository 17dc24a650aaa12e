"""The job queue across real processes on a real PostgreSQL (issue 18): `civicai worker` processes share the
queue and one killed with SIGKILL mid-analysis has its job finished by another, with nothing stored twice; two
`civicai serve` processes on 127.0.0.1 only enqueue, and share sessions, login back-off and rate limits."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from _api_support import PASSWORD, PLAN_PDF, SMALL_CSV, add_user
from civicai.store.db import session_scope
from civicai.store.schema import AnalysisRun, Audit, Job, Submission
from civicai.testing import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
WORKER_FLAGS = ["--heartbeat", "1", "--stalled-after", "5", "--rescue-every", "1", "--poll", "0.5"]


@pytest.fixture
def pg_url(migrated_db_url: str) -> str:
    if not migrated_db_url.startswith("postgresql"):
        pytest.skip("the shared queue and several processes need PostgreSQL")
    return migrated_db_url


def _env(url: str, home: Path) -> dict[str, str]:
    return {**os.environ, "CIVICAI_DATABASE_URL": url, "CIVICAI_HOME": str(home), "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    handle = log.open("wb")
    return subprocess.Popen([sys.executable, "-m", "civicai", *args], env=env, stdout=handle,
                            stderr=subprocess.STDOUT, start_new_session=True)


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _job(url: str, job_id: int) -> Job:
    with session_scope(url) as session:
        return session.get(Job, job_id)


def _wait(condition, what: str, timeout: float = 600, every: float = 0.2):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def _worker_setup(pg_url: str, tmp_path: Path, upload_id: str):  # type: ignore[no-untyped-def]
    """(home, a worker's context on it, the small sample stored as upload `upload_id` there), as the server
    leaves an upload for a worker."""
    from civicai.cli.worker import build_worker_context
    from civicai.config import get_settings

    home = tmp_path / "home"
    ctx = build_worker_context(get_settings(home=str(home), database_url=pg_url))
    upload = home / "uploads" / upload_id / SMALL_CSV.name
    upload.parent.mkdir(parents=True)
    shutil.copy(SMALL_CSV, upload)
    return home, ctx, upload


def test_a_worker_killed_mid_analysis_has_its_job_finished_by_another(pg_url: str, tmp_path: Path) -> None:
    from civicai.workspace.analyses import analysis_params

    home, ctx, upload = _worker_setup(pg_url, tmp_path, "a" * 32)
    params = analysis_params(ctx, upload, group_columns=["district"], label="killtest")
    env = _env(pg_url, home)
    workers = {name: _spawn(["worker", "--name", name, *WORKER_FLAGS], env, tmp_path / f"{name}.log")
               for name in ("w1", "w2")}
    try:
        job_id = ctx.jobs.submit("analyse", params)
        checkpoints = Path(params["out_dir"]) / ".checkpoints"

        def first_stage_done() -> str | None:  # running, with at least one stage checkpointed
            job = _job(pg_url, job_id)
            done = [p.name for p in checkpoints.glob("*") if not p.name.endswith(".tmp")] if checkpoints.is_dir() else []
            return job.worker if str(job.status) == "running" and done else None

        victim = _wait(first_stage_done, "the analysis to finish its first stage")
        finished_before = sorted(p.name for p in checkpoints.glob("*") if not p.name.endswith(".tmp"))
        workers[victim].send_signal(signal.SIGKILL)  # no goodbye: no unregister, no status update
        workers[victim].wait()
        assert _job(pg_url, job_id).status == "running"  # nobody told the database

        job = _wait(lambda: (j := _job(pg_url, job_id)).status in ("done", "failed") and j, "the job to finish")
        assert job.status == "done", job.message
        survivor = next(n for n in workers if n != victim)
        assert job.worker == survivor and job.attempts == 2 and job.progress == 1.0
        manifest = json.loads((Path(params["out_dir"]) / "run.json").read_text(encoding="utf-8"))
        assert manifest["resumed_stages"], f"nothing resumed; checkpoints at the kill: {finished_before}"
        with session_scope(pg_url) as session:  # stored once: one run, each submission once
            runs = list(session.scalars(select(AnalysisRun).where(AnalysisRun.out_dir == params["out_dir"])))
            assert len(runs) == 1 and runs[0].id == job.result["run_id"]
            stored = session.scalar(select(func.count()).select_from(Submission)
                                    .where(Submission.consultation_id == runs[0].consultation_id))
            distinct = session.scalar(select(func.count(func.distinct(Submission.external_id)))
                                      .where(Submission.consultation_id == runs[0].consultation_id))
            assert stored == distinct == manifest["counts"]["submissions"]
        # the audit it queued runs on the surviving worker too, once
        audit = _wait(lambda: (a := _job(pg_url, job.result["audit_job"])).status in ("done", "failed") and a,
                      "the follow-up audit")
        assert audit.status == "done" and audit.worker == survivor, audit.message
        with session_scope(pg_url) as session:
            assert session.scalar(select(func.count()).select_from(Audit).where(Audit.run_id == runs[0].id)) == 1
    finally:
        _stop(list(workers.values()))


def test_every_job_kind_runs_on_a_worker_process(pg_url: str, tmp_path: Path) -> None:
    """analyse (and the audit it queues), remap and plan-ingest all run in a `civicai worker` process."""
    from civicai.store.schema import Plan
    from civicai.workspace.analyses import analysis_params, remap_params

    home, ctx, upload = _worker_setup(pg_url, tmp_path, "b" * 32)
    worker = _spawn(["worker", "--name", "w1", *WORKER_FLAGS], _env(pg_url, home), tmp_path / "w1.log")

    def finished(job_id: int) -> Job:
        job = _wait(lambda: (j := _job(pg_url, job_id)).status in ("done", "failed") and j, f"job {job_id}")
        assert job.status == "done" and job.worker == "w1", job.message
        return job

    try:
        analysed = finished(ctx.jobs.submit("analyse", analysis_params(ctx, upload, group_columns=["district"])))
        finished(analysed.result["audit_job"])
        with session_scope(pg_url) as session:
            params = remap_params(ctx, session, analysed.result["run_id"], "staff1")
        remapped = finished(ctx.jobs.submit("remap", params))
        assert remapped.result["run_id"] != analysed.result["run_id"]
        ingested = finished(ctx.jobs.submit("plan-ingest", {"path": str(PLAN_PDF), "name": "rivermouth"}))
        with session_scope(pg_url) as session:
            assert session.get(Plan, ingested.result["plan_id"]).name == "rivermouth"
    finally:
        _stop([worker])


def _login(base: str, username: str, password: str, cookies: httpx.Cookies | None = None) -> httpx.Response:
    """POST /api/auth/login, waiting out the address's rate limit (429 'too many login attempts')."""
    for _ in range(60):
        response = httpx.post(f"{base}/api/auth/login", json={"username": username, "password": password},
                              cookies=cookies, timeout=60)
        if response.status_code != 429 or "too many login attempts" not in response.text:
            return response
        time.sleep(1)
    raise AssertionError("the login rate limit never lifted")


def test_two_servers_share_sessions_back_off_and_rate_limits(pg_url: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    add_user(pg_url, "staff1", "staff")
    add_user(pg_url, "admin1", "admin")
    env = _env(pg_url, home)
    ports = [free_port(), free_port()]
    # the first server starts the first-start jobs (plan ingest, sample analysis); the second does not
    servers = [_spawn(["serve", "--port", str(ports[0])], env, tmp_path / "serve-a.log")]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        _wait(lambda: _healthy(bases[0], servers[0]), "server A", timeout=600, every=1)
        servers.append(_spawn(["serve", "--no-sample", "--port", str(ports[1])], env, tmp_path / "serve-b.log"))
        _wait(lambda: _healthy(bases[1], servers[1]), "server B", timeout=600, every=1)

        # rate limits: a burst of failed logins, 10 to each server at once, meets one shared budget of 10 (each
        # process alone allows 10, so per-process limits answer all 20 with 401). At once, because a refused
        # login costs a second of argon2 here and the budget refills by one every 2 s.
        def attempt(base: str) -> tuple[str, int]:
            response = httpx.post(f"{base}/api/auth/login", json={"username": "nobody", "password": "wrong pass"},
                                  timeout=120)
            return base, response.status_code

        with ThreadPoolExecutor(max_workers=20) as pool:
            answers = list(pool.map(attempt, bases * 10))
        refused = {base for base, code in answers if code == 429}
        assert refused == set(bases), answers
        assert sum(code == 401 for _, code in answers) <= 13, answers  # 10, and what refilled meanwhile

        # sessions: signed in on A, recognised on B; signed out on B, refused on A
        signed_in = _login(bases[0], "staff1", PASSWORD)
        assert signed_in.status_code == 200, signed_in.text
        cookies, csrf = signed_in.cookies, signed_in.json()["csrf_token"]
        assert httpx.get(f"{bases[1]}/api/jobs", cookies=cookies, timeout=60).status_code == 200
        out = httpx.post(f"{bases[1]}/api/auth/logout", cookies=cookies, headers={"X-CSRF-Token": csrf}, timeout=60)
        assert out.status_code == 200
        assert httpx.get(f"{bases[0]}/api/jobs", cookies=cookies, timeout=60).status_code == 401

        # per-account back-off: wrong passwords on A lock the account on B as well
        for _ in range(5):
            assert _login(bases[0], "admin1", "not the password").status_code == 401
        locked = _login(bases[1], "admin1", PASSWORD)
        assert locked.status_code == 429 and "too many failed sign-ins" in locked.text

        # the servers only enqueue: A's first-start jobs wait in the queue for a `civicai worker`, and B's start
        # did not take them for interrupted
        with session_scope(pg_url) as session:
            jobs = list(session.scalars(select(Job).order_by(Job.id)))
        assert {j.kind for j in jobs} == {"plan-ingest", "analyse"}
        for job in jobs:
            assert job.status == "queued" and job.queue_job_id and job.worker is None and job.attempts == 0
            assert "no civicai worker is running" in job.message
    finally:
        _stop(servers)


def _healthy(base: str, process: subprocess.Popen) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"the server exited with {process.returncode}")
    try:
        return httpx.get(f"{base}/health", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def test_serve_with_workers_runs_an_upload_on_its_worker_with_progress(pg_url: str, tmp_path: Path) -> None:
    """`civicai serve --workers 1`: the staff API's analysis runs in the worker process, not the server, and the
    progress the staff app polls moves while it runs; stopping the server stops its worker."""
    add_user(pg_url, "staff1", "staff")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = _spawn(["serve", "--no-sample", "--workers", "1", "--port", str(port)], _env(pg_url, tmp_path / "home"),
                    tmp_path / "serve.log")
    try:
        _wait(lambda: _healthy(base, server), "the server", timeout=600, every=1)
        with httpx.Client(base_url=base, timeout=120) as client:
            signed_in = _login(base, "staff1", PASSWORD)
            assert signed_in.status_code == 200, signed_in.text
            client.cookies = signed_in.cookies
            client.headers["X-CSRF-Token"] = signed_in.json()["csrf_token"]
            upload = client.post("/api/uploads", files={"file": (SMALL_CSV.name, SMALL_CSV.read_bytes(), "text/csv")})
            assert upload.status_code == 201, upload.text
            started = client.post("/api/analyses", json={"upload_id": upload.json()["upload_id"],
                                                         "text_column": "text"})
            assert started.status_code == 202, started.text
            job_id, seen = started.json()["job_id"], set()

            def finished() -> dict | None:
                job = client.get(f"/api/jobs/{job_id}").json()
                seen.add(job["progress"])
                return job if job["status"] in ("done", "failed") else None

            job = _wait(finished, "the analysis", every=0.3)
        assert job["status"] == "done", job["message"]
        assert job["worker"] == "serve-worker-1" and job["attempts"] == 1
        assert len(seen - {0.0, 1.0}) >= 2, seen  # the progress bar moved while the worker ran it
        with session_scope(pg_url) as session:
            assert session.get(AnalysisRun, job["result"]["run_id"]) is not None
    finally:
        _stop([server])
    _wait(lambda: _registered_workers(pg_url) == 0, "the server's worker to stop with it", timeout=120)


def _registered_workers(url: str) -> int:
    from sqlalchemy import text

    with session_scope(url) as session:  # a worker stopped by SIGTERM unregisters itself
        return int(session.scalar(text("SELECT count(*) FROM procrastinate_workers")))
