"""A theme mapping that learns from staff reviews, one consultation question at a time.

Staff read submissions anyway; each reviewed submission is a label. `ReviewedMapper.fit` takes the run's
embeddings and the reviews so far and moves each theme's vector from its words (label, description, examples:
today's zero-shot mapping, cluster/mapping.py) towards the submissions reviewers put in it (a nearest-centroid
model on the embeddings with the zero-shot vector as its prior); the rest is re-mapped by the same calibrated
rule as the zero-shot mapping.

`predict` never overrides a reviewed submission: its themes are exactly what the reviewer decided.
`suggest` proposes what to review next: the submissions the model is least sure about, weighted by how many
unreviewed submissions resemble them (representative first), and not near-copies of each other.

The stance of a submission learns the same way (`PositionLearner`): a multinomial logistic regression on the
embedding plus the shipped position model's probabilities, shown only once its cross-validated accuracy on the
reviews is well above the majority class of the reviews.

Learning curves (micro F1 after 0-80 simulated reviews) are measured in evaluation/mapping_learning.py.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from civicai.cluster.mapping import MappingParams, map_to_themes, mapping_scores
from civicai.errors import InputError
from civicai.sentiment.position import POSITIONS, SHOW_MARGIN, UNCLEAR, wilson_low

MIN_REVIEWS_FOR_CARDINALITY = 10
ANCHOR_WEIGHT = 0.2  # weight of the theme's own words against its reviewed members (chosen on gambling_XS q1 only)


@dataclass(frozen=True)
class Review:
    """What a reviewer decided for one submission: its full theme set (indices into the theme list; empty =
    none fits) and, optionally, its position (supports / opposes / unclear)."""

    themes: frozenset[int]
    position: str | None = None
    actor: str = ""


@dataclass
class MappingPrediction:
    themes: list[list[int]]  # per submission, theme indices, best first
    scores: np.ndarray  # (n, k) zero-shot-style scores with the learned theme vectors
    reviewed: np.ndarray  # (n,) bool
    learned_themes: list[int] = field(default_factory=list)  # themes whose vector moved towards reviewed members


class ReviewedMapper:
    """fit(embeddings, reviews) / predict(embeddings, texts) / suggest. Each theme's vector becomes the
    normalised sum of `anchor_weight` x its zero-shot vector (label, description, examples) and the mean of the
    submissions reviewers put in it; everything else (centring, per-theme z-scores, the n-gram overlap with the
    theme's words, the margin rule, fallbacks) is today's zero-shot mapping (cluster/mapping.py), so with no
    reviews the result is exactly today's. Measured against a one-vs-rest logistic regression with the zero-shot
    score as a prior feature: on gambling_XS q1 (the only set used to choose) the regression fell below the
    zero-shot start until about 80 reviews (0.41 F1 after 10-20 reviews vs 0.49), this did not."""

    def __init__(self, vectors: np.ndarray, themes: Sequence[Any] | None = None,
                 params: MappingParams = MappingParams(), anchor_weight: float = ANCHOR_WEIGHT) -> None:
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.themes = list(themes) if themes is not None else None
        self.params = params
        self.anchor_weight = anchor_weight
        self.vectors_: np.ndarray = self.vectors
        self.params_: MappingParams = params
        self.reviews_: dict[int, Review] = {}

    def fit(self, embeddings: np.ndarray, reviews: Mapping[int, Review]) -> ReviewedMapper:
        X = np.asarray(embeddings, dtype=np.float32)
        n, k = X.shape[0], self.vectors.shape[0]
        for i, review in reviews.items():
            if not 0 <= i < n:
                raise InputError(f"review of submission #{i}, but only {n} submissions", "review a listed submission")
            if any(not 0 <= t < k for t in review.themes):
                raise InputError(f"review of #{i} names a theme outside 0..{k - 1}", "use the theme list's ids")
        self.reviews_ = dict(reviews)
        vectors = self.vectors.copy()
        for t in range(k):
            members = [i for i, r in reviews.items() if t in r.themes]
            if members:
                moved = self.anchor_weight * self.vectors[t] + X[members].mean(axis=0)
                vectors[t] = moved / max(float(np.linalg.norm(moved)), 1e-12)
        self.vectors_ = vectors
        # how many themes one submission carries is learned too: a consultation whose reviewers give one theme
        # each should not get two per submission from the margin rule
        self.params_ = self.params
        if len(reviews) >= MIN_REVIEWS_FOR_CARDINALITY:
            counts = [len(r.themes) for r in reviews.values() if r.themes]
            if counts:
                most = max(1, int(round(float(np.quantile(counts, 0.9)))))
                self.params_ = replace(self.params, max_themes=most)
        return self

    def predict(self, embeddings: np.ndarray, texts: Sequence[str]) -> MappingPrediction:
        """Themes per submission; a reviewed submission keeps exactly the reviewer's themes."""
        X = np.asarray(embeddings, dtype=np.float32)
        assignment = map_to_themes(X, self.vectors_, texts, self.params_, themes=self.themes)
        scores, _, _ = mapping_scores(X, self.vectors_, texts, self.params_, themes=self.themes)
        themes, reviewed = [], np.zeros(len(X), dtype=bool)
        for i, chosen in enumerate(assignment.themes):
            if i in self.reviews_:
                reviewed[i] = True
                chosen = sorted(self.reviews_[i].themes, key=lambda t: -scores[i, t])
            themes.append([int(t) for t in chosen])
        learned = sorted({t for r in self.reviews_.values() for t in r.themes})
        return MappingPrediction(themes, scores, reviewed, learned)

    def suggest(self, embeddings: np.ndarray, texts: Sequence[str], count: int = 10,
                neighbours: int = 10) -> list[int]:
        """Unreviewed submissions to review next: uncertainty (the best two themes' scores close together,
        so the margin rule could go either way) times representativeness (mean similarity to the nearest
        unreviewed neighbours), picked greedily so that no two are near-copies."""
        X = np.asarray(embeddings, dtype=np.float32)
        open_rows = np.array([i for i in range(len(X)) if i not in self.reviews_], dtype=np.int64)
        if open_rows.size == 0 or count <= 0:
            return []
        scores, _, _ = mapping_scores(X, self.vectors_, texts, self.params, themes=self.themes)
        scores = np.where(np.isfinite(scores), scores, np.nan)
        top = -np.sort(-np.nan_to_num(scores[open_rows], nan=-1e9), axis=1)
        gap = top[:, 0] - top[:, 1] if top.shape[1] > 1 else np.ones(open_rows.size)
        uncertainty = np.exp(-np.abs(gap - self.params.margin))  # nearest the line where a 2nd theme joins
        Xo = X[open_rows] / np.maximum(np.linalg.norm(X[open_rows], axis=1, keepdims=True), 1e-12)
        sims = Xo @ Xo.T
        np.fill_diagonal(sims, -1)
        m = min(neighbours, max(open_rows.size - 1, 1))
        density = np.sort(sims, axis=1)[:, -m:].mean(axis=1) if open_rows.size > 1 else np.ones(1)
        score = (0.1 + uncertainty) * (density - density.min() + 1e-3)
        picked: list[int] = []
        penalty = np.zeros(open_rows.size)
        for _ in range(min(count, open_rows.size)):
            j = int(np.argmax(score * (1 - penalty)))
            picked.append(int(open_rows[j]))
            score[j] = -np.inf
            penalty = np.maximum(penalty, np.clip(sims[j], 0, 1))
        return picked


class PositionLearner:
    """Per-consultation position from reviewed positions: multinomial logistic regression on [embedding,
    log-probabilities of the shipped position model]. `shown` says whether its cross-validated accuracy on the
    reviews is well above their majority class (same rule as civicai.sentiment.position)."""

    def __init__(self, C: float = 1.0, margin: float = SHOW_MARGIN, seed: int = 0) -> None:
        self.C = C
        self.margin = margin
        self.seed = seed
        self.model_ = None
        self.constant_: str = UNCLEAR
        self.heldout_: dict = {}

    @staticmethod
    def _features(embeddings: np.ndarray, base_proba: np.ndarray) -> np.ndarray:
        return np.hstack([np.asarray(embeddings, dtype=np.float64), np.log(np.clip(base_proba, 1e-4, 1))])

    def fit(self, embeddings: np.ndarray, base_proba: np.ndarray, labels: Mapping[int, str]) -> PositionLearner:
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        rows = sorted(labels)
        y = np.array([labels[i] for i in rows])
        if set(y) - set(POSITIONS):
            raise InputError(f"unknown positions {sorted(set(y) - set(POSITIONS))}", f"use {POSITIONS}")
        self.model_, self.heldout_ = None, {"n": len(rows), "show": False}
        if not rows:
            return self
        counts = Counter(y)
        self.constant_ = counts.most_common(1)[0][0]
        if len(counts) < 2 or min(counts.values()) < 2:
            self.heldout_["reason"] = "reviews hold fewer than two examples of two positions"
            return self
        F = self._features(embeddings, base_proba)[rows]
        model = LogisticRegression(C=self.C, max_iter=2000, random_state=self.seed)
        folds = StratifiedKFold(n_splits=min(5, min(counts.values())), shuffle=True, random_state=self.seed)
        predicted = cross_val_predict(model, F, y, cv=folds)
        correct = int((predicted == y).sum())
        majority = counts.most_common(1)[0][1] / len(y)
        low = wilson_low(correct, len(y))
        self.heldout_ = {"n": len(y), "accuracy": round(correct / len(y), 3), "accuracy_low": round(low, 3),
                         "majority_accuracy": round(majority, 3), "margin": self.margin,
                         "show": bool(low >= majority + self.margin), "on": "cross-validation over the reviews"}
        self.model_ = model.fit(F, y)
        return self

    def predict(self, embeddings: np.ndarray, base_proba: np.ndarray) -> list[str]:
        n = len(embeddings)
        if self.model_ is None:
            return [self.constant_] * n
        return [str(x) for x in self.model_.predict(self._features(embeddings, base_proba))]
