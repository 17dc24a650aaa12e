"""`civicai analyse INPUT --out DIR`: themes, assignments, report and manifest for one consultation.

The project ships a sample to try it on: src/civicai/data/sample/consultation.csv (`civicai analyse --sample`).
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import typer
from rich.console import Console

T = TypeVar("T")


def register(app: typer.Typer) -> None:
    app.command("analyse", help="Analyse consultation submissions: themes, quotes, sentiment, duplicates, report.")(analyse)


def analyse(
    input_path: Path | None = typer.Argument(None, metavar="INPUT",
                                                help="CSV/XLSX/JSON/JSONL file or a Polis/ThemeFinder export folder. "
                                                     "Try the shipped sample with --sample."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for themes.json, assignments.csv, rejected.csv, "
                                                      "report.html, map.csv and run.json."),
    sample: bool = typer.Option(False, "--sample", help="Analyse the shipped sample consultation "
                                                        "(src/civicai/data/sample/consultation.csv)."),
    text_column: str | None = typer.Option(None, "--text-column", help="Column with the submission text "
                                                                          "(detected when omitted)."),
    id_column: str | None = typer.Option(None, "--id-column", help="Column with the submission id."),
    group_column: list[str] = typer.Option([], "--group-column", help="Demographic/group column kept for the "
                                                                       "bias audit (repeatable)."),
    question_column: str | None = typer.Option(None, "--question-column", help="Column naming the question "
                                                                                  "(multi-question exports)."),
    themes: Path | None = typer.Option(None, "--themes", help="THEMES.json: map onto these themes instead of "
                                                                 "discovering them."),
    seed: int | None = typer.Option(None, "--seed", help="Random seed (same input + seed = same output)."),
    generator: str | None = typer.Option(None, "--generator", help="extractive (default), llama-cpp or openai."),
    label_language: str | None = typer.Option(None, "--label-language", help="Language code of theme titles and "
                                                  "summaries (en, fr, de, nl, ...; default: the majority language)."),
    embedder: str | None = typer.Option(None, "--embedder", help="use (default), e5, minilm or st:<path>."),
    min_cluster_size: int | None = typer.Option(None, "--min-cluster-size",
                                                   help="Smallest theme (default: ~1% of submissions, 5..100)."),
    fit_sample: int | None = typer.Option(None, "--fit-sample", min=100,
                                          help="Discover themes on a seeded sample of at most this many distinct "
                                               "submissions and place everyone else in it (default 5000)."),
    reducer: str = typer.Option("umap", "--reducer", help="Reduction before clustering: umap (default, on the exact "
                                                          "kNN graph), spectral (seconds at any size) or pca."),
    no_resume: bool = typer.Option(False, "--no-resume", help="Redo every stage even if checkpoints exist."),
    no_store: bool = typer.Option(False, "--no-store", help="Do not write the run to the database."),
    fast_pii: bool = typer.Option(False, "--fast-pii", help="Pattern-only PII redaction (no NER): faster, "
                                                            "misses bare names."),
    audit: bool = typer.Option(False, "--audit", help="Run the bias audit on the result."),
    cluster: str | None = typer.Option(None, "--cluster", metavar="ADDRESS",
                                       help="Dask scheduler (tcp://host:8786): redaction, language and embedding "
                                            "run on its workers; same output as a local run (docs/deploy.md)."),
) -> None:
    from civicai.cluster import ClusterParams, ReduceParams
    from civicai.config import get_settings
    from civicai.errors import InputError
    from civicai.paths import sample_dir
    from civicai.pipeline import AnalyseOptions, run_analysis

    if sample:
        if input_path is not None:
            raise InputError("give either INPUT or --sample, not both", "drop one of them")
        input_path = sample_dir() / "consultation.csv"
    if input_path is None:
        raise InputError("no INPUT given", "pass a file (e.g. submissions.csv) or --sample for the shipped sample "
                                           f"({sample_dir() / 'consultation.csv'})")
    settings = get_settings(seed=seed, generator=generator, embedder_cluster=embedder, cluster_address=cluster)
    options = AnalyseOptions(
        input_path=input_path, out_dir=out, text_column=text_column, id_column=id_column,
        group_columns=tuple(group_column), question_column=question_column, themes_path=themes,
        seed=settings.seed, workers=settings.threads, embedder=settings.embedder_cluster, generator=settings.generator,
        label_language=label_language, cluster=ClusterParams(min_cluster_size=min_cluster_size), reduce=ReduceParams(method=reducer), use_ner=not fast_pii, store=not no_store,
        database_url=settings.database_url, resume=not no_resume, audit=audit, progress=False,
        cluster_address=settings.cluster_address, **({"fit_sample": fit_sample} if fit_sample else {}))
    console = Console(stderr=True)
    console.print(f"analysing [bold]{input_path}[/bold] -> {out}")
    # a bar on a terminal; a pipe or log file gets one line per stage instead (no \r-redrawn bars)
    result = _with_progress(console, out, lambda: run_analysis(options))
    counts = result.counts
    console.print(f"{counts['submissions']} submissions ({counts['distinct']} distinct, {counts['duplicates']} copies, "
                  f"{counts['campaigns']} campaigns, {counts['rejected']} rows rejected)")
    console.print(f"{counts['themes']} themes; unassigned {100 * counts['unassigned_rate']:.1f}% "
                  f"{counts['unassigned'] or ''}")
    if not counts["themes"]:
        console.print("too few submissions to find themes: every submission is kept and listed in "
                      "assignments.csv (and in the staff workspace's Triage tab when stored); analyse again "
                      "when the consultation has more")
    if result.manifest.get("resumed_stages"):
        console.print(f"resumed from checkpoints: {', '.join(result.manifest['resumed_stages'])}")
    console.print(f"report: {result.path('report.html')}")


def _with_progress(console: Console, out: Path, work: Callable[[], T]) -> T:
    """Run `work` while showing the stage running now and its share of the run, read from the stage checkpoints
    in OUT (the same measure as the staff workspace's job progress): one rich bar on a terminal, one line per
    new stage elsewhere (a log of a long run otherwise shows nothing for minutes)."""
    import threading
    import time

    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    from civicai.workspace.jobs import stage_progress

    stop = threading.Event()
    started = time.monotonic()

    def watch(show: Callable[[float, str], None]) -> None:
        while not stop.wait(0.5):
            show(*stage_progress(out))

    def run(show: Callable[[float, str], None]) -> T:
        watcher = threading.Thread(target=watch, args=(show,), daemon=True)
        watcher.start()
        try:
            return work()
        finally:
            stop.set()
            watcher.join(timeout=2)

    if not console.is_terminal:
        shown: list[str] = []

        def line(fraction: float, stage: str) -> None:
            if not shown or shown[-1] != stage:
                shown.append(stage)
                console.print(f"{time.monotonic() - started:6.0f} s  {stage} ({100 * fraction:.0f}%)", highlight=False)
        return run(line)
    with Progress(TextColumn("{task.description:<34}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                  console=console) as bar:
        task = bar.add_task("reading and redacting", total=100)
        result = run(lambda fraction, stage: bar.update(task, completed=100 * fraction, description=stage))
        bar.update(task, completed=100, description="done")
    return result
