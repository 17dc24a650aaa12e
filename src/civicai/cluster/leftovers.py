"""A second discovery pass over what the first one left unassigned (large runs).

Themes of a large run are discovered on a sample. A concern that is a small share of the sample never forms
a cluster there, and its voices then stay unassigned however many of them there are in the full run
(issue 18: 34% unassigned at 100k submissions vs 11% at 10k). HDBSCAN's own answer to new points is to
recluster with them (hdbscan's approximate_predict only places points in the clusters it already has;
BERTopic's reduce_outliers only pushes outliers into existing topics). So we recluster the leftovers, with
the same stages and the same smallest theme size as the first pass (reduce -> HDBSCAN -> carry over with
approximate_predict), and keep a leftover cluster only when:
- it is at least as tight as the loosest theme of the first pass (mean cosine of members to their centroid;
  the bar is measured on this run, not set by hand): a loose crowd of unrelated leftovers is not a theme;
- it is not one of the existing themes: when its centroid clears an existing theme's calibrated threshold
  (the same bar a noise submission must clear to join that theme, `assign.calibrate_thresholds`) it is
  merged into that theme instead of becoming a near-copy of it.
The first pass's labels are never changed; leftovers that fit nothing stay unassigned with their reason.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from civicai.cluster.assign import AssignParams, assign, theme_centroids
from civicai.cluster.density import ClusterParams, auto_min_cluster_size, cluster_points
from civicai.cluster.extend import carry_over
from civicai.cluster.reduce import ReduceParams, reduce_embeddings
from civicai.cluster.sample import discovery_sample


@dataclass
class SecondPass:
    labels: np.ndarray  # (n,) first-pass labels plus the leftovers now in a theme (old or new)
    leftovers: int = 0  # unassigned after the first pass (too-short ones excluded)
    found: int = 0  # clusters HDBSCAN found among the leftovers
    kept_new: int = 0  # new themes
    merged: int = 0  # leftover clusters merged into an existing theme
    dropped_loose: int = 0  # leftover clusters looser than every first-pass theme
    joined: int = 0  # leftovers labelled by this pass
    cohesion_bar: float = 0.0
    skipped: str = ""  # why the pass did not run
    details: list[dict] = field(default_factory=list)

    def describe(self) -> dict:
        return {"leftovers": self.leftovers, "found": self.found, "new_themes": self.kept_new, "merged": self.merged,
                "dropped_loose": self.dropped_loose, "joined": self.joined,
                "cohesion_bar": round(self.cohesion_bar, 4), "skipped": self.skipped}


def cohesion(embeddings: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Mean cosine of each theme's members to the theme's centroid (how tight the theme is)."""
    centroids = theme_centroids(embeddings, labels, k)
    out = np.zeros(k, dtype=np.float64)
    for t in range(k):
        out[t] = float((embeddings[labels == t] @ centroids[t]).mean())
    return out


def second_pass(embeddings: np.ndarray, labels: np.ndarray, texts: list[str], fit_sample: int,
                reduce_params: ReduceParams, cluster_params: ClusterParams,
                assign_params: AssignParams = AssignParams(), seed: int = 0,
                weights: np.ndarray | None = None) -> SecondPass:
    """labels: the first pass's (n,) labels (sample clustered, the rest carried over); weights: submissions each
    row stands for (cluster.sample), so the leftovers' sample is drawn like the first. Returns the new labels."""
    k = int(labels.max()) + 1 if labels.size and labels.max() >= 0 else 0
    if k == 0:
        return SecondPass(labels.copy(), skipped="the first pass found no theme")
    first = assign(embeddings, labels, texts, assign_params)
    rest = np.flatnonzero((first.primary < 0) & (np.asarray(first.reasons) != "too_short"))
    result = SecondPass(labels.copy(), leftovers=int(rest.size))
    # a leftover theme must be as large as a first-pass theme must be (the same min_cluster_size, not 5% of a
    # few leftovers): no crumbs that nobody reads
    smallest = cluster_params.min_cluster_size or auto_min_cluster_size(fit_sample)
    if rest.size <= max(smallest, reduce_params.pca_below, 2 * reduce_params.n_neighbors):
        result.skipped = "fewer leftovers than the smallest theme"
        return result
    # The leftovers are a new input: the same sample bound, reduction and size rule as the first pass.
    sample = discovery_sample(np.ones(rest.size) if weights is None else weights[rest], fit_sample, seed + 1)
    pool = embeddings[rest]
    coords = reduce_embeddings(pool[sample], reduce_params).coords
    clusters = cluster_points(coords, replace(cluster_params, min_cluster_size=smallest),
                              keep_model=sample.size < rest.size)
    result.found = clusters.n_clusters
    if result.found == 0:
        result.skipped = "no dense region among the leftovers"
        return result
    local = np.full(rest.size, -1, dtype=np.int64)
    local[sample] = clusters.labels
    if sample.size < rest.size:
        local = carry_over(pool, local, sample, coords, clusters)

    bar = float(cohesion(embeddings, labels, k).min())
    tight = cohesion(pool, local, result.found)
    centroids = theme_centroids(pool, local, result.found)
    closeness = centroids @ first.centroids.T  # (found, k)
    result.cohesion_bar = bar
    out = result.labels
    next_theme = k
    for c in range(result.found):  # largest first (HDBSCAN labels are renumbered by size)
        members = rest[local == c]
        nearest_theme = int(np.argmax(closeness[c]))
        detail = {"size": int(members.size), "cohesion": round(float(tight[c]), 4),
                  "closest_theme": nearest_theme, "closeness": round(float(closeness[c, nearest_theme]), 4)}
        if tight[c] < bar:
            result.dropped_loose += 1
            detail["decision"] = "dropped: looser than every first-pass theme"
        elif closeness[c, nearest_theme] >= first.thresholds[nearest_theme]:
            out[members] = nearest_theme
            result.merged += 1
            result.joined += int(members.size)
            detail["decision"] = "merged"
        else:
            out[members] = next_theme
            next_theme += 1
            result.kept_new += 1
            result.joined += int(members.size)
            detail["decision"] = "new theme"
        result.details.append(detail)
    return result
