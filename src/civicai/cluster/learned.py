"""A theme mapping that learns from staff reviews, one consultation question at a time.

Staff read submissions anyway; each reviewed submission is a label. `ReviewedMapper.fit` takes the run's
embeddings and the reviews so far; `predict` re-maps the rest:

- under `LearnerParams.switch` reviews (and under 10 in any case): each theme's vector moves from its words
  (label, description, examples: today's zero-shot mapping, cluster/mapping.py) towards the submissions
  reviewers put in it, then today's calibrated zero-shot rule (the nearest-centroid learner);
- from then on: a multi-output ridge regression of the reviewed 0/1 theme matrix on what a run has at re-map
  time (the analysis embedder's vectors and TF-IDF of the redacted texts; `LearnerParams.features`), plus the
  zero-shot score as a prior; a submission gets every theme over a threshold fitted by cross-validation on
  the reviews themselves, at most as many as the reviews usually carry.

Settings chosen on gambling_XS q1 only (evaluation/mapping_learners.py, results/mapping_learners.md); q2 and the
shipped sample are held out.

On a discovery run (`fit(..., current=...)`: the run's own clusters) the nearest-centroid learner is used at
every review count, starting from the themes' members, and only what the reviews change moves (a correction is
applied to the reviewed submission; it does not yet carry similar ones: evaluation/remap_stability.py).

`predict` never overrides a reviewed submission: its themes are exactly what the reviewer decided.
`suggest` proposes what to review next (`SuggestParams`): farthest-first (k-centre) on the centred embeddings, so
each proposal is the submission least like anything reviewed or already proposed: diverse, and in practice the
parts of the consultation (themes) nobody has looked at yet. Chosen on gambling_XS q1 among five strategies
(evaluation/mapping_learning.py), session 7's uncertainty x density rule and theme-first / density-weighted /
uncertainty-mixed variants included.

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
MIN_REVIEWS_FOR_RIDGE = 10  # the threshold is fitted by 5-fold cross-validation on the reviews
ANCHOR_WEIGHT = 0.2  # weight of the theme's own words against its reviewed members (chosen on gambling_XS q1 only)
FEATURE_BLOCKS = ("embedding", "words", "chars")
THRESHOLDS = np.round(np.arange(0.05, 0.8, 0.025), 3)
# PositionLearner's penalty, chosen on gambling_XS q1 only among 0.1 / 1 / 10 and embedding+base vs base alone
# (evaluation/stance_learning.py); session 7 used 1
POSITION_C = 10.0


@dataclass(frozen=True)
class LearnerParams:
    """The ridge learner's settings (chosen on gambling_XS q1 only; evaluation/mapping_learners.py)."""

    features: tuple[str, ...] = ("embedding", "chars")  # blocks of FEATURE_BLOCKS, each L2-normalised
    C: float = 0.1  # ridge penalty
    prior: float = 1.0  # weight of the zero-shot z-score (/10) added to the ridge output
    switch: int = 40  # fewer reviews than this: the nearest-centroid update instead (never under 10)
    keep_unplaced: bool = True  # what the zero-shot rule leaves without a theme (too short, off-topic) stays so
    folds: int = 5
    seed: int = 0


@dataclass(frozen=True)
class SuggestParams:
    """How `suggest` orders the next reviews (chosen on gambling_XS q1 only; evaluation/mapping_learning.py)."""

    # chosen on q1 among: "kcentre", "themes_dense_kcentre", "dense_kcentre", "mixed", "uncertain_dense" (session 7)
    strategy: str = "kcentre"
    neighbours: int = 10  # density: mean similarity to this many nearest submissions
    warmup: int = 20  # "mixed": pure density-weighted k-centre until this many reviews, then uncertainty too


CENTROID = LearnerParams(switch=10**9)  # the session-7 learner: nearest-centroid update at every review count


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
    scores: np.ndarray  # (n, k): zero-shot-style scores (centroid) or ridge scores with the prior (ridge)
    reviewed: np.ndarray  # (n,) bool
    learned_themes: list[int] = field(default_factory=list)  # themes with at least one reviewed member
    learner: str = "centroid"  # which learner produced the unreviewed rows: "centroid" or "ridge"
    threshold: float | None = None  # ridge: the cross-validated score a theme must reach


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)


def _tfidf(texts: Sequence[str], block: str) -> Any:
    """The consultation's own words (1-2 grams) or character 3-5-grams, fitted on its texts (no labels), as a
    sparse matrix with unit rows (kept sparse: a question may hold 100,000 submissions); None when too few texts
    share a term (tiny questions)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    if block == "words":
        vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    else:
        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True,
                                     max_features=5000)
    try:
        return vectorizer.fit_transform(list(texts)).tocsr()
    except ValueError:  # empty vocabulary
        return None


def _decide(scores: np.ndarray, threshold: float, most: int, allow_empty: bool = False) -> list[list[int]]:
    """Every theme over the threshold, best first, at most `most`; at least the best one unless `allow_empty`
    (reviewers have said "no theme fits" for some submissions)."""
    out = []
    for row in scores:
        order = np.argsort(-row)
        chosen = [int(t) for t in order[:most] if row[t] >= threshold]
        out.append(chosen if chosen or allow_empty else [int(order[0])])
    return out


def _micro_f1(predicted: Sequence[Sequence[int]], gold: Sequence[frozenset[int]]) -> float:
    tp = sum(len(set(p) & g) for p, g in zip(predicted, gold, strict=True))
    n_pred, n_gold = sum(len(p) for p in predicted), sum(len(g) for g in gold)
    if not tp:
        return 0.0
    precision, recall = tp / n_pred, tp / n_gold
    return 2 * precision * recall / (precision + recall)


class ReviewedMapper:
    """fit(embeddings, reviews) / predict(embeddings, texts) / suggest. With no reviews the result is exactly
    today's zero-shot mapping; under `learner.switch` reviews the nearest-centroid update (each theme's vector
    the normalised sum of `anchor_weight` x its zero-shot vector and the mean of its reviewed members, then the
    zero-shot rule); from `switch` on the ridge learner of the module doc."""

    def __init__(self, vectors: np.ndarray, themes: Sequence[Any] | None = None,
                 params: MappingParams = MappingParams(), anchor_weight: float = ANCHOR_WEIGHT,
                 learner: LearnerParams = LearnerParams(), suggest_params: SuggestParams = SuggestParams()) -> None:
        unknown = set(learner.features) - set(FEATURE_BLOCKS)
        if unknown or not learner.features:
            raise InputError(f"unknown learner features {sorted(unknown)}", f"use some of {FEATURE_BLOCKS}")
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.themes = list(themes) if themes is not None else None
        self.params = params
        self.anchor_weight = anchor_weight
        self.learner = learner
        self.suggest_params = suggest_params
        self.vectors_: np.ndarray = self.vectors
        self.params_: MappingParams = params
        self.reviews_: dict[int, Review] = {}
        self.most_: int = params.max_themes
        self.current_: list[list[int]] | None = None
        self.unreviewed_vectors_: np.ndarray | None = None

    def fit(self, embeddings: np.ndarray, reviews: Mapping[int, Review],
            current: Sequence[Sequence[int]] | None = None) -> ReviewedMapper:
        """`current`: each submission's themes as they stand (a discovery run's clusters), or None. Given, the
        nearest-centroid learner changes only what the reviews change: each theme's vector starts from its
        current members (a reviewed one as it was before its review), and an unreviewed submission moves only
        where the reviews change what the learner predicts (`predict`). From the theme words alone, one review
        and a re-map moved 49-53% of the sample's discovery run, for the worse (evaluation/remap_stability.py)."""
        X = np.asarray(embeddings, dtype=np.float32)
        n, k = X.shape[0], self.vectors.shape[0]
        if current is not None and len(current) != n:
            raise InputError(f"got current themes for {len(current)} submissions, not {n}",
                             "pass one theme list (possibly empty) per submission")
        for i, review in reviews.items():
            if not 0 <= i < n:
                raise InputError(f"review of submission #{i}, but only {n} submissions", "review a listed submission")
            if any(not 0 <= t < k for t in review.themes):
                raise InputError(f"review of #{i} names a theme outside 0..{k - 1}", "use the theme list's ids")
        self.reviews_ = dict(reviews)
        self.current_ = [list(c) for c in current] if current is not None else None
        placed = [[] if i in reviews else c for i, c in enumerate(self.current_ or [])]
        reviewed = [sorted(reviews[i].themes) if i in reviews else [] for i in range(n)]
        self.vectors_ = self._centroids(X, [a + b for a, b in zip(placed, reviewed)] if current is not None
                                        else reviewed)
        # the same learner on the run as it stood before the reviews: where it already disagrees with discovery,
        # that is not the reviews' doing (`predict` moves only what the reviews change)
        self.unreviewed_vectors_ = None if self.current_ is None else self._centroids(X, self.current_)
        # how many themes one submission carries is learned too: a consultation whose reviewers give one theme
        # each should not get two per submission from the margin rule
        self.params_ = self.params
        self.most_ = self.params.max_themes
        if len(reviews) >= MIN_REVIEWS_FOR_CARDINALITY:
            counts = [len(r.themes) for r in reviews.values() if r.themes]
            if counts:
                self.most_ = max(1, int(round(float(np.quantile(counts, 0.9)))))
                self.params_ = replace(self.params, max_themes=self.most_)
        return self

    def _centroids(self, X: np.ndarray, themes_of: Sequence[Sequence[int]]) -> np.ndarray:
        """Each theme's vector: `anchor_weight` x its words' vector + the mean of its members, normalised; a
        theme without members keeps its words' vector."""
        vectors = self.vectors.copy()
        for t in range(vectors.shape[0]):
            members = [i for i, themes in enumerate(themes_of) if t in themes]
            if members:
                moved = self.anchor_weight * self.vectors[t] + X[members].mean(axis=0)
                vectors[t] = moved / max(float(np.linalg.norm(moved)), 1e-12)
        return vectors

    @property
    def _allow_empty(self) -> bool:
        return any(not r.themes for r in self.reviews_.values())

    @property
    def uses_ridge(self) -> bool:
        """The ridge from `learner.switch` reviews on, on a mapping run. Never on a discovery run (`current`
        given): its clusters already place most submissions well, and the ridge, measured only on mapping runs,
        replaced them for the worse (sample, 40 reviews: primary theme right 0.946 -> 0.891 of the rest)."""
        if self.current_ is not None:
            return False
        return len(self.reviews_) >= max(self.learner.switch, MIN_REVIEWS_FOR_RIDGE)

    def predict(self, embeddings: np.ndarray, texts: Sequence[str]) -> MappingPrediction:
        """Themes per submission; a reviewed submission keeps exactly the reviewer's themes."""
        X = np.asarray(embeddings, dtype=np.float32)
        threshold = None
        if self.uses_ridge:
            scores, threshold = self._ridge(X, texts)
            chosen_all = _decide(scores, threshold, self.most_, self._allow_empty)
            if self.learner.keep_unplaced:
                # what the zero-shot rule finds too short or off every theme stays without one: the ridge gives
                # such a text its base rate ("ok" -> the most reviewed theme), which says nothing about it
                zero_shot = map_to_themes(X, self.vectors_, texts, self.params_, themes=self.themes).themes
                chosen_all = [c if z else [] for c, z in zip(chosen_all, zero_shot)]
        else:
            chosen_all = [list(t) for t in map_to_themes(X, self.vectors_, texts, self.params_,
                                                         themes=self.themes).themes]
            scores, _, _ = mapping_scores(X, self.vectors_, texts, self.params_, themes=self.themes)
            if self.current_ is not None and self.unreviewed_vectors_ is not None:
                # only what the reviews change moves: where the learner says the same without them, the current
                # themes stay (the learner and discovery disagree on many submissions whatever anyone reviewed)
                anyway = map_to_themes(X, self.unreviewed_vectors_, texts, self.params_, themes=self.themes).themes
                chosen_all = [c if c != list(a) else list(now)
                              for c, a, now in zip(chosen_all, anyway, self.current_)]
        themes, reviewed = [], np.zeros(len(X), dtype=bool)
        for i, chosen in enumerate(chosen_all):
            if i in self.reviews_:
                reviewed[i] = True
                chosen = sorted(self.reviews_[i].themes, key=lambda t: -np.nan_to_num(scores[i, t], nan=-1e9))
            themes.append([int(t) for t in chosen])
        learned = sorted({t for r in self.reviews_.values() for t in r.themes})
        return MappingPrediction(themes, scores, reviewed, learned, "ridge" if self.uses_ridge else "centroid",
                                 threshold)

    # --- the ridge learner -------------------------------------------------------------------------------
    def _features(self, X: np.ndarray, texts: Sequence[str]) -> list[Any]:
        """Feature blocks, each with unit rows (the embedding dense, TF-IDF sparse); the ridge only needs their
        inner products, so they are never stacked into one dense matrix."""
        blocks: list[Any] = []
        for name in self.learner.features:
            if name == "embedding":
                blocks.append(_unit_rows(X.astype(np.float64)))
            else:
                block = _tfidf(texts, name)
                if block is not None:
                    blocks.append(block)
        return blocks

    @staticmethod
    def _kernel(blocks: list[Any], a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """(len(a), len(b)) inner products of the concatenated feature rows: the sum over blocks."""
        out = np.zeros((len(a), len(b)))
        for block in blocks:
            product = block[a] @ block[b].T
            out += product.toarray() if hasattr(product, "toarray") else product
        return out

    def _prior(self, X: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """Today's zero-shot scores (from the themes' own words, not moved), z-scored per theme over the question."""
        zero, _, _ = mapping_scores(X, self.vectors, texts, self.params, themes=self.themes)
        zero = np.nan_to_num(zero, nan=-5.0, posinf=5.0, neginf=-5.0)
        return (zero - zero.mean(axis=0)) / np.maximum(zero.std(axis=0), 1e-9)

    def _ridge_solve(self, F: list[Any], prior: np.ndarray, Y: np.ndarray, train: np.ndarray,
                     apply: np.ndarray) -> np.ndarray:
        """Multi-output ridge in the dual (one n_reviews x n_reviews solve for all themes) plus the prior."""
        K = self._kernel(F, train, train)
        mean = Y[train].mean(axis=0)
        alpha = np.linalg.solve(K + self.learner.C * np.eye(len(train)), Y[train] - mean)
        return self._kernel(F, apply, train) @ alpha + mean + self.learner.prior * prior[apply] / 10

    def _ridge(self, X: np.ndarray, texts: Sequence[str]) -> tuple[np.ndarray, float]:
        if len(texts) != len(X):
            raise InputError(f"got {len(texts)} texts for {len(X)} embeddings", "pass one text per submission")
        F, prior = self._features(X, texts), self._prior(X, texts)
        rows = np.array(sorted(self.reviews_), dtype=np.int64)
        Y = np.zeros((len(X), self.vectors.shape[0]))
        for i in rows:
            Y[i, list(self.reviews_[int(i)].themes)] = 1
        # the threshold: micro F1 of out-of-fold predictions on the reviewed submissions themselves
        rng = np.random.default_rng(self.learner.seed)
        folds = np.array_split(rng.permutation(rows), min(self.learner.folds, len(rows)))
        out_of_fold = np.zeros((len(rows), Y.shape[1]))
        position = {int(i): j for j, i in enumerate(rows)}
        for fold in folds:
            scores = self._ridge_solve(F, prior, Y, np.setdiff1d(rows, fold), fold)
            for i, row in zip(fold, scores, strict=True):
                out_of_fold[position[int(i)]] = row
        gold = [self.reviews_[int(i)].themes for i in rows]
        best, best_f1 = 0.5, -1.0
        for th in THRESHOLDS:
            f1 = _micro_f1(_decide(out_of_fold, float(th), self.most_, self._allow_empty), gold)
            if f1 > best_f1 + 1e-9:
                best, best_f1 = float(th), f1
        return self._ridge_solve(F, prior, Y, rows, np.arange(len(X))), best

    # --- what to review next ----------------------------------------------------------------------------
    def suggest(self, embeddings: np.ndarray, texts: Sequence[str], count: int = 10,
                neighbours: int | None = None) -> list[int]:
        """Unreviewed submissions to review next, in order (`SuggestParams.strategy`):
        - "kcentre" (default, chosen on gambling_XS q1): farthest-first, each pick the open submission least
          similar to everything reviewed or already picked (with nothing reviewed, it starts from the first);
        - "themes_dense_kcentre": first, for each theme no reviewer has used yet, the unreviewed submission the
          model scores highest for it, then "dense_kcentre";
        - "dense_kcentre": k-centre weighted by density (closeness to many unreviewed submissions);
        - "mixed": density-weighted k-centre until `warmup` reviews, then also weighted by uncertainty;
        - "uncertain_dense": session 7's rule (uncertainty x density, near-copies penalised)."""
        X = np.asarray(embeddings, dtype=np.float32)
        open_rows = np.array([i for i in range(len(X)) if i not in self.reviews_], dtype=np.int64)
        if open_rows.size == 0 or count <= 0:
            return []
        sp = self.suggest_params
        if sp.strategy not in ("themes_dense_kcentre", "dense_kcentre", "kcentre", "mixed", "uncertain_dense"):
            raise InputError(f"unknown suggestion strategy '{sp.strategy}'", "see SuggestParams")
        Xu = _unit_rows(X.astype(np.float64))
        if sp.strategy != "uncertain_dense":  # (session 7 compared raw vectors)
            Xu = _unit_rows(Xu - Xu.mean(axis=0))  # centred: the question's shared topic says nothing
        Xo = Xu[open_rows]
        density = np.ones(open_rows.size)
        if sp.strategy != "kcentre":
            density = _density(Xo, neighbours if neighbours is not None else sp.neighbours)
        if sp.strategy == "uncertain_dense":
            return self._suggest_uncertain_dense(X, texts, open_rows, Xo, density, count)
        reviewed_rows = np.array(sorted(self.reviews_), dtype=np.int64)
        # distance of each open submission to the nearest reviewed one (2 = nothing reviewed yet)
        distance = (1 - (Xo @ Xu[reviewed_rows].T).max(axis=1)) if reviewed_rows.size \
            else np.full(open_rows.size, 2.0)
        weight = density
        if sp.strategy == "mixed" and len(self.reviews_) >= sp.warmup:
            weight = weight * (0.1 + self._uncertainty(X, texts, open_rows))
        picked: list[int] = []
        if sp.strategy == "themes_dense_kcentre":
            picked = self._first_examples(X, texts, open_rows, count)
            for j in picked:
                distance = np.minimum(distance, np.clip(1 - Xo @ Xo[j], 0, None))
        taken = np.zeros(open_rows.size, dtype=bool)
        taken[picked] = True
        while len(picked) < min(count, open_rows.size):
            score = np.where(taken, -np.inf, weight * distance)
            j = int(np.argmax(score))  # nothing reviewed yet (all distances 2): "kcentre" starts at the first
            picked.append(j)
            taken[j] = True
            distance = np.minimum(distance, np.clip(1 - Xo @ Xo[j], 0, None))
        return [int(open_rows[j]) for j in picked]

    def _current_scores(self, X: np.ndarray, texts: Sequence[str]) -> tuple[np.ndarray, float | None]:
        if self.uses_ridge:
            return self._ridge(X, texts)
        scores, _, _ = mapping_scores(X, self.vectors_, texts, self.params_, themes=self.themes)
        return np.nan_to_num(scores, nan=-1e9), None

    def _first_examples(self, X: np.ndarray, texts: Sequence[str], open_rows: np.ndarray, count: int) -> list[int]:
        """Positions in open_rows: for each theme without a reviewed member, its highest-scored open submission
        (themes in the order of how many submissions the model gives them, largest first; no repeats)."""
        used = {t for r in self.reviews_.values() for t in r.themes}
        missing = [t for t in range(self.vectors.shape[0]) if t not in used]
        if not missing:
            return []
        scores, _ = self._current_scores(X, texts)
        S = scores[open_rows]
        best = S.argmax(axis=1)
        missing.sort(key=lambda t: -int((best == t).sum()))
        picked: list[int] = []
        for t in missing[:count]:
            for j in np.argsort(-S[:, t]):
                if int(j) not in picked:
                    picked.append(int(j))
                    break
        return picked

    def _uncertainty(self, X: np.ndarray, texts: Sequence[str], open_rows: np.ndarray) -> np.ndarray:
        """In (0, 1]: 1 where some theme's score sits on the line where it would be added or dropped."""
        scores, threshold = self._current_scores(X, texts)
        S = scores[open_rows]
        if threshold is not None:
            return np.exp(-np.abs(S - threshold).min(axis=1) / 0.1)
        top = -np.sort(-S, axis=1)
        gap = top[:, 0] - top[:, 1] if top.shape[1] > 1 else np.ones(len(S))
        return np.exp(-np.abs(gap - self.params.margin))

    def _suggest_uncertain_dense(self, X: np.ndarray, texts: Sequence[str], open_rows: np.ndarray,
                                 Xo: np.ndarray, density: np.ndarray, count: int) -> list[int]:
        """Session 7's rule, kept for comparison: uncertainty x density, picked greedily, near-copies penalised."""
        scores, _, _ = mapping_scores(X, self.vectors_, texts, self.params, themes=self.themes)
        scores = np.where(np.isfinite(scores), scores, np.nan)
        top = -np.sort(-np.nan_to_num(scores[open_rows], nan=-1e9), axis=1)
        gap = top[:, 0] - top[:, 1] if top.shape[1] > 1 else np.ones(open_rows.size)
        score = (0.1 + np.exp(-np.abs(gap - self.params.margin))) * density
        picked: list[int] = []
        penalty = np.zeros(open_rows.size)
        for _ in range(min(count, open_rows.size)):
            j = int(np.argmax(score * (1 - penalty)))
            picked.append(int(open_rows[j]))
            score[j] = -np.inf
            similar = np.clip(Xo @ Xo[j], 0, 1)
            similar[j] = 0  # (session 7 set a submission's similarity to itself to -1 before clipping)
            penalty = np.maximum(penalty, similar)
        return picked


def _density(Xo: np.ndarray, neighbours: int, chunk: int = 2048) -> np.ndarray:
    """Mean similarity of each row to its `neighbours` most similar other rows, shifted to start at 1e-3; in
    chunks of rows, never the whole n x n similarity matrix."""
    n = len(Xo)
    if n < 2:
        return np.ones(n)
    m = min(neighbours, n - 1)
    out = np.empty(n)
    for start in range(0, n, chunk):
        sims = Xo[start:start + chunk] @ Xo.T
        sims[np.arange(len(sims)), np.arange(start, start + len(sims))] = -1
        out[start:start + len(sims)] = np.partition(sims, n - m, axis=1)[:, n - m:].mean(axis=1)
    return out - out.min() + 1e-3


class PositionLearner:
    """Per-consultation position from reviewed positions: multinomial logistic regression on [embedding,
    log-probabilities of the shipped position model]. `shown` says whether its cross-validated accuracy on the
    reviews is well above their majority class (same rule as civicai.sentiment.position)."""

    def __init__(self, C: float = POSITION_C, margin: float = SHOW_MARGIN, seed: int = 0,
                 features: str = "embedding+base") -> None:
        if features not in ("embedding+base", "base"):
            raise InputError(f"unknown position features '{features}'", "use 'embedding+base' or 'base'")
        self.C = C
        self.features = features
        self.margin = margin
        self.seed = seed
        self.model_ = None
        self.constant_: str = UNCLEAR
        self.heldout_: dict = {}

    def _features(self, embeddings: np.ndarray, base_proba: np.ndarray) -> np.ndarray:
        base = np.log(np.clip(base_proba, 1e-4, 1))
        if self.features == "base":  # only re-weighs the shipped model's own probabilities (3 numbers)
            return base
        return np.hstack([np.asarray(embeddings, dtype=np.float64), base])

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
