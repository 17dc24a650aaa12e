"""`civicai doctor`: is everything the defaults need installed, unmodified and loadable?"""
from __future__ import annotations

import time

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from civicai.config import get_settings
from civicai.registry import ModelEntry, check_model, manifest, resolve_model


def _load(entry: ModelEntry) -> None:
    """Load the model the way the product does, so a file that hashes fine but will not load is caught too."""
    if entry.role == "embedder":
        from civicai.embed import get_embedder

        get_embedder(entry.id).encode(["Le tram doit passer plus souvent."])
    elif entry.role == "generator":
        from civicai.llm import GenerationRequest
        from civicai.llm.llamacpp import LlamaCppGenerator

        LlamaCppGenerator(entry.id, n_ctx=512).generate(GenerationRequest(
            "grounded_answer", {"question": "Is there a target?", "passages": ["The target is 2030."]},
            extractive="The target is 2030.", max_tokens=1))
    elif entry.role == "language-id":
        from civicai.text.language import detect_language

        detect_language("Wir brauchen mehr Radwege in der Altstadt.")
    elif entry.role == "pii-ner":
        import spacy

        spacy.load(resolve_model(entry.id).path.parent)  # first file is the pipeline's config.cfg


def _runtime_line() -> str:
    from civicai.errors import BackendUnavailableError
    from civicai.llm.llamacpp import import_runtime

    try:
        return f"xllamacpp {import_runtime().__version__}"
    except BackendUnavailableError as exc:
        return f"not installed ({exc.hint})"


def needed_by_defaults(entry: ModelEntry) -> bool:
    settings = get_settings()
    wanted = {settings.embedder_cluster, settings.embedder_retrieval}
    if settings.generator == "llama-cpp":
        wanted.add(settings.llm_model)
    return bool(wanted & set(entry.names)) or entry.role in ("language-id", "pii-ner")


def _case_duplicate_users(url: str) -> list[list[str]]:
    """Accounts made before user names were casefolded (migration 0005) that clash; [] when the database has
    no users table yet or cannot be read (the database line above says which)."""
    from sqlalchemy import inspect

    from civicai.store.db import get_engine, session_scope
    from civicai.workspace.users import case_duplicates

    try:
        if "users" not in inspect(get_engine(url)).get_table_names():
            return []
        with session_scope(url) as session:
            return case_duplicates(session)
    except Exception:  # noqa: BLE001 - doctor reports what it can; an unreachable database is not this check's
        return []


def doctor(load: bool = typer.Option(True, "--load/--no-load", help="Also load each model and time it.")) -> None:
    """List every model with its package, version, checksum status and load time, and the database in use.
    Exits 1 if something the defaults need is missing or corrupted."""
    console = Console(width=max(Console().width, 130))
    table = Table(title="civicai models (models/manifest.toml)")
    for column in ("model", "role", "package", "version", "checksum", "load", "default"):
        table.add_column(column)
    failures = []
    for entry in manifest():
        status = check_model(entry.id)
        load_cell = "-"
        if status.ok and load:
            start = time.perf_counter()
            try:
                _load(entry)
                load_cell = f"{time.perf_counter() - start:.2f} s"
            except Exception as exc:  # noqa: BLE001 - a model that verifies but will not load is a failure to report
                load_cell = f"[red]failed: {exc}[/red]"
                status = status.__class__(entry, False, f"load failed: {exc}", "reinstall the package", status.seconds)
        needed = needed_by_defaults(entry)
        checksum = "[green]verified[/green]" if status.ok else f"[red]{escape(status.detail)}[/red]"
        name, version = entry.packages[0].split("==")
        if len(entry.packages) > 1:  # a model shipped in parts: name the series once
            name = f"{name} (+{len(entry.packages) - 1} parts)"
        table.add_row(entry.id, entry.role, name, version, checksum, load_cell, "yes" if needed else "")
        if not status.ok and needed:
            failures.append(status)
    console.print(table)
    from civicai.store.db import database_description

    settings = get_settings()
    console.print(f"database: {database_description(settings.resolved_database_url)}")
    console.print(f"local LLM runtime (optional): {escape(_runtime_line())}")  # escape: '[llm]' is not markup
    console.print(f"generator: {settings.generator}; embedders: clustering={settings.embedder_cluster}, "
                  f"retrieval={settings.embedder_retrieval}")
    clashes = _case_duplicate_users(settings.resolved_database_url)
    for names in clashes:
        console.print(f"[red]user names differing only in case:[/red] {escape(', '.join(names))}\n  -> each signs "
                      "in only by its exact name; rename or disable all but one: civicai user rename NAME NEW-NAME")
    for status in failures:
        console.print(f"[red]missing or broken:[/red] {status.entry.id}: {escape(status.detail)}\n  -> {escape(status.hint)}")
    if failures or clashes:
        raise typer.Exit(1)
    console.print("[green]all models the defaults need are present and verified[/green]")


def register(app: typer.Typer) -> None:
    app.command()(doctor)
