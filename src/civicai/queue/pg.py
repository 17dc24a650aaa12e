"""The PostgreSQL job queue: procrastinate (jobs are rows in procrastinate_jobs, taken with SKIP LOCKED by any
number of `civicai worker` processes), wrapped around civicai's own `jobs` rows that the staff app reads.

One procrastinate task, `civicai.run_job(job_id)`, runs one civicai job through civicai.queue.execute. Its lock
`civicai-job-<id>` means one civicai job never runs in two workers at once. Resume after a worker dies: every
worker writes a heartbeat; each worker also looks, every `rescue_every_s`, for jobs still 'doing' on a worker
whose heartbeat is older than `stalled_after_s` (procrastinate's get_stalled_jobs) and puts them back in the
queue (retry_job); the next free worker takes it and the pipeline resumes from the stages already checkpointed
in the run folder. A job whose worker died `MAX_STALLED` times fails instead (it may be what kills them).
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import procrastinate
from procrastinate.jobs import Status
from procrastinate.retry import RetryStrategy
from procrastinate.schema import SchemaManager
from procrastinate.worker import Worker
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from civicai.queue.execute import Runner, execute_job, update_job
from civicai.store.db import get_engine
from civicai.store.schema import JobStatus

log = logging.getLogger("civicai.queue")
TASK = "civicai.run_job"
QUEUE = "civicai"
RETRIES = 2  # a job that failed on a lost database connection is tried again this many times
RETRYABLE: tuple[type[Exception], ...] = (OperationalError, ConnectionError)
MAX_STALLED = 3  # times a job may lose its worker (kill -9, machine lost) before it is failed
_SCHEMA_LOCK = 0x63697669  # pg_advisory_xact_lock key ("civi"): one process applies the schema


def conninfo(url: str) -> str:
    """libpq connection string for a SQLAlchemy PostgreSQL URL (postgresql+psycopg://... -> postgresql://...)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


_schema_ready: set[str] = set()


def ensure_schema(url: str) -> bool:
    """Create procrastinate's tables (the schema shipped with the pinned procrastinate) unless present.
    Returns True when it created them. Safe with many processes starting at once (an advisory lock)."""
    import psycopg

    if url in _schema_ready:
        return False
    with psycopg.connect(conninfo(url)) as connection:
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
        created = connection.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()[0] is None
        if created:
            connection.execute(SchemaManager.get_schema())  # no parameters: no % processing
        connection.commit()
    _schema_ready.add(url)
    if created:
        log.info("created procrastinate's queue tables")
    return created


# --- the side that enqueues (web servers; a worker's own follow-up jobs) ----------------------------------------
_apps: dict[str, procrastinate.App] = {}
_apps_lock = threading.Lock()


def _sync_app(url: str) -> procrastinate.App:
    with _apps_lock:
        app = _apps.get(url)
        if app is None:
            ensure_schema(url)
            app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector(conninfo=conninfo(url),
                                                                                  min_size=1, max_size=4))
            app.open()
            _apps[url] = app
        return app


def close_app(url: str) -> None:
    """Close this process's enqueueing connections to `url` (opened again on the next use)."""
    with _apps_lock:
        app = _apps.pop(url, None)
    if app is not None:
        app.close()


def defer(url: str, job_id: int) -> int:
    """Put civicai job `job_id` in the queue; returns procrastinate's job id."""
    return _sync_app(url).configure_task(name=TASK, queue=QUEUE, lock=f"civicai-job-{job_id}").defer(job_id=job_id)


def cancel_queued(url: str, queue_job_id: int) -> bool:
    """Cancel a job no worker took yet (todo -> cancelled). False when a worker already runs it."""
    return _sync_app(url).job_manager.cancel_job_by_id(queue_job_id)


def queue_statuses(url: str, queue_job_ids: list[int]) -> dict[int, str]:
    """procrastinate's status of each job id given (missing ids are absent)."""
    if not queue_job_ids:
        return {}
    ensure_schema(url)
    with get_engine(url).connect() as connection:
        rows = connection.execute(text("SELECT id, status::text FROM procrastinate_jobs WHERE id = ANY(:ids)"),
                                  {"ids": list(queue_job_ids)}).all()
    return {int(i): s for i, s in rows}


def live_workers(url: str, within_s: float = 60.0) -> int:
    """Workers whose last heartbeat is younger than `within_s`."""
    ensure_schema(url)
    with get_engine(url).connect() as connection:
        return int(connection.execute(text(
            "SELECT count(*) FROM procrastinate_workers WHERE last_heartbeat > now() - make_interval(secs => :s)"),
            {"s": within_s}).scalar_one())


# --- the side that works (civicai worker; the server's own thread when it runs jobs itself) ----------------------
@dataclass
class WorkerOptions:
    name: str = ""  # default host:pid
    heartbeat_s: float = 10.0  # how often this worker says it is alive
    stalled_after_s: float = 30.0  # a worker silent this long is dead: its job goes back in the queue
    rescue_every_s: float = 10.0  # how often to look for such jobs
    poll_s: float = 5.0  # fallback poll for new jobs (LISTEN/NOTIFY wakes the worker at once)
    install_signal_handlers: bool = True  # SIGTERM/SIGINT: finish the current job, then stop

    def worker_name(self) -> str:
        return self.name or f"{socket.gethostname()}:{os.getpid()}"


def _register_task(app: procrastinate.App, url: str, runners: dict[str, Runner], worker: str) -> None:
    @app.task(name=TASK, queue=QUEUE, pass_context=True,
              retry=RetryStrategy(max_attempts=RETRIES, wait=5, retry_exceptions=set(RETRYABLE)))
    def run_civicai_job(context: procrastinate.JobContext, job_id: int) -> str:
        will_retry = context.job.attempts < RETRIES
        return execute_job(url, int(job_id), runners, worker=worker, retryable=RETRYABLE, will_retry=will_retry)


async def _rescue_stalled(app: procrastinate.App, url: str, options: WorkerOptions) -> None:
    """Put the jobs of dead workers back in the queue (or fail them after MAX_STALLED deaths)."""
    while True:
        await asyncio.sleep(options.rescue_every_s)
        try:
            stalled = await app.job_manager.get_stalled_jobs(task_name=TASK,
                                                             seconds_since_heartbeat=options.stalled_after_s)
        except Exception:  # a database blip must not stop the worker; try again next round
            log.warning("looking for stalled jobs failed", exc_info=True)
            continue
        for job in stalled:
            civicai_id = int(job.task_kwargs.get("job_id", 0))
            try:
                if job.attempts >= MAX_STALLED:
                    await app.job_manager.finish_job_by_id_async(job.id, status=Status.FAILED, delete_job=False)
                    await asyncio.to_thread(update_job, url, civicai_id, status=JobStatus.FAILED,
                                            message=f"its worker died {job.attempts + 1} times while running it: "
                                                    "check the workers' memory and logs, then resume it")
                    continue
                await app.job_manager.retry_job(job)
                await asyncio.to_thread(update_job, url, civicai_id, status=JobStatus.QUEUED,
                                        message=f"its worker stopped (no heartbeat for {options.stalled_after_s:g} s):"
                                                " queued again; it resumes from its last finished stage")
                log.warning("job %s (queue job %s): worker %s stopped; queued again", civicai_id, job.id,
                            job.worker_id)
            except Exception:  # another worker rescued it first (it is no longer 'doing')
                log.info("stalled queue job %s was already handled", job.id, exc_info=True)


class QueueWorker:
    """One procrastinate worker running civicai jobs, one at a time. `run()` blocks; `stop()` from any thread
    asks it to finish the current job and return."""

    def __init__(self, url: str, runners: dict[str, Runner], options: WorkerOptions | None = None,
                 on_start: Callable[[], Any] | None = None) -> None:
        self.url, self.runners = url, runners
        self.options = options or WorkerOptions()
        self.on_start = on_start
        self._worker: Worker | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = threading.Event()

    async def run_async(self) -> None:
        ensure_schema(self.url)
        name = self.options.worker_name()
        app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(self.url),
                                                                         min_size=1, max_size=4))
        _register_task(app, self.url, self.runners, name)
        async with app.open_async():
            self._loop = asyncio.get_running_loop()
            self._worker = Worker(app, queues=[QUEUE], name=name, concurrency=1,
                                  fetch_job_polling_interval=self.options.poll_s,
                                  update_heartbeat_interval=self.options.heartbeat_s,
                                  stalled_worker_timeout=self.options.stalled_after_s,
                                  install_signal_handlers=self.options.install_signal_handlers)
            if self._stopping.is_set():
                return
            rescue = asyncio.create_task(_rescue_stalled(app, self.url, self.options), name="civicai-rescue")
            if self.on_start is not None:
                self.on_start()
            try:
                await self._worker.run()
            finally:
                rescue.cancel()
                await asyncio.gather(rescue, return_exceptions=True)

    def run(self) -> None:
        try:
            asyncio.run(self.run_async())
        except Exception:  # the database went away under a stopping worker (a dropped test database, an outage)
            if not self._stopping.is_set():
                raise
            log.warning("the queue worker stopped with an error", exc_info=True)

    def stop(self) -> None:
        self._stopping.set()
        if self._worker is not None:
            self._worker.stop()


__all__ = ["QUEUE", "TASK", "QueueWorker", "WorkerOptions", "cancel_queued", "close_app", "conninfo", "defer",
           "ensure_schema", "live_workers", "queue_statuses"]
