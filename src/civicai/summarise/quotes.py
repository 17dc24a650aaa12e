"""Quotes that speak for a theme: representative AND diverse, chosen by maximal marginal relevance (MMR)
over the members' embeddings. Quotes are always the exact (redacted) text of one submission.

Fair share: plain MMR picks the submissions closest to the theme centroid, and the centroid leans towards
the majority language (the multilingual embedders place a language's texts a little closer to each other),
so minority languages were rarely quoted (the sample's bias audit: Dutch 14% of submissions, 4% of quotes).
Given each member's group (its language), picks are shared out by `group_quotas`: every group holding at
least `min_share` of the theme is owed a pick, the rest go by largest remainder, and MMR chooses the best
candidate among the groups still owed one. Relevance still orders the picks within that constraint.

The same goes for the run's group columns (district, age band ...; `share_by`): quotes chosen blind to them
came, by chance, three of four from one district in every theme of a real-text audit (9 of 12 quotes from a
district holding 28% of the placed submissions), and the audit rightly flagged that district as over-quoted.
Language is served first; a grouping that can no longer be served among the candidates left is relaxed.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from civicai.cluster.assign import word_count

MIN_SHARE = 0.15  # a group holding this share of a theme gets at least one quote / summary sentence


def group_quotas(member_groups: Sequence[str], k: int, min_share: float = MIN_SHARE) -> dict[str, int]:
    """How many of k picks each group is owed, in proportion to its share of the members (largest remainder),
    with at least one for every group holding >= min_share (largest groups first, while picks last)."""
    counts = Counter(str(g) for g in member_groups)
    total = sum(counts.values())
    if total == 0 or k <= 0:
        return {}
    # ties broken by group name so the result never depends on member order
    order = sorted(counts, key=lambda g: (-counts[g], g))
    quotas = dict.fromkeys(order, 0)
    for g in order:
        if counts[g] / total >= min_share - 1e-9 and sum(quotas.values()) < k:
            quotas[g] = 1
    while sum(quotas.values()) < k:
        best = max(order, key=lambda g: (counts[g] * k / total - quotas[g], -order.index(g)))
        quotas[best] += 1
    return {g: q for g, q in quotas.items() if q}


def mmr_select(member_vectors: np.ndarray, centroid: np.ndarray, k: int = 4, diversity: float = 0.35,
               eligible: np.ndarray | None = None, groups: Sequence[str] | None = None,
               min_share: float = MIN_SHARE, share_by: Sequence[Sequence[str]] = ()) -> list[int]:
    """Indices (into member_vectors) of up to k quotes. Each pick maximises
    (1 - diversity) * closeness to the theme - diversity * closeness to the quotes already chosen,
    among the members of groups still owed a pick (`group_quotas`) when `groups` (e.g. language) is given,
    and then, as far as the candidates left allow, of the groups still owed one in each of `share_by`
    (one group per member each, e.g. the district column)."""
    n = member_vectors.shape[0]
    if n == 0 or k <= 0:
        return []
    groupings = ([groups] if groups is not None else []) + list(share_by)
    for grouping in groupings:
        if len(grouping) != n:
            raise ValueError(f"got {len(grouping)} groups for {n} members: pass one group (e.g. language) per member")
    relevance = member_vectors @ centroid
    allowed = np.ones(n, dtype=bool) if eligible is None or not eligible.any() else eligible.copy()
    member_groups = [np.asarray([str(g) for g in grouping]) for grouping in groupings]
    # quotas are shared out over the members that may be quoted, so a group is never owed what it cannot give
    picks = min(k, int(allowed.sum()))
    owed = [group_quotas(column[allowed], picks, min_share) for column in member_groups]
    chosen: list[int] = []
    redundancy = np.full(n, -np.inf)
    while len(chosen) < k and allowed.any():
        penalty = np.where(np.isfinite(redundancy), redundancy, 0.0)
        score = (1 - diversity) * relevance - diversity * penalty
        candidates = allowed.copy()
        for column, debts in zip(member_groups, owed):
            in_owed = candidates & np.isin(column, [g for g, q in debts.items() if q > 0])
            if in_owed.any():  # a grouping with no owed candidate left releases its share
                candidates = in_owed
        score[~candidates] = -np.inf
        best = int(np.argmax(score))  # argmax takes the first of equal scores: deterministic
        chosen.append(best)
        for column, debts in zip(member_groups, owed):
            if debts.get(column[best], 0) > 0:
                debts[column[best]] -= 1
        allowed[best] = False
        redundancy = np.maximum(redundancy, member_vectors @ member_vectors[best])
        # a near-copy of a chosen quote adds nothing; skip it
        allowed &= redundancy < 0.95
    return chosen


def fair_subset(groups_of_items: Sequence[str], member_groups: Sequence[str], k: int,
                min_share: float = MIN_SHARE) -> list[int]:
    """Which of the (relevance-ordered) items to keep so that up to k of them share out between groups as
    `group_quotas` over the theme's members says; items of groups owed nothing fill what is left, in order.
    Every group holding >= min_share of the members is kept when it has an item, even beyond k."""
    items = [str(g) for g in groups_of_items]
    available = Counter(items)
    counts = Counter(str(g) for g in member_groups)
    total = sum(counts.values()) or 1
    guaranteed = {g for g in available if counts[g] / total >= min_share - 1e-9}
    size = min(len(items), max(k, len(guaranteed)))
    quotas = group_quotas([g for g in member_groups if str(g) in available], size, min_share)
    keep: list[int] = []
    for i, g in enumerate(items):
        if quotas.get(g, 0) > 0:
            keep.append(i)
            quotas[g] -= 1
    for i in range(len(items)):  # a group owed more than it has items: the next items in order fill in
        if len(keep) >= size:
            break
        if i not in keep:
            keep.append(i)
    return sorted(keep)


def quote_eligibility(texts: list[str], min_words: int = 5, max_chars: int = 600) -> np.ndarray:
    """Quotes should say something (>= min_words words) and fit on a slide (<= max_chars); when no member
    qualifies, every member may be quoted."""
    return np.array([word_count(t) >= min_words and len(t) <= max_chars for t in texts], dtype=bool)
