"""Which sentences to cite: a fitted sentence-relevance model over the reranked candidates.

The reranker orders passages by their best sentence, but the answer's evidence is often in the best sentence of
the second or third passage (evaluation/results/chat_evidence_loss.md). So every candidate passage's sentences
are scored by p(this sentence holds the answer), a logistic regression over the reranker's own per-sentence
features plus where the sentence stands among the candidates. The answer cites what the reranker chose, then
the best sentence of each further passage whose probability passes the fitted threshold, most probable first,
up to the fitted number of citations.

The model, its threshold and the most citations are fitted across development plans by
evaluation/fit_relevance.py (leave one plan out) and stored in relevance.json, one entry per retrieval
embedder, with what they were fitted on. Without an entry for the embedder in use the chat keeps the previous
margin rule (civicai.rag.compose.pick_passages).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from civicai.rag.rerank import RankedPassage

RELEVANCE_FILE = Path(__file__).with_name("relevance.json")
# lexical/value/sentence vary per sentence; heading/passage/coverage/fused per passage (the reranker's
# features, civicai.rag.rerank); gap: the sentence's reranked score minus the best candidate's; within: minus
# its own passage's best; rank: the passage's place among the candidates (0 = first)
FEATURES = ("lexical", "value", "sentence", "heading", "passage", "coverage", "fused", "gap", "within", "rank")


def sentence_features(ranked: list[RankedPassage]) -> list[np.ndarray]:
    """Per candidate passage, a (sentences x FEATURES) matrix (empty for a passage with nothing quotable)."""
    usable = [r for r in ranked if r.best_sentence >= 0]
    top = usable[0].score if usable else 0.0
    out = []
    for rank, passage in enumerate(ranked):
        f = passage.features
        n = len(passage.sentence_scores)
        if passage.best_sentence < 0 or f is None or n == 0:
            out.append(np.zeros((0, len(FEATURES)), np.float32))
            continue
        scores = np.asarray(passage.sentence_scores, np.float32)
        columns = {"lexical": f["lexical"], "value": f["value"], "sentence": f["sentence"],
                   "heading": np.full(n, f["heading"]), "passage": np.full(n, f["passage"]),
                   "coverage": np.full(n, f["coverage"]), "fused": np.full(n, f["fused"]),
                   "gap": scores - top, "within": scores - scores.max(), "rank": np.full(n, float(rank))}
        out.append(np.stack([np.asarray(columns[name], np.float32) for name in FEATURES], axis=1))
    return out


@dataclass(frozen=True)
class Pick:
    passage: RankedPassage
    sentence: int  # index into the passage's quotable sentences
    probability: float


@dataclass(frozen=True)
class RelevanceModel:
    """p(sentence holds the answer) = sigmoid(w . standardised(x) + b) over FEATURES."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float  # a further passage's best sentence is cited at or above it
    max_citations: int  # for the general audience
    embedder: str
    fitted_on: str = ""

    def probabilities(self, ranked: list[RankedPassage]) -> list[np.ndarray]:
        out = []
        for x in sentence_features(ranked):
            if not len(x):
                out.append(np.zeros(0, np.float32))
                continue
            z = (x - np.array(self.mean, np.float32)) / np.array(self.scale, np.float32)
            out.append(1.0 / (1.0 + np.exp(-(z @ np.array(self.weights, np.float32) + self.bias))))
        return out

    def extra(self, ranked: list[RankedPassage], cited: list[RankedPassage], max_citations: int | None = None,
              threshold: float | None = None) -> list[Pick]:
        """Further citations after the reranker's own (`cited`): the best sentence of each other candidate
        passage that passes the threshold, most probable first, up to `max_citations` in all (default the
        fitted number)."""
        limit = self.max_citations if max_citations is None else max_citations
        cut = self.threshold if threshold is None else threshold
        taken = {id(p.hit) for p in cited}
        best = [Pick(p, int(np.argmax(probs)), float(probs.max()))
                for p, probs in zip(ranked, self.probabilities(ranked))
                if len(probs) and id(p.hit) not in taken and float(probs.max()) >= cut]
        best.sort(key=lambda pick: -pick.probability)
        return best[:max(0, limit - len(cited))]

    def to_dict(self) -> dict:
        return {"embedder": self.embedder, "features": list(FEATURES), "mean": list(self.mean),
                "scale": list(self.scale), "weights": list(self.weights), "bias": self.bias,
                "threshold": self.threshold, "max_citations": self.max_citations, "fitted_on": self.fitted_on}


@lru_cache(maxsize=8)
def load_relevance(embedder: str, path: Path = RELEVANCE_FILE) -> RelevanceModel | None:
    """The fitted model for this retrieval embedder, or None (then the margin rule is used)."""
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    for entry in data.get("models", []):
        if entry.get("embedder") == embedder and tuple(entry.get("features", ())) == FEATURES:
            return RelevanceModel(tuple(entry["mean"]), tuple(entry["scale"]), tuple(entry["weights"]),
                                  float(entry["bias"]), float(entry["threshold"]), int(entry["max_citations"]),
                                  entry["embedder"], entry.get("fitted_on", ""))
    return None
