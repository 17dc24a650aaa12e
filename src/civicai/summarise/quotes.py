"""Quotes that speak for a theme: representative AND diverse, chosen by maximal marginal relevance (MMR)
over the members' embeddings. Quotes are always the exact (redacted) text of one submission."""
from __future__ import annotations

import numpy as np

from civicai.cluster.assign import word_count


def mmr_select(member_vectors: np.ndarray, centroid: np.ndarray, k: int = 4, diversity: float = 0.35,
               eligible: np.ndarray | None = None) -> list[int]:
    """Indices (into member_vectors) of up to k quotes. Each pick maximises
    (1 - diversity) * closeness to the theme - diversity * closeness to the quotes already chosen."""
    n = member_vectors.shape[0]
    if n == 0 or k <= 0:
        return []
    relevance = member_vectors @ centroid
    allowed = np.ones(n, dtype=bool) if eligible is None or not eligible.any() else eligible.copy()
    chosen: list[int] = []
    redundancy = np.full(n, -np.inf)
    while len(chosen) < k and allowed.any():
        penalty = np.where(np.isfinite(redundancy), redundancy, 0.0)
        score = (1 - diversity) * relevance - diversity * penalty
        score[~allowed] = -np.inf
        best = int(np.argmax(score))  # argmax takes the first of equal scores: deterministic
        chosen.append(best)
        allowed[best] = False
        redundancy = np.maximum(redundancy, member_vectors @ member_vectors[best])
        # a near-copy of a chosen quote adds nothing; skip it
        allowed &= redundancy < 0.95
    return chosen


def quote_eligibility(texts: list[str], min_words: int = 5, max_chars: int = 600) -> np.ndarray:
    """Quotes should say something (>= min_words words) and fit on a slide (<= max_chars); when no member
    qualifies, every member may be quoted."""
    return np.array([word_count(t) >= min_words and len(t) <= max_chars for t in texts], dtype=bool)
