"""Classifier disparity: does the stance classifier treat groups and languages alike?

1. Per group: the share of each sentiment label among the group's accepted submissions (compared to the
   rest of the groups like every other rate). A difference can be real difference of opinion, so these are
   reported as "sentiment" findings, not as lost voices.
2. Per language, on translated pairs (data/translated_pairs.jsonl: the same sentence in en/fr/de/nl with
   a gold label): the same meaning should get the same label in every language. We report accuracy per
   language and how often a translation's label differs from the English original's.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from civicai.bias.representation import group_values
from civicai.bias.runload import AuditRun
from civicai.bias.stats import ComparisonSpec
from civicai.errors import CivicaiError

PAIRS_FILE = Path(__file__).with_name("data") / "translated_pairs.jsonl"
PAIR_LANGUAGES = ("en", "fr", "de", "nl")


def sentiment_specs(run: AuditRun, column: str) -> list[ComparisonSpec]:
    sentiment = run.assignments["sentiment"].astype(str).str.strip()
    has = (sentiment != "").to_numpy()
    if not has.any():
        return []
    groups = group_values(run.assignments, column)[has]
    labels = sentiment.to_numpy()[has]
    return [ComparisonSpec("sentiment", f"share_{label}", "sentiment", labels == label, groups, column,
                           note=f"classified as {label}")
            for label in sorted(set(labels))]


@dataclass
class TranslationCheck:
    """The stance classifier on the same sentences in several languages."""

    n_items: int = 0
    languages: list[str] = field(default_factory=list)
    accuracy: dict[str, float] = field(default_factory=dict)
    disagreement_with_english: dict[str, float] = field(default_factory=dict)
    any_disagreement_rate: float | None = None  # items whose label is not the same in every language
    examples: list[dict[str, Any]] = field(default_factory=list)  # items labelled differently across languages
    skipped: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def load_pairs(path: Path = PAIRS_FILE) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def translation_check(embedder_name: str = "use", max_examples: int = 5) -> TranslationCheck:
    """Run the shipped StanceClassifier on every language version of every translated pair."""
    try:
        from civicai.embed import get_embedder
        from civicai.sentiment import StanceClassifier

        embedder = get_embedder(embedder_name)
        classifier = StanceClassifier.pretrained(embedder)
    except (CivicaiError, OSError) as exc:  # the classifier or embedder is unavailable: say so in the report
        return TranslationCheck(skipped=f"stance classifier unavailable: {type(exc).__name__}: {exc}")
    pairs = load_pairs()
    languages = [lang for lang in PAIR_LANGUAGES if all(lang in p for p in pairs)]
    predictions: dict[str, list[str]] = {}
    for lang in languages:
        predictions[lang] = list(classifier.predict(embedder.encode([p[lang] for p in pairs])))
    gold = np.array([p["label"] for p in pairs])
    check = TranslationCheck(n_items=len(pairs), languages=languages)
    for lang in languages:
        predicted = np.array(predictions[lang])
        check.accuracy[lang] = float((predicted == gold).mean())
        if lang != "en" and "en" in predictions:
            check.disagreement_with_english[lang] = float((predicted != np.array(predictions["en"])).mean())
    differs = [len({predictions[lang][i] for lang in languages}) > 1 for i in range(len(pairs))]
    check.any_disagreement_rate = float(np.mean(differs)) if pairs else None
    for i, item in enumerate(pairs):
        if differs[i] and len(check.examples) < max_examples:
            check.examples.append({"id": item["id"], "gold": item["label"],
                                   "predictions": {lang: predictions[lang][i] for lang in languages},
                                   "en": item.get("en", "")})
    return check
