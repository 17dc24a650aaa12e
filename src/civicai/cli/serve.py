"""`civicai serve`: the web server (API, staff workspace, residents' chat, auditors' view) on the embedded
default (SQLite in the civicai home; CIVICAI_DATABASE_URL for PostgreSQL)."""
from __future__ import annotations

import sys

import typer


def serve(host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0 for every interface)."),
          port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
          no_sample: bool = typer.Option(False, "--no-sample",
                                         help="Do not analyse the shipped sample or ingest the shipped plan on first start."),
          log_level: str = typer.Option("warning", "--log-level", help="uvicorn log level.")) -> None:
    """Start the server: runs migrations, creates a first admin in dev mode, analyses the shipped sample and
    ingests the shipped plan on first start (in the background), and prints the URLs."""
    import uvicorn

    from civicai.config import get_settings
    from civicai.paths import project_root
    from civicai.store.db import database_description

    root = str(project_root())
    if root not in sys.path:  # app/ (the ASGI entry point) lives at the project root
        sys.path.insert(0, root)
    from civicai.api import ApiOptions, create_app

    settings = get_settings()
    app = create_app(settings, ApiOptions(bootstrap=not no_sample))
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
    uvicorn.run(app, host=host, port=port, log_level=log_level, proxy_headers=settings.production)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
