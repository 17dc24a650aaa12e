"""Audits of real runs: the shipped sample (district, age band, language) and real Polis conversations
(opinion groups from participants' votes), with each HTML report rendered to PNG by headless Chromium.

    .venv/bin/python evaluation/bias_audits.py [--work /tmp/civicai-bias-audits] [--fast-pii]

Each input is analysed with the real pipeline (civicai.pipeline.run_analysis, reused if its run.json is
already in the work folder), then audited with civicai.bias.run_audit. The reports themselves stay in the
work folder (they quote the data); evaluation/results/bias_audits.{json,md} hold the verdicts and numbers,
and evaluation/results/bias_audits/*.png the top of each report.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from civicai.bias import AuditOptions, run_audit
from civicai.paths import sample_dir, shared_data_dir

RESULTS = Path(__file__).resolve().parent / "results"
POLIS = ("scoop-hivemind.biodiversity", "canadian-electoral-reform", "austria-climate.5twd2jsnkf.2022-08-08")


def inputs() -> list[tuple[str, Path, tuple[str, ...]]]:
    items = [("sample", sample_dir() / "consultation.csv", ("district", "age_band"))]
    polis = shared_data_dir() / "polis"
    if not polis.is_dir():
        print(f"{polis} not found: Polis audits skipped", file=sys.stderr)
        return items
    return items + [(f"polis-{name}", polis / name / "comments.csv", ()) for name in POLIS
                    if (polis / name / "participants-votes.csv").is_file()]


def analyse(source: Path, run_dir: Path, groups: tuple[str, ...], fast_pii: bool) -> float:
    if (run_dir / "run.json").is_file():
        return 0.0
    from civicai.pipeline import AnalyseOptions, run_analysis

    started = time.perf_counter()
    run_analysis(AnalyseOptions(input_path=source, out_dir=run_dir, group_columns=groups, use_ner=not fast_pii,
                                store=False, progress=False))
    return time.perf_counter() - started


def screenshot(html: Path, png: Path, height: int = 2400) -> bool:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium not found: no screenshot", file=sys.stderr)
        return False
    png.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    f"--screenshot={png}", f"--window-size=1280,{height}", html.resolve().as_uri()],
                   capture_output=True, timeout=180, check=False)
    return png.is_file()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=Path("/tmp/civicai-bias-audits"))
    parser.add_argument("--fast-pii", action="store_true",
                        help="analyse the sample with pattern-only PII redaction too (Polis always is)")
    parser.add_argument("--only", default="", help="comma-separated names to run (default: all)")
    args = parser.parse_args()
    previous = RESULTS / "bias_audits.json"  # --only reruns some audits and keeps the others' results
    summary: dict[str, dict] = json.loads(previous.read_text()) if previous.is_file() else {}
    for name, source, groups in inputs():
        if args.only and name not in args.only.split(","):
            continue
        run_dir, audit_dir = args.work / name / "run", args.work / name / "audit"
        fast_pii = args.fast_pii or name.startswith("polis-")  # Polis comments: short, public, no names
        analyse_s = analyse(source, run_dir, groups, fast_pii) or summary.get(name, {}).get("analyse_s", 0.0)
        started = time.perf_counter()
        result = run_audit(run_dir, AuditOptions(out_dir=audit_dir, group_columns=groups, store=False))
        audit_s = time.perf_counter() - started
        png = RESULTS / "bias_audits" / f"{name}.png"
        shot = screenshot(result.html_path, png)
        report = result.report
        summary[name] = {
            "input": str(source), "pii": "patterns only" if fast_pii else "patterns + NER", "analyse_s": round(analyse_s, 1), "audit_s": round(audit_s, 1),
            "group_columns": report["group_columns"], "groups": report["groups"], "n_tests": report["method"]["n_tests"],
            "flagged": [{k: f[k] for k in ("group_column", "group", "stage", "metric", "value", "reference_value",
                                           "ratio", "ci_low", "ci_high", "n", "p_adjusted")}
                        for f in report["findings"] if f["flagged"]],
            "verdict": [f"{v['severity']}: {v['sentence']}" for v in report["verdict"]],
            "counterfactuals": report["counterfactuals"].get("by_perturbation"),
            "translation_check": {k: report["translation_check"].get(k) for k in
                                  ("accuracy", "disagreement_with_english", "any_disagreement_rate")},
            "leakage_total": report["leakage"].get("total"), "timings": report["timings"],
            "screenshot": str(png.relative_to(RESULTS.parent)) if shot else None,
            "report_html": str(result.html_path),
        }
        print(f"{name}: {len(summary[name]['flagged'])} flags, audit {audit_s:.1f} s", file=sys.stderr, flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bias_audits.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False))
    lines = ["# Bias audits of real runs", "", "Produced by `evaluation/bias_audits.py` (real pipeline, then "
             "`civicai.bias.run_audit`; screenshots of each report in `evaluation/results/bias_audits/`).", ""]
    for name, item in sorted(summary.items()):
        lines += [f"## {name}", "", f"Input `{Path(item['input']).parent.name}/{Path(item['input']).name}`; "
                  f"groups by {', '.join(item['group_columns'])}; {item['n_tests']} comparisons; PII redaction "
                  f"{item['pii']}; analysis {item['analyse_s']} s, audit {item['audit_s']} s (shared 2-core machine); "
                  f"PII leaks found: {item['leakage_total']}.", ""]
        lines += [f"- {line}" for line in item["verdict"]] + [""]
        if item["screenshot"]:
            lines += [f"![{name}]({Path(item['screenshot']).relative_to('results')})", ""]
    (RESULTS / "bias_audits.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
