"""Map submissions onto a given theme set (`--themes`), as ThemeFinder's mapping step does, instead of
discovering themes. Each theme is embedded from its label, description, keywords and example quotes;
a submission joins every theme it is close enough to (multi-label).

Calibration without gold labels: each submission's nearest theme is a pseudo-label, and each theme's
threshold is the lowest cosine at which `target_precision` of the submissions at least that close have it
as their nearest theme (the same rule as for discovered themes). One refinement step then moves each theme
vector towards its confident members, so a terse staff description still finds the way citizens write.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from civicai.cluster.assign import Assignment, calibrate_thresholds, word_count
from civicai.errors import InputError


@dataclass(frozen=True)
class MappingParams:
    min_words: int = 3
    # defaults chosen on gambling_XS question 1 (evaluation/theme_mapping.py); question 2 held out
    target_precision: float = 0.4
    multi_margin: float = 0.15
    max_themes: int = 4
    refine_weight: float = 0.0  # theme vector = (1-w) * description + w * centroid of confident members


def _unit(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)


def theme_vectors(anchor_vectors: np.ndarray, anchor_theme: list[int], k: int) -> np.ndarray:
    """Mean of each theme's anchor texts (label: description, keywords, examples), renormalised."""
    out = np.zeros((k, anchor_vectors.shape[1]), dtype=np.float32)
    for theme in range(k):
        rows = [i for i, t in enumerate(anchor_theme) if t == theme]
        if not rows:
            raise InputError(f"theme #{theme + 1} has no text to embed", "give each theme a label or description")
        out[theme] = anchor_vectors[rows].mean(axis=0)
    return _unit(out)


def embed_themes(themes: list, embedder) -> np.ndarray:
    """One unit vector per given theme: the mean embedding of its anchor texts (`theme.anchor_texts()`)."""
    anchors, owner = [], []
    for t, theme in enumerate(themes):
        for text in theme.anchor_texts():
            anchors.append(text)
            owner.append(t)
    return theme_vectors(embedder.encode(anchors), owner, len(themes))


def map_to_themes(embeddings: np.ndarray, vectors: np.ndarray, texts: list[str],
                  params: MappingParams = MappingParams()) -> Assignment:
    n, k = embeddings.shape[0], vectors.shape[0]
    if k == 0:
        raise InputError("the theme set is empty", "give at least one theme in THEMES.json")
    sims = embeddings @ vectors.T
    if params.refine_weight > 0 and n >= 2 * k:
        pseudo = sims.argmax(axis=1)
        thresholds = calibrate_thresholds(sims, pseudo, params.target_precision)
        confident = sims[np.arange(n), pseudo] >= thresholds[pseudo]
        refined = vectors.copy()
        for theme in range(k):
            members = confident & (pseudo == theme)
            if members.sum() >= 2:
                centroid = _unit(embeddings[members].mean(axis=0, keepdims=True))[0]
                refined[theme] = (1 - params.refine_weight) * vectors[theme] + params.refine_weight * centroid
        vectors = _unit(refined)
        sims = embeddings @ vectors.T
    pseudo = sims.argmax(axis=1)
    thresholds = calibrate_thresholds(sims, pseudo, params.target_precision)
    primary = np.full(n, -1, dtype=np.int64)
    themes: list[list[int]] = [[] for _ in range(n)]
    scores: list[list[float]] = [[] for _ in range(n)]
    reasons = [""] * n
    for i in range(n):
        if word_count(texts[i]) < params.min_words:
            reasons[i] = "too_short"
            continue
        row = sims[i]
        ranked = np.argsort(-row, kind="stable")
        passing = [int(t) for t in ranked if row[t] >= thresholds[t]]
        if not passing:
            reasons[i] = "off_topic"
            continue
        first = passing[0]
        chosen = [first] + [t for t in passing[1:] if row[t] >= row[first] - params.multi_margin]
        chosen = chosen[: params.max_themes]
        primary[i] = first
        themes[i] = chosen
        scores[i] = [float(row[t]) for t in chosen]
    return Assignment(primary, themes, reasons, scores, thresholds, vectors.astype(np.float32),
                      np.zeros(n, dtype=bool))
