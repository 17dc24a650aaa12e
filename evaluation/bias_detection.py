"""Does the audit find injected bias, and stay quiet on fair runs? (issue 4: >= 95% detection, <= 5% false alarms)

For each seed we build synthetic analysis runs (civicai.bias.synthetic: 2,000 submissions, 5 districts,
5 age bands incl. "not given", 4 languages, 12 themes, 5 quotes per theme of which 3 are cited, 3%
rejected, 15% unassigned, 5% copies) where groups are by construction treated alike, then:
- control: no bias. A false alarm is ANY flag in the whole report (strict: per audit, not per cell).
- injected: one group (random column, random group with >= 15% share, the largest included) is pushed out at one
  stage (accepted / assigned / quoted / cited), fully (strength 1.0) and, to show the limits of power,
  half-way (strength 0.5). Detected = that group flagged "under" at that stage.
Also reported: flags on other groups in injected runs (false discoveries).

    .venv/bin/python evaluation/bias_detection.py [--seeds 20] [--n 2000]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from civicai.bias import load_run, measure
from civicai.bias.synthetic import STAGES, Bias, eligible_groups, make_run

RESULTS = Path(__file__).resolve().parent / "results"
COLUMNS = ("district", "age_band")


def audit_flags(run_dir: Path) -> tuple[list, int]:
    run = load_run(run_dir)
    findings, n_tests = measure(run, [*COLUMNS, "language"], min_group_size=5, seed=0)
    return [f for f in findings if f.flagged], n_tests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--themes", type=int, default=24, help="themes per run (5 quotes each, 3 cited)")
    parser.add_argument("--strengths", default="1.0", help="comma-separated shares of the group pushed out")
    parser.add_argument("--name", default="bias_detection", help="results file name")
    args = parser.parse_args()
    strengths = [float(s) for s in args.strengths.split(",")]
    rows: list[dict] = []
    started = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seeds):
            rng = np.random.default_rng(1000 + seed)
            flags, n_tests = audit_flags(make_run(Path(tmp) / f"c{seed}", seed=seed, n=args.n, n_themes=args.themes))
            rows.append({"seed": seed, "kind": "control", "flags": len(flags), "n_tests": n_tests,
                         "flagged": [[f.group_column, f.group, f.stage, f.metric] for f in flags]})
            for stage in STAGES:
                for strength in strengths:
                    column = str(rng.choice(COLUMNS))
                    group = str(rng.choice(eligible_groups(column)))
                    bias = Bias(column, group, stage, strength)
                    folder = make_run(Path(tmp) / f"b{seed}-{stage}-{strength}", seed=seed, n=args.n, bias=bias,
                                      n_themes=args.themes)
                    flags, n_tests = audit_flags(folder)
                    hit = any(f.group_column == column and f.group == group and f.stage == stage
                              and f.direction == "under" for f in flags)
                    others = [f for f in flags if not (f.group_column == column and f.group == group)]
                    rows.append({"seed": seed, "kind": "injected", "stage": stage, "strength": strength,
                                 "column": column, "group": group, "detected": hit, "other_flags": len(others),
                                 "n_tests": n_tests,
                                 "other": [[f.group_column, f.group, f.stage, f.metric] for f in others]})
            recent = [r for r in rows if r["seed"] == seed and r["kind"] == "injected"]
            print(f"seed {seed}: control flags {rows[-1 - len(recent)]['flags']}, detected "
                  + ", ".join(f"{sum(r['detected'] for r in recent if r['strength'] == s)}/4 at {s}" for s in strengths)
                  + f" ({time.time() - started:.0f} s)", file=sys.stderr, flush=True)
    controls = [r for r in rows if r["kind"] == "control"]
    injected = [r for r in rows if r["kind"] == "injected"]
    summary = {
        "seeds": args.seeds, "n_submissions": args.n, "themes": args.themes, "strengths": strengths,
        "false_alarm_rate_per_audit": float(np.mean([r["flags"] > 0 for r in controls])),
        "false_alarm_cells": int(sum(r["flags"] for r in controls)),
        "tests_per_control_audit": float(np.mean([r["n_tests"] for r in controls])),
        "detection_rate": {str(s): float(np.mean([r["detected"] for r in injected if r["strength"] == s]))
                           for s in strengths},
        "by_stage": {f"{stage} @ {strength}": float(np.mean([r["detected"] for r in injected
                                                             if r["stage"] == stage and r["strength"] == strength]))
                     for stage in STAGES for strength in strengths},
        "injected_runs_with_other_flags": float(np.mean([r["other_flags"] > 0 for r in injected])),
        "seconds": round(time.time() - started, 1),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps({"summary": summary, "runs": rows}, indent=1))
    lines = ["# Bias detection: injected bias found, fair runs quiet", "",
             f"{args.seeds} seeds x (1 control + 4 stages x {len(strengths)} strength(s)) synthetic runs of {args.n} "
             f"submissions, {args.themes} themes (5 quotes each, 3 cited in the summary). Flag rule: ratio outside "
             "0.8-1.25 AND 95% Bayesian-bootstrap interval excludes 1 AND Holm-adjusted Fisher p below its family's "
             "share of alpha = 0.05. Produced by `evaluation/bias_detection.py`.", "",
             "| measure | value | target |", "| --- | --- | --- |"]
    for s in strengths:
        label = "group fully pushed out" if s == 1.0 else f"{s:.0%} of the group pushed out"
        target = ">= 95%" if s == 1.0 else "(power, no target)"
        lines.append(f"| detection rate, {label} (4 stages x {args.seeds} seeds) | "
                     f"{summary['detection_rate'][str(s)]:.1%} | {target} |")
    lines += [f"| false alarms: control audits with any flag ({args.seeds} audits, "
              f"~{summary['tests_per_control_audit']:.0f} tests each) | {summary['false_alarm_rate_per_audit']:.1%} | <= 5% |",
              f"| false alarms: flagged cells over all control audits | {summary['false_alarm_cells']} | |",
              f"| injected runs with a flag on another group | {summary['injected_runs_with_other_flags']:.1%} | |",
              "", "| stage @ strength | detection rate |", "| --- | --- |"]
    lines += [f"| {key} | {value:.0%} |" for key, value in summary["by_stage"].items()]
    (RESULTS / f"{args.name}.md").write_text("\n".join(lines) + "\n")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
