"""Run one civicai job row: the same code for the in-process thread (SQLite) and a `civicai worker` (PostgreSQL).

The job's row in `jobs` is the truth the staff app reads: status, progress, message, result, worker, attempts.
Progress comes from the pipeline's per-stage checkpoint files appearing in the run folder (no callback needed).
Cancelling a running job sets jobs.cancel_requested; the watcher thread sees it and raises JobCancelled inside
the job's thread (CPython's PyThreadState_SetAsyncExc, delivered at the next Python bytecode, so within a
stage, not only between stages). Checkpoints are written atomically and a run is stored in one transaction,
so a cancelled or killed job leaves either a finished checkpoint or nothing.

A worker taken for dead that is in fact alive (its heartbeats were late) sees that the job's attempt count
moved on and stops its own run (JobSuperseded), so two workers do not both finish the same job.

No duplicated output: a job started again (a retry after its worker died, or a resume) whose run was already
stored — the worker died between storing and marking the job done — reuses that run instead of storing a
second one; the same holds for an audit already stored in its folder.
"""
from __future__ import annotations

import contextvars
import ctypes
import logging
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from civicai.errors import CivicaiError
from civicai.store.db import session_scope
from civicai.store.schema import AnalysisRun, Audit, Job, JobStatus

log = logging.getLogger("civicai.jobs")
Runner = Callable[[dict[str, Any]], dict[str, Any]]
FINAL = (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)
# the owner of the job this thread runs: a job it queues (an analysis's automatic audit) belongs to the same user
CURRENT_OWNER: contextvars.ContextVar[int | None] = contextvars.ContextVar("civicai_job_owner", default=None)

# checkpoint name prefix -> (progress when it appears, what runs next)
STAGES = (("redact", 0.2, "detecting languages"), ("language", 0.28, "finding duplicates and campaigns"),
          ("dedup", 0.35, "embedding"), ("embed-", 0.55, "reducing dimensions"),
          ("reduce-", 0.65, "clustering"), ("cluster-", 0.72, "assigning outliers"),
          ("assign-", 0.78, "keywords, labels and summaries"), ("map-", 0.78, "keywords, labels and summaries"),
          ("themes-", 0.88, "sentiment"), ("sentiment-", 0.93, "writing outputs and the report"))


class JobCancelled(BaseException):  # BaseException: a pipeline's `except Exception` must not swallow it
    """Raised inside a running job's thread when someone cancelled the job."""


class JobSuperseded(JobCancelled):
    """Raised inside a running job's thread when another worker started the job again (this worker was taken
    for dead: its heartbeats stopped for a while). This run stops and leaves the job row to the new one."""


def stage_progress(out_dir: Path) -> tuple[float, str]:
    folder = Path(out_dir) / ".checkpoints"
    names = [p.name for p in folder.iterdir()] if folder.is_dir() else []
    best = (0.05, "reading and redacting")
    for prefix, fraction, message in STAGES:
        if any(n.startswith(prefix) and not n.endswith(".tmp") for n in names) and fraction >= best[0]:
            best = (fraction, message)
    return best


def update_job(url: str, job_id: int, **fields: Any) -> None:
    """Set some of progress/message/status/result/worker/attempts on a job row (progress clipped to 0..1)."""
    with session_scope(url) as session:
        job = session.get(Job, job_id)
        if job is None:
            return
        if fields.get("progress") is not None:
            fields["progress"] = max(0.0, min(1.0, float(fields["progress"])))
        if fields.get("message") is not None:
            fields["message"] = str(fields["message"])[:2000]
        for name, value in fields.items():
            if value is not None:
                setattr(job, name, value)


def error_message(exc: BaseException) -> str:
    return f"{exc.message} -> {exc.hint}" if isinstance(exc, CivicaiError) else f"{type(exc).__name__}: {exc}"


def stored_result(url: str, kind: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """What an earlier attempt of this job already stored (so it is not stored twice), else None."""
    out_dir = params.get("out_dir")
    if not out_dir:
        return None
    with session_scope(url) as session:
        if kind in ("analyse", "remap"):
            run = session.scalars(select(AnalysisRun).where(AnalysisRun.out_dir == str(out_dir))
                                  .order_by(AnalysisRun.id)).first()
            if run is not None:
                audit_job = next((j.id for j in session.scalars(select(Job).where(Job.kind == "audit"))
                                  if (j.params or {}).get("run_id") == run.id), None)
                return {"run_id": run.id, "consultation_id": run.consultation_id, "out_dir": str(out_dir),
                        "audit_job": audit_job, "reused_stored_run": True}
        if kind == "audit":
            audit = session.scalars(select(Audit).where(Audit.out_dir == str(out_dir)).order_by(Audit.id)).first()
            if audit is not None:
                return {"audit_id": audit.id, "out_dir": str(out_dir), "reused_stored_audit": True}
    return None


class _Watcher:
    """Writes progress from checkpoint files and turns a cancel request into JobCancelled in the job's thread."""

    def __init__(self, url: str, job_id: int, out_dir: Path | None, target_thread: int, attempt: int,
                 poll_s: float = 0.5, cancel_every: int = 2, should_abort: Callable[[], bool] | None = None) -> None:
        self.url, self.job_id, self.out_dir, self.target = url, job_id, out_dir, target_thread
        self.attempt = attempt
        self.poll_s, self.cancel_every, self.should_abort = poll_s, cancel_every, should_abort
        self.stop = threading.Event()
        self.cancelled = False
        self.superseded = False
        self._thread = threading.Thread(target=self._loop, name=f"civicai-job-{job_id}-watch", daemon=True)

    def __enter__(self) -> _Watcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self._thread.join(timeout=5)
        if self.cancelled:  # a cancel that came too late must not fire later, in unrelated code
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self.target), None)

    def _stop_reason(self) -> type[JobCancelled] | None:
        if self.should_abort is not None and self.should_abort():
            return JobCancelled
        with session_scope(self.url) as session:
            row = session.execute(select(Job.cancel_requested, Job.attempts).where(Job.id == self.job_id)).first()
        if row is None or (row.attempts or 0) != self.attempt:
            return JobSuperseded
        return JobCancelled if row.cancel_requested else None

    def _loop(self) -> None:
        last, ticks = None, 0
        while not self.stop.wait(self.poll_s):
            ticks += 1
            try:
                if ticks % self.cancel_every == 0 and not self.cancelled:
                    reason = self._stop_reason()
                    if reason is not None:
                        self.cancelled, self.superseded = True, reason is JobSuperseded
                        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self.target),
                                                                   ctypes.py_object(reason))
                        continue
                if self.out_dir is not None and not self.cancelled:
                    progress = stage_progress(self.out_dir)
                    if progress != last:
                        update_job(self.url, self.job_id, progress=progress[0], message=progress[1])
                        last = progress
            except Exception:  # noqa: BLE001 - a progress write that fails (database restart) must not end the job
                log.warning("job %s: progress update failed\n%s", self.job_id, traceback.format_exc())


def execute_job(url: str, job_id: int, runners: dict[str, Runner], *, worker: str = "server",
                retryable: tuple[type[BaseException], ...] = (), will_retry: bool = False,
                should_abort: Callable[[], bool] | None = None) -> str:
    """Run job `job_id` in this thread and leave its row final (done/failed/cancelled). Returns the status.

    An exception of a `retryable` type is re-raised when `will_retry` (the queue runs the job again), with the
    row back at 'queued' and the reason in its message."""
    with session_scope(url) as session:
        job = session.get(Job, job_id)
        if job is None or job.status in FINAL:
            return str(job.status) if job is not None else "missing"
        if job.cancel_requested:
            job.status, job.message = JobStatus.CANCELLED, "cancelled before it started"
            return str(JobStatus.CANCELLED)
        kind, params, owner_id = job.kind, dict(job.params or {}), job.owner_id
        job.status, job.progress, job.message = JobStatus.RUNNING, max(job.progress or 0.0, 0.02), "starting"
        job.worker, job.attempts = worker[:200], (job.attempts or 0) + 1
        attempt = job.attempts
    if kind not in runners:
        update_job(url, job_id, status=JobStatus.FAILED, message=f"unknown job kind '{kind}'")
        return str(JobStatus.FAILED)
    out_dir = Path(params["out_dir"]) if kind in ("analyse", "remap") and params.get("out_dir") else None
    watcher = _Watcher(url, job_id, out_dir, threading.get_ident(), attempt, should_abort=should_abort)
    owner_token = CURRENT_OWNER.set(owner_id)
    try:
        with watcher:
            result = stored_result(url, kind, params) or runners[kind](params)
    except JobSuperseded:
        log.warning("job %s: another worker runs it now (this one was taken for dead); this run stops", job_id)
        return "superseded"
    except JobCancelled:
        update_job(url, job_id, status=JobStatus.CANCELLED, message="cancelled while it ran")
        return str(JobStatus.CANCELLED)
    except Exception as exc:  # a job must end in a state the UI can show, whatever went wrong
        if watcher.superseded:
            return "superseded"
        if watcher.cancelled:  # the cancel arrived while a C call ran and surfaced as another error
            update_job(url, job_id, status=JobStatus.CANCELLED, message="cancelled while it ran")
            return str(JobStatus.CANCELLED)
        message = error_message(exc)
        if will_retry and isinstance(exc, retryable):
            update_job(url, job_id, status=JobStatus.QUEUED, message=f"queued again after: {message}")
            raise
        log.error("job %s (%s) failed: %s\n%s", job_id, kind, message, traceback.format_exc())
        update_job(url, job_id, status=JobStatus.FAILED, message=message)
        return str(JobStatus.FAILED)
    finally:
        CURRENT_OWNER.reset(owner_token)
    if watcher.superseded:  # finished, but another worker owns the job now: leave the row to it
        return "superseded"
    if watcher.cancelled:  # asked too late to stop it: it finished, so keep the result
        log.info("job %s finished before its cancel request could stop it", job_id)
    update_job(url, job_id, status=JobStatus.DONE, progress=1.0, message="done", result=result)
    return str(JobStatus.DONE)
