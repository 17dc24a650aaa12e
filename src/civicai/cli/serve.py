"""`civicai serve`: the web server (API, staff workspace, residents' chat, auditors' view) on the embedded
default (SQLite in the civicai home; CIVICAI_DATABASE_URL for PostgreSQL)."""
from __future__ import annotations

import sys

import typer


def serve(host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0 for every interface)."),
          port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
          no_sample: bool = typer.Option(False, "--no-sample",
                                         help="Do not analyse the shipped sample or ingest the shipped plan on first start."),
          log_level: str = typer.Option("warning", "--log-level", help="uvicorn log level."),
          workers: int = typer.Option(0, "--workers", min=0, max=64,
                                      help="PostgreSQL only: also start this many `civicai worker` processes "
                                           "beside the server (default 0: run them yourself).")) -> None:
    """Start the server: runs migrations, creates a first admin in dev mode, analyses the shipped sample and
    ingests the shipped plan on first start (in the background), and prints the URLs.

    Who runs the jobs (civicai.queue.mode): on SQLite this process, in a worker thread. On PostgreSQL the jobs
    go to the shared queue and this process only enqueues: `civicai worker` processes run them (--workers N
    starts N of them here; CIVICAI_JOB_QUEUE=thread keeps them in this process instead)."""
    import uvicorn

    from civicai.config import get_settings
    from civicai.paths import project_root
    from civicai.store.db import database_description

    root = str(project_root())
    if root not in sys.path:  # app/ (the ASGI entry point) lives at the project root
        sys.path.insert(0, root)
    from civicai.api import ApiOptions, create_app
    from civicai.queue.mode import queue_kind

    settings = get_settings()
    queue = queue_kind(settings.resolved_database_url)
    if workers and queue != "postgres":
        from civicai.errors import CivicaiError

        raise CivicaiError("--workers needs the PostgreSQL job queue (CIVICAI_DATABASE_URL=postgresql+psycopg://...)",
                           "with SQLite the server runs jobs itself: drop --workers")
    app = create_app(settings, ApiOptions(bootstrap=not no_sample, start_jobs=queue == "thread"))
    ctx = app.state.civicai
    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    typer.echo(f"civicai is starting on {database_description(ctx.url)}")
    if ctx.first_admin_password:
        typer.secho(f"first start: created user 'admin' with password  {ctx.first_admin_password}  "
                    "(shown once; change it with `civicai user passwd admin`)", fg="yellow")
    elif settings.production:
        typer.echo("production mode: no default account; create one with `civicai user add NAME --role admin`")
    if ctx.bootstrap_jobs:
        typer.echo(f"first start: ingesting the shipped plan and analysing the shipped sample in the background "
                   f"(jobs {', '.join(map(str, ctx.bootstrap_jobs))}; progress in the staff workspace)")
    typer.echo(f"  residents' chat   {base}/chat/\n  staff workspace   {base}/staff/\n"
               f"  auditors' view    {base}/audit/\n  API docs          {base}/docs\n  health            {base}/health")
    if queue == "postgres":
        typer.echo(f"jobs: PostgreSQL queue; this server only enqueues"
                   f"{f', starting {workers} worker process(es)' if workers else ' (run `civicai worker`)'}")
    children = _start_workers(workers)
    try:
        uvicorn.run(app, host=host, port=port, log_level=log_level, proxy_headers=settings.production)
    finally:
        for child in children:  # SIGTERM: each finishes its current job, then exits
            child.terminate()
        for child in children:
            child.wait()


def _start_workers(count: int) -> list:
    """`civicai worker` child processes with this process's environment (same database and home). Each gets
    SIGTERM when this process dies, however it dies (uvicorn re-raises SIGTERM after its shutdown, so the
    `finally` above does not always run): it finishes its job and exits."""
    import ctypes
    import signal
    import subprocess

    # loaded here, not in the child: between fork and exec the child may only make the one C call
    prctl = ctypes.CDLL("libc.so.6", use_errno=True).prctl if sys.platform.startswith("linux") else None

    def die_with_parent() -> None:
        if prctl is not None:
            prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG

    return [subprocess.Popen([sys.executable, "-m", "civicai", "worker", "--name", f"serve-worker-{n + 1}"],
                             preexec_fn=die_with_parent) for n in range(count)]


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
