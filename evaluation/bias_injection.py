"""Does the audit name the harmed district, whatever its size, on real text through the real pipeline? (issue 16)

Real Polis comments (march-on, English, read from the shared data folder, never copied) get a made-up
district column (civicai.bias.synthetic.districted_consultation: A 34%, B 24%, C 18%, D 14%, E 10% of the
rows, plus F with 3 rows, too small to show). Per seed a fresh sample of rows and districts, then four
scenarios on that same sample, each analysed by civicai.pipeline.run_analysis and audited by
civicai.bias.measure (district and language):
- control: nothing changed;
- largest: every text of A cut to its first two words (too short to place in a theme);
- smallest: the same for E, the smallest shown district;
- two: A and E at once.
Detected = the injected district flagged "under" at stage "assigned", and no voice stage before it flagged.
A false alarm = a flag on any other district (any stage or measure); in the control, any flag at all.
Flags by language are counted apart: cut texts are also misdetected as other languages, so a language
flag in an injected run is a true consequence, not a false alarm.

Cost: one process (the embedder and UMAP compile once), one worker, no NER; ~3 s a run at 800 rows.

    nice .venv/bin/python evaluation/bias_injection.py [--seeds 20] [--n 800]
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
from civicai.bias.synthetic import REAL_DISTRICTS, districted_consultation, polis_texts
from civicai.paths import shared_data_dir

RESULTS = Path(__file__).resolve().parent / "results"
CONVERSATION = "march-on.operation-marchin-orders"
SCENARIOS = {"control": (), "largest": ("A",), "smallest": ("E",), "two": ("A", "E")}
VOICE_ORDER = ("accepted", "assigned", "quoted", "cited")


def score(findings: list, cut: tuple[str, ...]) -> dict:
    district = [f for f in findings if f.group_column == "district"]
    flagged = [f for f in district if f.flagged]
    detected = {}
    for group in cut:
        voice = [f for f in flagged if f.group == group and f.kind == "voice"]
        first = min((VOICE_ORDER.index(f.stage) for f in voice), default=None)
        detected[group] = any(f.stage == "assigned" and f.direction == "under" for f in voice) and first == 1
    others = sorted({(f.group, f.stage, f.metric) for f in flagged if f.group not in cut})
    return {"detected": detected, "other_district_flags": [list(o) for o in others],
            "any_flag": any(f.flagged for f in findings),
            "language_flags": sum(f.flagged for f in findings if f.group_column == "language"),
            "n_tests": sum(f.p_value is not None and not f.suppressed for f in findings)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--n", type=int, default=800, help="rows per consultation")
    parser.add_argument("--name", default="bias_injection", help="results file name")
    args = parser.parse_args()
    comments = shared_data_dir() / "polis" / CONVERSATION / "comments.csv"
    if not comments.is_file():
        sys.exit(f"{comments} not found: this benchmark needs the shared Polis exports "
                 "(set CIVICAI_SHARED_DATA to the folder that holds polis/)")
    from civicai.pipeline import AnalyseOptions, run_analysis

    texts = polis_texts(comments)
    rows: list[dict] = []
    started = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seeds):
            for name, cut in SCENARIOS.items():
                folder = Path(tmp) / f"{seed}-{name}"
                source = districted_consultation(texts, folder / "input.csv", seed=seed, n=args.n, cut=cut)
                run_analysis(AnalyseOptions(input_path=source, out_dir=folder / "run", group_columns=("district",),
                                            seed=seed, use_ner=False, store=False, progress=False, workers=1))
                findings, _ = measure(load_run(folder / "run"), ["district", "language"], min_group_size=5,
                                      seed=seed)
                rows.append({"seed": seed, "scenario": name, "cut": list(cut), **score(findings, cut)})
            recent = rows[-len(SCENARIOS):]
            print(f"seed {seed}: " + ", ".join(
                f"{r['scenario']} det {sum(r['detected'].values())}/{len(r['detected'])} other "
                f"{len(r['other_district_flags'])}" for r in recent) + f" ({time.time() - started:.0f} s)",
                file=sys.stderr, flush=True)
    summary: dict = {"seeds": args.seeds, "rows": args.n, "conversation": CONVERSATION,
                     "district_shares": REAL_DISTRICTS, "seconds": round(time.time() - started, 1), "scenarios": {}}
    for name, cut in SCENARIOS.items():
        runs = [r for r in rows if r["scenario"] == name]
        entry = {"runs": len(runs),
                 "false_alarm_rate": float(np.mean([bool(r["other_district_flags"]) for r in runs])),
                 "runs_with_language_flags": float(np.mean([r["language_flags"] > 0 for r in runs])),
                 "tests_per_audit": float(np.mean([r["n_tests"] for r in runs]))}
        if cut:
            entry["detection_rate"] = {g: float(np.mean([r["detected"][g] for r in runs])) for g in cut}
            entry["all_detected_rate"] = float(np.mean([all(r["detected"].values()) for r in runs]))
        else:
            entry["any_flag_rate"] = float(np.mean([r["any_flag"] for r in runs]))
        summary["scenarios"][name] = entry
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps({"summary": summary, "runs": rows}, indent=1))
    lines = ["# Bias injection on real text: the harmed district is named, whatever its size", "",
             f"{args.seeds} seeds x 4 scenarios; each a fresh sample of {args.n} real Polis comments ({CONVERSATION}) "
             "with a made-up district column (A 34% ... E 10%, F 3 rows: suppressed), analysed by the real pipeline "
             "(no NER, one worker) and audited by district and language. Injected = every text of the district cut "
             "to two words. Detected = flagged 'under' at stage 'assigned' and at no earlier voice stage. False "
             "alarm = a flag on any other district (any measure). Produced by `evaluation/bias_injection.py`.", "",
             "| scenario | injected | detection rate | all injected found | false alarms (other districts) "
             "| runs with a language flag | tests per audit |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for name, cut in SCENARIOS.items():
        e = summary["scenarios"][name]
        detection = ", ".join(f"{g} {v:.0%}" for g, v in e.get("detection_rate", {}).items()) or "–"
        found = f"{e['all_detected_rate']:.0%}" if cut else f"(any flag: {e['any_flag_rate']:.0%})"
        lines.append(f"| {name} | {', '.join(cut) or 'none'} | {detection} | {found} | {e['false_alarm_rate']:.0%} "
                     f"| {e['runs_with_language_flags']:.0%} | {e['tests_per_audit']:.0f} |")
    lines += ["", f"Total time {summary['seconds']:.0f} s."]
    (RESULTS / f"{args.name}.md").write_text("\n".join(lines) + "\n")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
