"""Position learning from staff reviews on held-out real comments (issue 15): learning curves of
civicai.cluster.learned.PositionLearner on the hand-checked Polis position set (evaluation/data/
stance_polis_labels.csv: 250 comments, 8 conversations, English and Austrian German; texts read from
../shared/data/polis and redacted, as in evaluation/stance_polis.py).

A simulated reviewer gives the gold position of comments of one conversation in a random order (10 orders);
after 10, 20 and 40 reviews the learner is fitted on the reviewed comments and scored on the rest of that
conversation (only where at least 5 comments are left). Against: the majority class of the reviews (what a
reviewer would guess from the reviews alone), and the shipped position model before any review.

Settings: the learner's C and features (embedding + the shipped model's log-probabilities, or those alone) are
chosen on gambling_XS q1 ONLY (its AGREE/DISAGREE/UNCLEAR positions), by the mean over 10/20/40 reviews of
(accuracy on the unreviewed - accuracy of the reviews' majority class). Polis was never used to choose.

    nice -n 15 .venv/bin/python evaluation/stance_learning.py     # -> results/stance_learning.{md,json}
"""
from __future__ import annotations

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

from civicai.cluster.learned import PositionLearner  # noqa: E402
from civicai.embed import get_embedder  # noqa: E402
from civicai.sentiment.position import load_position_model  # noqa: E402
from mapping_learning import gambling  # noqa: E402
from stance_fit import embed_cached  # noqa: E402
from stance_polis import load_items  # noqa: E402

RESULTS = ROOT / "evaluation" / "results"
STEPS = (10, 20, 40)
ORDERS = 10
MIN_LEFT = 5  # score a step only when at least this many comments are left unreviewed
GRID = [{"features": f, "C": C} for f in ("embedding+base", "base") for C in (0.1, 1.0, 10.0)]
SESSION7 = {"features": "embedding+base", "C": 1.0}


def curve(X: np.ndarray, proba: np.ndarray, classes: list[str], gold: list[str], setting: dict) -> dict[str, dict]:
    """Per step: mean accuracy of the learner on the unreviewed, of the reviews' majority class, of the shipped
    model (no reviews), and the share of orders where the learner's cross-validated show rule passed."""
    n = len(gold)
    base_pred = [classes[j] for j in proba.argmax(axis=1)]
    out: dict[str, dict] = {}
    for step in STEPS:
        if n - step < MIN_LEFT:
            continue
        rows: dict[str, list[float]] = {"learned": [], "majority": [], "shipped": [], "shown": []}
        for seed in range(ORDERS):
            order = np.random.default_rng(seed).permutation(n)
            done, rest = order[:step], order[step:]
            labels = {int(i): gold[i] for i in done}
            learner = PositionLearner(C=setting["C"], features=setting["features"]).fit(X, proba, labels)
            guess = learner.predict(X[rest], proba[rest])
            majority = Counter(labels.values()).most_common(1)[0][0]
            rows["learned"].append(float(np.mean([g == gold[i] for g, i in zip(guess, rest, strict=True)])))
            rows["majority"].append(float(np.mean([majority == gold[i] for i in rest])))
            rows["shipped"].append(float(np.mean([base_pred[i] == gold[i] for i in rest])))
            rows["shown"].append(float(bool(learner.heldout_.get("show"))))
        out[str(step)] = {k: round(float(np.mean(v)), 3) for k, v in rows.items()}
        out[str(step)]["learned_sd"] = round(float(np.std(rows["learned"])), 3)
        out[str(step)]["left"] = n - step
    return out


def gain(c: dict[str, dict]) -> float:
    return round(float(np.mean([v["learned"] - v["majority"] for v in c.values()])), 3) if c else float("nan")


def main() -> None:
    started = time.time()
    use = get_embedder("use")
    model = load_position_model(use.model_id)
    if model is None:
        sys.exit(f"no position model for {use.model_id}: run evaluation/stance_fit.py first")
    classes = list(model.classes_)
    payload: dict = {"embedder": use.model_id, "steps": list(STEPS), "orders": ORDERS, "min_left": MIN_LEFT,
                     "chosen_on": "gambling_q1", "tuning": [], "conversations": {}}
    q1 = gambling("question_part_1")
    if q1 is None:
        sys.exit("gambling_XS is absent (../shared/data/consultations/themefinder-gambling_XS): nothing to choose on")
    keep = [i for i, p in enumerate(q1["position"]) if p is not None]
    Xq = embed_cached(use, [q1["texts"][i] for i in keep])
    gq = [q1["position"][i] for i in keep]
    for setting in GRID:
        c = curve(Xq, model.predict_proba(Xq), classes, gq, setting)
        payload["tuning"].append({**setting, "q1": c, "gain": gain(c)})
        print("q1", setting, gain(c), flush=True)
    chosen = max(payload["tuning"], key=lambda r: r["gain"])
    payload["chosen"] = {"features": chosen["features"], "C": chosen["C"]}
    items = load_items()
    if items is None:
        sys.exit("../shared/data/polis is absent: no held-out Polis curves")
    X = embed_cached(use, [i["text"] for i in items])
    proba = model.predict_proba(X)
    settings = {"chosen": payload["chosen"]}
    if payload["chosen"] != SESSION7:
        settings["session 7"] = SESSION7
    for conversation in sorted({i["conversation"] for i in items}):
        rows = [j for j, i in enumerate(items) if i["conversation"] == conversation]
        gold = [items[j]["label"] for j in rows]
        entry = {"language": items[rows[0]]["language"], "n": len(rows), "gold": dict(Counter(gold))}
        for name, setting in settings.items():
            entry[name] = curve(X[rows], proba[rows], classes, gold, setting)
        payload["conversations"][conversation] = entry
        print(conversation, json.dumps(entry), flush=True)
    payload["seconds"] = round(time.time() - started, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "stance_learning.json").write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    (RESULTS / "stance_learning.md").write_text(render(payload), encoding="utf-8")
    print(render(payload))


def render(p: dict) -> str:
    c = p["chosen"]
    lines = ["# Position learning from reviews, held out on real comments (issue 15)", "",
             f"`nice -n 15 .venv/bin/python evaluation/stance_learning.py` ({p['seconds']} s), embedder "
             f"`{p['embedder']}`. Per Polis conversation of the hand-checked position set, a simulated reviewer gives "
             f"gold positions in random order ({p['orders']} orders); after each number of reviews "
             "`PositionLearner` is fitted on them and scored on the conversation's unreviewed comments (a step is "
             f"scored only where at least {p['min_left']} are left: the Austrian conversations have 20 comments, so "
             "they stop at 10). 'majority' = always answering the reviews' most common position; 'shipped' = the "
             "shipped position model before any review; 'shown' = share of orders where the learner's own "
             "cross-validated show rule passed (what staff would see labelled).", "",
             f"Setting chosen on gambling_XS q1 only (mean over 10/20/40 reviews of learned - majority accuracy): "
             f"features `{c['features']}`, C={c['C']}. Polis is held out. Target: above the majority class by 20 "
             "reviews.", "",
             "| conversation | lang | n | gold | reviews | learned ± sd | majority of reviews | shipped | shown |",
             "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, e in p["conversations"].items():
        gold = ", ".join(f"{k} {v}" for k, v in sorted(e["gold"].items()))
        for step, v in e["chosen"].items():
            lines.append(f"| {name} | {e['language']} | {e['n']} | {gold} | {step} | {v['learned']} ± "
                         f"{v['learned_sd']} | {v['majority']} | {v['shipped']} | {v['shown']} |")
    lines += ["", "Summary: mean over conversations, and in how many the learner beats the reviews' majority class "
              "(mean over orders); 'session 7' = the learner's previous setting (embedding+base, C=1), for "
              "comparison.", "", "| setting | reviews | conversations | learned | majority | shipped | "
              "learned > majority |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    names = [n for n in ("chosen", "session 7") if any(n in e for e in p["conversations"].values())]
    for name, step in ((n, str(s)) for n in names for s in p["steps"]):
        got = [e[name][step] for e in p["conversations"].values() if step in e.get(name, {})]
        if got:
            lines.append(f"| {name} | {step} | {len(got)} | {round(float(np.mean([g['learned'] for g in got])), 3)} | "
                         f"{round(float(np.mean([g['majority'] for g in got])), 3)} | "
                         f"{round(float(np.mean([g['shipped'] for g in got])), 3)} | "
                         f"{sum(g['learned'] > g['majority'] for g in got)} of {len(got)} |")
    lines += ["", "Settings tried on gambling_XS q1 (learned - majority, mean over 10/20/40 reviews):", "",
              "| features | C | @10 learned / majority | @20 | @40 | gain |", "| --- | ---: | --- | --- | --- | ---: |"]
    for t in p["tuning"]:
        cells = [f"{t['q1'][s]['learned']} / {t['q1'][s]['majority']}" if s in t["q1"] else "" for s in ("10", "20",
                                                                                                         "40")]
        lines.append(f"| {t['features']} | {t['C']} | " + " | ".join(cells) + f" | {t['gain']} |")
    lines += ["", "Reading (session 8): the target (above the reviews' majority class by 20 reviews) does **not** hold "
              "on this held-out set. At 20 reviews only the three larger English conversations can be scored, and "
              "the learner beats the majority of the reviews in one of them (mean 0.575 vs 0.558); at 40 reviews it "
              "is ahead in both conversations that have 40 + 5 comments (0.677 vs 0.615), at 10 it is level. The "
              "show rule never passed (shown 0.0 everywhere): with 10-40 reviews its Wilson lower bound cannot "
              "clear the majority + 0.10, so staff would see 'unclear', not a wrong label. The shipped position model "
              "alone is far below the majority class on these comments (0.36-0.46), which is why it stays hidden "
              "zero-shot (evaluation/results/stance_polis.md). The Austrian conversations hold 20 comments each, "
              "too few for a 20-review step; the curves are noisy (sd 0.05-0.19 over orders). C=10 is the grid's "
              "edge: checked afterwards on q1 only, C=30 and C=100 gain 0.075 and 0.078 (vs 0.070), a flat rise "
              "within the orders' spread; not adopted, not run on Polis.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    if "--render" in sys.argv:
        data = json.loads((RESULTS / "stance_learning.json").read_text(encoding="utf-8"))
        (RESULTS / "stance_learning.md").write_text(render(data), encoding="utf-8")
    else:
        main()
