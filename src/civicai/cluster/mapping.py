"""Map submissions onto a given theme set (`--themes`), as ThemeFinder's mapping step does, instead of
discovering themes. Each theme is embedded from its label, description, keywords and example quotes;
a submission joins every theme it is close enough to (multi-label).

How closeness is judged (each step measured in evaluation/theme_mapping.py, tuned on gambling_XS question 1,
question 2 held out):
1. Centre. Every response to one question shares the question's topic, and every theme description shares
   the consultation's vocabulary; that common part dominates raw cosines. The mean response is subtracted
   from the responses and the mean theme vector from the themes before comparing them.
2. Standardise per theme (transductive calibration, no gold labels): a theme with a generic description is
   close to everyone, a precise one to few, so raw cosines are not comparable across themes. Each theme's
   scores are z-scored over the submissions being mapped; a submission then carries its best theme and
   every theme within `margin` of it (at most `max_themes`), provided the best reaches `min_score` and its
   raw cosine is not an outlier far below everyone else's (`off_topic_spread`).
   Under `min_calibration` submissions the statistics of one theme are too noisy, and the whole score
   matrix is standardised at once instead.
3. Optionally (`extra_embedder`, e.g. "e5") the same scores from a second embedder are averaged in.
4. Words count too: TF-IDF overlap of character 4-6-grams between a submission and the theme's own texts
   (label, description, keywords, examples), standardised per theme the same way and centred per
   submission, is added with `lexical_weight`. Centring per submission means it only re-ranks a
   submission's themes: a response in another language than the descriptions shares no n-grams, and
   must not fall under `min_score` for that.
Fallback themes ("None of the above", "No reason given": `GivenTheme.fallback_kind`) are never matched by
similarity: they take the submissions no real theme fits (off_topic) and those too short to give a reason.

Measured and not kept (no gain on the held-out question): sentence-level matching (responses average 12-15
words), self-training a logistic regression on confident matches, moving theme vectors towards their
confident members, word-level TF-IDF instead of character n-grams, the old calibrated cosine threshold
per theme.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from civicai.cluster.assign import Assignment, word_count
from civicai.errors import InputError


@dataclass(frozen=True)
class MappingParams:
    min_words: int = 3
    # defaults chosen on gambling_XS question 1 (evaluation/theme_mapping.py); question 2 held out
    margin: float = 2.0  # in per-theme z units: also carry every theme this close to the best one
    max_themes: int = 2
    min_score: float = 0.5  # best z below this: off_topic (0 would be: no closer than the theme's average submission)
    center: bool = True
    extra_embedder: str = ""  # "" = the run's embedder alone; "e5": average its scores in (slower, see docs)
    min_calibration: int = 20  # fewer submissions: standardise the whole matrix, not each theme
    # z-scores are relative, so an answer about something else entirely can still rank a theme high; it is
    # off_topic when its raw cosine to its best theme lies this many robust SDs (MAD) below the median
    # submission's (set on 3 hand-written off-topic answers against gambling_XS: they sit at -2.3 to -3.0
    # with USE, -4.2 to -6.1 with E5; the 200 real responses at -2.2 or above)
    off_topic_spread: float = 2.3
    lexical_weight: float = 0.5  # weight of the character n-gram overlap with the theme's own words (step 4)


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


def embed_themes(themes: list, embedder) -> np.ndarray:  # type: ignore[no-untyped-def]
    """One unit vector per given theme: the mean embedding of its anchor texts (`theme.anchor_texts()`)."""
    anchors, owner = [], []
    for t, theme in enumerate(themes):
        for text in theme.anchor_texts():
            anchors.append(text)
            owner.append(t)
    return theme_vectors(embedder.encode(anchors), owner, len(themes))


def theme_scores(embeddings: np.ndarray, vectors: np.ndarray, matchable: np.ndarray,
                 params: MappingParams = MappingParams()) -> np.ndarray:
    """(n, k) standardised closeness of each submission to each theme (steps 1 and 2 of the module doc);
    columns of themes that are not `matchable` (fallback themes) are -inf."""
    responses, themes = np.asarray(embeddings, dtype=np.float32), np.asarray(vectors, dtype=np.float32)
    n = responses.shape[0]
    if params.center and n >= 2:
        responses = _unit(responses - responses.mean(axis=0))
    if params.center and matchable.sum() >= 2:
        themes = _unit(themes - themes[matchable].mean(axis=0))
    sims = responses @ themes.T
    real = sims[:, matchable]
    if n >= params.min_calibration:
        z = (sims - sims.mean(axis=0)) / np.maximum(sims.std(axis=0), 1e-9)
    else:
        z = (sims - real.mean()) / max(float(real.std()), 1e-9)
    z[:, ~matchable] = -np.inf
    return z


def lexical_scores(texts: Sequence[str], theme_texts: Sequence[str], matchable: np.ndarray,
                   params: MappingParams = MappingParams()) -> np.ndarray:
    """(n, k) step 4 of the module doc. The vocabulary is the themes' own n-grams, so memory stays bounded by
    what the themes say however many submissions there are; IDF comes from the submissions."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    n, k = len(texts), len(theme_texts)
    out = np.zeros((n, k), dtype=np.float32)
    try:
        vocabulary = TfidfVectorizer(analyzer="char_wb", ngram_range=(4, 6)).fit(theme_texts).vocabulary_
    except ValueError:  # theme texts too short for a single 4-gram
        return out
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(4, 6), sublinear_tf=True, vocabulary=vocabulary,
                                 dtype=np.float32).fit([*texts, *theme_texts])
    themes = vectorizer.transform(theme_texts).T.tocsc()
    for start in range(0, n, 8192):  # bounded memory on very large runs
        out[start:start + 8192] = (vectorizer.transform(texts[start:start + 8192]) @ themes).toarray()
    real = out[:, matchable]
    if n >= params.min_calibration:
        z = (out - out.mean(axis=0)) / np.maximum(out.std(axis=0), 1e-9)
    else:
        z = (out - real.mean()) / max(float(real.std()), 1e-9)
    z[:, ~matchable] = 0.0
    z[:, matchable] -= z[:, matchable].mean(axis=1, keepdims=True)
    return z


def _far_from_everything(best_cosine: np.ndarray, params: MappingParams) -> np.ndarray:
    """True where a submission's raw closeness to its best theme is an outlier on the low side (robust z)."""
    if best_cosine.size < params.min_calibration:
        return np.zeros(best_cosine.size, dtype=bool)
    median = float(np.median(best_cosine))
    spread = 1.4826 * float(np.median(np.abs(best_cosine - median)))
    return (best_cosine - median) < -params.off_topic_spread * max(spread, 1e-6)


def mapping_scores(embeddings: np.ndarray, vectors: np.ndarray, texts: Sequence[str],
                   params: MappingParams = MappingParams(), *,
                   themes: Sequence[Any] | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(n, k) zero-shot scores (steps 1-4 of the module doc), which themes are matchable (not fallbacks), and each
    theme's fallback kind. The learned mapping (cluster/learned.py) uses these scores as its prior."""
    n, k = embeddings.shape[0], vectors.shape[0]
    if k == 0:
        raise InputError("the theme set is empty", "give at least one theme in THEMES.json")
    if len(texts) != n:
        raise InputError(f"got {len(texts)} texts for {n} embeddings", "pass one text per embedded submission")
    kinds = [getattr(t, "fallback_kind", "") for t in themes] if themes is not None else [""] * k
    if len(kinds) != k:
        raise InputError(f"got {len(kinds)} themes for {k} theme vectors", "pass the themes the vectors came from")
    matchable = np.array([kind == "" for kind in kinds])
    if not matchable.any():  # only fallback themes were given: match them like ordinary ones
        matchable[:] = True
    score = theme_scores(embeddings, vectors, matchable, params)
    if params.extra_embedder:
        if themes is None:
            raise InputError("extra_embedder needs the themes themselves", "pass themes= to map_to_themes")
        from civicai.embed import get_embedder

        second = get_embedder(params.extra_embedder)
        score = (score + theme_scores(second.encode(list(texts)), embed_themes(list(themes), second),
                                      matchable, params)) / 2
    if params.lexical_weight and themes is not None:
        theme_texts = [" ".join(theme.anchor_texts()) for theme in themes]
        score = score + params.lexical_weight * lexical_scores(list(texts), theme_texts, matchable, params)
    return score, matchable, kinds


def map_to_themes(embeddings: np.ndarray, vectors: np.ndarray, texts: Sequence[str],
                  params: MappingParams = MappingParams(), *, themes: Sequence[Any] | None = None) -> Assignment:
    """Assign each submission to the given themes. `themes` (the GivenTheme list `vectors` came from) adds
    fallback handling and lets `params.extra_embedder` embed the theme texts too."""
    n, k = embeddings.shape[0], vectors.shape[0]
    score, matchable, kinds = mapping_scores(embeddings, vectors, texts, params, themes=themes)
    cosine = embeddings @ vectors.T
    far = _far_from_everything(np.where(matchable, cosine, -np.inf).max(axis=1), params)
    fallback = {kind: kinds.index(kind) for kind in ("other", "no_answer") if kind in kinds and not matchable.all()}
    primary = np.full(n, -1, dtype=np.int64)
    chosen_themes: list[list[int]] = [[] for _ in range(n)]
    scores: list[list[float]] = [[] for _ in range(n)]
    reasons = [""] * n
    for i in range(n):
        row = score[i]
        best = int(np.argmax(row))
        if word_count(texts[i]) < params.min_words:
            reasons[i] = "too_short"
            chosen = [fallback["no_answer"]] if "no_answer" in fallback else []
        elif row[best] < params.min_score or far[i]:
            reasons[i] = "off_topic"
            chosen = [fallback["other"]] if "other" in fallback else []
        else:
            ranked = np.argsort(-row, kind="stable")[: params.max_themes]
            chosen = [int(t) for t in ranked if row[t] >= row[best] - params.margin]
        if chosen:
            reasons[i] = ""
            primary[i] = chosen[0]
            chosen_themes[i] = chosen
            scores[i] = [round(float(cosine[i, t]), 4) for t in chosen]
    # for display: how close each theme's least close member is (1.0 when it has none)
    thresholds = np.ones(k, dtype=np.float32)
    for i in range(n):
        for t, s in zip(chosen_themes[i], scores[i]):
            thresholds[t] = min(thresholds[t], s)
    return Assignment(primary, chosen_themes, reasons, scores, thresholds, np.asarray(vectors, dtype=np.float32),
                      np.zeros(n, dtype=bool))
