"""Which reduction before HDBSCAN: spectral (kNN-graph Laplacian eigenmaps, the default) vs UMAP vs PCA.

Three labelled sets, each clustered by the same civicai stages (reduce -> HDBSCAN -> honest outliers) on the
same USE embeddings; only the reduction changes:
- the 4 TUNING mixes of evaluation/topic_recovery.py (6 Polis conversations each; the reported mix is left
  to topic_recovery.py, which reports it once);
- 10,000 submissions at scale: every accepted Polis comment except vtaiwan, 1-3 comments of one
  conversation joined per submission (as evaluation/analysis_speed.py builds its input); truth = conversation;
- the shipped sample end to end (`civicai analyse` with --reducer), truth = its gold.csv topics.
`umap-fit5000` is what the pipeline does above 5,000 submissions: UMAP + HDBSCAN on a seeded sample of 5,000,
themes carried to the rest by density (`civicai.cluster.extend`), then the honest-outlier rule.
Each (set, method) runs in a fresh process so UMAP's numba compilation is counted as a user would pay it.

    .venv/bin/python evaluation/reduce_methods.py [--methods spectral umap pca] [--skip-sample]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "evaluation"))
RESULTS = ROOT / "evaluation" / "results"
CACHE = Path(os.environ.get("CIVICAI_EVAL_CACHE", "/tmp/civicai-eval-cache")) / "reduce_methods"


def scale_set(n: int = 10_000, seed: int = 0) -> tuple[list[str], np.ndarray]:
    from analysis_speed import polis_pool

    rng = random.Random(seed)
    pool = polis_pool()
    weights = [len(p) for p in pool]
    texts, truth = [], []
    for _ in range(n):
        which = rng.choices(range(len(pool)), weights=weights)[0]
        texts.append(" ".join(rng.sample(pool[which], k=min(len(pool[which]), rng.choice([1, 2, 2, 3])))))
        truth.append(which)
    return texts, np.array(truth)


def load_set(name: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(texts, truth, USE embeddings), embeddings cached on disk."""
    import topic_recovery as tr

    if name == "scale10k":
        texts, truth = scale_set()
    else:
        texts, truth = tr.load_mix(tr.tuning_mixes()[int(name.removeprefix("tuning"))])
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"use-{name}-{len(texts)}.npy"
    if path.is_file():
        return texts, truth, np.load(path)
    from civicai.embed import get_embedder

    vectors = get_embedder("use").encode(texts, batch_size=1024)
    np.save(path, vectors)
    return texts, truth, vectors


def one_run(name: str, method: str) -> dict:
    """Child process: reduce + cluster + outliers exactly as the pipeline's defaults do."""
    from sklearn.metrics import adjusted_rand_score

    from civicai.cluster import AssignParams, ClusterParams, ReduceParams, assign, cluster_points, reduce_embeddings

    texts, truth, embeddings = load_set(name)
    start = time.perf_counter()
    # "umap-fit5000": what the pipeline does above 5,000 submissions (AnalyseOptions.fit_sample): discover on
    # a seeded sample, carry the themes over by density (cluster.extend), then the honest-outlier rule
    base, _, fit = method.partition("-fit")
    n = len(texts)
    sample = np.arange(n)
    if fit and n > int(fit):
        sample = np.sort(np.random.default_rng(0).choice(n, int(fit), replace=False))
    coords = reduce_embeddings(embeddings[sample], ReduceParams(method=base, seed=0)).coords
    reduce_s = time.perf_counter() - start
    labels = np.full(n, -1)
    labels[sample] = cluster_points(coords, ClusterParams()).labels
    if sample.size < n:
        from civicai.cluster.extend import extend_labels

        labels = extend_labels(embeddings, labels, sample)
    primary = np.asarray(assign(embeddings, labels, texts, AssignParams()).primary)
    return {"set": name, "method": method, "n": len(texts), "reduce_s": round(reduce_s, 1),
            "ari": round(float(adjusted_rand_score(truth, primary)), 3),
            "unassigned": round(float((primary < 0).mean()), 3), "themes": int(primary.max() + 1),
            "truth_groups": int(len(set(truth.tolist())))}


def sample_run(method: str) -> dict:
    """The shipped sample end to end through `civicai analyse`; ARI of primary themes vs gold topics."""
    from sklearn.metrics import adjusted_rand_score

    from civicai.paths import sample_dir

    gold = {r["id"]: r["theme"] for r in csv.DictReader((sample_dir() / "gold.csv").open(encoding="utf-8"))}
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "CIVICAI_HOME": str(Path(tmp) / "home")}
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "civicai", "analyse", "--sample", "--out", f"{tmp}/out", "--no-store",
                        "--reducer", method], env=env, check=True, capture_output=True)
        seconds = time.perf_counter() - start
        with open(f"{tmp}/out/assignments.csv", encoding="utf-8") as handle:
            rows = [r for r in csv.DictReader(handle) if not r["duplicate_of"] and r["submission_id"] in gold]
        timings = json.loads(Path(f"{tmp}/out/run.json").read_text())["timings_s"]
    truth = [gold[r["submission_id"]] for r in rows]
    found = [r["primary_theme"] or "-" for r in rows]
    return {"set": "sample (end to end)", "method": method, "n": len(rows), "reduce_s": timings.get("reduce"),
            "ari": round(float(adjusted_rand_score(truth, found)), 3),
            "unassigned": round(sum(f == "-" for f in found) / len(found), 3),
            "themes": len(set(found) - {"-"}), "truth_groups": len(set(truth)), "run_s": round(seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="+", default=["spectral", "umap", "umap-fit5000", "pca"])
    parser.add_argument("--sets", nargs="+", default=["tuning0", "tuning1", "tuning2", "tuning3", "scale10k"])
    parser.add_argument("--skip-sample", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("SET", "METHOD"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_run(*args.child)))
        return
    from civicai.paths import shared_data_dir

    if not (shared_data_dir() / "polis").is_dir():
        raise SystemExit(f"skipped: {shared_data_dir() / 'polis'} is absent (the Polis data lives in ../shared/data)")
    rows = []
    for name in args.sets:
        load_set(name)  # embed once, outside the timed children
        for method in args.methods:
            if "-fit" in method and len(load_set(name)[0]) <= int(method.partition("-fit")[2]):
                continue  # the same as the plain method on a set this small
            done = subprocess.run([sys.executable, __file__, "--child", name, method], capture_output=True, text=True)
            if done.returncode:
                raise SystemExit(done.stderr[-2000:])
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(rows[-1], flush=True)
    if not args.skip_sample:
        for method in [m for m in args.methods if "-fit" not in m]:
            rows.append(sample_run(method))
            print(rows[-1], flush=True)
    result = {"rows": rows, "load_average_at_end": os.getloadavg()[0], "date": time.strftime("%Y-%m-%d %H:%M UTC",
                                                                                                time.gmtime())}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "reduce_methods.json").write_text(json.dumps(result, indent=1))
    lines = ["# Reduction before HDBSCAN: spectral vs UMAP vs PCA", "",
             f"Run {result['date']}; same USE embeddings, same HDBSCAN and outlier settings (civicai defaults); "
             "reduce seconds include UMAP's numba compilation (fresh process each). Load average at the end: "
             f"{result['load_average_at_end']:.1f} (2 cores).", "",
             "| set | n | groups | method | ARI | unassigned | themes | reduce s |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r['set']} | {r['n']} | {r['truth_groups']} | {r['method']} | {r['ari']} | "
                     f"{100 * r['unassigned']:.1f}% | {r['themes']} | {r['reduce_s']} |")
    tuning = [r for r in rows if r["set"].startswith("tuning")]
    if tuning:
        lines += ["", "Mean over the tuning mixes:", "", "| method | ARI | unassigned |", "| --- | --- | --- |"]
        for method in [m for m in args.methods if "-fit" not in m]:
            mine = [r for r in tuning if r["method"] == method]
            lines.append(f"| {method} | {np.mean([r['ari'] for r in mine]):.3f} | "
                         f"{100 * np.mean([r['unassigned'] for r in mine]):.1f}% |")
    (RESULTS / "reduce_methods.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
