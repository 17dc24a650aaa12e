"""Topic recovery on real data: mix several Polis conversations, analyse the mixture, and compare the themes
with the conversation each comment came from (ARI, NMI, unassigned rate), side by side with BERTopic run on
the same embeddings.

Honest tuning: civicai's clustering parameters are chosen on a TUNING mix of other conversations; the
REPORTED mix is analysed once with the chosen parameters. Both systems get the same USE embeddings and the
each its own default reduction: civicai's (UMAP on the exact kNN graph, 200 epochs), BERTopic's (umap-learn
defaults: 15 neighbours, 5 components, min_dist 0, cosine, seeded; HDBSCAN min_cluster_size 10, eom; outliers =
-1). A third row runs civicai's clustering on BERTopic's UMAP coordinates, so the reduction's share shows.
Unassigned comments count as one extra cluster (-1) for ARI/NMI, for every system.

    .venv/bin/python evaluation/topic_recovery.py [--seeds 0 1 2] [--skip-tuning]
"""
from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from civicai.cluster import (  # noqa: E402
    AssignParams,
    ClusterParams,
    ReduceParams,
    assign,
    cluster_points,
    merge_similar_clusters,
    reduce_embeddings,
)
from civicai.paths import shared_data_dir  # noqa: E402

REPORTED_MIX = ["15-per-hour-seattle", "canadian-electoral-reform", "london.youth.policing", "scoop-hivemind.ubi",
                "scoop-hivemind.freshwater", "bg2050-volunteers"]
TUNING_POOL = ["scoop-hivemind.affordable-housing", "scoop-hivemind.biodiversity", "scoop-hivemind.taxes",
               "brexit-consensus", "ssis.land-bank-farmland.2rumnecbeh.2021-08-01",
               "march-on.operation-marchin-orders", "american-assembly.bowling-green", "football-concussions"]
FRACTIONS = [0.01, 0.02, 0.03, 0.05]
MIN_SAMPLES = [1, 5, None]
MERGES = [None, 0.8, 0.7, 0.6]
PRECISIONS = [0.7, 0.8, 0.9]
CACHE = Path(os.environ.get("CIVICAI_EVAL_CACHE", "/tmp/civicai-eval-cache"))
RESULTS = ROOT / "evaluation" / "results"


def load_mix(names: list[str]) -> tuple[list[str], np.ndarray]:
    texts, truth = [], []
    for label, name in enumerate(names):
        path = shared_data_dir() / "polis" / name / "comments.csv"
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                body = (row.get("comment-body") or "").strip()
                if row.get("moderated") == "1" and body:  # accepted comments only
                    texts.append(body)
                    truth.append(label)
    return texts, np.array(truth)


def embed(texts: list[str], tag: str) -> np.ndarray:
    from civicai.embed import get_embedder

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"use-{tag}-{len(texts)}.npy"
    if path.is_file():
        return np.load(path)
    vectors = get_embedder("use").encode(texts, batch_size=128)
    np.save(path, vectors)
    return vectors


def umap_coords(embeddings: np.ndarray, seed: int, tag: str) -> np.ndarray:
    """BERTopic's default UMAP (umap-learn's own kNN and epochs), seeded."""
    import warnings

    import umap

    path = CACHE / f"umap-{tag}-{len(embeddings)}-{seed}.npy"
    if path.is_file():
        return np.load(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        coords = umap.UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine",
                           random_state=seed).fit_transform(embeddings)
    np.save(path, coords)
    return coords


def civicai_coords(embeddings: np.ndarray, seed: int) -> np.ndarray:
    """civicai's default reduction (what `civicai analyse` runs); seconds, so not cached."""
    return reduce_embeddings(embeddings, ReduceParams(seed=seed, pca_below=0)).coords


def scores(truth: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    assigned = labels >= 0
    return {"ari": round(float(adjusted_rand_score(truth, labels)), 4),
            "nmi": round(float(normalized_mutual_info_score(truth, labels)), 4),
            "unassigned": round(float(1 - assigned.mean()), 4),
            "ari_assigned_only": round(float(adjusted_rand_score(truth[assigned], labels[assigned])), 4)
            if assigned.sum() > 1 else 0.0,
            "themes": int(len(set(labels[assigned].tolist())))}


def civicai_labels(embeddings, coords, texts, cluster: ClusterParams, assign_params: AssignParams,
                   found: np.ndarray | None = None) -> np.ndarray:
    """The same stages `civicai analyse` runs: HDBSCAN -> merge near-identical clusters -> honest outliers."""
    labels = cluster_points(coords, cluster).labels if found is None else found
    labels = merge_similar_clusters(embeddings, labels, cluster.merge_similarity)
    return assign(embeddings, labels, texts, assign_params).primary


def bertopic_labels(texts, embeddings, coords) -> np.ndarray:
    """BERTopic 0.17.4 with its default HDBSCAN, fed the same embeddings and the same UMAP coordinates."""
    from bertopic import BERTopic
    from bertopic.dimensionality import BaseDimensionalityReduction

    class Precomputed(BaseDimensionalityReduction):  # the shared UMAP output, so only the clustering differs
        def fit(self, X, y=None):
            return self

        def transform(self, X):
            return coords

    model = BERTopic(embedding_model=None, umap_model=Precomputed(), calculate_probabilities=False, verbose=False)
    topics, _ = model.fit_transform(texts, embeddings)
    return np.array(topics)


def tuning_mixes(count: int = 4, size: int = 6) -> list[list[str]]:
    """Several mixes drawn (seeded) from conversations that are NOT in the reported mix."""
    rng = np.random.default_rng(0)
    return [sorted(rng.choice(TUNING_POOL, size=size, replace=False).tolist()) for _ in range(count)]


def tune(seeds: list[int]) -> tuple[dict, list[dict]]:
    datasets = []
    for index, mix in enumerate(tuning_mixes()):
        texts, truth = load_mix(mix)
        embeddings = embed(texts, f"tuning{index}")
        coords = {s: civicai_coords(embeddings, s) for s in seeds}
        datasets.append((mix, texts, truth, embeddings, coords))
        print(f"tuning mix {index}: {len(texts)} comments", flush=True)
    baseline = [scores(truth, bertopic_labels(texts, embeddings, umap_coords(embeddings, s, f"tuning{index}")))
                for index, (_, texts, truth, embeddings, _) in enumerate(datasets) for s in seeds]
    base_ari = float(np.mean([b["ari"] for b in baseline]))
    base_unassigned = float(np.mean([b["unassigned"] for b in baseline]))
    grid = []
    for fraction, min_samples, selection in itertools.product(FRACTIONS, MIN_SAMPLES, ["eom", "leaf"]):
        found = {}
        for d, (_, texts, _, _, coords) in enumerate(datasets):
            mcs = max(5, round(fraction * len(texts)))
            for s in seeds:
                cluster = ClusterParams(min_cluster_size=mcs, min_samples=min_samples or mcs, selection=selection)
                found[d, s] = cluster_points(coords[s], cluster).labels
        for merge, precision in itertools.product(MERGES, PRECISIONS):
            runs = []
            for d, (_, texts, truth, embeddings, coords) in enumerate(datasets):
                mcs = max(5, round(fraction * len(texts)))
                cluster = ClusterParams(min_cluster_size=mcs, min_samples=min_samples or mcs, selection=selection,
                                        merge_similarity=merge)
                for s in seeds:
                    runs.append(scores(truth, civicai_labels(embeddings, coords[s], texts, cluster,
                                                             AssignParams(target_precision=precision), found[d, s])))
            grid.append({"fraction": fraction, "min_samples": min_samples, "selection": selection,
                         "merge_similarity": merge, "target_precision": precision,
                         "ari": float(np.mean([r["ari"] for r in runs])), "ari_sd": float(np.std([r["ari"] for r in runs])),
                         "unassigned": float(np.mean([r["unassigned"] for r in runs]))})
        print(f"grid {fraction} {min_samples} {selection}: best so far "
              f"{max(g['ari'] for g in grid):.3f}", flush=True)
    eligible = [g for g in grid if g["unassigned"] < base_unassigned] or grid
    best = max(eligible, key=lambda g: (g["ari"], -g["unassigned"]))
    summary = {"mixes": [d[0] for d in datasets], "n": [len(d[1]) for d in datasets],
               "bertopic": {"ari": base_ari, "unassigned": base_unassigned}, "chosen": best}
    return summary, grid


def report(seeds: list[int], chosen: dict) -> dict:
    texts, truth = load_mix(REPORTED_MIX)
    embeddings = embed(texts, "reported")
    n = len(texts)
    mcs = max(5, round(chosen["fraction"] * n))
    cluster = ClusterParams(min_cluster_size=mcs, min_samples=chosen["min_samples"] or mcs,
                            selection=chosen["selection"], merge_similarity=chosen["merge_similarity"])
    rows = []
    outliers = AssignParams(target_precision=chosen["target_precision"])
    for seed in seeds:
        umap = umap_coords(embeddings, seed, "reported")
        start = time.perf_counter()
        ours = scores(truth, civicai_labels(embeddings, civicai_coords(embeddings, seed), texts, cluster, outliers))
        ours["seconds"] = round(time.perf_counter() - start, 2)
        start = time.perf_counter()
        theirs = scores(truth, bertopic_labels(texts, embeddings, umap))
        theirs["seconds"] = round(time.perf_counter() - start, 2)
        on_umap = scores(truth, civicai_labels(embeddings, umap, texts, cluster, outliers))
        rows.append({"seed": seed, "civicai": ours, "bertopic": theirs, "civicai_on_umap": on_umap})
    mean = {system: {k: round(float(np.mean([r[system][k] for r in rows])), 4)
                     for k in ("ari", "nmi", "unassigned", "ari_assigned_only", "themes")}
            for system in ("civicai", "bertopic", "civicai_on_umap")}
    return {"mix": REPORTED_MIX, "n": n, "conversations": len(REPORTED_MIX), "per_seed": rows, "mean": mean,
            "civicai_params": {"min_cluster_size": mcs, **chosen}}


def write_markdown(result: dict) -> str:
    rep, tun = result["reported"], result["tuning"]
    lines = ["# Topic recovery on mixed Polis conversations", "",
             f"Reported mix: {rep['conversations']} conversations, {rep['n']} accepted comments "
             f"({', '.join(rep['mix'])}). Parameters were tuned on a different mix "
             f"({len(tun['mixes'])} mixes of 6 drawn from {', '.join(TUNING_POOL)}; {tun['n']} comments). Same USE embeddings; "
             "each system its default reduction (civicai: UMAP on the exact kNN graph, 200 epochs; BERTopic: umap-learn's "
             "defaults, seeded); "
             "`civicai_on_umap` runs civicai's clustering on BERTopic's UMAP. Unassigned comments count as one "
             f"cluster (-1). Seeds: {result['seeds']}.", "",
             "| system | ARI | NMI | unassigned | ARI (assigned only) | themes |", "| --- | --- | --- | --- | --- | --- |"]
    for system in ("civicai", "bertopic", "civicai_on_umap"):
        m = rep["mean"][system]
        lines.append(f"| {system} | {m['ari']:.3f} | {m['nmi']:.3f} | {100 * m['unassigned']:.1f}% | "
                     f"{m['ari_assigned_only']:.3f} | {m['themes']:.1f} |")
    lines += ["", "Per seed:", "", "| seed | civicai ARI | BERTopic ARI | civicai unassigned | BERTopic unassigned |",
              "| --- | --- | --- | --- | --- |"]
    for row in rep["per_seed"]:
        lines.append(f"| {row['seed']} | {row['civicai']['ari']:.3f} | {row['bertopic']['ari']:.3f} | "
                     f"{100 * row['civicai']['unassigned']:.1f}% | {100 * row['bertopic']['unassigned']:.1f}% |")
    c = rep["civicai_params"]
    lines += ["", f"civicai parameters chosen on the tuning mix: min_cluster_size = {c['fraction']:.0%} of "
                  f"submissions ({c['min_cluster_size']} here), min_samples = {c['min_samples']}, selection = "
                  f"{c['selection']}, merge clusters at centroid cosine >= {c['merge_similarity']}, outlier target precision = "
                  f"{c['target_precision']} "
                  f"(tuning mixes, mean: civicai ARI {tun['chosen']['ari']:.3f} / unassigned {100 * tun['chosen']['unassigned']:.1f}% vs "
                  f"BERTopic {tun['bertopic']['ari']:.3f} / {100 * tun['bertopic']['unassigned']:.1f}%)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--report-seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    args = parser.parse_args()
    if not (shared_data_dir() / "polis").is_dir():
        sys.exit(f"Polis data not found under {shared_data_dir()}: set CIVICAI_SHARED_DATA")
    tuning, grid = tune(args.seeds)
    print("tuning:", json.dumps(tuning))
    reported = report(args.report_seeds, tuning["chosen"])
    result = {"seeds": args.report_seeds, "tuning_seeds": args.seeds, "tuning": tuning, "reported": reported, "grid": grid}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "topic_recovery.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    markdown = write_markdown(result)
    (RESULTS / "topic_recovery.md").write_text(markdown, encoding="utf-8")
    print(markdown)


if __name__ == "__main__":
    main()
