"""The job queue (issue 18) inside one process: which queue a database gets, cancelling queued and running jobs,
a retry after a lost database connection, and rate limits shared through the database. SQLite and PostgreSQL
(the PostgreSQL cases use procrastinate's real queue and a real worker thread; see test_queue_processes.py for
separate worker and server processes)."""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from civicai.errors import CivicaiError
from civicai.queue.mode import queue_kind
from civicai.store.db import session_scope
from civicai.store.schema import Job, JobStatus

PG = "postgresql+psycopg://u:p@127.0.0.1:5432/db"


def _wait_status(url: str, job_id: int, wanted: set[str], timeout: float = 120) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_scope(url) as session:
            job = session.get(Job, job_id)
            if str(job.status) in wanted:
                return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} never reached {wanted}: {job.status} {job.message}")


def test_queue_kind_follows_the_database_and_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CIVICAI_JOB_QUEUE", raising=False)
    assert queue_kind("sqlite:///x.db") == "thread"
    assert queue_kind(PG) == "postgres"
    assert queue_kind(PG, "thread") == "thread"
    monkeypatch.setenv("CIVICAI_JOB_QUEUE", "thread")
    assert queue_kind(PG) == "thread"
    with pytest.raises(CivicaiError, match="needs PostgreSQL"):
        queue_kind("sqlite:///x.db", "postgres")
    with pytest.raises(CivicaiError, match="is not a job queue"):
        queue_kind(PG, "redis")


class _Spin:
    """A job that runs Python code until it is stopped (what a pipeline stage does between library calls)."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.finished_normally = False

    def __call__(self, params: dict[str, Any]) -> dict[str, Any]:
        self.started.set()
        deadline = time.monotonic() + params.get("seconds", 60)
        while time.monotonic() < deadline:
            sum(range(1000))
        self.finished_normally = True
        return {"spun": True}


def test_cancel_a_queued_and_a_running_job(migrated_db_url: str) -> None:
    from civicai.workspace.jobs import JobManager

    spin = _Spin()
    idle = JobManager(migrated_db_url, {"spin": spin}, start=False)  # nobody runs: the job stays queued
    queued = idle.submit("spin", {"seconds": 60})
    assert idle.cancel(queued) == "cancelled"
    with session_scope(migrated_db_url) as session:
        job = session.get(Job, queued)
        assert job.status == JobStatus.CANCELLED and job.message == "cancelled before it started"
        queue_job_id = job.queue_job_id
    if idle.queue == "postgres":  # procrastinate's row is cancelled too: no worker will ever take it
        from civicai.queue.pg import queue_statuses

        assert queue_statuses(migrated_db_url, [queue_job_id]) == {queue_job_id: "cancelled"}
    with pytest.raises(CivicaiError, match="only queued, running or interrupted"):
        idle.cancel(queued)

    manager = JobManager(migrated_db_url, {"spin": spin}, start=True)
    try:
        running = manager.submit("spin", {"seconds": 120})
        assert spin.started.wait(60), "the job never started"
        _wait_status(migrated_db_url, running, {"running"})
        assert manager.cancel(running) == "running"  # asked; the watcher stops it
        job = _wait_status(migrated_db_url, running, {"cancelled", "done", "failed"}, timeout=30)
        assert job.status == JobStatus.CANCELLED and job.message == "cancelled while it ran"
        assert not spin.finished_normally
        # the worker is free again: the next job runs
        after = manager.submit("spin", {"seconds": 0.1})
        assert _wait_status(migrated_db_url, after, {"done", "failed"}).status == JobStatus.DONE
    finally:
        manager.shutdown()


@pytest.mark.postgres
def test_a_job_that_lost_its_database_connection_is_retried(migrated_db_url: str) -> None:
    from sqlalchemy.exc import OperationalError

    from civicai.workspace.jobs import JobManager

    if not migrated_db_url.startswith("postgresql"):
        pytest.skip("the retry belongs to the PostgreSQL queue")
    calls: list[int] = []

    def flaky(params: dict[str, Any]) -> dict[str, Any]:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("SELECT 1", {}, ConnectionError("server closed the connection unexpectedly"))
        return {"calls": len(calls)}

    def bad_input(params: dict[str, Any]) -> dict[str, Any]:
        raise CivicaiError("column 'text' is missing", "name the text column")

    manager = JobManager(migrated_db_url, {"flaky": flaky, "bad": bad_input}, start=True)
    try:
        job_id = manager.submit("flaky", {})
        job = _wait_status(migrated_db_url, job_id, {"done", "failed"}, timeout=120)
        assert job.status == JobStatus.DONE and job.result == {"calls": 2} and job.attempts == 2
        bad = manager.submit("bad", {})  # an input error is final: retrying cannot help
        job = _wait_status(migrated_db_url, bad, {"done", "failed"}, timeout=60)
        assert job.status == JobStatus.FAILED and "column 'text' is missing" in job.message and job.attempts == 1
    finally:
        manager.shutdown()


def test_rate_limits_are_shared_through_the_database(migrated_db_url: str) -> None:
    """Two limiters on one database stand for two web processes: what one spends, the other cannot."""
    from civicai.workspace.rate_store import DatabaseRateLimiter, make_rate_limiter
    from civicai.workspace.security import RateLimit, RateLimiter

    limit = RateLimit(per_minute=6, burst=3, per_ip_per_minute=600)
    first, second = DatabaseRateLimiter(migrated_db_url, limit), DatabaseRateLimiter(migrated_db_url, limit)
    assert [first.check("alice", "10.0.0.1") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = second.check("alice", "10.0.0.1")
    assert 0 < wait <= 10  # 6 per minute: the next token within 10 s
    assert second.check("bob", "10.0.0.1") == 0.0  # someone else still has a budget
    # the default follows the database: shared on PostgreSQL, in memory on SQLite (one process serves)
    chosen = make_rate_limiter(migrated_db_url, limit)
    assert isinstance(chosen, DatabaseRateLimiter if migrated_db_url.startswith("postgresql") else RateLimiter)


@pytest.mark.slow
def test_cancel_stops_a_running_analysis_within_seconds(migrated_db_url: str, tmp_path: Path) -> None:
    """The real pipeline, cancelled after its first stage: it stops inside the next stage, writes no outputs."""
    import shutil

    from _api_support import SAMPLE, make_app
    from civicai.workspace.analyses import analysis_params

    app = make_app(migrated_db_url, tmp_path / "home", start_jobs=True)
    ctx = app.state.civicai
    # the 710-row sample: on an idle machine the 76-row one finished its last stages before the cancel landed
    upload = ctx.uploads_dir / ("c" * 32) / "consultation.csv"
    upload.parent.mkdir(parents=True)
    shutil.copy(SAMPLE / "consultation.csv", upload)
    params = analysis_params(ctx, upload)
    checkpoints = Path(params["out_dir"]) / ".checkpoints"
    try:
        job_id = ctx.jobs.submit("analyse", params)
        deadline = time.monotonic() + 600
        while not (checkpoints.is_dir() and any(not p.name.endswith(".tmp") for p in checkpoints.iterdir())):
            assert time.monotonic() < deadline and str(_job_status(migrated_db_url, job_id)) in ("queued", "running")
            time.sleep(0.1)
        assert ctx.jobs.cancel(job_id) == "running"
        job = _wait_status(migrated_db_url, job_id, {"cancelled", "done", "failed"}, timeout=60)
        assert job.status == JobStatus.CANCELLED, job.message
        assert not (Path(params["out_dir"]) / "run.json").exists()  # stopped before its outputs
    finally:
        ctx.jobs.shutdown()


def _job_status(url: str, job_id: int) -> JobStatus:
    with session_scope(url) as session:
        return session.get(Job, job_id).status
