"""Honest outliers and multi-label membership.

HDBSCAN leaves many submissions as noise (BERTopic users' top complaint: 30-50% outliers). Dropping them
hides voices; forcing them into the nearest theme invents agreement. We do neither: a noise submission
joins its nearest theme only when it is as close to it as the theme's own members are (a threshold
calibrated per theme on the clustered submissions, see `calibrate_thresholds`); otherwise it stays
unassigned with a reason staff can read:

- too_short: fewer than `min_words` words (nothing to go on);
- ambiguous: close enough to two themes and equally close to both (we will not guess);
- off_topic: not close enough to any theme.

Every submission may also belong to further themes (multi-label) when it clears that theme's threshold
and is nearly as close to it as to its primary theme.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from civicai.errors import InputError
from civicai.parallel import current_engine

_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
_PLACEHOLDER = re.compile(r"\[[A-Z]+\]")

REASONS = ("too_short", "off_topic", "ambiguous")


@dataclass(frozen=True)
class AssignParams:
    min_words: int = 3
    target_precision: float = 0.7  # calibration: of the clustered submissions at least this similar, 70% are members
    # (0.7 chosen on the tuning mixes of evaluation/topic_recovery.py)
    multi_margin: float = 0.04  # a second theme counts when within this cosine of the primary theme
    ambiguity_gap: float = 0.01  # two themes closer than this to a noise point: ambiguous
    max_themes: int = 3  # per submission, primary included

    def __post_init__(self) -> None:
        if not 0.5 <= self.target_precision < 1.0:
            raise InputError(f"target_precision must be in [0.5, 1), got {self.target_precision}", "use e.g. 0.9")
        if self.max_themes < 1:
            raise InputError(f"max_themes must be at least 1, got {self.max_themes}", "use e.g. 3")


@dataclass
class Assignment:
    primary: np.ndarray  # (n,) theme index or -1
    themes: list[list[int]]  # every theme of each submission, primary first ([] when unassigned)
    reasons: list[str]  # '' when assigned, else one of REASONS
    scores: list[list[float]]  # cosine to each theme in `themes`
    thresholds: np.ndarray  # (k,) calibrated cosine threshold per theme
    centroids: np.ndarray  # (k, dim) unit vectors
    via_outlier: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # joined after HDBSCAN noise

    @property
    def unassigned_rate(self) -> float:
        return float((self.primary < 0).mean()) if self.primary.size else 0.0


def word_count(text: str) -> int:
    return len(_WORD.findall(_PLACEHOLDER.sub(" ", text)))


def theme_centroids(embeddings: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Mean member vector of each theme, renormalised (cosine to it = closeness to the theme)."""
    centroids = np.zeros((k, embeddings.shape[1]), dtype=np.float32)
    for theme in range(k):
        centroids[theme] = embeddings[labels == theme].mean(axis=0)
    norms = np.linalg.norm(centroids, axis=1, keepdims=True)
    return centroids / np.maximum(norms, 1e-12)


def calibrate_thresholds(sims: np.ndarray, labels: np.ndarray, target_precision: float) -> np.ndarray:
    """Per theme, the lowest cosine at which the clustered submissions at least that close are still
    `target_precision` members of the theme. HDBSCAN's confident members are the labelled data; no
    constant is guessed and each theme gets its own bar (broad themes sit lower, tight ones higher)."""
    clustered = labels >= 0
    k = sims.shape[1]
    thresholds = np.ones(k, dtype=np.float32)
    for theme in range(k):
        s = sims[clustered, theme]
        is_member = labels[clustered] == theme
        order = np.argsort(-s, kind="stable")
        hits = np.cumsum(is_member[order])
        precision = hits / np.arange(1, order.size + 1)
        ok = np.nonzero((precision >= target_precision) & is_member[order])[0]
        if ok.size:
            thresholds[theme] = s[order[ok[-1]]]
        else:  # the theme is not separable at this precision: only its most typical members count
            thresholds[theme] = float(np.max(s[is_member])) if is_member.any() else 1.0
    return thresholds


def assign(embeddings: np.ndarray, labels: np.ndarray, texts: list[str],
           params: AssignParams = AssignParams()) -> Assignment:
    """Decide each submission's themes from HDBSCAN labels and cosine closeness to theme centroids."""
    n = embeddings.shape[0]
    if labels.shape != (n,) or len(texts) != n:
        raise InputError(f"assign(): {n} embeddings, {labels.shape[0]} labels and {len(texts)} texts",
                         "pass one label and one text per embedding row")
    k = int(labels.max()) + 1 if n and labels.max() >= 0 else 0
    primary = np.full(n, -1, dtype=np.int64)
    themes: list[list[int]] = [[] for _ in range(n)]
    scores: list[list[float]] = [[] for _ in range(n)]
    reasons = [""] * n
    via_outlier = np.zeros(n, dtype=bool)
    if k == 0:
        for i in range(n):
            reasons[i] = "too_short" if word_count(texts[i]) < params.min_words else "off_topic"
        return Assignment(primary, themes, reasons, scores, np.zeros(0, np.float32),
                          np.zeros((0, embeddings.shape[1]), np.float32), via_outlier)

    centroids = theme_centroids(embeddings, labels, k)
    # Work in blocks so 100k x k similarities never sit in memory at once with the embeddings copied.
    sims_clustered = np.concatenate([embeddings[s:s + BLOCK] @ centroids.T for s in range(0, n, BLOCK)])
    thresholds = calibrate_thresholds(sims_clustered, labels, params.target_precision)
    starts = range(0, n, BLOCK)
    jobs = ((sims_clustered[s:s + BLOCK], labels[s:s + BLOCK], texts[s:s + BLOCK]) for s in starts)
    engine = current_engine()
    if engine is None:
        decided = (decide_block(sims, block_labels, block_texts, thresholds, params)
                   for sims, block_labels, block_texts in jobs)
    else:  # the per-submission decisions on the cluster's workers, the same blocks (civicai.distributed)
        from civicai.distributed.stages import decide_on

        decided = decide_on(engine, jobs, thresholds, params)
    for start, block in zip(starts, decided):
        end = start + len(block.primary)
        primary[start:end] = block.primary
        themes[start:end], reasons[start:end], scores[start:end] = block.themes, block.reasons, block.scores
        via_outlier[start:end] = block.via_outlier
    del sims_clustered
    return Assignment(primary, themes, reasons, scores, thresholds, centroids, via_outlier)


BLOCK = 8192  # submissions per block of similarities; also one cluster job


@dataclass
class BlockDecision:
    """assign()'s decisions for one block of submissions (plain lists: cheap to send back from a worker)."""

    primary: list[int]
    themes: list[list[int]]
    reasons: list[str]
    scores: list[list[float]]
    via_outlier: list[bool]


def decide_block(sims: np.ndarray, labels: np.ndarray, texts: list[str], thresholds: np.ndarray,
                 params: AssignParams) -> BlockDecision:
    """Each submission's themes from its cosine to every theme centroid (`sims` rows), its HDBSCAN label and the
    calibrated per-theme thresholds. Rows are independent: any split into blocks gives the same decisions."""
    b = sims.shape[0]
    out = BlockDecision([-1] * b, [[] for _ in range(b)], [""] * b, [[] for _ in range(b)], [False] * b)
    for i, row in enumerate(sims):
        if word_count(texts[i]) < params.min_words:
            out.reasons[i] = "too_short"
            continue
        ranked = np.argsort(-row, kind="stable")
        passing = [int(t) for t in ranked if row[t] >= thresholds[t]]
        if labels[i] >= 0:
            first = int(labels[i])
        elif not passing:
            out.reasons[i] = "off_topic"
            continue
        elif len(passing) > 1 and row[passing[0]] - row[passing[1]] < params.ambiguity_gap:
            out.reasons[i] = "ambiguous"
            out.themes[i] = passing[:2]  # staff see the two candidates; no primary is claimed
            out.scores[i] = [float(row[t]) for t in passing[:2]]
            continue
        else:
            first = passing[0]
            out.via_outlier[i] = True
        extra = [t for t in passing if t != first and row[t] >= row[first] - params.multi_margin]
        chosen = [first] + extra[: params.max_themes - 1]
        out.primary[i] = first
        out.themes[i] = chosen
        out.scores[i] = [float(row[t]) for t in chosen]
    return out
