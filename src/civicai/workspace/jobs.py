"""Background jobs (analyses, re-mapping, plan ingest, audits) with their progress in the `jobs` table.

Why the database: the progress bar survives a page reload and another browser, and a restart can see what was
left unfinished. Two queues behind one interface (civicai.queue.mode decides which):

- `thread` (SQLite, the embedded default): one worker thread in the server runs jobs one at a time (an analysis
  uses both cores already). On start, jobs left 'running' or 'queued' by a dead server are marked 'interrupted';
  resuming one runs it again in the same folder, where the finished stages' checkpoints are reused.
- `postgres`: jobs are also rows in procrastinate's queue, taken by any number of `civicai worker` processes
  (civicai.queue.pg). The web server only enqueues, unless `start` asks it to work the queue too (tests, and
  one-process set-ups). A worker that dies mid-job is detected by its missing heartbeat and its job is taken
  by another worker, resuming from the checkpoints.

Either way one job is run by civicai.queue.execute (progress from checkpoint files, cancellation, no output
stored twice).

Owners (security review s8): a job records who queued it (jobs.owner_id); only that user or an admin may cancel
or resume it. A job queued by a job (an analysis's automatic audit) belongs to the same user; one queued by the
server itself (first start) belongs to nobody, so only admins control it. What staff see of a job (`job_view`)
names files and folders, never the server's paths.
"""
from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import select

from civicai.errors import CivicaiError
from civicai.queue.execute import CURRENT_OWNER, STAGES, execute_job, stage_progress, update_job
from civicai.queue.mode import queue_kind
from civicai.store.db import get_or_raise, session_scope
from civicai.store.schema import Job, JobStatus

log = logging.getLogger("civicai.jobs")
KINDS = ("analyse", "remap", "plan-ingest", "audit")
__all__ = ["KINDS", "STAGES", "JobForbidden", "JobManager", "check_job_control", "default_runners", "job_view",
           "stage_progress"]
_INHERIT = object()  # submit(): the owner of the job this thread runs, if any


class JobForbidden(CivicaiError):
    """The caller may not cancel or resume someone else's job (HTTP 403)."""


def check_job_control(job: Job, who: Any, action: str) -> None:
    """Only the user who queued a job, or an admin, may cancel or resume it. `who`: a workspace Principal."""
    if who is None or getattr(who, "role", None) == "admin" or (job.owner_id is not None
                                                                 and job.owner_id == who.user_id):
        return
    if job.owner_id is None:
        raise JobForbidden(f"job {job.id} was started by the server, not by a user: only an administrator may "
                           f"{action} it", "ask an administrator")
    owner = job.owner.username if job.owner is not None else f"user {job.owner_id}"
    raise JobForbidden(f"job {job.id} was started by {owner}: only they or an administrator may {action} it",
                       f"ask {owner} or an administrator")


def default_runners(ctx: Any) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
    """What each job kind runs, for a server or a worker built on `ctx` (civicai.workspace.context.AppContext)."""
    from civicai.workspace.analyses import run_analysis_job, run_plan_ingest_job
    from civicai.workspace.audits import run_audit_job

    return {"analyse": lambda p: run_analysis_job(ctx, p), "remap": lambda p: run_analysis_job(ctx, p),
            "plan-ingest": lambda p: run_plan_ingest_job(ctx, p), "audit": lambda p: run_audit_job(ctx, p)}


class JobManager:
    """Submit, resume, cancel and (when `start`) run jobs. `queue`: None/"auto", "thread" or "postgres"."""

    def __init__(self, url: str, runners: dict[str, Callable[[dict[str, Any]], dict[str, Any]]],
                 start: bool = True, queue: str | None = None, worker_options: Any = None) -> None:
        self.url = url
        self.runners = runners
        self.start = start
        self.queue = queue_kind(url, queue)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="civicai-job")
        self._worker = None
        self._worker_thread: threading.Thread | None = None
        if self.queue == "postgres":
            from civicai.queue.pg import ensure_schema

            ensure_schema(url)
            if start:
                self._start_worker(worker_options)

    # -- lifecycle ----------------------------------------------------------------------------------------
    def _start_worker(self, worker_options: Any) -> None:
        """The server works the PostgreSQL queue itself, in a thread (no signal handlers outside the main one)."""
        from dataclasses import replace

        from civicai.queue.pg import QueueWorker, WorkerOptions

        options = replace(worker_options or WorkerOptions(), install_signal_handlers=False)
        self._worker = QueueWorker(self.url, self.runners, options)
        self._worker_thread = threading.Thread(target=self._worker.run, name="civicai-queue-worker", daemon=True)
        self._worker_thread.start()

    def recover(self) -> list[int]:
        """Mark jobs a previous server left unfinished as interrupted (they can be resumed). With the PostgreSQL
        queue only jobs no queue job stands behind any more: a job a worker runs (or will retry) is left alone."""
        with session_scope(self.url) as session:
            stale = list(session.scalars(select(Job).where(Job.status.in_([JobStatus.RUNNING, JobStatus.QUEUED]))))
            if self.queue == "postgres":
                from civicai.queue.pg import queue_statuses

                alive = {i for i, s in queue_statuses(self.url, [j.queue_job_id for j in stale if j.queue_job_id])
                         .items() if s in ("todo", "doing", "aborting")}
                stale = [j for j in stale if j.queue_job_id not in alive]
            for job in stale:
                job.status = JobStatus.INTERRUPTED
                job.message = "the server stopped while this job was running: resume it to continue"
            return [job.id for job in stale]

    def shutdown(self, timeout_s: float = 10.0) -> None:
        """Stop taking jobs. The queue worker thread finishes its current job; wait for it up to `timeout_s`
        (a job still running after that is retried by another worker once this process's heartbeat stops)."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        if self._worker is not None:
            self._worker.stop()
            if self._worker_thread is not None:
                self._worker_thread.join(timeout_s)
        if self.queue == "postgres":
            from civicai.queue.pg import close_app

            close_app(self.url)

    # -- submit / resume / cancel -------------------------------------------------------------------------
    def submit(self, kind: str, params: dict[str, Any], owner_id: Any = _INHERIT) -> int:
        """Queue a job for user `owner_id` (None: the server's own); without it, a job queued while a job runs
        in this thread belongs to that job's owner, any other to nobody."""
        if kind not in self.runners:
            raise CivicaiError(f"unknown job kind '{kind}'", f"use one of: {', '.join(self.runners)}")
        if owner_id is _INHERIT:
            owner_id = CURRENT_OWNER.get()
        with session_scope(self.url) as session:
            job = Job(kind=kind, status=JobStatus.QUEUED, progress=0.0, message=self._queued_message(),
                      params=params, owner_id=owner_id)
            session.add(job)
            session.flush()
            job_id = job.id
        self._schedule(job_id)
        return job_id

    def _queued_message(self, prefix: str = "queued") -> str:
        if self.queue != "postgres" or self.start:
            return prefix
        from civicai.queue.pg import live_workers

        if live_workers(self.url):
            return f"{prefix} (waiting for a civicai worker)"
        return f"{prefix}: no civicai worker is running; start one with `civicai worker` (see docs/deploy.md)"

    def resume(self, job_id: int, who: Any = None) -> None:
        """Run an interrupted or failed job again. `who` (a Principal): the job's owner or an admin, else
        JobForbidden; None: the server itself (no check)."""
        with session_scope(self.url) as session:
            job = get_or_raise(session, Job, job_id, "job")
            check_job_control(job, who, "resume")
            if job.status not in (JobStatus.INTERRUPTED, JobStatus.FAILED):
                raise CivicaiError(f"job {job_id} is {job.status}; only interrupted or failed jobs can be resumed",
                                   "wait for it to finish, or start a new analysis")
            job.status, job.cancel_requested = JobStatus.QUEUED, False
            job.message = self._queued_message("queued (resumed)")
        self._schedule(job_id)

    def cancel(self, job_id: int, who: Any = None) -> str:
        """Cancel a job: a queued one at once; a running one is stopped by its watcher within seconds. Returns the
        status the job has now ('cancelled', or 'running' while the cancel takes effect). `who` as for resume."""
        with session_scope(self.url) as session:
            job = get_or_raise(session, Job, job_id, "job")
            check_job_control(job, who, "cancel")
            status, queue_job_id = job.status, job.queue_job_id
            if status in (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED):
                raise CivicaiError(f"job {job_id} is {status}; only queued, running or interrupted jobs can be "
                                   "cancelled", "nothing to do")
            job.cancel_requested = True
            if status == JobStatus.INTERRUPTED:
                job.status, job.message = JobStatus.CANCELLED, "cancelled"
                return str(JobStatus.CANCELLED)
        if status == JobStatus.QUEUED:
            taken = False
            if self.queue == "postgres" and queue_job_id is not None:
                from civicai.queue.pg import cancel_queued

                taken = not cancel_queued(self.url, queue_job_id)
            if not taken:
                with session_scope(self.url) as session:  # only if no worker started it in the meantime
                    job = session.get(Job, job_id)
                    if job.status == JobStatus.QUEUED:
                        job.status, job.message = JobStatus.CANCELLED, "cancelled before it started"
                        return str(JobStatus.CANCELLED)
        update_job(self.url, job_id, message="cancelling…")
        return str(JobStatus.RUNNING)

    def _schedule(self, job_id: int) -> None:
        if self.queue == "postgres":
            from civicai.queue.pg import defer

            queue_job_id = defer(self.url, job_id)
            update_job(self.url, job_id, queue_job_id=queue_job_id)
        elif self.start:
            self._executor.submit(self._run, job_id)

    # -- running ------------------------------------------------------------------------------------------
    def update(self, job_id: int, *, progress: float | None = None, message: str | None = None,
               status: JobStatus | None = None, result: dict[str, Any] | None = None) -> None:
        update_job(self.url, job_id, progress=progress, message=message, status=status, result=result)

    def _run(self, job_id: int) -> None:
        execute_job(self.url, job_id, self.runners, worker=f"server:{os.getpid()}")


_UPLOAD_FILE = re.compile(r"/uploads/([0-9a-f]{32})/([^/]+)$")
# what a path parameter is shown as: its file or folder name under a name that says so
_PATH_KEYS = {"input_path": "input", "out_dir": "output_folder", "themes_path": "themes_file", "path": "file",
              "run_dir": None}  # None: left out (the run id beside it says which run)


def public_params(values: dict[str, Any] | None) -> dict[str, Any]:
    """A job's params or result as staff and scripts see them: no database URL, no server path. An upload is
    named by its id and file name (what POST /api/uploads gave the caller); any other path by its last part."""
    from civicai.workspace.security import hide_paths, is_server_path, path_name

    shown: dict[str, Any] = {}
    for key, value in (values or {}).items():
        if key == "database_url":
            continue
        if not is_server_path(value):
            shown[key] = public_params(value) if isinstance(value, dict) else hide_paths(value)
            continue
        upload = _UPLOAD_FILE.search(value.replace("\\", "/"))
        if key == "input_path" and upload:
            shown["upload_id"], shown["input"] = upload.group(1), upload.group(2)
        elif key in _PATH_KEYS:
            if _PATH_KEYS[key] is not None:
                shown[_PATH_KEYS[key]] = path_name(value)
        else:
            shown[key] = path_name(value)
    return shown


def job_view(job: Job) -> dict[str, Any]:
    from civicai.workspace.security import hide_upload_folders

    message = hide_upload_folders(job.message) if job.message else job.message  # an error names the file only
    return {"id": job.id, "kind": job.kind, "status": str(job.status), "progress": round(job.progress or 0.0, 3),
            "message": message, "params": public_params(job.params),
            "result": public_params(job.result) if job.result is not None else None,
            "owner": job.owner.username if job.owner is not None else None,
            "created_at": job.created_at.isoformat() if job.created_at else None,
            "updated_at": job.updated_at.isoformat() if job.updated_at else None,
            "worker": job.worker, "attempts": job.attempts or 0, "cancel_requested": bool(job.cancel_requested)}
