"""`run_analysis`: the orchestration of every stage, with checkpoints, timings and the run manifest.

validate/normalise -> redact PII -> detect language -> duplicates/campaigns -> (per question) embed -> reduce
-> cluster -> outliers -> multi-label -> keywords -> label/summary -> sentiment -> outputs + report + store.
"""
from __future__ import annotations

import json
import platform
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from civicai import __version__
from civicai.errors import InputError
from civicai.pipeline.analyse_question import QuestionAnalysis, analyse_question
from civicai.pipeline.checkpoint import Checkpoints, file_sha256
from civicai.pipeline.models_used import models_used
from civicai.pipeline.options import AnalyseOptions
from civicai.pipeline.outputs import write_outputs
from civicai.pipeline.prepare import Prepared, prepare
from civicai.pipeline.themes_input import load_themes, themes_for_question
from civicai.pipeline.timing import StageTimer

OUTPUT_FILES = ("themes.json", "assignments.csv", "rejected.csv", "report.html", "run.json", "map.csv")


@dataclass
class AnalysisResult:
    out_dir: Path
    themes: list[dict[str, Any]]
    counts: dict[str, Any]
    manifest: dict[str, Any]
    run_id: int | None = None

    def path(self, name: str) -> Path:
        return self.out_dir / name


def _prompt_versions() -> list[dict[str, Any]]:
    from civicai.llm.prompts import load_prompt
    from civicai.summarise import LABEL_PROMPT, SUMMARY_PROMPT

    found = []
    for ref in (LABEL_PROMPT, SUMMARY_PROMPT):
        name, version = ref.rsplit(".v", 1)
        prompt = load_prompt(name, int(version))
        found.append({"name": prompt.name, "version": prompt.version, "sha256": prompt.sha256})
    return found


def _generator(options: AnalyseOptions) -> Any:
    from civicai.llm import ExtractiveGenerator, get_generator

    if options.generator == "extractive":
        return ExtractiveGenerator()
    from civicai.config import get_settings

    return get_generator(options.generator, get_settings(generator=options.generator))


def run_analysis(options: AnalyseOptions) -> AnalysisResult:
    from civicai.distributed import connect

    with connect(options.cluster_address):  # None: today's local path
        return _run_analysis(options)


def _run_analysis(options: AnalyseOptions) -> AnalysisResult:
    started = datetime.now(UTC)
    clock = time.perf_counter()
    if not options.input_path.exists():
        raise InputError(f"input {options.input_path} does not exist",
                         "pass a CSV, XLSX, JSON or JSONL file (or a Polis/ThemeFinder export folder)")
    if options.out_dir.exists() and not options.out_dir.is_dir():
        raise InputError(f"--out {options.out_dir} is a file", "pass a folder for the outputs")
    given_sets = load_themes(options.themes_path) if options.themes_path else None
    options.out_dir.mkdir(parents=True, exist_ok=True)
    timer = StageTimer()
    checkpoints = Checkpoints(options.out_dir, enabled=options.resume)
    input_sha256 = file_sha256(options.input_path)
    prepared, key = prepare(options, checkpoints, input_sha256, timer)
    if len(prepared) == 0:
        from civicai.export import write_csv
        from civicai.pipeline.outputs import REJECTED_COLUMNS

        write_csv(options.out_dir / "rejected.csv", prepared.rejected, REJECTED_COLUMNS)
        raise InputError(f"{options.input_path.name}: no usable submission ({len(prepared.rejected)} rows rejected)",
                         f"see {options.out_dir / 'rejected.csv'} for each row's reason")

    from civicai.embed import get_embedder

    with timer("load_models"):
        embedder = get_embedder(options.embedder, options.workers)
        generator = _generator(options)
    questions = prepared.question_keys()
    analyses: list[QuestionAnalysis] = []
    for q_index, question in enumerate(questions):
        prefix = f"Q{q_index + 1}-" if len(questions) > 1 else ""
        members = [i for i in range(len(prepared))
                   if prepared.questions[i] == question and prepared.duplicate_of[i] is None]
        given = themes_for_question(given_sets, question) if given_sets is not None else None
        analyses.append(analyse_question(prepared, members, question, prefix, options, embedder, generator, given,
                                         checkpoints, key, timer))

    with timer("outputs"):
        written = write_outputs(options.out_dir, prepared, analyses)
    manifest = _manifest(options, prepared, analyses, written["counts"], input_sha256, embedder, generator,
                         timer, checkpoints, started)
    with timer("report"):
        from civicai.report import render_report

        render_report(options.out_dir / "report.html", written["themes"], written["counts"], manifest,
                      prepared.campaigns, title=options.input_path.name)
    run_id = None
    if options.store:
        with timer("store"):
            from civicai.pipeline.persist import store_run

            run_id = store_run(options, prepared, analyses, written, manifest)
        manifest["database"] = {"run_id": run_id}
    manifest["timings_s"] = dict(timer.seconds)
    manifest["total_s"] = round(time.perf_counter() - clock, 3)
    manifest["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    from civicai.export import write_text_atomic

    write_text_atomic(options.out_dir / "run.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    if options.audit:
        _audit_hook(options, manifest)
    return AnalysisResult(options.out_dir, written["themes"], written["counts"], manifest, run_id)


def _audit_hook(options: AnalyseOptions, manifest: dict[str, Any]) -> None:
    """--audit: the bias audit (civicai.bias) reads this run's outputs; it is optional."""
    from civicai.bias import audit_run  # imported here: the audit loads fairlearn, which plain runs do not need

    audit_run(options.out_dir, group_columns=options.group_columns, database_url=options.database_url)


def _manifest(options: AnalyseOptions, prepared: Prepared, analyses: list[QuestionAnalysis], counts: dict[str, Any],
              input_sha256: str, embedder: Any, generator: Any, timer: StageTimer, checkpoints: Checkpoints,
              started: datetime) -> dict[str, Any]:
    label_sources: dict[str, int] = {}
    for qa in analyses:
        for info in qa.theme_info:
            for source in (f"label:{info.label_source}", f"summary:{info.summary_source}"):
                label_sources[source] = label_sources.get(source, 0) + 1
    return {
        "civicai_version": __version__,
        "started_at": started.isoformat(timespec="seconds"),
        "input": {"path": str(options.input_path), "name": options.input_path.name, "sha256": input_sha256,
                  "layout": prepared.layout, "columns": prepared.columns},
        "mode": "mapping" if options.themes_path else "discover",
        "seed": options.seed,
        "parameters": options.manifest(),
        "models": {"embedder": embedder.describe(), "generator": generator.describe(),
                   **models_used(embedder.model_id, prepared.languages, options.use_ner)},
        "prompts": _prompt_versions(),
        "counts": counts,
        "questions": [{"question": qa.question, "prefix": qa.prefix, "distinct": len(qa.members),
                       "themes": len(qa.theme_info), **qa.stats} for qa in analyses],
        "text_sources": label_sources,
        "resumed_stages": list(checkpoints.resumed),
        "platform": {"python": platform.python_version(), "machine": platform.machine()},
    }
