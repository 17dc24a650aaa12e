"""Density clustering with HDBSCAN: themes are dense regions; the rest is noise (label -1) for now,
and the outlier stage decides honestly which noise points are still close enough to a theme."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from civicai.errors import InputError


@dataclass(frozen=True)
class ClusterParams:
    min_cluster_size: int | None = None  # None: scale with the number of submissions (auto_min_cluster_size)
    min_samples: int | None = None  # None: HDBSCAN's default (= min_cluster_size); smaller = less noise
    # 'leaf' with a 5% floor won on the tuning mixes (evaluation/topic_recovery.py): 'eom' tends to return
    # one giant cluster plus crumbs when conversations nest.
    selection: str = "leaf"
    merge_similarity: float | None = None  # join clusters whose centroids are this cosine-similar (None: never)

    def __post_init__(self) -> None:
        if self.min_cluster_size is not None and self.min_cluster_size < 2:
            raise InputError(f"min_cluster_size must be at least 2, got {self.min_cluster_size}",
                             "use e.g. --min-cluster-size 10")
        if self.selection not in ("eom", "leaf"):
            raise InputError(f"cluster selection must be 'eom' or 'leaf', got {self.selection!r}", "use 'eom'")


AUTO_FRACTION = 0.05  # chosen on the tuning mixes of evaluation/topic_recovery.py (not the reported mix)


def auto_min_cluster_size(n: int) -> int:
    """A theme must hold at least 5% of the submissions (5 at the least, 100 at most): with less, a
    consultation splinters into dozens of themes nobody reads; the cap keeps large runs from merging
    distinct concerns just because each is a small share."""
    return int(min(100, max(5, round(AUTO_FRACTION * n))))


@dataclass
class Clusters:
    labels: np.ndarray  # (n,) int, -1 = noise
    min_cluster_size: int
    min_samples: int
    model: Any = None  # the fitted HDBSCAN (with prediction data) when asked for: places new points (extend.py)
    raw_labels: np.ndarray | None = None  # HDBSCAN's own numbering, which approximate_predict returns

    @property
    def n_clusters(self) -> int:
        return int(self.labels.max()) + 1 if self.labels.size and self.labels.max() >= 0 else 0


def cluster_points(coords: np.ndarray, params: ClusterParams = ClusterParams(), keep_model: bool = False) -> Clusters:
    """(n, d) coordinates -> HDBSCAN labels, renumbered by decreasing size (theme 0 is the largest). With
    keep_model, the fitted model (and its prediction data) comes back to place points outside the sample."""
    import hdbscan

    n = coords.shape[0]
    mcs = params.min_cluster_size or auto_min_cluster_size(n)
    ms = params.min_samples or mcs
    if n < max(mcs, 2) + 1:
        return Clusters(np.full(n, -1, dtype=np.int64), mcs, ms)
    model = hdbscan.HDBSCAN(min_cluster_size=mcs, min_samples=ms, metric="euclidean",
                            cluster_selection_method=params.selection, core_dist_n_jobs=1, prediction_data=keep_model)
    raw = model.fit_predict(coords.astype(np.float64))
    if not keep_model:
        return Clusters(_renumber_by_size(raw), mcs, ms)
    return Clusters(_renumber_by_size(raw), mcs, ms, model=model, raw_labels=raw)


def _renumber_by_size(labels: np.ndarray) -> np.ndarray:
    """Stable theme numbers: largest first, ties by first appearance (deterministic for a given input)."""
    out = np.full(labels.shape, -1, dtype=np.int64)
    found = [lab for lab in np.unique(labels) if lab >= 0]
    order = sorted(found, key=lambda lab: (-int((labels == lab).sum()), int(np.argmax(labels == lab))))
    for new, old in enumerate(order):
        out[labels == old] = new
    return out


def merge_similar_clusters(embeddings: np.ndarray, labels: np.ndarray, min_similarity: float | None) -> np.ndarray:
    """Join clusters whose centroids (in the full embedding space) are at least `min_similarity` cosine-similar
    on average (average linkage), as ThemeFinder condenses near-identical themes: HDBSCAN on a 5-D UMAP
    often cuts one large conversation into sub-clusters that say the same thing."""
    k = int(labels.max()) + 1 if labels.size and labels.max() >= 0 else 0
    if min_similarity is None or k < 2:
        return labels
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    centroids = np.vstack([embeddings[labels == t].mean(axis=0) for t in range(k)]).astype(np.float64)
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    groups = fcluster(linkage(np.clip(pdist(centroids, "cosine"), 0, 2), method="average"),
                      t=1.0 - min_similarity, criterion="distance")
    merged = np.where(labels >= 0, groups[np.maximum(labels, 0)] - 1, -1)
    return _renumber_by_size(merged)
