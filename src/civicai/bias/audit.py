"""The audit, end to end: read a run, measure every group at every stage, write bias_report.json + .html.

`run_audit(run_ref, AuditOptions(...)) -> AuditResult` is what `civicai audit` and `civicai analyse --audit`
call. Each measure lives in its own module; this one only orders them, applies one flagging rule to all
findings (civicai.bias.stats) and hands the result to the report writer.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from civicai.bias import campaigns, counterfactual, disparity, leakage, opinion_groups, rates, representation
from civicai.bias.runload import AuditRun, join_rejected_groups, load_run
from civicai.bias.schema import SCHEMA_VERSION, validate_report
from civicai.bias.stats import ALPHA, BAND, Finding, compare_all
from civicai.bias.verdict import verdict_lines
from civicai.errors import InputError
from civicai.paths import models_dir
from civicai.registry import manifest


@dataclass
class AuditOptions:
    out_dir: Path
    group_columns: tuple[str, ...] = ()
    min_group_size: int | None = None  # default: settings.min_group_size (5)
    seed: int = 0
    include_language: bool = True  # audit per detected language too
    counterfactuals: bool = True
    counterfactual_sample: int = 200
    translation_check: bool = True
    leakage: bool = True
    store: bool = True  # write to the `audits` table when the run is in the database
    database_url: str | None = None

    def __post_init__(self) -> None:
        self.out_dir = Path(self.out_dir)
        self.group_columns = tuple(self.group_columns)


@dataclass
class AuditResult:
    report: dict[str, Any]
    json_path: Path
    html_path: Path
    audit_id: int | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def flagged(self) -> list[Finding]:
        return [f for f in self.findings if f.flagged]


def _columns(run: AuditRun, options: AuditOptions) -> list[str]:
    available = run.available_group_columns()
    missing = [c for c in options.group_columns if c not in available and c != "opinion_group"]
    if missing:
        raise InputError(f"group column(s) {', '.join(missing)} not in {run.run_dir / 'assignments.csv'}",
                         f"choose from: {', '.join(available) or '(none: re-run analyse with --group-column)'}")
    columns = list(options.group_columns) or default_group_columns(run)
    if opinion_groups.attach_opinion_groups(run, options.seed) and "opinion_group" not in columns:
        columns.append("opinion_group")
    if "opinion_group" in columns and "opinion_group" not in run.assignments.columns:
        raise InputError("no opinion groups for this run", "opinion groups need a Polis export with "
                         "participants-votes.csv beside comments.csv")
    if options.include_language and "language" not in columns and (run.assignments["language"] != "").any():
        columns.append("language")
    return columns


def default_group_columns(run: AuditRun) -> list[str]:
    """The group columns the run was analysed with (run.json), else every group column assignments.csv has."""
    from civicai.bias.runload import find_value

    available = run.available_group_columns()
    given = find_value(run.manifest, ("parameters", "group_columns"), ("params", "group_columns"))
    return [c for c in (given or available) if c in available]


def measure(run: AuditRun, columns: list[str], min_group_size: int, seed: int) -> tuple[list[Finding], int]:
    """Every group comparison of the report, flagged by one rule; returns (findings, number of tests)."""
    rng = np.random.default_rng(seed)
    join_rejected_groups(run, columns)  # rejected.csv has no group columns: take them from the input file
    facts = representation.run_facts(run)
    specs = [spec for column in columns for spec in (*representation.representation_specs(run, facts, column),
                                                    *rates.rate_specs(run, column),
                                                    *disparity.sentiment_specs(run, column))]
    return compare_all(specs, min_group_size, rng, ALPHA)


def _group_sizes(run: AuditRun, columns: list[str], k: int) -> dict[str, dict[str, int | None]]:
    sizes: dict[str, dict[str, int | None]] = {}
    for column in columns:
        values, counts = np.unique(representation.group_values(run.assignments, column).astype(str),
                                   return_counts=True)
        sizes[column] = {str(v): (int(c) if c >= k else None) for v, c in zip(values, counts)}
    return sizes


def _models(run: AuditRun) -> list[dict[str, Any]]:
    """Model-manifest entries this run used (named in run.json, or the embedder), with their cards."""
    text = json.dumps(run.manifest).lower()
    used = []
    for entry in manifest():
        if any(name.lower() in text for name in entry.names) or run.embedder_name in entry.names:
            card_path = models_dir() / entry.card
            used.append({"id": entry.id, "role": entry.role, "licence": entry.licence, "upstream": entry.upstream,
                         "packages": list(entry.packages), "card": entry.card,
                         "card_text": card_path.read_text(encoding="utf-8") if card_path.is_file() else ""})
    return used


def run_audit(run_ref: str | Path, options: AuditOptions) -> AuditResult:
    from civicai import __version__
    from civicai.config import get_settings

    settings = get_settings()
    k = options.min_group_size or settings.min_group_size
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    run = load_run(run_ref, options.database_url)
    columns = _columns(run, options)
    timings["load"] = time.perf_counter() - clock

    clock = time.perf_counter()
    findings, n_tests = measure(run, columns, k, options.seed)
    timings["measure"] = time.perf_counter() - clock

    clock = time.perf_counter()
    translation = (disparity.translation_check(run.embedder_name) if options.translation_check
                   else disparity.TranslationCheck(skipped="not requested"))
    timings["translation_check"] = time.perf_counter() - clock

    clock = time.perf_counter()
    places = sorted({str(v) for c in columns if c in ("district", "place", "area", "neighbourhood", "city")
                     for v in run.assignments[c].unique() if str(v)})
    cf = (counterfactual.run_counterfactuals(run, sample_size=options.counterfactual_sample, seed=options.seed,
                                             extra_places=places, database_url=options.database_url)
          if options.counterfactuals else counterfactual.CounterfactualResult(skipped="not requested"))
    timings["counterfactuals"] = time.perf_counter() - clock

    campaign = campaigns.campaign_influence(run, [c for c in columns if c != "language"], k)
    options.out_dir.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "civicai_version": __version__,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "run": {"run_dir": str(run.run_dir), "run_id": run.run_id,
                "input_path": str(run.input_path) if run.input_path else None},
        "method": {"band": list(BAND), "alpha": ALPHA, "min_group_size": k, "n_tests": n_tests,
                   "reference": "the rest: every other group of the column with at least min_group_size "
                                "submissions, pooled; a group that departs itself is left out of the others' "
                                "rest (step-down, see civicai.bias.stats)",
                   "ci": "95% Bayesian bootstrap (Beta(k+1/2, n-k+1/2) per group, 2000 draws) of the ratio",
                   "test": "Fisher's exact test, group vs the rest; Holm's correction within three families: "
                           "voice stages at alpha/2, failure reasons and classifier at alpha/4, theme "
                           "membership and sentiment at alpha/4",
                   "flag_rule": "ratio outside the band AND the 95% interval excludes 1 AND Holm-adjusted p "
                                "below its family's share of alpha",
                   "seed": options.seed},
        "group_columns": columns,
        "groups": _group_sizes(run, columns, k),
        "findings": [f.to_dict() for f in findings],
        "verdict": [],
        "translation_check": translation.to_dict(),
        "counterfactuals": {**cf.to_dict(), "by_perturbation": counterfactual.summarise_by_perturbation(cf)},
        "campaigns": campaign.to_dict(),
        "leakage": {"total": 0},
        "manifest": run.manifest,
        "models": _models(run),
        "notes": run.notes,
        "timings": timings,
    }
    from civicai.bias.report import write_html

    json_path, html_path = options.out_dir / "bias_report.json", options.out_dir / "bias_report.html"
    clock = time.perf_counter()
    if options.leakage:
        # scan the run's outputs, then our own report once written (its quotes come from the run)
        report["verdict"] = verdict_lines(findings, report)
        write_html(report, html_path)
        leaks = leakage.scan_outputs(run.run_dir, [html_path])
        report["leakage"] = {**leaks.to_dict(), "by_kind": leakage.kind_totals(leaks)}
    else:
        report["leakage"] = {"total": 0, "skipped": "not requested"}
    timings["leakage"] = time.perf_counter() - clock
    report["verdict"] = verdict_lines(findings, report)
    validate_report(report)
    json_path.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    write_html(report, html_path)
    audit_id = _store(run, report, options) if options.store else None
    return AuditResult(report, json_path, html_path, audit_id, findings)


def _store(run: AuditRun, report: dict[str, Any], options: AuditOptions) -> int | None:
    """Record the audit in the `audits` table when the run is stored (a folder-only run is not)."""
    if run.run_id is None:
        return None
    from civicai.store import session_scope
    from civicai.store.schema import Audit

    with session_scope(options.database_url) as session:
        audit = Audit(run_id=run.run_id, report=json.loads(json.dumps(report, default=str)),
                      out_dir=str(options.out_dir.resolve()))
        session.add(audit)
        session.flush()
        return int(audit.id)


def audit_run(run_ref: str | Path, group_columns: tuple[str, ...] | list[str] | None = None,
              out_dir: str | Path | None = None, **options: Any) -> AuditResult:
    """`civicai analyse --audit`: audit a run by the group columns it was analysed with, into RUN_DIR/audit."""
    from civicai.bias.runload import find_value

    if options.get("database_url") is None:  # the run's own database, unless its URL was masked in run.json
        manifest_path = Path(run_ref) / "run.json"
        if manifest_path.is_file():
            url = find_value(json.loads(manifest_path.read_text(encoding="utf-8")), ("parameters", "database_url"))
            if isinstance(url, str) and "***" not in url:
                options["database_url"] = url
    run = load_run(run_ref, options.get("database_url"))
    return run_audit(run_ref, AuditOptions(out_dir=Path(out_dir) if out_dir else run.run_dir / "audit",
                                           group_columns=tuple(group_columns or ()), **options))
