"""Tried for the learning mapping (issue 15): kNN label propagation from the reviewed submissions, alone or
added to the current learner's themes (cluster.learned.ReviewedMapper), on gambling_XS q1 only (the tuning
question of evaluation/mapping_learning.py). Same simulated reviewer and random orders (10) as that script;
micro F1 on the not-yet-reviewed submissions.

    nice .venv/bin/python evaluation/mapping_knn.py
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "evaluation"))

from civicai.cluster.learned import CENTROID, Review, ReviewedMapper  # noqa: E402
from civicai.cluster.mapping import embed_themes  # noqa: E402
from civicai.embed import get_embedder  # noqa: E402
from mapping_learning import gambling, micro_f1  # noqa: E402
from stance_fit import embed_cached  # noqa: E402

RESULTS = ROOT / "evaluation" / "results"
STEPS = (20, 40, 80)
ORDERS = 10


def knn_themes(Xn: np.ndarray, reviews: dict[int, Review], k: int, neighbours: int, tau: float) -> list[list[int]]:
    """Each unreviewed submission takes the themes holding >= tau of its nearest reviewed neighbours' weight."""
    rows = np.array(sorted(reviews))
    sims = Xn @ Xn[rows].T
    out = []
    for i in range(len(Xn)):
        if i in reviews:
            out.append(sorted(reviews[i].themes))
            continue
        top = np.argsort(-sims[i])[:neighbours]
        weights = np.clip(sims[i, top], 0, None) + 1e-6
        vote = np.zeros(k)
        for j, w in zip(top, weights, strict=True):
            for t in reviews[int(rows[j])].themes:
                vote[t] += w
        vote /= weights.sum()
        out.append([int(t) for t in np.argsort(-vote) if vote[t] >= tau] or [int(np.argmax(vote))])
    return out


def main() -> None:
    data = gambling("question_part_1")
    if data is None:
        sys.exit("gambling_XS not found under the shared data folder: nothing to measure")
    embedder = get_embedder("use")
    texts, gold = data["texts"], data["gold"]
    X = embed_cached(embedder, texts)
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    vectors = embed_themes(data["themes"], embedder)
    k = len(data["themes"])
    scores: dict[str, dict[int, list[float]]] = {}
    for steps in STEPS:
        for order in range(ORDERS):
            perm = np.random.default_rng(order).permutation(len(texts))
            reviews = {int(i): Review(frozenset(gold[i])) for i in perm[:steps]}
            open_rows = np.array([i for i in range(len(texts)) if i not in reviews])
            base = ReviewedMapper(vectors, data["themes"], learner=CENTROID).fit(X, reviews).predict(X, texts).themes  # session 7
            scores.setdefault("current learner", {}).setdefault(steps, []).append(micro_f1(base, gold, open_rows))
            for neighbours in (3, 5, 10):
                for tau in (0.3, 0.5):
                    knn = knn_themes(Xn, reviews, k, neighbours, tau)
                    union = [sorted(set(a) | set(b)) for a, b in zip(base, knn, strict=True)]
                    for name, predicted in ((f"kNN {neighbours}, vote >= {tau}", knn),
                                            (f"current + kNN {neighbours}, vote >= {tau}", union)):
                        scores.setdefault(name, {}).setdefault(steps, []).append(micro_f1(predicted, gold, open_rows))
    table = {name: {s: round(float(np.mean(v)), 3) for s, v in by.items()} for name, by in scores.items()}
    (RESULTS / "mapping_knn.json").write_text(json.dumps(table, indent=1), encoding="utf-8")
    lines = ["# Learning mapping: kNN label propagation (tried, not kept)", "",
             "`nice .venv/bin/python evaluation/mapping_knn.py`; gambling_XS q1 only (the tuning question), USE, "
             f"{ORDERS} random review orders, micro F1 on the not-yet-reviewed submissions.", "",
             "| method | " + " | ".join(f"{s} reviews" for s in STEPS) + " |", "| --- |" + " ---: |" * len(STEPS)]
    for name, by in sorted(table.items(), key=lambda x: -x[1][STEPS[-1]]):
        lines.append(f"| {name} | " + " | ".join(f"{by[s]:.3f}" for s in STEPS) + " |")
    lines += ["", "Every kNN variant is below the current learner at every step on q1, so none was carried to q2 "
              "or the sample."]
    (RESULTS / "mapping_knn.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
