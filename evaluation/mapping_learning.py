"""Learning curves of the reviewed mapping (civicai.cluster.learned): a simulated reviewer gives the gold themes
(and position) of submissions in a random order; after 0, 10, 20, 40 and 80 reviews per question the rest is
re-mapped and scored against gold.

Sets: gambling_XS q1 and q2 (ThemeFinder gold themes, multi-label; positions AGREE/DISAGREE/UNCLEAR) and the
shipped sample (10 planted topics described in a few words, as in evaluation/theme_mapping.py; one gold topic
and one gold position per submission; 'none' excluded). Scores are on the submissions NOT yet reviewed (what
the model had to guess), averaged over 10 random orders; 'all' counts the reviewed ones too (what staff see).
Also one run in the order the workspace proposes (ReviewedMapper.suggest, 10 per batch).

The one setting of the learner, ANCHOR_WEIGHT (how much a theme's own words weigh against its reviewed
members), was chosen on gambling_XS q1 alone, among 1.0 / 0.5 / 0.2, and compared there with a one-vs-rest
logistic regression; q2 and the sample are held out for it. The position learner's C=1 was fixed beforehand.

    nice .venv/bin/python evaluation/mapping_learning.py
Writes evaluation/results/mapping_learning.md and .json.
"""
from __future__ import annotations

import csv
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "evaluation"))

from civicai.cluster.learned import ANCHOR_WEIGHT, PositionLearner, Review, ReviewedMapper  # noqa: E402
from civicai.cluster.mapping import MappingParams, embed_themes, map_to_themes  # noqa: E402
from civicai.embed import get_embedder  # noqa: E402
from civicai.paths import sample_dir, shared_data_dir  # noqa: E402
from civicai.pipeline.themes_input import _theme  # noqa: E402
from civicai.sentiment.position import load_position_model, positions  # noqa: E402
from stance_fit import GAMBLING_MAP, SAMPLE_MAP, embed_cached  # noqa: E402
from theme_mapping import SAMPLE_THEMES  # noqa: E402

RESULTS = ROOT / "evaluation" / "results"
STEPS = (0, 10, 20, 40, 80)
ORDERS = 10
THEMEFINDER_F1 = 0.76


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def gambling(part: str) -> dict | None:
    root = shared_data_dir() / "consultations" / "themefinder-gambling_XS"
    if not root.is_dir():
        return None
    gold_dir = root / "outputs" / "mapping" / "2025-07-22" / part
    raw_themes = json.loads((gold_dir / "themes.json").read_text(encoding="utf-8"))
    themes = [_theme(t, i, gold_dir) for i, t in enumerate(raw_themes)]
    index = {t["topic_id"]: i for i, t in enumerate(raw_themes)}
    mapping = {r["response_id"]: {index[x] for x in r["labels"]} for r in _jsonl(gold_dir / "mapping.jsonl")}
    position = {r["response_id"]: GAMBLING_MAP[r["position"]] for r in _jsonl(gold_dir / "sentiment.jsonl")}
    responses = [r for r in _jsonl(root / "inputs" / part / "responses.jsonl") if r["response_id"] in mapping]
    question = json.loads((root / "inputs" / part / "question.json").read_text())["question_text"]
    return {"texts": [r["response"] for r in responses], "themes": themes,
            "gold": [mapping[r["response_id"]] for r in responses],
            "position": [position.get(r["response_id"]) for r in responses], "question": question}


def sample() -> dict:
    folder = sample_dir()
    gold = {r["id"]: r for r in csv.DictReader((folder / "gold.csv").open(encoding="utf-8"))}
    rows = [r for r in csv.DictReader((folder / "consultation.csv").open(encoding="utf-8"))
            if gold.get(r["id"], {}).get("theme") not in (None, "", "none")]
    themes = SAMPLE_THEMES
    index = {t.id: i for i, t in enumerate(themes)}
    return {"texts": [r["text"] for r in rows], "themes": themes,
            "gold": [{index[gold[r["id"]]["theme"]]} for r in rows],
            "position": [SAMPLE_MAP.get(gold[r["id"]]["stance"]) for r in rows], "question": None}


def micro_f1(predicted: list[list[int]], gold: list[set[int]], rows: np.ndarray) -> float:
    tp = sum(len(set(predicted[i]) & gold[i]) for i in rows)
    n_pred = sum(len(predicted[i]) for i in rows)
    n_gold = sum(len(gold[i]) for i in rows)
    if not n_pred or not n_gold:
        return 0.0
    p, r = tp / n_pred, tp / n_gold
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def run_set(name: str, data: dict, embedder) -> dict:  # type: ignore[no-untyped-def]
    texts, gold = data["texts"], data["gold"]
    X = embed_cached(embedder, texts)
    vectors = embed_themes(data["themes"], embedder)
    params = MappingParams()
    zero_shot = map_to_themes(X, vectors, texts, params, themes=data["themes"]).themes
    base_model = load_position_model(embedder.model_id)
    assert base_model is not None, "run evaluation/stance_fit.py first"
    base_proba = base_model.predict_proba(X)
    shipped_position = positions(X, data["question"], embedder)
    has_position = [i for i, p in enumerate(data["position"]) if p is not None]
    n = len(texts)
    curves: dict[int, dict[str, list]] = {s: {"f1_unreviewed": [], "f1_all": [], "stance_acc": [],
                                              "stance_majority": [], "stance_shown": []} for s in STEPS}
    for order_seed in range(ORDERS):
        order = np.random.default_rng(order_seed).permutation(n)
        for step in STEPS:
            if step >= n:
                continue
            done = order[:step]
            reviews = {int(i): Review(frozenset(gold[i]), data["position"][i]) for i in done}
            mapper = ReviewedMapper(vectors, data["themes"], params).fit(X, reviews)
            predicted = mapper.predict(X, texts).themes
            if step == 0:
                assert predicted == [[int(t) for t in z] for z in zero_shot], "0 reviews must be today's mapping"
            rest = np.array([i for i in range(n) if i not in reviews])
            curves[step]["f1_unreviewed"].append(micro_f1(predicted, gold, rest))
            curves[step]["f1_all"].append(micro_f1(predicted, gold, np.arange(n)))
            rest_pos = [i for i in rest if i in set(has_position)]
            truth = [data["position"][i] for i in rest_pos]
            labels = {int(i): data["position"][i] for i in done if data["position"][i] is not None}
            if labels:
                learner = PositionLearner().fit(X, base_proba, labels)
                guess = learner.predict(X[rest_pos], base_proba[rest_pos]) if learner.heldout_.get("show") else \
                    ["unclear"] * len(rest_pos)
                raw_guess = learner.predict(X[rest_pos], base_proba[rest_pos])
                majority = Counter(labels.values()).most_common(1)[0][0]
                curves[step]["stance_shown"].append(bool(learner.heldout_.get("show")))
            else:
                guess = raw_guess = [shipped_position.labels[i] for i in rest_pos]
                majority = Counter(data["position"][i] for i in has_position).most_common(1)[0][0]
                curves[step]["stance_shown"].append(shipped_position.shown)
            curves[step]["stance_acc"].append(float(np.mean([g == t for g, t in zip(raw_guess, truth)])))
            curves[step].setdefault("stance_acc_as_shown", []).append(float(np.mean([g == t for g, t in
                                                                                    zip(guess, truth)])))
            curves[step]["stance_majority"].append(float(np.mean([majority == t for t in truth])))
    summary = {}
    for step, values in curves.items():
        if values["f1_unreviewed"]:
            summary[str(step)] = {key: round(float(np.mean(v)), 3) for key, v in values.items() if v}
            summary[str(step)]["f1_unreviewed_sd"] = round(float(np.std(values["f1_unreviewed"])), 3)
    # the workspace's own proposal order, 10 per batch
    active, reviews = {}, {}
    mapper = ReviewedMapper(vectors, data["themes"], params).fit(X, {})
    for step in range(0, max(STEPS) + 1, 10):
        if step in STEPS and step < n:
            predicted = mapper.predict(X, texts).themes
            rest = np.array([i for i in range(n) if i not in reviews])
            active[str(step)] = round(micro_f1(predicted, gold, rest), 3)
        for i in mapper.suggest(X, texts, count=10):
            reviews[i] = Review(frozenset(gold[i]), data["position"][i])
        mapper = ReviewedMapper(vectors, data["themes"], params).fit(X, reviews)
    print(name, json.dumps(summary), json.dumps(active), flush=True)
    return {"n": n, "themes": len(data["themes"]), "random_orders": summary, "suggested_order_f1_unreviewed": active,
            "zero_shot_position": shipped_position.describe()}


def main() -> None:
    started = time.time()
    embedder = get_embedder("use")
    sets = {}
    for part, name in (("question_part_1", "gambling_q1"), ("question_part_2", "gambling_q2")):
        data = gambling(part)
        if data is not None:
            sets[name] = run_set(name, data, embedder)
    sets["sample"] = run_set("sample", sample(), embedder)
    payload = {"embedder": embedder.model_id, "steps": STEPS, "orders": ORDERS, "learner": {"anchor_weight": ANCHOR_WEIGHT,
               "chosen_on": "gambling_q1", "position_C": 1.0}, "themefinder_f1": THEMEFINDER_F1, "sets": sets,
               "seconds": round(time.time() - started, 1)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "mapping_learning.json").write_text(json.dumps(payload, indent=2) + "\n")
    (RESULTS / "mapping_learning.md").write_text(render(payload))
    print(render(payload))


def render(p: dict) -> str:
    lines = ["# Theme mapping that learns from reviews: learning curves", "",
             f"Embedder `{p['embedder']}`; `nice .venv/bin/python evaluation/mapping_learning.py` ({p['seconds']} s). "
             f"A simulated reviewer gives the gold themes and position of submissions in random order "
             f"({p['orders']} orders); after each number of reviews the rest is re-mapped by "
             "`civicai.cluster.learned.ReviewedMapper` (theme vectors moved from their words towards their reviewed "
             "members, then today's calibrated zero-shot rule; anchor weight chosen on gambling_q1 only, so q1 is "
             "the tuning set and q2 and the sample are held out). 0 reviews = today's zero-shot mapping. F1 is micro F1 on the submissions "
             f"not yet reviewed (mean ± sd over orders); 'all' counts reviewed ones as staff see them. "
             f"Anchor: ThemeFinder's LLM mapping, F1 {p['themefinder_f1']} (different data). Targets: F1 >= 0.80 "
             "after 40 reviews, >= 0.90 after 80; position above the majority class by 20.", "",
             "| set | reviews | F1 unreviewed | F1 all | F1, suggested order | position acc. (learned) | "
             "majority of reviews | position shown |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, s in p["sets"].items():
        for step, v in s["random_orders"].items():
            lines.append(f"| {name} (n={s['n']}, {s['themes']} themes) | {step} | {v['f1_unreviewed']} ± "
                         f"{v['f1_unreviewed_sd']} | {v['f1_all']} | {s['suggested_order_f1_unreviewed'].get(step, '')} "
                         f"| {v.get('stance_acc', '')} | {v.get('stance_majority', '')} | "
                         f"{v.get('stance_shown', '')} |")
    lines += ["", "Position: at 0 reviews, the shipped position model behind its held-out gate "
              "(evaluation/results/stance.md); from the first review on, `PositionLearner` fitted on the reviewed "
              "positions; 'position acc. (learned)' is its raw accuracy on the unreviewed submissions, 'majority of "
              "reviews' the accuracy of always answering the reviews' most common position, 'position shown' the "
              "share of orders where its cross-validated accuracy on the reviews cleared the show rule.", "",
              "Caveat: `PositionLearner` uses the shipped position model's probabilities as features, and that model "
              "was fitted on the sample's gold positions, so the sample's position numbers here are optimistic (not "
              "held out); gambling_XS is clean. The theme F1 numbers do not use the position model.", "",
              "Honesty about design: learning how many themes a submission carries from the reviews (the 90th "
              "percentile of the reviews' theme counts becomes the maximum; ReviewedMapper.fit) was added after a "
              "first run of this script showed the sample (one gold theme per submission) losing precision to the "
              "margin rule's second theme; no value was tuned on the sample, but it is not blind for that design "
              "step. The first run's one-vs-rest logistic regression (embedding + zero-shot score as a feature) "
              "scored q1 0.38 / 0.42 / 0.46 / 0.56, q2 0.52 / 0.52 / 0.54 / 0.58 and the sample 0.79 / 0.82 / 0.83 / "
              "0.85 after 10 / 20 / 40 / 80 reviews; it fell below the zero-shot start on gambling, so the "
              "nearest-centroid update was kept.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
