"""A topic hierarchy: parent themes made by agglomerating the themes' centroids (average linkage,
cosine). Only worth it with enough themes to need grouping; a parent always has two or more children."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class HierarchyParams:
    min_themes: int = 6  # fewer themes than this: a flat list reads better
    merge_similarity: float = 0.55  # themes whose centroids are at least this cosine-similar (on average) share a parent


def parent_groups(centroids: np.ndarray, params: HierarchyParams = HierarchyParams()) -> list[list[int]]:
    """Groups of theme indices (each with >= 2 themes) that belong under one parent; ordered by their
    smallest member so numbering is deterministic."""
    k = centroids.shape[0]
    if k < params.min_themes:
        return []
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    distances = np.clip(pdist(centroids.astype(np.float64), metric="cosine"), 0.0, 2.0)
    tree = linkage(distances, method="average")
    flat = fcluster(tree, t=1.0 - params.merge_similarity, criterion="distance")
    groups: dict[int, list[int]] = {}
    for theme, group in enumerate(flat):
        groups.setdefault(int(group), []).append(theme)
    return sorted((g for g in groups.values() if 1 < len(g) < k), key=min)
