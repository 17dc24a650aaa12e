"""Reduce sentence embeddings to a few dimensions before density clustering.

HDBSCAN struggles in 512 dimensions (distances concentrate), so we reduce first. Default: UMAP (BERTopic's
choice) on the exact cosine k-nearest-neighbour graph, which we compute with one BLAS product per block
instead of pynndescent (no index to build or JIT-compile), with 200 epochs (UMAP's own default above 10k
points). Alternative: a spectral embedding (Laplacian eigenmaps) of the same graph, seconds at any size; in
evaluation/reduce_methods.py it recovers Polis conversations better at 10k but the multilingual sample's 10
topics much worse (ARI 0.60 vs 0.90), so it is an option, not the default. PCA is used when there are too
few submissions for a neighbour graph to mean anything.
"""
from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from functools import cache

import numpy as np

from civicai.errors import InputError

log = logging.getLogger(__name__)

METHODS = ("spectral", "umap", "pca")


@dataclass(frozen=True)
class ReduceParams:
    n_components: int = 5
    n_neighbors: int = 15
    min_dist: float = 0.0  # UMAP only
    metric: str = "cosine"
    pca_below: int = 60  # fewer submissions than this: PCA (a 15-neighbour graph over 40 points is noise)
    seed: int = 0
    method: str = "umap"
    n_epochs: int = 200  # UMAP only

    def __post_init__(self) -> None:
        if self.n_components < 2:
            raise InputError(f"n_components must be at least 2, got {self.n_components}", "use e.g. 5")
        if self.n_neighbors < 2:
            raise InputError(f"n_neighbors must be at least 2, got {self.n_neighbors}", "use e.g. 15")
        if self.n_epochs < 10:
            raise InputError(f"n_epochs must be at least 10, got {self.n_epochs}", "use e.g. 200")
        if self.method not in METHODS:
            raise InputError(f"unknown reduction method {self.method!r}", f"use one of {', '.join(METHODS)}")


@dataclass
class Reduced:
    """Low-dimensional coordinates (n, d) and the method that made them ('spectral', 'umap' or 'pca')."""

    coords: np.ndarray
    method: str
    knn: tuple[np.ndarray, np.ndarray] | None = None  # the neighbour graph, reused for UMAP's 2-D map


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


def nearest(queries: np.ndarray, reference: np.ndarray, k: int, *, self_offset: int | None = None,
            block: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """Exact cosine k nearest `reference` rows of each query row (unit vectors), most similar first, in row
    blocks so memory stays at block x len(reference). With `self_offset`, query row i is reference row
    self_offset + i and is not its own neighbour. Exact beats approximate here: one BLAS product per block,
    no index to build or JIT-compile. Returns (indices, cosine similarities)."""
    indices = np.empty((queries.shape[0], k), dtype=np.int64)
    sims_out = np.empty((queries.shape[0], k), dtype=np.float32)
    for start in range(0, queries.shape[0], block):
        sims = queries[start:start + block] @ reference.T
        if self_offset is not None:
            rows = np.arange(sims.shape[0])
            sims[rows, self_offset + start + rows] = -np.inf
        part = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        part_sims = np.take_along_axis(sims, part, axis=1)
        order = np.argsort(-part_sims, axis=1, kind="stable")
        indices[start:start + block] = np.take_along_axis(part, order, axis=1)
        sims_out[start:start + block] = np.take_along_axis(part_sims, order, axis=1)
    return indices, sims_out


def exact_knn(embeddings: np.ndarray, k: int, block: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """Each row's k nearest other rows: (indices, cosine distances), nearest first."""
    k = min(k, embeddings.shape[0] - 1)
    indices, sims = nearest(embeddings, embeddings, k, self_offset=0, block=block)
    return indices, np.clip(1.0 - sims, 0.0, 2.0)


def _spectral(embeddings: np.ndarray, params: ReduceParams) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Laplacian eigenmaps of the symmetrised kNN graph, edges weighted exp(-d / d_k) by each point's
    own neighbourhood scale (the same local scaling UMAP uses)."""
    from scipy import sparse
    from scipy.sparse.linalg import ArpackNoConvergence, eigsh

    n = embeddings.shape[0]
    indices, distances = exact_knn(embeddings.astype(np.float32, copy=False), params.n_neighbors)
    k = indices.shape[1]
    scale = distances[:, -1:] + 1e-6
    weights = np.exp(-distances / scale).ravel()
    graph = sparse.csr_matrix((weights, (np.repeat(np.arange(n), k), indices.ravel())), shape=(n, n))
    graph = graph.maximum(graph.T)
    degree = np.asarray(graph.sum(axis=1)).ravel()
    inv_sqrt = sparse.diags(1.0 / np.sqrt(degree))
    normalised = inv_sqrt @ graph @ inv_sqrt
    want = min(params.n_components + 1, n - 1)
    start = np.random.default_rng(params.seed).uniform(-1, 1, n)  # seeded: same input, same coordinates
    try:
        values, vectors = eigsh(normalised, k=want, which="LA", tol=1e-4, v0=start)
    except ArpackNoConvergence as stuck:  # rare; fall back to what converged, else PCA
        values, vectors = stuck.eigenvalues, stuck.eigenvectors
        if vectors.shape[1] < 3:
            return _pca(embeddings, params.n_components, params.seed), (indices, distances)
    order = np.argsort(-values, kind="stable")[1:]  # drop the trivial top eigenvector (the degrees)
    coords = vectors[:, order] / np.sqrt(degree)[:, None]
    coords /= np.maximum(np.abs(coords).max(axis=0), 1e-12)  # comparable axes for HDBSCAN's euclidean metric
    signs = np.sign(coords[np.abs(coords).argmax(axis=0), np.arange(coords.shape[1])])  # fix eigsh's sign
    coords *= np.where(signs == 0, 1, signs)
    if coords.shape[1] < params.n_components:
        coords = np.hstack([coords, np.zeros((n, params.n_components - coords.shape[1]))])
    return coords.astype(np.float32), (indices, distances)


def reduce_embeddings(embeddings: np.ndarray, params: ReduceParams = ReduceParams()) -> Reduced:
    """(n, dim) unit vectors -> (n, params.n_components) coordinates for clustering."""
    embeddings = _check(embeddings)
    n = embeddings.shape[0]
    if n < params.pca_below or params.method == "pca" or n <= params.n_components + 2:
        return Reduced(_pca(embeddings, params.n_components, params.seed), "pca")
    if params.method == "spectral":
        coords, knn = _spectral(embeddings, params)
        return Reduced(coords, "spectral", knn)
    umap = _import_umap()
    knn = _umap_knn(embeddings, params.n_neighbors)
    reducer = umap.UMAP(n_components=params.n_components, n_neighbors=knn[0].shape[1], min_dist=params.min_dist,
                        metric=params.metric, random_state=params.seed, n_epochs=params.n_epochs, low_memory=True,
                        precomputed_knn=(knn[0], knn[1], None), verbose=False)
    with warnings.catch_warnings():  # "n_jobs overridden by random_state": intended, reproducibility first
        warnings.simplefilter("ignore")
        coords = reducer.fit_transform(embeddings)
    return Reduced(np.asarray(coords, dtype=np.float32), "umap", knn)


@cache
def _import_umap():
    """umap-learn with its numba functions cached on disk: UMAP JIT-compiles them in every new process
    (~10 s on 2 cores, more than the fit itself at 5,000 points); numba's cache is keyed by the source file,
    so an upgrade recompiles once."""
    import numba
    import umap
    import umap.layouts
    import umap.spectral
    import umap.umap_
    import umap.utils

    for module in (umap.umap_, umap.layouts, umap.spectral, umap.utils):
        for value in vars(module).values():
            if isinstance(value, numba.core.registry.CPUDispatcher) and value.__module__ == module.__name__:
                try:
                    value.enable_caching()
                except RuntimeError as exc:  # no writable cache location: compile as before, and say so once
                    log.debug("numba cache off for %s: %s", value.__name__, exc)
    return umap


def _umap_knn(embeddings: np.ndarray, n_neighbors: int) -> tuple[np.ndarray, np.ndarray]:
    """UMAP's kNN convention: each point is its own first neighbour at distance 0."""
    indices, distances = exact_knn(embeddings.astype(np.float32, copy=False), n_neighbors - 1)
    n = embeddings.shape[0]
    return (np.hstack([np.arange(n)[:, None], indices]),
            np.hstack([np.zeros((n, 1), dtype=np.float32), distances]))


def map_2d(embeddings: np.ndarray, reduced: Reduced, params: ReduceParams = ReduceParams(),
           max_umap: int = 30000) -> np.ndarray:
    """2-D coordinates for a scatter map. After UMAP: a 2-D UMAP reusing the clustering's neighbour graph (up
    to `max_umap` points). Otherwise PCA of the clustering coordinates, which keeps the themes apart at a
    fraction of the cost (or PCA of the embeddings when those coordinates are themselves PCA)."""
    embeddings = _check(embeddings)
    n = embeddings.shape[0]
    if reduced.method != "umap" or reduced.knn is None or n > max_umap:
        source = embeddings if reduced.method == "pca" else reduced.coords
        return _pca(source, 2, params.seed)
    umap = _import_umap()
    reducer = umap.UMAP(n_components=2, n_neighbors=reduced.knn[0].shape[1], min_dist=0.1, n_epochs=params.n_epochs,
                        metric=params.metric, random_state=params.seed, low_memory=True,
                        precomputed_knn=(reduced.knn[0], reduced.knn[1], None), verbose=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(reducer.fit_transform(embeddings), dtype=np.float32)
