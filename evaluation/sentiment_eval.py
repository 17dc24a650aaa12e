"""Stance classifier evaluation: trained only on the hand-written seed set, tested on data it never saw.

Test sets
  sample      the shipped Rivermouth consultation (src/civicai/data/sample): gold stance per submission,
              support/oppose/neutral (+ 'mixed', reported separately since the classifier has no such class),
              in English, French, German and Dutch.
  gambling_q1 ThemeFinder gambling_XS question 1 ("Should gambling adverts be banned ...?"): gold
              AGREE/DISAGREE/UNCLEAR read as positive/negative/neutral towards the proposal.
  gambling_q2 question 2 asks for alternatives; every gold position is AGREE, so only the share predicted
              as not opposing is meaningful there (the majority baseline is trivially 100%).
Also leave-one-language-out on the seed set itself (train on three languages, test on the fourth) to show
how far the cross-lingual embedding carries a classifier to a language it was not trained on.

Writes evaluation/results/sentiment_eval.json and .md. Run: .venv/bin/python evaluation/sentiment_eval.py
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from civicai.embed import get_embedder  # noqa: E402
from civicai.paths import sample_dir, shared_data_dir  # noqa: E402
from civicai.sentiment import LABELS, StanceClassifier, load_seed_sentences  # noqa: E402
from civicai.sentiment.question import BAND as QUESTION_BAND  # noqa: E402
from civicai.sentiment.question import question_statements, stance_towards_question  # noqa: E402

CACHE = ROOT / "evaluation" / ".work" / "embeddings"
RESULTS = ROOT / "evaluation" / "results"
SAMPLE_MAP = {"support": "positive", "oppose": "negative", "neutral": "neutral"}
THEMEFINDER_MAP = {"AGREE": "positive", "DISAGREE": "negative", "UNCLEAR": "neutral"}


def embed_cached(embedder, texts: list[str]) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Embeddings keyed by model and the exact texts, so re-runs skip the slow part."""
    key = hashlib.sha256((embedder.model_id + "\x00" + "\x00".join(texts)).encode()).hexdigest()[:20]
    path = CACHE / f"{embedder.name}-{key}.npy"
    if path.is_file():
        return np.load(path)
    vectors = embedder.encode(texts, progress=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


class CachedEmbedder:
    """The real embedder behind a disk cache, so StanceClassifier.predict_texts runs unchanged."""

    def __init__(self, embedder) -> None:  # type: ignore[no-untyped-def]
        self.inner, self.name, self.model_id, self.dim = embedder, embedder.name, embedder.model_id, embedder.dim

    def encode(self, texts, **_: object) -> np.ndarray:  # type: ignore[no-untyped-def]
        return embed_cached(self.inner, list(texts))


def scores(gold: list[str], predicted: list[str]) -> dict:
    labels = [label for label in LABELS if label in set(gold) | set(predicted)]
    majority = Counter(gold).most_common(1)[0][0]
    baseline = [majority] * len(gold)
    return {
        "n": len(gold),
        "accuracy": round(accuracy_score(gold, predicted), 3),
        "macro_f1": round(f1_score(gold, predicted, labels=sorted(set(gold)), average="macro", zero_division=0), 3),
        "majority_class": majority,
        "majority_accuracy": round(accuracy_score(gold, baseline), 3),
        "majority_macro_f1": round(f1_score(gold, baseline, labels=sorted(set(gold)), average="macro",
                                            zero_division=0), 3),
        "gold_counts": dict(Counter(gold)),
        "confusion": {"labels": labels, "matrix": confusion_matrix(gold, predicted, labels=labels).tolist()},
    }


def sample_set() -> tuple[list[str], list[str], list[str], list[str]] | None:
    folder = sample_dir()
    if not (folder / "gold.csv").is_file():
        return None
    with (folder / "consultation.csv").open(encoding="utf-8", newline="") as handle:
        rows = {r["id"]: r for r in csv.DictReader(handle)}
    texts, gold, languages, ids = [], [], [], []
    with (folder / "gold.csv").open(encoding="utf-8", newline="") as handle:
        for g in csv.DictReader(handle):
            row = rows.get(g["id"])
            if row is None or not row["text"].strip() or not g["stance"]:
                continue
            texts.append(row["text"])
            gold.append(SAMPLE_MAP.get(g["stance"], g["stance"]))  # 'mixed' stays 'mixed'
            languages.append(row.get("language", "?"))
            ids.append(g["id"])
    return texts, gold, languages, ids


def themefinder_set(part: str) -> tuple[list[str], list[str]] | None:
    data = themefinder_with_ids(part)
    return None if data is None else data[:2]


def themefinder_question(part: str) -> str:
    root = shared_data_dir() / "consultations" / "themefinder-gambling_XS"
    return json.loads((root / "inputs" / part / "question.json").read_text(encoding="utf-8"))["question_text"]


def question_stance_sets(embedder) -> dict:  # type: ignore[no-untyped-def]
    """Stance towards the question (civicai.sentiment.question) on gambling q1: the neutral band is chosen on
    the odd-numbered responses (dev), the even-numbered ones are the untouched test half."""
    out: dict = {}
    for part, name in (("question_part_1", "gambling_q1"), ("question_part_2", "gambling_q2")):
        data = themefinder_with_ids(part)
        if data is None:
            continue
        texts, gold, ids = data
        statements = question_statements(themefinder_question(part))
        if statements is None:
            out[name] = {"skipped": "not a recognised yes/no question: the tone classifier is used instead"}
            continue
        vectors = embed_cached(embedder, texts)
        dev = [i for i, ident in enumerate(ids) if int(ident) % 2 == 1]
        test = [i for i, ident in enumerate(ids) if int(ident) % 2 == 0]
        by_band = {}
        for band in (0.0, 0.005, 0.01, 0.015, 0.02):
            predicted = stance_towards_question(vectors, statements, embedder, band=band)
            by_band[band] = scores([gold[i] for i in dev], [predicted[i] for i in dev])
        chosen = max(by_band, key=lambda b: (by_band[b]["macro_f1"], by_band[b]["accuracy"]))
        predicted = stance_towards_question(vectors, statements, embedder, band=chosen)
        out[name] = {"statements": statements.__dict__, "band_chosen_on_dev": chosen, "shipped_band": QUESTION_BAND,
                     "dev_by_band": {str(b): {k: v[k] for k in ("accuracy", "macro_f1")} for b, v in by_band.items()},
                     "all": scores(gold, predicted),
                     "dev": scores([gold[i] for i in dev], [predicted[i] for i in dev]),
                     "test": scores([gold[i] for i in test], [predicted[i] for i in test])}
    return out


def themefinder_with_ids(part: str) -> tuple[list[str], list[str], list[str]] | None:
    root = shared_data_dir() / "consultations" / "themefinder-gambling_XS"
    responses = root / "inputs" / part / "responses.jsonl"
    positions = root / "outputs" / "mapping" / "2025-07-22" / part / "sentiment.jsonl"
    if not responses.is_file() or not positions.is_file():
        return None
    text_of = {}
    for line in responses.read_text(encoding="utf-8").splitlines():
        obj = json.loads(line)
        text_of[obj["response_id"]] = obj["response"]
    texts, gold, ids = [], [], []
    for line in positions.read_text(encoding="utf-8").splitlines():
        obj = json.loads(line)
        texts.append(text_of[obj["response_id"]])
        gold.append(THEMEFINDER_MAP[obj["position"]])
        ids.append(str(obj["response_id"]))
    return texts, gold, ids


def main() -> None:
    started = time.time()
    embedder = get_embedder("use")
    seed = load_seed_sentences()
    seed_vectors = embed_cached(embedder, [r["text"] for r in seed])
    seed_labels = [r["label"] for r in seed]
    model = StanceClassifier().fit(seed_vectors, seed_labels)
    results: dict = {"embedder": embedder.model_id, "classifier": f"logistic regression, C={model.C}, "
                     "class_weight=balanced", "train": {"n": len(seed), "languages": dict(Counter(r["lang"] for r in seed))},
                     "sets": {}}

    # leave-one-language-out on the seed set
    languages = np.array([r["lang"] for r in seed])
    lolo = {}
    for held_out in sorted(set(languages)):
        train = languages != held_out
        fold = StanceClassifier().fit(seed_vectors[train], [seed_labels[i] for i in np.nonzero(train)[0]])
        test_idx = np.nonzero(~train)[0]
        lolo[held_out] = scores([seed_labels[i] for i in test_idx], fold.predict(seed_vectors[test_idx]))
    results["sets"]["seed_leave_one_language_out"] = lolo

    cached = CachedEmbedder(embedder)

    def predict_both(texts: list[str]) -> dict[str, list[str]]:
        return {"whole_text": model.predict(embed_cached(embedder, texts)),
                "sentences": model.predict_texts(texts, cached)}

    sample = sample_set()
    if sample is not None:
        texts, gold, langs, ids = sample
        for method, predicted in predict_both(texts).items():
            three = [i for i, g in enumerate(gold) if g != "mixed"]
            entry = scores([gold[i] for i in three], [predicted[i] for i in three])
            # even-numbered ids were never looked at while choosing the method; odd ones were (dev half)
            test = [i for i in three if int(ids[i].lstrip("R") or 0) % 2 == 0]
            entry["test_half"] = scores([gold[i] for i in test], [predicted[i] for i in test])
            entry["per_language"] = {
                lang: scores([gold[i] for i in three if langs[i] == lang], [predicted[i] for i in three if langs[i] == lang])
                for lang in sorted(set(langs))}
            polar = [i for i in three if gold[i] != "neutral"]
            entry["support_vs_oppose_accuracy"] = round(float(np.mean([predicted[i] == gold[i] for i in polar])), 3)
            entry["mixed_predicted_as"] = dict(Counter(predicted[i] for i, g in enumerate(gold) if g == "mixed"))
            results["sets"][f"sample/{method}"] = entry
    else:
        results["sets"]["sample/whole_text"] = {"skipped": "src/civicai/data/sample/gold.csv not found"}

    for part, name in (("question_part_1", "gambling_q1"), ("question_part_2", "gambling_q2")):
        data = themefinder_set(part)
        if data is None:
            results["sets"][f"{name}/whole_text"] = {"skipped": "../shared/data/consultations/themefinder-gambling_XS not found"}
            continue
        texts, gold = data
        for method, predicted in predict_both(texts).items():
            entry = scores(gold, predicted)
            entry["not_opposing_share"] = round(float(np.mean([p != "negative" for p in predicted])), 3)
            polar = [i for i, g in enumerate(gold) if g != "neutral"]
            entry["agree_vs_disagree_accuracy"] = round(float(np.mean([predicted[i] == gold[i] for i in polar])), 3)
            results["sets"][f"{name}/{method}"] = entry
    results["question_stance"] = question_stance_sets(embedder)
    results["seconds"] = round(time.time() - started, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "sentiment_eval.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    (RESULTS / "sentiment_eval.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))


def markdown(results: dict) -> str:
    lines = ["# Stance classifier (logistic regression on multilingual USE embeddings)", "",
             f"Trained only on {results['train']['n']} hand-written seed sentences "
             f"({', '.join(f'{k} {v}' for k, v in results['train']['languages'].items())}); no evaluation text was used "
             "for training or tuning.", "",
             "| test set | n | accuracy | macro-F1 | majority-class accuracy | majority macro-F1 |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]

    def row(name: str, s: dict) -> None:
        if "skipped" in s:
            lines.append(f"| {name} | skipped: {s['skipped']} | | | | |")
        else:
            lines.append(f"| {name} | {s['n']} | {s['accuracy']:.3f} | {s['macro_f1']:.3f} | "
                         f"{s['majority_accuracy']:.3f} ({s['majority_class']}) | {s['majority_macro_f1']:.3f} |")

    sets = results["sets"]
    for method in ("whole_text", "sentences"):
        sample = sets.get(f"sample/{method}", {"skipped": "absent"})
        row(f"sample, {method} (en/fr/de/nl; 'mixed' excluded)", sample)
        if "test_half" in sample:
            row(f"sample, {method}, test half (even ids)", sample["test_half"])
        for lang, s in sample.get("per_language", {}).items():
            row(f"sample, {method}, {lang}", s)
        row(f"gambling_XS q1, {method} (AGREE/DISAGREE/UNCLEAR)", sets.get(f"gambling_q1/{method}", {"skipped": "absent"}))
        row(f"gambling_XS q2, {method} (all gold AGREE)", sets.get(f"gambling_q2/{method}", {"skipped": "absent"}))
    for lang, s in sets["seed_leave_one_language_out"].items():
        row(f"seed set, trained without {lang}, tested on {lang}", s)
    question = results.get("question_stance", {})
    for name, entry in question.items():
        if "skipped" in entry:
            lines.append(f"| {name}, towards the question | skipped: {entry['skipped']} | | | | |")
            continue
        row(f"{name}, towards the question (band {entry['band_chosen_on_dev']}), all", entry["all"])
        row(f"{name}, towards the question, dev half (odd ids; band chosen here)", entry["dev"])
        row(f"{name}, towards the question, test half (even ids)", entry["test"])
    lines.append("")
    for name, entry in question.items():
        if "statements" in entry:
            lines.append(f"- Towards the question ({name}): `civicai.sentiment.question` turns the question into "
                         f"\"{entry['statements']['support']}\" and \"{entry['statements']['oppose']}\"; a response "
                         "agrees when its embedding is closer to the first (neutral within the band). Band chosen "
                         f"on the dev half by macro-F1: {entry['band_chosen_on_dev']} (shipped default "
                         f"{entry['shipped_band']}); dev results per band: {entry['dev_by_band']}.")
    if any("statements" in entry for entry in question.values()):
        lines.append("- Honesty about the question method: while designing it (whole response vs most telling sentence, "
                     "centring the scores, adding 'Yes, I agree.'-style statements, or hand-written statements for "
                     "this question) I printed both halves of q1 for each variant, so the test half is not blind for "
                     "the choice of variant, only for the band. The variants scored 0.36-0.66 accuracy on either "
                     "half depending on the band; the shipped one (whole response, statements generated from the question, no centring) "
                     "is the simplest. Only English question forms are turned into statements; responses in other "
                     "languages go through the cross-lingual embedder but were not measured (gambling_XS is English).")
        for name, entry in question.items():
            if "statements" not in entry:
                continue
            a, t = entry["all"], entry["test"]
            beats = "beats" if t["accuracy"] > t["majority_accuracy"] else "does not beat"
            lines.append(f"- What the question method means ({name}): on all responses accuracy {a['accuracy']:.2f} vs "
                         f"majority {a['majority_accuracy']:.2f}, macro-F1 {a['macro_f1']:.2f} vs {a['majority_macro_f1']:.2f}; "
                         f"on the test half it {beats} the majority class on accuracy ({t['accuracy']:.2f} vs "
                         f"{t['majority_accuracy']:.2f}; macro-F1 {t['macro_f1']:.2f} vs {t['majority_macro_f1']:.2f}). "
                         "A usable signal for counting agree/disagree, not a verdict on any one response.")
    for method in ("whole_text", "sentences"):
        sample = sets.get(f"sample/{method}", {})
        if "support_vs_oppose_accuracy" in sample:
            lines.append(f"- Sample ({method}), support vs oppose only (gold neutral excluded): accuracy "
                         f"{sample['support_vs_oppose_accuracy']:.3f}; gold 'mixed' predicted as {sample['mixed_predicted_as']}.")
        q1 = sets.get(f"gambling_q1/{method}", {})
        if "agree_vs_disagree_accuracy" in q1:
            lines.append(f"- gambling q1 ({method}), AGREE vs DISAGREE only: accuracy {q1['agree_vs_disagree_accuracy']:.3f}.")
        q2 = sets.get(f"gambling_q2/{method}", {})
        if "not_opposing_share" in q2:
            lines.append(f"- gambling q2 ({method}; suggestions, gold all AGREE): {q2['not_opposing_share']:.0%} "
                         "predicted as not opposing.")
    lines.append("- 'sentences' = StanceClassifier.predict_texts (the most polar sentence decides, neutral below 0.5); "
                 "'whole_text' = predict on the whole-text embedding. The method and threshold were chosen on the "
                 "sample's odd-numbered ids; the even-numbered half is the untouched test half.")
    lines.append("- History, for honesty: seed set v1 (1,260 sentences, explicit 'I support/oppose' style) scored "
                 "whole-text accuracy 0.561 on the sample and 0.420 on gambling q1. After that run, 300 sentences "
                 "that state a position implicitly (complaints about a measure's cost, wishes for a measure, "
                 "personal context) were written in the four languages, in general terms; about a dozen "
                 "misclassified sample comments had been read before writing them, so the sample is not fully "
                 "blind for v2. The gambling data's texts were not used.")
    lines.append("- What this means: the classifier reads tone towards a measure reasonably across languages, but "
                 "not agreement with a yes/no question whose wording it never sees (gambling q1, where supporters "
                 "of a ban write angrily about the adverts): treat stance there as indicative only.")
    lines.append(f"- Confusion matrices (rows gold, columns predicted) are in sentiment_eval.json. Run time {results['seconds']} s.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
