"""Which per-consultation learner should re-map a question after staff reviews? (issue 15, learning curves)

Candidates, all fed the same simulated reviews as evaluation/mapping_learning.py (gold themes of random
submissions, 10 orders, 10/20/40/80 reviews; scored by micro F1 on the submissions not yet reviewed):

- `centroid`: today's civicai.cluster.learned.ReviewedMapper (theme vectors moved towards reviewed members).
- `ridge`: multi-output ridge regression of the reviewed 0/1 theme matrix on [USE embedding | multilingual-e5
  embedding | TF-IDF of the consultation's own words and character n-grams] (each block L2-normalised), plus
  the zero-shot score as a prior: score = ridge output + `prior` x zero-shot z-score / 10. A submission gets
  every theme whose score clears a threshold fitted by cross-validation on the reviewed items themselves (micro
  F1 of out-of-fold predictions, 5 folds), at least its best theme, at most the reviews' 90th-percentile theme
  count. (A per-theme logistic regression on USE + e5 was run once on q1, 0.44 / 0.50 / 0.54 / 0.64: it took 9
  minutes of the shared machine per setting, too slow to choose its settings; the ridge solves all themes in one
  small linear system.)
- `knn`: similarity-weighted votes of the reviewed neighbours plus the zero-shot prior, same threshold rule
  (run once on q1 at one setting, not in the grid: kNN propagation was already tried and not kept,
  evaluation/results/mapping_knn.md).

Choosing: every setting (learner, features, C, prior weight) is chosen on gambling_XS q1 ONLY, by the mean F1
over 10/20/40/80 reviews; gambling_XS q2 and the shipped sample are reported for the chosen setting and for
`centroid`, never used to choose.

    nice -n 15 .venv/bin/python evaluation/mapping_learners.py            # -> results/mapping_learners.json
    .venv/bin/python evaluation/mapping_learners.py --render              # -> results/mapping_learners.md
    nice -n 15 .venv/bin/python evaluation/mapping_learners.py --product  # the product's learner (below)
Embeddings are cached (stance_fit.embed_cached).

The product's learner (`--product`, session 8). At re-map time a run has only the analysis embedder's vectors
(USE, re-encoded from the stored redacted texts by civicai.triage.reviews.remap_run) and those texts: no second
embedder. Among the settings that meet that constraint (features: USE, plus TF-IDF words and/or character
n-grams of the texts), run through the product class itself (civicai.cluster.learned.ReviewedMapper with
LearnerParams), the best mean F1 over 10/20/40/80 reviews on gambling_XS q1 is chosen (the first listed wins a
tie); `switch` (below it the nearest-centroid update) is part of the grid, read off the same runs. q2 and the
sample are then reported for the chosen setting and for the centroid learner. `--confirm` (run after the first
pick proved worse on q2, and said so in the results): the first pass's top 8 and the centroid learner on 30 fresh
q1 orders; its pick is what civicai.cluster.learned.LearnerParams ships.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "evaluation"))

from civicai.cluster.learned import CENTROID, LearnerParams, Review, ReviewedMapper  # noqa: E402
from civicai.cluster.mapping import MappingParams, embed_themes, mapping_scores  # noqa: E402
from civicai.embed import get_embedder  # noqa: E402
from mapping_learning import ORDERS, gambling, micro_f1, sample  # noqa: E402
from stance_fit import embed_cached  # noqa: E402

RESULTS = ROOT / "evaluation" / "results"
STEPS = (10, 20, 40, 80)
THRESHOLDS = np.round(np.arange(0.05, 0.8, 0.025), 3)


def features(data: dict, use, e5) -> dict:  # type: ignore[no-untyped-def]
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = data["texts"]
    X_use = embed_cached(use, texts)
    X_e5 = embed_cached(e5, texts) if e5 is not None else None  # None: a setting without e5 (it is slow here)
    # TF-IDF fitted on the consultation's own texts (no labels): words and character n-grams
    words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True).fit_transform(texts).toarray()
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True,
                            max_features=5000).fit_transform(texts).toarray()
    vectors = embed_themes(data["themes"], use)
    zero, _, _ = mapping_scores(X_use, vectors, texts, MappingParams(), themes=data["themes"])
    zero = np.nan_to_num(zero, nan=-5.0, posinf=5.0, neginf=-5.0)
    return {"use": X_use, "e5": X_e5, "words": words, "chars": chars, "zero": zero, "vectors": vectors}


def stack(f: dict, names: tuple[str, ...]) -> np.ndarray:
    blocks = []
    for name in names:
        block = np.asarray(f[name], dtype=np.float64)
        block = block / np.maximum(np.linalg.norm(block, axis=1, keepdims=True), 1e-12)
        blocks.append(block)
    return np.hstack(blocks)


def ridge_scores(F: np.ndarray, zero: np.ndarray, train: np.ndarray, Y: np.ndarray, C: float, prior: float,
                 apply: np.ndarray) -> np.ndarray:
    """(len(apply), k) scores: multi-output ridge regression of the 0/1 theme matrix on the features (solved in
    the dual, n_reviews x n_reviews: one solve for all themes), plus prior x zero-shot z-score / 10."""
    K = F[train] @ F[train].T
    mean = Y[train].mean(axis=0)
    alpha = np.linalg.solve(K + C * np.eye(len(train)), Y[train] - mean)
    return (F[apply] @ F[train].T) @ alpha + mean + prior * zero[apply] / 10


def knn_scores(F: np.ndarray, zero: np.ndarray, train: np.ndarray, Y: np.ndarray, C: float, prior: float,
               apply: np.ndarray) -> np.ndarray:
    sims = F[apply] @ F[train].T
    weights = np.exp(C * sims)
    votes = weights @ Y[train] / np.maximum(weights.sum(axis=1, keepdims=True), 1e-12)
    logit = np.log(np.clip(votes, 1e-3, 1 - 1e-3) / (1 - np.clip(votes, 1e-3, 1 - 1e-3)))
    return 1 / (1 + np.exp(-(logit + prior * zero[apply])))


def decide(proba: np.ndarray, threshold: float, most: int) -> list[list[int]]:
    out = []
    for row in proba:
        order = np.argsort(-row)
        chosen = [int(t) for t in order[:most] if row[t] >= threshold] or [int(order[0])]
        out.append(chosen)
    return out


def fit_threshold(score_fn, F, zero, reviewed: np.ndarray, Y: np.ndarray, gold: list[set[int]], most: int,
                  seed: int) -> float:
    """Threshold maximising micro F1 of out-of-fold predictions on the reviewed items (5 folds)."""
    rng = np.random.default_rng(seed)
    folds = np.array_split(rng.permutation(reviewed), min(5, len(reviewed)))
    proba = {}
    for fold in folds:
        train = np.setdiff1d(reviewed, fold)
        for i, row in zip(fold, score_fn(F, zero, train, Y, apply=fold), strict=True):
            proba[int(i)] = row
    rows = sorted(proba)
    P = np.array([proba[i] for i in rows])
    best, best_f1 = 0.5, -1.0
    for th in THRESHOLDS:
        pred = decide(P, float(th), most)
        f1 = micro_f1(pred, [gold[i] for i in rows], np.arange(len(rows)))
        if f1 > best_f1 + 1e-9:
            best, best_f1 = float(th), f1
    return best


def run(learner: str, f: dict, data: dict, feats: tuple[str, ...], C: float, prior: float) -> dict[int, float]:
    gold, texts = data["gold"], data["texts"]
    n, k = len(gold), len(data["themes"])
    Y = np.zeros((n, k), dtype=np.int64)
    for i, g in enumerate(gold):
        Y[i, list(g)] = 1
    F = stack(f, feats) if learner != "centroid" else None
    zero = (f["zero"] - f["zero"].mean(axis=0)) / np.maximum(f["zero"].std(axis=0), 1e-9)
    scores: dict[int, list[float]] = {s: [] for s in STEPS}
    for seed in range(ORDERS):
        order = np.random.default_rng(seed).permutation(n)
        for step in STEPS:
            done, rest = np.sort(order[:step]), np.sort(order[step:])
            if learner == "centroid":
                reviews = {int(i): Review(frozenset(gold[i])) for i in done}
                pred = ReviewedMapper(f["vectors"], data["themes"], MappingParams(), learner=CENTROID).fit(f["use"], reviews).predict(
                    f["use"], texts).themes
                scores[step].append(micro_f1(pred, gold, rest))
                continue
            fn = (ridge_scores if learner == "ridge" else knn_scores)
            score_fn = (lambda F_, z_, tr, Y_, apply, fn=fn: fn(F_, z_, tr, Y_, C, prior, apply))
            counts = [len(gold[i]) for i in done if gold[i]]
            most = max(1, int(round(float(np.quantile(counts, 0.9))))) if counts else 2
            th = fit_threshold(score_fn, F, zero, done, Y, gold, most, seed)
            pred_rest = decide(score_fn(F, zero, done, Y, apply=rest), th, most)
            predicted = [[] for _ in range(n)]
            for i, p in zip(rest, pred_rest, strict=True):
                predicted[int(i)] = p
            scores[step].append(micro_f1(predicted, gold, rest))
    return {s: round(float(np.mean(v)), 3) for s, v in scores.items()}


FEATURE_SETS = (("use",), ("use", "e5"), ("use", "e5", "words", "chars"))
# kept small: the shared 2-core machine gives this job a few percent of a core
GRID = [("ridge", fs, C, prior) for fs in FEATURE_SETS for C in (0.3, 1.0) for prior in (0.5, 1.0, 2.0, 4.0)]


def main() -> None:
    started = time.time()
    use, e5 = get_embedder("use"), get_embedder("e5")
    q1 = gambling("question_part_1")
    if q1 is None:
        sys.exit("gambling_XS is absent (../shared/data/consultations/themefinder-gambling_XS): nothing to choose on")
    payload: dict = {"chosen_on": "gambling_q1", "orders": ORDERS, "steps": list(STEPS), "tuning": [], "sets": {}}

    def save() -> None:
        payload["seconds"] = round(time.time() - started, 1)
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "mapping_learners.json").write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")

    # 1. choose on q1 only (the slow shared machine: q1 first, results saved as they come)
    f1 = features(q1, use, e5)
    payload["centroid_q1"] = run("centroid", f1, q1, (), 0, 0)
    print("centroid q1", payload["centroid_q1"], flush=True)
    for learner, fs, C, prior in GRID:
        curve = run(learner, f1, q1, fs, C, prior)
        payload["tuning"].append({"learner": learner, "features": list(fs), "C": C, "prior": prior, "q1": curve,
                                  "mean": round(float(np.mean(list(curve.values()))), 3)})
        print(payload["tuning"][-1], flush=True)
        save()
    report(payload, use, e5, save)


def report(payload: dict, use, e5, save) -> None:  # type: ignore[no-untyped-def]
    """The chosen setting (best q1 mean; the first listed wins a tie) and today's learner on q2 and the sample."""
    chosen = max(payload["tuning"], key=lambda r: r["mean"])
    payload["chosen"] = chosen
    e5 = e5 if "e5" in chosen["features"] else None
    # 2. report the chosen setting and today's learner on the sets never used to choose
    for name, loader in (("gambling_q2", lambda: gambling("question_part_2")), ("sample", sample)):
        data = loader()
        if data is None:
            continue
        f = features(data, use, e5)
        payload["sets"][name] = {"centroid": run("centroid", f, data, (), 0, 0),
                                 "chosen": run(chosen["learner"], f, data, tuple(chosen["features"]), chosen["C"],
                                               chosen["prior"])}
        print(name, payload["sets"][name], flush=True)
        save()
    save()
    print(json.dumps({"chosen": chosen, "sets": payload["sets"]}, indent=1))


PRODUCT_FEATURES = (("embedding",), ("embedding", "words"), ("embedding", "chars"), ("embedding", "words", "chars"))
PRODUCT_GRID = [(fs, C, prior) for fs in PRODUCT_FEATURES for C in (0.1, 0.3, 1.0) for prior in (1.0, 2.0, 3.0, 4.0)]
SWITCHES = (10, 20, 40)


def run_product(data: dict, X: np.ndarray, vectors: np.ndarray, learner: LearnerParams,
                seeds: range = range(ORDERS)) -> dict[int, float]:
    """Mean F1 on the unreviewed submissions per step, the product class end to end (ridge from 10 reviews)."""
    gold, texts, n = data["gold"], data["texts"], len(data["gold"])
    scores: dict[int, list[float]] = {s: [] for s in STEPS}
    for seed in seeds:
        order = np.random.default_rng(seed).permutation(n)
        for step in STEPS:
            reviews = {int(i): Review(frozenset(gold[i])) for i in order[:step]}
            pred = ReviewedMapper(vectors, data["themes"], MappingParams(), learner=learner).fit(X, reviews).predict(
                X, texts).themes
            scores[step].append(micro_f1(pred, gold, np.sort(order[step:])))
    return {s: round(float(np.mean(v)), 3) for s, v in scores.items()}


def with_switch(ridge: dict, centroid: dict, switch: int) -> dict[int, float]:
    """The curve of 'centroid under `switch` reviews, ridge from there' (both curves use the same orders)."""
    return {int(s): (centroid[s] if int(s) < switch else ridge[s]) for s in ridge}


def product_main() -> None:
    started = time.time()
    payload = json.loads((RESULTS / "mapping_learners.json").read_text(encoding="utf-8"))
    use = get_embedder("use")
    q1 = gambling("question_part_1")
    if q1 is None:
        sys.exit("gambling_XS is absent (../shared/data/consultations/themefinder-gambling_XS): nothing to choose on")
    X, vectors = embed_cached(use, q1["texts"]), embed_themes(q1["themes"], use)
    centroid = {int(k): v for k, v in payload["centroid_q1"].items()}
    product: dict = {"constraint": "at re-map time only the analysis embedder (USE) and the redacted texts",
                     "chosen_on": "gambling_q1", "rule": "best mean F1 over 10/20/40/80 reviews on q1", "tuning": []}
    for fs, C, prior in PRODUCT_GRID:
        ridge = run_product(q1, X, vectors, LearnerParams(features=fs, C=C, prior=prior, switch=10))
        for switch in SWITCHES:
            curve = with_switch(ridge, centroid, switch)
            product["tuning"].append({"features": list(fs), "C": C, "prior": prior, "switch": switch, "q1": curve,
                                      "mean": round(float(np.mean(list(curve.values()))), 3)})
        print(product["tuning"][-3], flush=True)
    chosen = max(product["tuning"], key=lambda r: r["mean"])
    product["chosen"] = chosen
    learner = LearnerParams(features=tuple(chosen["features"]), C=chosen["C"], prior=chosen["prior"],
                            switch=chosen["switch"])
    product["sets"] = {}
    for name, loader in (("gambling_q2", lambda: gambling("question_part_2")), ("sample", sample)):
        data = loader()
        if data is None:
            continue
        Xs, vs = embed_cached(use, data["texts"]), embed_themes(data["themes"], use)
        product["sets"][name] = {"chosen": run_product(data, Xs, vs, learner)}
        print(name, product["sets"][name], flush=True)
    product["seconds"] = round(time.time() - started, 1)
    payload["product"] = product
    (RESULTS / "mapping_learners.json").write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    (RESULTS / "mapping_learners.md").write_text(render(payload), encoding="utf-8")


CONFIRM_TOP = 8
CONFIRM_SEEDS = range(100, 130)  # 30 orders not used by the first pass


def confirm_main() -> None:
    """Second pass, still on q1 only: the first pass's top settings differ by less than the spread of 10 orders,
    so the best CONFIRM_TOP of them (and the centroid learner alone) are re-run on 30 fresh orders; the best mean
    there is what ships, whatever the held-out sets then say."""
    started = time.time()
    payload = json.loads((RESULTS / "mapping_learners.json").read_text(encoding="utf-8"))
    product = payload["product"]
    use = get_embedder("use")
    q1 = gambling("question_part_1")
    if q1 is None:
        sys.exit("gambling_XS is absent: nothing to choose on")
    X, vectors = embed_cached(use, q1["texts"]), embed_themes(q1["themes"], use)
    best: dict[tuple, float] = {}
    for t in product["tuning"]:
        key = (tuple(t["features"]), t["C"], t["prior"])
        best[key] = max(best.get(key, -1.0), t["mean"])
    top = sorted(best, key=lambda k: -best[k])[:CONFIRM_TOP]
    centroid = run_product(q1, X, vectors, LearnerParams(switch=10**9), CONFIRM_SEEDS)
    rows = [{"features": [], "C": None, "prior": None, "switch": None, "q1": centroid,
             "mean": round(float(np.mean(list(centroid.values()))), 3)}]
    for fs, C, prior in top:
        ridge = run_product(q1, X, vectors, LearnerParams(features=fs, C=C, prior=prior, switch=10), CONFIRM_SEEDS)
        for switch in SWITCHES:
            curve = with_switch(ridge, centroid, switch)
            rows.append({"features": list(fs), "C": C, "prior": prior, "switch": switch, "q1": curve,
                         "mean": round(float(np.mean(list(curve.values()))), 3)})
        print(rows[-1], flush=True)
    chosen = max(rows, key=lambda r: r["mean"])
    confirm: dict = {"rule": f"top {CONFIRM_TOP} of the first pass and the centroid learner, {len(CONFIRM_SEEDS)} "
                     "fresh orders on q1, best mean F1 over 10/20/40/80", "tuning": rows, "chosen": chosen, "sets": {}}
    learner = LearnerParams(switch=10**9) if chosen["switch"] is None else LearnerParams(
        features=tuple(chosen["features"]), C=chosen["C"], prior=chosen["prior"], switch=chosen["switch"])
    for name, loader in (("gambling_q2", lambda: gambling("question_part_2")), ("sample", sample)):
        data = loader()
        if data is not None:
            Xs, vs = embed_cached(use, data["texts"]), embed_themes(data["themes"], use)
            confirm["sets"][name] = {"chosen": run_product(data, Xs, vs, learner)}
            print(name, confirm["sets"][name], flush=True)
    confirm["seconds"] = round(time.time() - started, 1)
    product["confirm"] = confirm
    (RESULTS / "mapping_learners.json").write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")


def render_product(pr: dict, centroid_q1: dict, sets: dict, steps: list[str]) -> list[str]:
    """The product's learner (session 8): the constraint, the rule, the first pass, the confirmation pass."""
    def cells(curve: dict) -> str:
        return " | ".join(str(curve.get(s, curve.get(int(s), ""))) for s in steps)

    def name(r: dict) -> str:
        if r["switch"] is None:
            return "centroid alone"
        return f"{'+'.join(r['features'])}, C={r['C']}, prior={r['prior']}, switch={r['switch']}"

    first = pr["chosen"]
    lines = ["", "## The product's learner (session 8)", "",
             f"Constraint: {pr['constraint']} ('embedding' = USE, the analysis embedder, "
             "re-encoded from the stored redacted texts by `remap_run`; 'words'/'chars' = "
             "TF-IDF of those texts). Every row below runs `ReviewedMapper` with `LearnerParams` "
             "itself; below `switch` reviews it is the centroid learner. Rule: "
             f"{pr['rule']}.", "",
             f"First pass (10 orders, {len(pr['tuning'])} settings): `{name(first)}`, q1 mean "
             f"{first['mean']}.", ""]
    confirm = pr.get("confirm")
    if confirm:
        c = confirm["chosen"]
        lines += ["The first pass's top settings lie within 0.005 of each other, less than the spread of 10 orders, "
                  "and its pick turned out worse than the centroid learner on held-out q2 (below). So a second pass, "
                  f"still on q1 only: {confirm['rule']}; its pick ships whatever the held-out sets say. Honesty: this "
                  "second pass was decided after seeing the first pick's q2 numbers.", "",
                  f"Second pass pick (shipped): `{name(c)}`, q1 mean {c['mean']}.", ""]
    lines += ["| set | learner | " + " | ".join(f"F1 @{s}" for s in steps) + " |",
              "| --- | --- | " + " | ".join("---:" for _ in steps) + " |",
              f"| gambling_q1 (chosen here, first-pass orders) | centroid (session 7) | {cells(centroid_q1)} |",
              f"| gambling_q1 (chosen here, first-pass orders) | first pass: {name(first)} | {cells(first['q1'])} |"]
    if confirm:
        base = next(r for r in confirm["tuning"] if r["switch"] is None)
        lines += [f"| gambling_q1 (30 fresh orders) | centroid (session 7) | {cells(base['q1'])} |",
                  f"| gambling_q1 (30 fresh orders) | second pass: {name(confirm['chosen'])} | "
                  f"{cells(confirm['chosen']['q1'])} |"]
    for set_name, r in pr.get("sets", {}).items():
        lines += [f"| {set_name} (held out) | centroid (session 7) | {cells(sets[set_name]['centroid'])} |",
                  f"| {set_name} (held out) | first pass: {name(first)} | {cells(r['chosen'])} |"]
        if confirm and set_name in confirm["sets"]:
            lines.append(f"| {set_name} (held out) | second pass (shipped): {name(confirm['chosen'])} | "
                         f"{cells(confirm['sets'][set_name]['chosen'])} |")
    if confirm:
        lines += ["", "Second pass, all rows (q1, 30 fresh orders):", "",
                  "| setting | " + " | ".join(f"@{s}" for s in steps) + " | mean |",
                  "| --- | " + " | ".join("---:" for _ in steps) + " | ---: |"]
        lines += [f"| {name(r)} | {cells(r['q1'])} | {r['mean']} |" for r in confirm["tuning"]]
    lines += ["", "Reading (session 8): the shipped learner equals the centroid learner up to 39 reviews and from 40 "
              "reviews on is the ridge on USE + character n-grams. Held out it is better at 80 reviews (q2 0.624 vs "
              "0.600, sample 0.919 vs 0.900) and worse at 40 (q2 0.585 vs 0.599, sample 0.845 vs 0.861): a mixed "
              "result, not a clear gain; at 80 it stays below session 7's e5 ridge on q2 (0.659). The targets "
              "(0.80 by 40, 0.90 by 80) still do **not** hold on gambling_XS; on the sample 0.90 by 80 holds, "
              "0.80 by 40 holds for every learner. 10 orders per held-out set, spread 0.02-0.05: the gaps at 40 are "
              "within it. The first pass's pick (USE alone, C=0.1) was worse on q2 at 40 and 80 (0.549 / 0.584).",
              "", "First pass, all rows (q1, 10 orders):", "",
              "| setting | " + " | ".join(f"@{s}" for s in steps) + " | mean |",
              "| --- | " + " | ".join("---:" for _ in steps) + " | ---: |"]
    lines += [f"| {name(r)} | {cells(r['q1'])} | {r['mean']} |" for r in pr["tuning"]]
    return lines


def render(p: dict) -> str:
    """evaluation/results/mapping_learners.md from the JSON."""
    steps = [str(s) for s in p["steps"]]
    c = p["chosen"]
    lines = ["# Which learner re-maps after staff reviews (issue 15)", "",
             "`nice -n 15 .venv/bin/python evaluation/mapping_learners.py` (then `--render`). Simulated reviewer, "
             f"{p['orders']} random orders, micro F1 on the submissions not yet reviewed (as in mapping_learning.md). "
             "Every setting was chosen on **gambling_XS q1 only** (mean F1 over 10/20/40/80 reviews); q2 and the "
             "sample were never used to choose.", "",
             "Session 8: what ships is in 'The product's learner' below (only what a run has at re-map time); this "
             "first part is session 7's comparison, e5 included, which the product cannot use.", "",
             f"Session 7, chosen on q1: `{c['learner']}` on {'+'.join(c['features'])}, C={c['C']}, prior={c['prior']} "
             f"(q1 mean {c['mean']} vs today's centroid learner "
             f"{round(float(np.mean(list(p['centroid_q1'].values()))), 3)}).", "",
             "| set | learner | " + " | ".join(f"F1 @{s}" for s in steps) + " |",
             "| --- | --- | " + " | ".join("---:" for _ in steps) + " |"]
    rows = [("gambling_q1 (chosen here)", "centroid (today)", p["centroid_q1"]),
            ("gambling_q1 (chosen here)", "chosen", c["q1"])]
    for name, r in p["sets"].items():
        rows += [(f"{name} (held out)", "centroid (today)", r["centroid"]), (f"{name} (held out)", "chosen", r["chosen"])]
    for name, learner, curve in rows:
        lines.append(f"| {name} | {learner} | " + " | ".join(str(curve.get(s, curve.get(int(s), ""))) for s in steps)
                     + " |")
    lines += ["", "All settings tried on q1 (mean over the four steps):", "",
              "| learner | features | C | prior | " + " | ".join(f"@{s}" for s in steps) + " | mean |",
              "| --- | --- | ---: | ---: | " + " | ".join("---:" for _ in steps) + " | ---: |"]
    for t in p["tuning"]:
        lines.append(f"| {t['learner']} | {'+'.join(t['features'])} | {t['C']} | {t['prior']} | "
                     + " | ".join(str(t["q1"].get(s, t["q1"].get(int(s), ""))) for s in steps) + f" | {t['mean']} |")
    lines += ["", "Reading (session 7): on the two held-out sets the chosen ridge learner is ahead at 40 and 80 reviews "
              "(q2 0.602 / 0.659 vs 0.599 / 0.600; sample 0.887 / 0.924 vs 0.861 / 0.900) and slightly behind at 10 "
              "(q2 -0.009, sample -0.013), so it wins on the mean it was chosen by on both. The targets still do not "
              "hold on gambling_XS (0.80 by 40, 0.90 by 80: 0.60 / 0.66 on q2); on the sample both learners meet "
              "them. 10 orders only, no interval: the gaps at 10-40 reviews are within the orders' spread "
              "(sd 0.02-0.05 in mapping_learning.md). Not adopted in civicai.cluster.learned this session: it needs "
              "multilingual-e5 embeddings of every submission at re-map time (a second embedder, ~76 texts/s here) "
              "and the session ran out of time to wire and test that; a switch from the centroid learner below ~20 "
              "reviews to the ridge above is the obvious next step.", ""]
    if "product" in p:
        lines += render_product(p["product"], p["centroid_q1"], p["sets"], steps) + [""]
    return "\n".join(lines)


if __name__ == "__main__":
    if "--report-only" in sys.argv:  # tuning already in the JSON (a run stopped after choosing)
        started = time.time()
        payload = json.loads((RESULTS / "mapping_learners.json").read_text(encoding="utf-8"))

        def save_only() -> None:
            payload["seconds_report"] = round(time.time() - started, 1)
            (RESULTS / "mapping_learners.json").write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")

        report(payload, get_embedder("use"), get_embedder("e5"), save_only)
        (RESULTS / "mapping_learners.md").write_text(render(payload), encoding="utf-8")
    elif "--product" in sys.argv:
        product_main()
    elif "--confirm" in sys.argv:
        confirm_main()
    elif "--render" in sys.argv:
        payload = json.loads((RESULTS / "mapping_learners.json").read_text(encoding="utf-8"))
        (RESULTS / "mapping_learners.md").write_text(render(payload), encoding="utf-8")
    else:
        main()
