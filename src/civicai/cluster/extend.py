"""Carry themes found on a sample over to the submissions outside it, as HDBSCAN would have.

Large runs discover themes on a seeded sample (bounded time and memory). A submission outside the sample
then must not face a stricter test than one inside: inside, HDBSCAN clusters whoever sits in a dense region
of a theme, without any threshold. So an outsider takes theme t when most of its nearest sample neighbours
are members of t AND it sits as close to them as the sample's own members sit to their neighbours; anyone
else goes on to the honest-outlier rule (`assign`), exactly like HDBSCAN's noise.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
