"""The `civicai` command line. Each command group lives in its own module with a `register(app)` function."""
from __future__ import annotations

import importlib
import os
import sys

import typer

from civicai import __version__
from civicai.errors import CivicaiError

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # models come from packages; never reach for a hub
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

app = typer.Typer(
    name="civicai",
    help="Hear every citizen: analyse consultations, chat with the climate plan, audit for bias.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# One module per command group; each exposes register(app).
COMMAND_MODULES = ("doctor", "analyse", "audit", "plan", "serve", "user", "llm", "erase", "review", "worker")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"civicai {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """civicai: consultation analysis, climate-plan chat and bias audit, offline and multilingual."""


for _name in COMMAND_MODULES:
    importlib.import_module(f"civicai.cli.{_name}").register(app)


def main() -> None:
    try:
        app()
    except CivicaiError as exc:
        typer.secho(f"error: {exc.message}", fg="red", err=True)
        if exc.hint:
            typer.echo(f"  -> {exc.hint}", err=True)
        sys.exit(2)
