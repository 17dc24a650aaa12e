"""Fit and measure the position model (supports / opposes / unclear towards the proposal), and write the
versioned artefact that civicai.sentiment.position loads.

Data (nothing from a test part is ever used to fit or to choose a setting):
  seed      src/civicai/sentiment/seed_sentences.jsonl: 1,560 hand-written comments (en/fr/de/nl), always in the
            fit part (positive -> supports, negative -> opposes, neutral -> unclear).
  sample    the shipped Rivermouth consultation's gold (src/civicai/data/sample/gold.csv): support / oppose /
            neutral / mixed per submission (mixed and neutral -> unclear), 10 planted topics plus 'none'.
  gambling  ThemeFinder gambling_XS (../shared/data, read only): q1 positions AGREE / DISAGREE / UNCLEAR
            towards a yes/no question; q2 (an open question) all AGREE.

Splits, by whole topic or question:
  sample, topic-held-out: 11 folds, one per gold topic. Each fold fits on seed + the other topics and predicts
            the held-out topic; the regularisation C and the confidence threshold are chosen inside the fold by
            an inner grouped cross-validation over the fit part's topics (nested), never on the held-out topic.
  gambling: the shipped model (seed + all of the sample) predicts both questions, which it never saw.
  gambling q1 towards the question (civicai.sentiment.question): its band was chosen on q1's odd ids, so
            only the even ids count as held out.
  polis     the hand-checked Polis set (evaluation/data/stance_polis_labels.csv: 150 English, 100 Austrian
            German comments; read from ../shared/data): the shipped model predicts it, never fitted on it.

The artefact (src/civicai/sentiment/models/position-<embedder>-v<N>.npz + .json) holds the weights fitted on
seed + the whole sample with settings chosen by topic-grouped cross-validation, what it was fitted on, and the held-out
numbers the product uses to decide whether it may show a label at all (`ShowRule` in position.py).

    nice .venv/bin/python evaluation/stance_fit.py [--embedder use] [--update-heldout]
Writes evaluation/results/stance.md and stance.json.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
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

from civicai.embed import get_embedder  # noqa: E402
from civicai.paths import sample_dir, shared_data_dir  # noqa: E402
from civicai.sentiment.classifier import load_seed_sentences  # noqa: E402
from civicai.sentiment.position import (  # noqa: E402
    ARTEFACT_VERSION,
    OPPOSES,
    POSITIONS,
    SUPPORTS,
    UNCLEAR,
    PositionModel,
    artefact_path,
    heldout_summary,
)
from civicai.sentiment.question import BAND, question_statements, stance_towards_question  # noqa: E402

CACHE = ROOT / "evaluation" / ".work" / "embeddings"
RESULTS = ROOT / "evaluation" / "results"
SEED_MAP = {"positive": SUPPORTS, "negative": OPPOSES, "neutral": UNCLEAR}
SAMPLE_MAP = {"support": SUPPORTS, "oppose": OPPOSES, "neutral": UNCLEAR, "mixed": UNCLEAR}
GAMBLING_MAP = {"AGREE": SUPPORTS, "DISAGREE": OPPOSES, "UNCLEAR": UNCLEAR}
C_GRID = (1.0, 4.0)
INNER_FOLDS = 4  # groups of held-out topics inside the fit part (bounded fitting time)
THRESHOLD_GRID = (0.0, 0.45, 0.55, 0.65)  # 0.0: always the most probable class


def embed_cached(embedder, texts: list[str]) -> np.ndarray:  # type: ignore[no-untyped-def]
    key = hashlib.sha256((embedder.model_id + "\x00" + "\x00".join(texts)).encode()).hexdigest()[:20]
    path = CACHE / f"{embedder.name}-{key}.npy"
    if path.is_file():
        return np.load(path)
    vectors = embedder.encode(texts)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def load_sample() -> dict:
    folder = sample_dir()
    with (folder / "consultation.csv").open(encoding="utf-8", newline="") as handle:
        rows = {r["id"]: r for r in csv.DictReader(handle)}
    out: dict[str, list] = {"texts": [], "gold": [], "raw": [], "topic": [], "lang": [], "ids": []}
    with (folder / "gold.csv").open(encoding="utf-8", newline="") as handle:
        for g in csv.DictReader(handle):
            row = rows.get(g["id"])
            if row is None or not row["text"].strip() or g["stance"] not in SAMPLE_MAP:
                continue
            out["texts"].append(row["text"])
            out["gold"].append(SAMPLE_MAP[g["stance"]])
            out["raw"].append(g["stance"])
            out["topic"].append(g["theme"])
            out["lang"].append(row.get("language") or "?")
            out["ids"].append(g["id"])
    return out


def load_gambling(part: str) -> dict | None:
    root = shared_data_dir() / "consultations" / "themefinder-gambling_XS"
    if not root.is_dir():
        return None
    responses = [json.loads(x) for x in (root / "inputs" / part / "responses.jsonl").read_text().splitlines() if x.strip()]
    gold_path = root / "outputs" / "mapping" / "2025-07-22" / part / "sentiment.jsonl"
    positions = {str(r["response_id"]): r["position"] for r in map(json.loads, gold_path.read_text().splitlines()) if r}
    texts, gold, ids = [], [], []
    for r in responses:
        rid = str(r["response_id"])
        if rid in positions:
            texts.append(r["response"])
            gold.append(GAMBLING_MAP[positions[rid]])
            ids.append(int(rid))
    question = json.loads((root / "inputs" / part / "question.json").read_text())["question_text"]
    return {"texts": texts, "gold": gold, "ids": ids, "question": question}


def load_polis() -> dict[str, tuple[list[str], list[str]]] | None:
    """The hand-checked Polis position set (evaluation/stance_polis.py) per language: (redacted texts, labels)."""
    sys.path.insert(0, str(ROOT / "evaluation"))
    from stance_polis import load_items

    items = load_items()
    if items is None:
        return None
    out: dict[str, tuple[list[str], list[str]]] = {}
    for item in items:
        if item.get("label"):
            texts, gold = out.setdefault(item["language"], ([], []))
            texts.append(item["text"])
            gold.append(item["label"])
    return out


def metrics(gold: list[str], predicted: list[str]) -> dict:
    from sklearn.metrics import accuracy_score, f1_score

    counts = Counter(gold)
    majority, majority_n = counts.most_common(1)[0]
    labels = sorted(set(gold))
    shown = [(g, p) for g, p in zip(gold, predicted) if p != UNCLEAR]
    misleading = sum(1 for g, p in shown if {g, p} == {SUPPORTS, OPPOSES})
    opposes_as_supports = sum(1 for g, p in zip(gold, predicted) if g == OPPOSES and p == SUPPORTS)
    return {"n": len(gold), "accuracy": round(float(accuracy_score(gold, predicted)), 3),
            "macro_f1": round(float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)), 3),
            "majority_class": majority, "majority_accuracy": round(majority_n / len(gold), 3),
            "shown_share": round(len(shown) / len(gold), 3),
            "precision_when_shown": round(sum(g == p for g, p in shown) / len(shown), 3) if shown else None,
            "misleading": misleading, "opposes_labelled_supports": opposes_as_supports,
            "gold_opposes": counts.get(OPPOSES, 0), "gold_counts": dict(counts),
            "predicted_counts": dict(Counter(predicted))}


def choose_settings(X: np.ndarray, y: np.ndarray, groups: np.ndarray) -> dict:
    """C and threshold by grouped cross-validation inside the fit part: its sample topics in INNER_FOLDS groups,
    each held out in turn (seed rows carry group '' and always stay on the fit side)."""
    topics = [g for g in sorted(set(groups)) if g]
    folds = [topics[i::INNER_FOLDS] for i in range(INNER_FOLDS)]
    best: tuple[float, float, float] | None = None
    table = {}
    for C in C_GRID:
        pooled_gold: list[str] = []
        pooled_proba = []
        for fold in folds:
            test = np.isin(groups, fold)
            model = PositionModel(C=C).fit(X[~test], y[~test])
            pooled_proba.append(model.predict_proba(X[test]))
            pooled_gold.extend(y[test])
        proba = np.vstack(pooled_proba)
        for threshold in THRESHOLD_GRID:
            predicted = PositionModel.decide(proba, threshold)
            m = metrics(pooled_gold, predicted)
            table[f"C={C},t={threshold}"] = m["macro_f1"]
            if best is None or m["macro_f1"] > best[0]:
                best = (m["macro_f1"], C, threshold)
    assert best is not None
    return {"C": best[1], "threshold": best[2], "inner_macro_f1": best[0], "grid": table}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedder", default="use")
    parser.add_argument("--update-heldout", action="store_true",
                        help="keep the shipped weights and stance.json's numbers; measure the shipped model on the "
                             "Polis set and re-pool the held-out numbers the product's show rule reads")
    args = parser.parse_args()
    started = time.time()
    embedder = get_embedder(args.embedder)
    if args.update_heldout:
        update_heldout(embedder, started)
        return
    seed = load_seed_sentences()
    sample = load_sample()
    seed_X = embed_cached(embedder, [r["text"] for r in seed])
    seed_y = np.array([SEED_MAP[r["label"]] for r in seed])
    sample_X = embed_cached(embedder, sample["texts"])
    sample_y = np.array(sample["gold"])
    topics = np.array(sample["topic"])

    # --- sample, one held-out topic per fold, settings chosen inside the fold -------------------------------
    predicted = np.empty(len(sample_y), dtype=object)
    chosen_per_fold = {}
    for topic in sorted(set(topics)):
        test = topics == topic
        X_fit = np.vstack([seed_X, sample_X[~test]])
        y_fit = np.concatenate([seed_y, sample_y[~test]])
        groups = np.concatenate([np.array([""] * len(seed_y)), topics[~test]])
        settings = choose_settings(X_fit, y_fit, groups)
        model = PositionModel(C=settings["C"], threshold=settings["threshold"]).fit(X_fit, y_fit)
        predicted[test] = model.predict(sample_X[test])
        chosen_per_fold[topic] = {"C": settings["C"], "threshold": settings["threshold"]}
        print(f"held-out topic {topic}: {settings['C']}, {settings['threshold']}", flush=True)
    sample_pred = [str(p) for p in predicted]
    results: dict = {"sample_topic_heldout": metrics(list(sample_y), sample_pred)}
    for lang in sorted(set(sample["lang"])):
        idx = [i for i, x in enumerate(sample["lang"]) if x == lang]
        results[f"sample_topic_heldout_{lang}"] = metrics([sample_y[i] for i in idx], [sample_pred[i] for i in idx])
    raw = sample["raw"]
    results["sample_mixed_predicted_as"] = dict(Counter(p for p, r in zip(sample_pred, raw) if r == "mixed"))

    # --- today's tone classifier on the same texts, for the before/after table ------------------------------
    from civicai.sentiment import StanceClassifier

    tone = StanceClassifier(seed=0).fit(seed_X, [r["label"] for r in seed])
    tone_map = {"positive": SUPPORTS, "negative": OPPOSES, "neutral": UNCLEAR}
    results["sample_tone_classifier_before"] = metrics(list(sample_y), [tone_map[x] for x in tone.predict(sample_X)])

    # --- the shipped model: seed + the whole sample, settings by leave-one-topic-out ------------------------
    X_all = np.vstack([seed_X, sample_X])
    y_all = np.concatenate([seed_y, sample_y])
    groups_all = np.concatenate([np.array([""] * len(seed_y)), topics])
    final_settings = choose_settings(X_all, y_all, groups_all)
    final = PositionModel(C=final_settings["C"], threshold=final_settings["threshold"]).fit(X_all, y_all)

    # --- gambling_XS: a consultation neither model nor settings saw ----------------------------------------
    for part, name in (("question_part_1", "gambling_q1"), ("question_part_2", "gambling_q2")):
        data = load_gambling(part)
        if data is None:
            results[name] = "skipped: ../shared/data absent"
            continue
        X = embed_cached(embedder, data["texts"])
        results[f"{name}_position_model"] = metrics(data["gold"], final.predict(X))
        statements = question_statements(data["question"])
        if statements is not None:
            towards = stance_towards_question(X, statements, embedder, band=BAND)
            as_position = [tone_map[x] for x in towards]
            even = [i for i, rid in enumerate(data["ids"]) if rid % 2 == 0]
            results[f"{name}_towards_question_even_ids"] = metrics([data["gold"][i] for i in even],
                                                                   [as_position[i] for i in even])

    # --- the hand-checked Polis comments (English, Austrian German): held out, never fitted or tuned on ------
    polis = load_polis()
    for lang, (texts, gold) in (polis or {}).items():
        results[f"polis_{lang}_position_model"] = metrics(gold, final.predict(embed_cached(embedder, texts)))

    heldout = pooled_heldout(results, sorted(polis or {}))
    final.metadata = {
        "version": ARTEFACT_VERSION, "embedder": embedder.model_id, "dim": int(seed_X.shape[1]),
        "fitted_on": {"seed_sentences": len(seed_y), "sample_submissions": len(sample_y),
                      "seed_sha256_16": hashlib.sha256((ROOT / "src/civicai/sentiment/seed_sentences.jsonl")
                                                       .read_bytes()).hexdigest()[:16],
                      "sample_gold_sha256_16": hashlib.sha256((sample_dir() / "gold.csv").read_bytes())
                      .hexdigest()[:16]},
        "settings": {"C": final_settings["C"], "threshold": final_settings["threshold"],
                     "chosen_by": f"{INNER_FOLDS}-fold topic-grouped cross-validation macro-F1 on the fit part"},
        "heldout": heldout, "script": "evaluation/stance_fit.py",
    }
    path = artefact_path(embedder.model_id)
    final.save(path)

    import sklearn
    payload = {"embedder": embedder.model_id, "positions": list(POSITIONS), "settings_per_fold": chosen_per_fold,
               "final_settings": {k: v for k, v in final_settings.items() if k != "grid"},
               "final_grid": final_settings["grid"], "heldout": heldout, "results": results,
               "artefact": str(path.relative_to(ROOT)), "sklearn": sklearn.__version__,
               "seconds": round(time.time() - started, 1)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "stance.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    (RESULTS / "stance.md").write_text(render(payload))
    print(render(payload))


def pooled_heldout(results: dict, polis_languages: list[str]) -> dict:
    """What the product may show: pooled held-out numbers per method (civicai.sentiment.position reads them)."""
    statement_sets = [results["sample_topic_heldout"]]
    names = ["sample (leave-one-topic-out)"]
    if isinstance(results.get("gambling_q2_position_model"), dict):
        statement_sets.append(results["gambling_q2_position_model"])
        names.append("gambling_XS q2")
    for lang in polis_languages:
        statement_sets.append(results[f"polis_{lang}_position_model"])
        names.append(f"Polis hand-checked {lang}")
    heldout = {"statement": heldout_summary(statement_sets, " + ".join(names))}
    if isinstance(results.get("gambling_q1_towards_question_even_ids"), dict):
        heldout["question"] = heldout_summary([results["gambling_q1_towards_question_even_ids"]],
                                              "gambling_XS q1, even ids")
    return heldout


def update_heldout(embedder, started: float) -> None:  # type: ignore[no-untyped-def]
    """Add the Polis set to the shipped artefact's held-out numbers without refitting: the weights and the other
    sets' numbers (stance.json, from the last full run) stay; the full run takes ~7 CPU minutes."""
    path = artefact_path(embedder.model_id)
    model = PositionModel.load(path)
    payload = json.loads((RESULTS / "stance.json").read_text(encoding="utf-8"))
    results = payload["results"]
    polis = load_polis()
    if polis is None:
        sys.exit("../shared/data/polis is absent: nothing to add")
    for lang, (texts, gold) in polis.items():
        results[f"polis_{lang}_position_model"] = metrics(gold, model.predict(embed_cached(embedder, texts)))
    heldout = pooled_heldout(results, sorted(polis))
    model.metadata["heldout"] = heldout
    model.metadata["heldout_updated_by"] = "evaluation/stance_fit.py --update-heldout (weights unchanged)"
    model.save(path)
    payload.update(heldout=heldout, results=results,
                   seconds_update_heldout=round(time.time() - started, 1))
    (RESULTS / "stance.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    (RESULTS / "stance.md").write_text(render(payload))
    print(render(payload))


def render(p: dict) -> str:
    r = p["results"]
    lines = ["# Position towards the proposal (supports / opposes / unclear)", "",
             f"Embedder `{p['embedder']}`. Produced by `nice .venv/bin/python evaluation/stance_fit.py` "
             f"({p['seconds']} s). Every number below is on data the model and its settings did not see: "
             "the sample by leaving one whole topic out at a time (settings chosen by an inner topic-grouped "
             "cross-validation on the fit part), gambling_XS as a whole consultation never used for fitting.", "",
             "| held-out set | n | accuracy | macro-F1 | majority class (acc.) | shown | precision when shown "
             "| opposes labelled supports |", "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |"]
    for name, m in r.items():
        if not isinstance(m, dict) or "accuracy" not in m:
            continue
        lines.append(f"| {name} | {m['n']} | {m['accuracy']} | {m['macro_f1']} | {m['majority_class']} "
                     f"({m['majority_accuracy']}) | {m['shown_share']} | {m['precision_when_shown']} | "
                     f"{m['opposes_labelled_supports']} of {m['gold_opposes']} |")
    lines += ["", "`sample_tone_classifier_before` is today's tone classifier (seed set only, whole text) on the "
              "same texts, read as supports/opposes/unclear. It was trained on the seed set only, so the sample is "
              "held out for it too.", "",
              "## What the product shows", ""]
    for method, h in p["heldout"].items():
        lines.append(f"- `{method}`: held-out accuracy {h['accuracy']} (95% lower bound {h['accuracy_low']}) vs "
                     f"majority {h['majority_accuracy']} on {h['n']} ({h['on']}): "
                     f"{'labels shown' if h['show'] else 'every label shown as unclear, with this reason'}.")
    lines += ["", "Rule (civicai.sentiment.position.heldout_summary): a method's labels are shown only when the 95% "
              "lower bound of its pooled held-out accuracy is at least the majority-class accuracy plus the "
              "margin in the artefact; otherwise every submission reads 'unclear' and the run manifest says why.",
              "", f"Shipped settings: {json.dumps(p['final_settings'])}; per held-out topic: "
              f"{json.dumps(p['settings_per_fold'])}.", "",
              f"Gold 'mixed' sample submissions were predicted as {json.dumps(r.get('sample_mixed_predicted_as'))} "
              "(gold counts them as unclear).", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
