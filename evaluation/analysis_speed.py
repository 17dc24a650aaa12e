"""Speed and memory of `civicai analyse` end to end for 1k, 10k and 100k submissions.

Submissions are real Polis comments (every conversation, German and English) scaled up by sampling: each
synthetic submission joins 1-3 random comments of one conversation, so texts stay real, topics stay
coherent, and almost every submission is distinct (duplicates would make the run look faster than it is).
Each size runs in a fresh process (`python -m civicai analyse ... --no-store` is NOT used: storing is part of
the run), pinned to 2 CPU cores; peak RSS is the child's max resident set size.

    .venv/bin/python evaluation/analysis_speed.py [--sizes 1000 10000 100000] [--fast-pii]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from civicai.paths import shared_data_dir  # noqa: E402

RESULTS = ROOT / "evaluation" / "results"


def polis_pool() -> list[list[str]]:
    pool = []
    for folder in sorted((shared_data_dir() / "polis").iterdir()):
        path = folder / "comments.csv"
        if not path.is_file() or folder.name == "vtaiwan.uberx":
            continue
        with path.open(encoding="utf-8", newline="") as handle:
            texts = [r["comment-body"].strip() for r in csv.DictReader(handle)
                     if r.get("moderated") != "-1" and (r.get("comment-body") or "").strip()]
        if len(texts) >= 20:
            pool.append(texts)
    return pool


def make_input(n: int, path: Path, seed: int = 0) -> None:
    rng = random.Random(seed)
    pool = polis_pool()
    weights = [len(p) for p in pool]
    districts = ["North", "South", "East", "West", "Centre"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "district"])
        for i in range(n):
            conversation = rng.choices(pool, weights=weights)[0]
            text = " ".join(rng.sample(conversation, k=min(len(conversation), rng.choice([1, 2, 2, 3]))))
            writer.writerow([f"S{i:06d}", text, rng.choice(districts)])


def run_one(n: int, workdir: Path, fast_pii: bool) -> dict:
    source = workdir / f"submissions_{n}.csv"
    make_input(n, source)
    out = workdir / f"out_{n}"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "CIVICAI_HOME": str(workdir / "home"),
           "OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2", "NUMBA_NUM_THREADS": "2"}
    command = ["taskset", "-c", "0,1", sys.executable, "-m", "civicai", "analyse", str(source), "--out", str(out),
               "--group-column", "district"] + (["--fast-pii"] if fast_pii else [])
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode != 0:
        raise SystemExit(f"n={n} failed:\n{done.stderr[-3000:]}")
    manifest = json.loads((out / "run.json").read_text())
    return {"n": n, "seconds": round(seconds, 1), "submissions_per_s": round(n / seconds, 1),
            "peak_rss_mb": round(peak_kb / 1024, 0), "peak_rss_is_exact": peak_kb > before,
            "stage_seconds": manifest["timings_s"], "themes": manifest["counts"]["themes"],
            "unassigned_rate": manifest["counts"]["unassigned_rate"], "distinct": manifest["counts"]["distinct"],
            "fast_pii": fast_pii, "load_average_at_end": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--fast-pii", action="store_true", help="pattern-only PII redaction (no spaCy NER)")
    parser.add_argument("--tag", default="")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        # A fresh home pays one-off costs once (stance classifier trained on its seed sentences, model
        # checksums verified and cached): measured here on 300 submissions, then every size runs warm.
        warm_up = run_one(300, Path(tmp), args.fast_pii)
        print("warm-up (fresh home):", json.dumps(warm_up), flush=True)
        for n in sorted(args.sizes):  # ascending: ru_maxrss of children only grows, so each peak is its own
            row = run_one(n, Path(tmp), args.fast_pii)
            print(json.dumps(row), flush=True)
            rows.append(row)
    name = "analysis_speed" + (f"_{args.tag}" if args.tag else "")
    RESULTS.mkdir(parents=True, exist_ok=True)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    (RESULTS / f"{name}.json").write_text(json.dumps({"rows": rows, "warm_up": warm_up, "cores": 2, "date": when},
                                                     indent=2), encoding="utf-8")
    stages = ["redact", "language", "dedup", "embed", "reduce", "cluster", "outliers", "keywords_labels", "sentiment",
              "store"]
    lines = ["# `civicai analyse` speed and memory (2 cores, end to end incl. model loading and storing)", "",
             f"Run {when}, each size a fresh `civicai analyse` process pinned to 2 cores (taskset), input real Polis "
             "comments scaled up by sampling (see the module docstring). Stage columns are seconds.", "",
             "| submissions | seconds | submissions/s | peak RSS (MB) | " + " | ".join(stages)
             + " | themes | unassigned | PII mode | load avg |", "| --- " * (len(stages) + 8) + "|"]
    for r in rows:
        st = r["stage_seconds"]
        lines.append(f"| {r['n']:,} | {r['seconds']} | {r['submissions_per_s']} | {r['peak_rss_mb']:.0f} | "
                     + " | ".join(str(st.get(k, 0)) for k in stages)
                     + f" | {r['themes']} | {100 * r['unassigned_rate']:.1f}% | "
                     f"{'patterns' if r['fast_pii'] else 'patterns+NER'} | {r['load_average_at_end']:.1f} |")
    lines += ["", f"First run on a fresh home (300 submissions, one-off costs included): {warm_up['seconds']} s "
                  f"(sentiment stage {warm_up['stage_seconds'].get('sentiment')} s: training the stance classifier "
                  "once). The load average column says how busy the 2 cores were (1-2 = this job alone)."]
    (RESULTS / f"{name}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
