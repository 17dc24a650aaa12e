"""Reduce sentence embeddings to a few dimensions before density clustering.

HDBSCAN struggles in 512 dimensions (distances concentrate), so we reduce first: UMAP with a fixed seed
(reproducible; UMAP then runs single-threaded), or PCA when there are too few submissions for UMAP's
neighbour graph to mean anything. The 2-D map for the staff UI reuses the same neighbour graph.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from civicai.errors import InputError


@dataclass(frozen=True)
class ReduceParams:
    n_components: int = 5
    n_neighbors: int = 15
    min_dist: float = 0.0
    metric: str = "cosine"
    pca_below: int = 60  # fewer submissions than this: PCA (a 15-neighbour graph over 40 points is noise)
    seed: int = 0

    def __post_init__(self) -> None:
        if self.n_components < 2:
            raise InputError(f"n_components must be at least 2, got {self.n_components}", "use e.g. 5")
        if self.n_neighbors < 2:
            raise InputError(f"n_neighbors must be at least 2, got {self.n_neighbors}", "use e.g. 15")


@dataclass
class Reduced:
    """Low-dimensional coordinates (n, d) and the method that made them ('umap' or 'pca')."""

    coords: np.ndarray
    method: str
    knn: tuple[np.ndarray, np.ndarray] | None = None  # UMAP's neighbour graph, reused for the 2-D map


def _check(embeddings: np.ndarray) -> np.ndarray:
    if not isinstance(embeddings, np.ndarray) or embeddings.ndim != 2:
        raise InputError("embeddings must be a 2-D numpy array (n_submissions, dim)",
                         "pass the output of Embedder.encode(texts)")
    if not np.isfinite(embeddings).all():
        raise InputError("embeddings contain NaN or infinite values", "re-run the embedding stage")
    return embeddings


def _pca(embeddings: np.ndarray, n_components: int, seed: int) -> np.ndarray:
    from sklearn.decomposition import PCA

    n, dim = embeddings.shape
    k = max(1, min(n_components, n - 1, dim))
    if n < 2:
        return np.zeros((n, n_components), dtype=np.float32)
    coords = PCA(n_components=k, random_state=seed, svd_solver="full").fit_transform(embeddings)
    if k < n_components:  # keep the promised width, so downstream code needs no special case
        coords = np.hstack([coords, np.zeros((n, n_components - k))])
    return coords.astype(np.float32)


def reduce_embeddings(embeddings: np.ndarray, params: ReduceParams = ReduceParams()) -> Reduced:
    """(n, dim) unit vectors -> (n, params.n_components) coordinates for clustering."""
    embeddings = _check(embeddings)
    n = embeddings.shape[0]
    if n < params.pca_below:
        return Reduced(_pca(embeddings, params.n_components, params.seed), "pca")
    import umap

    reducer = umap.UMAP(n_components=params.n_components, n_neighbors=min(params.n_neighbors, n - 1),
                        min_dist=params.min_dist, metric=params.metric, random_state=params.seed,
                        low_memory=True, verbose=False)
    with warnings.catch_warnings():  # "n_jobs overridden by random_state": intended, reproducibility first
        warnings.simplefilter("ignore")
        coords = reducer.fit_transform(embeddings)
    indices, distances = getattr(reducer, "_knn_indices", None), getattr(reducer, "_knn_dists", None)
    knn = (indices, distances) if indices is not None and distances is not None else None
    return Reduced(np.asarray(coords, dtype=np.float32), "umap", knn)


def map_2d(embeddings: np.ndarray, reduced: Reduced, params: ReduceParams = ReduceParams(),
           max_umap: int = 30000) -> np.ndarray:
    """2-D coordinates for a scatter map. UMAP (reusing the clustering's neighbour graph) up to
    `max_umap` points; beyond that PCA of the clustering coordinates, which keeps clusters apart at a
    fraction of the cost."""
    embeddings = _check(embeddings)
    n = embeddings.shape[0]
    if reduced.method != "umap" or reduced.knn is None or n > max_umap:
        source = reduced.coords if reduced.method == "umap" else embeddings
        return _pca(source, 2, params.seed)
    import umap

    reducer = umap.UMAP(n_components=2, n_neighbors=reduced.knn[0].shape[1], min_dist=0.1,
                        metric=params.metric, random_state=params.seed, low_memory=True,
                        precomputed_knn=(reduced.knn[0], reduced.knn[1], None), verbose=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(reducer.fit_transform(embeddings), dtype=np.float32)
