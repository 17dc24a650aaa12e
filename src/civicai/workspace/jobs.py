"""Background jobs (analyses, re-mapping, plan ingest) with their progress in the `jobs` table.

Why the database: the progress bar survives a page reload and another browser, and a server restart can see
what was left unfinished. One worker thread runs jobs one at a time (an analysis uses both cores already).
Progress comes from the pipeline's per-stage checkpoint files appearing in the run folder, so the pipeline
needs no callback. On start, jobs left 'running' or 'queued' by a dead server are marked 'interrupted'; resuming
one runs it again in the same folder, where the finished stages' checkpoints are reused.
"""
from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import select

from civicai.errors import CivicaiError
from civicai.store.db import get_or_raise, session_scope
from civicai.store.schema import Job, JobStatus

log = logging.getLogger("civicai.jobs")

# checkpoint name prefix -> (progress when it appears, what runs next)
STAGES = (("redact", 0.2, "detecting languages"), ("language", 0.28, "finding duplicates and campaigns"),
          ("dedup", 0.35, "embedding"), ("embed-", 0.55, "reducing dimensions"),
          ("reduce-", 0.65, "clustering"), ("cluster-", 0.72, "assigning outliers"),
          ("assign-", 0.78, "keywords, labels and summaries"), ("map-", 0.78, "keywords, labels and summaries"),
          ("themes-", 0.88, "sentiment"), ("sentiment-", 0.93, "writing outputs and the report"))
KINDS = ("analyse", "remap", "plan-ingest")


def stage_progress(out_dir: Path) -> tuple[float, str]:
    folder = Path(out_dir) / ".checkpoints"
    names = [p.name for p in folder.iterdir()] if folder.is_dir() else []
    best = (0.05, "reading and redacting")
    for prefix, fraction, message in STAGES:
        if any(n.startswith(prefix) and not n.endswith(".tmp") for n in names) and fraction >= best[0]:
            best = (fraction, message)
    return best


class JobManager:
    def __init__(self, url: str, runners: dict[str, Callable[[dict[str, Any]], dict[str, Any]]],
                 start: bool = True) -> None:
        self.url = url
        self.runners = runners
        self.start = start
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="civicai-job")
        self._lock = threading.Lock()

    # -- lifecycle ----------------------------------------------------------------------------------------
    def recover(self) -> list[int]:
        """Mark jobs a previous server left unfinished as interrupted (they can be resumed)."""
        with session_scope(self.url) as session:
            stale = session.scalars(select(Job).where(Job.status.in_([JobStatus.RUNNING, JobStatus.QUEUED]))).all()
            for job in stale:
                job.status = JobStatus.INTERRUPTED
                job.message = "the server stopped while this job was running: resume it to continue"
            return [job.id for job in stale]

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    # -- submit / resume ----------------------------------------------------------------------------------
    def submit(self, kind: str, params: dict[str, Any]) -> int:
        if kind not in self.runners:
            raise CivicaiError(f"unknown job kind '{kind}'", f"use one of: {', '.join(self.runners)}")
        with session_scope(self.url) as session:
            job = Job(kind=kind, status=JobStatus.QUEUED, progress=0.0, message="queued", params=params)
            session.add(job)
            session.flush()
            job_id = job.id
        self._schedule(job_id)
        return job_id

    def resume(self, job_id: int) -> None:
        with session_scope(self.url) as session:
            job = get_or_raise(session, Job, job_id, "job")
            if job.status not in (JobStatus.INTERRUPTED, JobStatus.FAILED):
                raise CivicaiError(f"job {job_id} is {job.status}; only interrupted or failed jobs can be resumed",
                                   "wait for it to finish, or start a new analysis")
            job.status = JobStatus.QUEUED
            job.message = "queued (resumed)"
        self._schedule(job_id)

    def _schedule(self, job_id: int) -> None:
        if self.start:
            self._executor.submit(self._run, job_id)

    # -- running ------------------------------------------------------------------------------------------
    def update(self, job_id: int, *, progress: float | None = None, message: str | None = None,
               status: JobStatus | None = None, result: dict[str, Any] | None = None) -> None:
        with self._lock, session_scope(self.url) as session:
            job = session.get(Job, job_id)
            if job is None:
                return
            if progress is not None:
                job.progress = max(0.0, min(1.0, float(progress)))
            if message is not None:
                job.message = message[:2000]
            if status is not None:
                job.status = status
            if result is not None:
                job.result = result

    def _run(self, job_id: int) -> None:
        with session_scope(self.url) as session:
            job = session.get(Job, job_id)
            if job is None or job.status != JobStatus.QUEUED:
                return
            kind, params = job.kind, dict(job.params or {})
        self.update(job_id, status=JobStatus.RUNNING, progress=0.02, message="starting")
        stop = threading.Event()
        watcher = None
        if kind in ("analyse", "remap") and params.get("out_dir"):
            watcher = threading.Thread(target=self._watch, args=(job_id, Path(params["out_dir"]), stop), daemon=True)
            watcher.start()
        try:
            result = self.runners[kind](params)
        except Exception as exc:  # noqa: BLE001 - a job must end in a state the UI can show, whatever went wrong
            stop.set()
            message = f"{exc.message} -> {exc.hint}" if isinstance(exc, CivicaiError) else f"{type(exc).__name__}: {exc}"
            log.error("job %s (%s) failed: %s\n%s", job_id, kind, message, traceback.format_exc())
            self.update(job_id, status=JobStatus.FAILED, message=message)
            return
        finally:
            stop.set()
            if watcher is not None:
                watcher.join(timeout=5)
        self.update(job_id, status=JobStatus.DONE, progress=1.0, message="done", result=result)

    def _watch(self, job_id: int, out_dir: Path, stop: threading.Event) -> None:
        last = None
        while not stop.wait(0.5):
            progress = stage_progress(out_dir)
            if progress != last:
                self.update(job_id, progress=progress[0], message=progress[1])
                last = progress


def job_view(job: Job) -> dict[str, Any]:
    return {"id": job.id, "kind": job.kind, "status": str(job.status), "progress": round(job.progress or 0.0, 3),
            "message": job.message, "params": {k: v for k, v in (job.params or {}).items() if k != "database_url"},
            "result": job.result, "created_at": job.created_at.isoformat() if job.created_at else None,
            "updated_at": job.updated_at.isoformat() if job.updated_at else None}
