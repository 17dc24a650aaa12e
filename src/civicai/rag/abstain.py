"""Should the chat answer, or say "the plan does not say"? A small calibrated model on retrieval evidence.

Features (all cheap, all from retrieval):
  dense_top     cosine of the best chunk (E5 cosines sit in a narrow band, so alone it is weak)
  dense_z       how far the best chunk stands out from the plan: (top - mean) / std over all chunks
  dense_margin  top minus the 10th best (a flat top means nothing specific matched)
  idf_coverage  IDF-weighted share of the question's tokens (words and 5-letter prefixes, so cognates such as
                "nucléaire"/"nuclear" count) found in the best of the top 3 chunks
  unseen        share of the question's content words that the plan never uses (not even their prefix):
                "hydrogen buses" in a plan without hydrogen is the typical unanswerable question
  cross         1 when the question's language differs from the plan's (shared words then mean less)
  sentence_support  best cosine between the question and one sentence of the top 3 chunks, from the fast
                multilingual sentence encoder (USE): a sentence that says the answer sits close to the question
A logistic regression on these, fitted on calibration questions (evaluation/calibrate_abstention.py, data in
evaluation/questions/calibration*.jsonl: the shipped sample plan and plans NOT used in the reported
evaluation), is stored in abstention.json beside this file with the chosen probability threshold.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from civicai.rag.index import QueryEvidence
from civicai.rag.tokenize import content_terms, tokenize

FEATURES = ("dense_top", "dense_z", "dense_margin", "idf_coverage", "unseen", "cross", "sentence_support")
CALIBRATION_FILE = Path(__file__).with_name("abstention.json")


def features(question: str, evidence: QueryEvidence, cross_lingual: bool = False,
             sentence_support: float = 0.0) -> dict[str, float]:
    dense = evidence.dense_scores
    index = evidence.index
    top = float(dense.max())
    std = float(dense.std()) or 1e-6
    ordered = np.sort(dense)[::-1]
    tenth = float(ordered[min(9, len(ordered) - 1)])
    tokens = set(tokenize(question))
    weights = {t: index.idf(t) for t in tokens}
    total = sum(weights.values()) or 1.0
    best_cover = 0.0
    for hit in evidence.hits[:3]:
        chunk_tokens = index.chunk_tokens[hit.chunk.ordinal] if hit.chunk.ordinal < len(index.chunk_tokens) \
            else frozenset(tokenize(hit.chunk.index_text()))
        best_cover = max(best_cover, sum(w for t, w in weights.items() if t in chunk_tokens) / total)
    words = content_terms(question)
    unseen = [w for w in words if w not in index.doc_freq and ("p:" + w[:5]) not in index.doc_freq]
    return {"dense_top": top, "dense_z": (top - float(dense.mean())) / std, "dense_margin": top - tenth,
            "idf_coverage": best_cover, "unseen": len(unseen) / max(1, len(words)),
            "cross": 1.0 if cross_lingual else 0.0, "sentence_support": sentence_support}


@dataclass(frozen=True)
class AbstentionModel:
    """p(answerable) = sigmoid(w . standardised(x) + b); abstain when p < threshold."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float
    embedder: str
    calibrated_on: str = ""

    def probability(self, values: dict[str, float]) -> float:
        x = (np.array([values[name] for name in FEATURES]) - np.array(self.mean)) / np.array(self.scale)
        return float(1.0 / (1.0 + np.exp(-(x @ np.array(self.weights) + self.bias))))

    def should_abstain(self, values: dict[str, float]) -> tuple[bool, float]:
        p = self.probability(values)
        return p < self.threshold, p

    def to_dict(self) -> dict:
        return {"features": list(FEATURES), "mean": list(self.mean), "scale": list(self.scale),
                "weights": list(self.weights), "bias": self.bias, "threshold": self.threshold,
                "embedder": self.embedder, "calibrated_on": self.calibrated_on}

    def save(self, path: Path = CALIBRATION_FILE) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")


# Used only until abstention.json exists for the embedder in use: abstain when the best chunk does not
# stand out from the rest of the plan and shares few (rare) words with the question.
_FALLBACK = AbstentionModel(mean=(0.0,) * 7, scale=(1.0,) * 7, weights=(0.0, 1.0, 0.0, 2.0, -2.0, 0.0, 4.0),
                            bias=-5.0,
                            threshold=0.5, embedder="*", calibrated_on="uncalibrated fallback")


@lru_cache(maxsize=8)
def load_model(embedder: str, path: Path = CALIBRATION_FILE) -> AbstentionModel:
    if not path.is_file():
        return _FALLBACK
    data = json.loads(path.read_text(encoding="utf-8"))
    models = data if isinstance(data, list) else [data]
    for entry in models:
        if entry.get("embedder") == embedder and tuple(entry.get("features", ())) == FEATURES:
            return AbstentionModel(tuple(entry["mean"]), tuple(entry["scale"]), tuple(entry["weights"]),
                                   float(entry["bias"]), float(entry["threshold"]), entry["embedder"],
                                   entry.get("calibrated_on", ""))
    return _FALLBACK
