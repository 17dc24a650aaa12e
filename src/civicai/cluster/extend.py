"""Carry themes found on a sample over to the submissions outside it, as HDBSCAN would have.

Large runs discover themes on a seeded sample (bounded time and memory). A submission outside the sample
then must not face a stricter test than one inside: inside, HDBSCAN clusters whoever sits in a dense region
of a theme, without any threshold. The pipeline uses `carry_over`: each outsider is placed in the sample's
reduced space the way umap's transform() starts (its nearest sample points' coordinates, weighted by UMAP's
membership strengths) and HDBSCAN's own approximate_predict says which cluster of the sample's condensed tree
it falls in, or noise. Anyone left as noise goes on to the honest-outlier rule (`assign`), exactly like
HDBSCAN's noise. `extend_labels` is the earlier rule (a theme when most of the 15 nearest sample neighbours
are members and the outsider sits as densely as they do): in the 512-d space neighbours mix themes, so it left
far more outsiders as noise (evaluation/discovery_scale.py, variant `before`); kept for that comparison.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from civicai.cluster.density import Clusters
from civicai.cluster.reduce import nearest
from civicai.errors import InputError


@dataclass(frozen=True)
class ExtendParams:
    n_neighbors: int = 15
    min_share: float = 0.6  # of the neighbours must share one theme
    density_quantile: float = 0.1  # closeness must reach this quantile of the sample members' own closeness

    def __post_init__(self) -> None:
        if not 0.5 <= self.min_share <= 1.0:
            raise InputError(f"min_share must be in [0.5, 1], got {self.min_share}", "use e.g. 0.6")


def extend_labels(embeddings: np.ndarray, labels: np.ndarray, fitted: np.ndarray,
                  params: ExtendParams = ExtendParams()) -> np.ndarray:
    """labels: (n,) with themes on the `fitted` rows (index array) and -1 elsewhere. Returns new labels where
    outsiders in a theme's dense region carry that theme; the fitted rows are unchanged."""
    n = embeddings.shape[0]
    out = labels.copy()
    inside = np.zeros(n, dtype=bool)
    inside[fitted] = True
    outsiders = np.flatnonzero(~inside)
    if outsiders.size == 0 or fitted.size <= params.n_neighbors or labels[fitted].max(initial=-1) < 0:
        return out
    reference = embeddings[fitted]
    ref_labels = labels[fitted]
    k = params.n_neighbors
    # How close the sample's clustered members sit to their own neighbours: the density bar
    members = np.flatnonzero(ref_labels >= 0)
    _, own = nearest(reference[members], reference, k + 1)
    own_mean = np.sort(own, axis=1)[:, :-1].mean(axis=1)  # drop the largest: the member itself
    bar = float(np.quantile(own_mean, params.density_quantile))
    for start in range(0, outsiders.size, 8192):
        rows = outsiders[start:start + 8192]
        idx, sim = nearest(embeddings[rows], reference, k)
        votes = ref_labels[idx]
        for r, (v, s) in enumerate(zip(votes, sim)):
            clustered = v[v >= 0]
            if clustered.size == 0:
                continue
            theme = int(np.bincount(clustered).argmax())
            if (v == theme).sum() >= params.min_share * k and s.mean() >= bar:
                out[rows[r]] = theme
    return out


def place_in_reduced_space(embeddings: np.ndarray, reference: np.ndarray, reference_coords: np.ndarray,
                           n_neighbors: int = 15) -> np.ndarray:
    """Coordinates for points that were not reduced: the average of their nearest reference points' coordinates,
    weighted by UMAP's own fuzzy membership strengths (exactly how umap's transform() initialises new points;
    exact cosine neighbours, as reduce.py builds the graph)."""
    from civicai.cluster.reduce import _import_umap

    umap = _import_umap()
    k = min(n_neighbors, reference.shape[0])
    out = np.empty((embeddings.shape[0], reference_coords.shape[1]), dtype=np.float32)
    for start in range(0, embeddings.shape[0], 8192):
        idx, sim = nearest(embeddings[start:start + 8192], reference, k)
        distances = np.clip(1.0 - sim, 0.0, 2.0).astype(np.float32)
        sigmas, rhos = umap.umap_.smooth_knn_dist(distances, float(k))
        weights = np.exp(-np.maximum(distances - rhos[:, None], 0.0) / np.maximum(sigmas[:, None], 1e-12))
        weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-12)
        out[start:start + 8192] = np.einsum("nk,nkd->nd", weights, reference_coords[idx])
    return out


def carry_over(embeddings: np.ndarray, labels: np.ndarray, fitted: np.ndarray, coords: np.ndarray,
               clusters: Clusters) -> np.ndarray:
    """Themes found on the `fitted` sample, carried to everyone else as HDBSCAN itself would place them
    (hdbscan.approximate_predict: where in the sample's condensed tree each new point falls; noise stays -1).
    labels: (n,) final theme numbers on the fitted rows (after merging), -1 elsewhere; coords: the sample's
    reduced coordinates; clusters: cluster_points(coords, keep_model=True). The fitted rows are unchanged.
    With a cluster (civicai.parallel.current_engine) the blocks are placed on its workers, the same blocks."""
    from civicai.parallel import current_engine

    out = labels.copy()
    inside = np.zeros(embeddings.shape[0], dtype=bool)
    inside[fitted] = True
    outsiders = np.flatnonzero(~inside)
    if outsiders.size == 0 or clusters.model is None or labels[fitted].max(initial=-1) < 0:
        return out
    # HDBSCAN's raw cluster number -> the run's theme number (renumbered by size, maybe merged)
    theme_of = {int(raw): int(theme) for raw, theme in zip(clusters.raw_labels, labels[fitted]) if raw >= 0}
    reference = embeddings[fitted]
    blocks = [outsiders[start:start + PLACE_BLOCK] for start in range(0, outsiders.size, PLACE_BLOCK)]
    engine = current_engine()
    if engine is None:
        raws = (place_block(embeddings[rows], reference, coords, clusters.model) for rows in blocks)
    else:
        from civicai.distributed.stages import place_on

        raws = place_on(engine, (embeddings[rows] for rows in blocks), reference, coords, clusters.model)
    for rows, raw in zip(blocks, raws):
        out[rows] = [theme_of.get(int(r), -1) for r in raw]
    return out


PLACE_BLOCK = 8192  # outsiders per block: bounds memory (block x sample similarities); also a cluster job's size


def place_block(block: np.ndarray, reference: np.ndarray, coords: np.ndarray, model: object) -> np.ndarray:
    """HDBSCAN's raw cluster number (or -1) for each row of `block`: placed among the sample's reduced
    coordinates, then approximate_predict. Rows are independent: any block of outsiders gives the same rows."""
    import hdbscan

    placed = place_in_reduced_space(block, reference, coords)
    raw, _ = hdbscan.approximate_predict(model, placed.astype(np.float64))
    return np.asarray(raw, dtype=np.int64)
