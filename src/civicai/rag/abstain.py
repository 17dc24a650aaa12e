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
  answer_lexical  IDF-weighted share of the question's tokens in the reranker's best sentence (under its heading)
  answer_value  1 when that sentence holds the value type the question asks for (a year, money, a number),
                or the question asks for none
  value_lexical  the best such share over the sentences of all reranked candidates that hold the asked value
                type (all sentences when the question asks for none)
  sentence_support  best cosine between the question and one sentence of the top 3 chunks, from the fast
                multilingual sentence encoder (USE): a sentence that says the answer sits close to the question
Plan-relative twins `rel_<name>` (civicai.rag.probes: the distance from the plan's own probe questions) are
computed only when a stored model reads them.
Two logistic regressions (one for questions in the plan's language, one for other languages, see
SCOPE_FEATURES), fitted by evaluation/calibrate_abstention.py on the development plans only (the shipped
sample plan's gold questions, the Copenhagen, Aarhus and Rotterdam contracts' questions and yes/no questions,
the odd-numbered Dinan sheets), are stored in abstention.json beside this file, each with its probability
threshold: the lowest that keeps unanswerable questions answered <= 0.10 under leave-one-plan-out.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from civicai.rag.index import QueryEvidence
from civicai.rag.probes import RELATIVE
from civicai.rag.tokenize import content_terms, tokenize

ABSOLUTE = ("dense_top", "dense_z", "dense_margin", "idf_coverage", "unseen", "cross", "sentence_support",
            "answer_lexical", "answer_value", "value_lexical")
FEATURES = ABSOLUTE + tuple("rel_" + name for name in RELATIVE)
CALIBRATION_FILE = Path(__file__).with_name("abstention.json")


def features(question: str, evidence: QueryEvidence, cross_lingual: bool = False,
             sentence_support: float = 0.0, ranked: list | None = None) -> dict[str, float]:
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
            "cross": 1.0 if cross_lingual else 0.0, "sentence_support": sentence_support,
            **answer_features(question, index, ranked or [])}


def answer_features(question: str, index, ranked: list) -> dict[str, float]:
    """What the reranker's best sentence offers: the IDF-weighted share of the question's tokens it holds
    (read under its heading), and whether it holds the value type the question asks for (1 when the question
    asks for none)."""
    from civicai.rag.rerank import asked_value

    if not ranked or ranked[0].best_sentence < 0:
        return {"answer_lexical": 0.0, "answer_value": 0.0, "value_lexical": 0.0}
    best = ranked[0]
    reranker_features = best.features
    kind = asked_value(question)
    # the best-covered sentence that also holds the asked kind of value, over every candidate: "How much will
    # the plant cost?" finds the plant's sentences, but none of them with an amount when the plan gives none
    value_lexical = max((float((r.features["lexical"] * (r.features["value"] if kind else 1.0)).max())
                         for r in ranked if r.features is not None and len(r.features["lexical"])), default=0.0)
    return {"answer_lexical": float(reranker_features["lexical"][best.best_sentence]),
            "answer_value": 1.0 if kind is None else float(reranker_features["value"][best.best_sentence]),
            "value_lexical": value_lexical}


# Which features each model reads: the design that evaluation/calibrate_abstention.py found best by nested
# leave-one-plan-out (results/calibrate_abstention_lopo.md; plan-relative features and one model for both
# scopes did not do better). Across languages absolute cosines mislead, and word overlap works only through
# the glossary's terms, so that model reads less.
SCOPE_FEATURES = {
    "same": ("dense_top", "dense_z", "dense_margin", "idf_coverage", "unseen", "sentence_support",
             "answer_lexical", "value_lexical"),
    "cross": ("value_lexical", "dense_margin"),
}


@dataclass(frozen=True)
class AbstentionModel:
    """p(answerable) = sigmoid(w . standardised(x) + b) over `features`; abstain when p < threshold."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float
    embedder: str
    scope: str = "same"  # "same": question in the plan's language; "cross": in another language
    calibrated_on: str = ""

    def probability(self, values: dict[str, float]) -> float:
        x = (np.array([values[name] for name in self.features]) - np.array(self.mean)) / np.array(self.scale)
        return float(1.0 / (1.0 + np.exp(-(x @ np.array(self.weights) + self.bias))))

    def should_abstain(self, values: dict[str, float]) -> tuple[bool, float]:
        p = self.probability(values)
        return p < self.threshold, p

    def to_dict(self) -> dict:
        return {"scope": self.scope, "features": list(self.features), "mean": list(self.mean),
                "scale": list(self.scale), "weights": list(self.weights), "bias": self.bias,
                "threshold": self.threshold, "embedder": self.embedder, "calibrated_on": self.calibrated_on}


@dataclass(frozen=True)
class AbstentionPolicy:
    """One model for questions in the plan's language, one for questions in another language."""

    same: AbstentionModel
    cross: AbstentionModel

    @property
    def reads_relative(self) -> bool:
        """Does either model read plan-relative features (civicai.rag.probes)? Only then are probes scored."""
        return any(name.startswith("rel_") for model in (self.same, self.cross) for name in model.features)

    def should_abstain(self, values: dict[str, float]) -> tuple[bool, float]:
        return (self.cross if values.get("cross") else self.same).should_abstain(values)

    def save(self, path: Path = CALIBRATION_FILE, keep_others: bool = False) -> None:
        """Write both models; `keep_others`: keep the entries of other embedders already in the file."""
        data = [self.same.to_dict(), self.cross.to_dict()]
        if keep_others and path.is_file():
            old = json.loads(path.read_text(encoding="utf-8"))
            data = [e for e in (old if isinstance(old, list) else [old]) if e.get("embedder") != self.same.embedder] + data
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


# Used only until abstention.json exists for the embedder in use: abstain when the best chunk does not
# stand out from the rest of the plan and shares few (rare) words with the question.
_FALLBACK_MODEL = AbstentionModel(("dense_z", "idf_coverage", "unseen", "sentence_support"), (0.0,) * 4,
                                  (1.0,) * 4, (1.0, 2.0, -2.0, 4.0), bias=-5.0, threshold=0.5, embedder="*",
                                  calibrated_on="uncalibrated fallback")
_FALLBACK = AbstentionPolicy(_FALLBACK_MODEL, _FALLBACK_MODEL)


@lru_cache(maxsize=8)
def load_model(embedder: str, path: Path = CALIBRATION_FILE) -> AbstentionPolicy:
    if not path.is_file():
        return _FALLBACK
    data = json.loads(path.read_text(encoding="utf-8"))
    found: dict[str, AbstentionModel] = {}
    for entry in data if isinstance(data, list) else [data]:
        features = tuple(entry.get("features", ()))
        if entry.get("embedder") != embedder or not set(features) <= set(FEATURES):
            continue
        found[entry.get("scope", "same")] = AbstentionModel(
            features, tuple(entry["mean"]), tuple(entry["scale"]), tuple(entry["weights"]), float(entry["bias"]),
            float(entry["threshold"]), entry["embedder"], entry.get("scope", "same"), entry.get("calibrated_on", ""))
    if "same" not in found:
        return _FALLBACK
    return AbstentionPolicy(found["same"], found.get("cross", found["same"]))
