"""Counterfactual invariance: change who seems to be writing, and see whether the theme or sentiment moves.

For a sample of accepted submissions we apply each perturbation of civicai.bias.perturb (names, gender,
places, spelling, style) and re-run the two decisions the pipeline makes about a text:
- theme: the nearest theme centroid (centroids re-embedded from each theme's members with the run's
  embedder), the rule the pipeline itself uses to place outliers;
- sentiment: the shipped StanceClassifier on the same embeddings.
A fair pipeline changes neither. We report the change rate per perturbation and language and list the
worst examples (decision changed, then largest drop in embedding similarity).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from civicai.bias.perturb import PERTURBATIONS, Perturber
from civicai.bias.runload import AuditRun
from civicai.bias.texts import load_texts
from civicai.errors import CivicaiError

CENTROID_MEMBERS = 20  # members per theme embedded for its centroid (a sample is enough for a mean)


@dataclass
class CounterfactualResult:
    sample_size: int = 0
    text_source: str = ""
    embedder: str = ""
    rows: list[dict[str, Any]] = field(default_factory=list)  # per perturbation x language
    worst: list[dict[str, Any]] = field(default_factory=list)
    centroid_agreement: float | None = None  # nearest centroid == run's primary theme, on the originals
    skipped: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _centroids(run: AuditRun, texts: dict[str, str], embedder: Any) -> tuple[list[str], np.ndarray]:
    keys: list[str] = []
    vectors: list[np.ndarray] = []
    frame = run.assignments
    for theme in run.themes:
        key = str(theme.get("id"))
        members = [i for i in frame.loc[frame["primary_theme"] == key, "submission_id"] if i in texts]
        member_texts = [texts[i] for i in members[:CENTROID_MEMBERS]]
        member_texts += [str(q.get("text", "")) for q in theme.get("quotes") or [] if not members]
        if not member_texts:
            continue
        centroid = embedder.encode(member_texts).mean(axis=0)
        keys.append(key)
        vectors.append(centroid / max(float(np.linalg.norm(centroid)), 1e-12))
    return keys, np.vstack(vectors) if vectors else np.zeros((0, embedder.dim), np.float32)


def run_counterfactuals(run: AuditRun, *, sample_size: int = 300, seed: int = 0, extra_places: list[str] | None = None,
                        database_url: str | None = None, max_worst: int = 10) -> CounterfactualResult:
    result = CounterfactualResult(embedder=run.embedder_name)
    if not run.themes:
        result.skipped = "the run has no themes"
        return result
    try:
        from civicai.embed import get_embedder

        embedder = get_embedder(run.embedder_name)
    except CivicaiError as exc:  # model package missing or corrupted: the report says so
        result.skipped = f"embedder '{run.embedder_name}' unavailable: {exc}"
        return result
    try:
        from civicai.sentiment import StanceClassifier

        classifier = StanceClassifier.pretrained(embedder)
    except (CivicaiError, OSError):  # the classifier's file is unavailable: the theme half still works
        classifier = None
    rng = np.random.default_rng(seed)
    frame = run.assignments
    ids = frame["submission_id"].astype(str).to_numpy()
    sample = rng.choice(ids, size=min(sample_size, ids.size), replace=False) if ids.size else ids
    centroid_ids = [i for t in run.themes
                    for i in frame.loc[frame["primary_theme"] == str(t.get("id")), "submission_id"][:CENTROID_MEMBERS]]
    texts, result.text_source = load_texts(run, [*sample, *centroid_ids], database_url)
    keys, centroids = _centroids(run, texts, embedder)
    sample = [i for i in sample if texts.get(i)]
    result.sample_size = len(sample)
    if not sample or not keys:
        result.skipped = "no submission text could be found for the sample (see text_source)"
        return result
    languages = dict(zip(ids, frame["language"].astype(str)))
    primary = dict(zip(ids, frame["primary_theme"].astype(str)))
    originals = embedder.encode([texts[i] for i in sample])
    original_theme = np.array(keys)[np.argmax(originals @ centroids.T, axis=1)]
    assigned = [k for k, i in enumerate(sample) if primary.get(i)]
    if assigned:
        result.centroid_agreement = float(np.mean([original_theme[k] == primary[sample[k]] for k in assigned]))
    original_sentiment = classifier.predict(originals) if classifier is not None else None
    perturber = Perturber(extra_places)
    stats: dict[tuple[str, str], dict[str, int]] = {}
    examples: list[dict[str, Any]] = []
    for kind in PERTURBATIONS:
        changed = [(k, perturber.perturb(texts[i], languages.get(i, "en"), kind)) for k, i in enumerate(sample)]
        changed = [(k, edited) for k, edited in changed if edited != texts[sample[k]]]
        if not changed:
            continue
        vectors = embedder.encode([edited for _, edited in changed])
        new_theme = np.array(keys)[np.argmax(vectors @ centroids.T, axis=1)]
        new_sentiment = classifier.predict(vectors) if classifier is not None else None
        for j, (k, edited) in enumerate(changed):
            lang = languages.get(sample[k], "") or "?"
            cell = stats.setdefault((kind, lang), {"n": 0, "theme_changed": 0, "sentiment_changed": 0})
            theme_moved = bool(new_theme[j] != original_theme[k])
            sentiment_moved = bool(new_sentiment is not None and new_sentiment[j] != original_sentiment[k])
            cell["n"] += 1
            cell["theme_changed"] += theme_moved
            cell["sentiment_changed"] += sentiment_moved
            similarity = float(vectors[j] @ originals[k])
            examples.append({"perturbation": kind, "language": lang, "submission_id": str(sample[k]),
                             "original": texts[sample[k]], "perturbed": edited, "similarity": similarity,
                             "theme_before": str(original_theme[k]), "theme_after": str(new_theme[j]),
                             "sentiment_before": None if original_sentiment is None else str(original_sentiment[k]),
                             "sentiment_after": None if new_sentiment is None else str(new_sentiment[j]),
                             "theme_changed": theme_moved, "sentiment_changed": sentiment_moved})
    for (kind, lang), cell in sorted(stats.items()):
        result.rows.append({"perturbation": kind, "language": lang, "n": cell["n"],
                            "theme_change_rate": cell["theme_changed"] / cell["n"],
                            "sentiment_change_rate": (cell["sentiment_changed"] / cell["n"]) if classifier else None})
    examples.sort(key=lambda e: (-(e["theme_changed"] + e["sentiment_changed"]), e["similarity"]))
    seen: set[tuple[str, str]] = set()
    for example in examples:  # one line per distinct edit (copies of a text would repeat it)
        key = (example["perturbation"], example["original"])
        if key not in seen and len(result.worst) < max_worst:
            seen.add(key)
            result.worst.append(example)
    return result


def summarise_by_perturbation(result: CounterfactualResult) -> list[dict[str, Any]]:
    """Rows pooled over languages, for the report's headline table."""
    pooled: dict[str, dict[str, float]] = {}
    for row in result.rows:
        cell = pooled.setdefault(row["perturbation"], {"n": 0, "theme": 0.0, "sentiment": 0.0})
        cell["n"] += row["n"]
        cell["theme"] += row["theme_change_rate"] * row["n"]
        cell["sentiment"] += (row["sentiment_change_rate"] or 0.0) * row["n"]
    return [{"perturbation": kind, "n": int(c["n"]), "theme_change_rate": c["theme"] / c["n"],
             "sentiment_change_rate": c["sentiment"] / c["n"]} for kind, c in pooled.items() if c["n"]]
