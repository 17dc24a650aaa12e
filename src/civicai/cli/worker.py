"""`civicai worker`: run analysis, re-map, plan-ingest and audit jobs from the PostgreSQL queue.

Start any number, on any machines that reach the database and share the civicai home (uploads and run folders
live there). Each takes one job at a time; SIGTERM or Ctrl-C finishes the current job, then stops. A worker
killed outright (kill -9, a lost machine) stops sending heartbeats: after --stalled-after seconds another
worker puts its job back in the queue and it resumes from the run folder's checkpoints.
"""
from __future__ import annotations

import typer


def build_worker_context(settings):  # type: ignore[no-untyped-def]
    """An AppContext like the server's (same settings, home and database), with jobs that only enqueue:
    follow-up jobs a job submits (an analysis's audit) go back to the queue, for whichever worker is free."""
    from civicai.store.db import init_db
    from civicai.workspace.context import ApiOptions, AppContext
    from civicai.workspace.jobs import JobManager, default_runners
    from civicai.workspace.security import RateLimiter, SessionSigner, load_secret_key

    options = ApiOptions(bootstrap=False, mount_ui=False, warm_chat=False, start_jobs=False)
    ctx = AppContext(settings=settings, options=options, signer=SessionSigner(load_secret_key(settings.home)),
                     limiter=RateLimiter())
    init_db(ctx.url)
    ctx.jobs = JobManager(ctx.url, default_runners(ctx), start=False, queue="postgres")
    return ctx


def worker(name: str = typer.Option("", "--name", help="Name shown in the jobs table (default host:pid)."),
           heartbeat: float = typer.Option(10.0, "--heartbeat", min=0.2, help="Seconds between heartbeats."),
           stalled_after: float = typer.Option(30.0, "--stalled-after", min=1.0,
                                               help="A worker silent this many seconds is dead: its job is retried."),
           rescue_every: float = typer.Option(10.0, "--rescue-every", min=0.2,
                                              help="Seconds between looks for jobs of dead workers."),
           poll: float = typer.Option(5.0, "--poll", min=0.1,
                                      help="Fallback poll for new jobs in seconds (LISTEN/NOTIFY wakes it at once)."),
           log_level: str = typer.Option("info", "--log-level", help="Python log level.")) -> None:
    """Work the PostgreSQL job queue (CIVICAI_DATABASE_URL must be PostgreSQL): see docs/deploy.md."""
    import logging

    from civicai.config import get_settings
    from civicai.errors import CivicaiError
    from civicai.queue.mode import is_postgres
    from civicai.queue.pg import QueueWorker, WorkerOptions
    from civicai.store.db import database_description

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    url = settings.resolved_database_url
    if not is_postgres(url):
        raise CivicaiError("`civicai worker` needs the PostgreSQL job queue; the database is "
                           f"{database_description(url)}",
                           "set CIVICAI_DATABASE_URL=postgresql+psycopg://...; with SQLite, `civicai serve` runs "
                           "jobs itself")
    if stalled_after <= heartbeat * 2:
        raise CivicaiError(f"--stalled-after ({stalled_after:g} s) must be more than twice --heartbeat "
                           f"({heartbeat:g} s)", "or live workers would be taken for dead")
    ctx = build_worker_context(settings)
    options = WorkerOptions(name=name, heartbeat_s=heartbeat, stalled_after_s=stalled_after,
                            rescue_every_s=rescue_every, poll_s=poll)
    typer.echo(f"civicai worker {options.worker_name()} on {database_description(url)}; home {ctx.home}",
               err=True)
    QueueWorker(ctx.url, ctx.jobs.runners, options,
                on_start=lambda: typer.echo("worker ready: waiting for jobs", err=True)).run()


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
