"""Theme keywords by class-based TF-IDF (c-TF-IDF, as BERTopic): all texts of a theme form one document;
a word scores high when it is frequent in this theme and rare across themes. Stop-words come from the
`stop-words` package for every language present in the consultation (en, fr, de, nl, da, ...)."""
from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from functools import cache

import numpy as np

_PLACEHOLDER = re.compile(r"\[[A-Z]+\]")  # [EMAIL], [PERSON]...: redaction marks are not topics
TOKEN_PATTERN = r"(?u)\b[^\W\d_][^\W\d_'’-]+\b"


@cache
def stop_words_for(language: str) -> frozenset[str]:
    """Stop-words of one language ('' when the package has none for it)."""
    from stop_words import StopWordError, get_stop_words

    try:
        return frozenset(w.lower() for w in get_stop_words(language.split("-")[0].lower()))
    except (StopWordError, KeyError, OSError):
        return frozenset()


def stop_words_union(languages: Iterable[str]) -> frozenset[str]:
    words: set[str] = set()
    for code in set(languages):
        if code:
            words |= stop_words_for(code)
    return frozenset(words)


def _clean(text: str) -> str:
    return _PLACEHOLDER.sub(" ", text)


def ctfidf_keywords(texts: Sequence[str], labels: Sequence[int], n_themes: int, languages: Iterable[str],
                    top_n: int = 8) -> list[list[str]]:
    """Top keywords for each theme 0..n_themes-1. Texts labelled -1 (unassigned) still count as a
    background class, so words common everywhere do not become keywords."""
    from sklearn.feature_extraction.text import CountVectorizer

    if n_themes == 0:
        return []
    stops = sorted(stop_words_union(languages) | stop_words_for("en"))
    label_array = np.asarray(labels)

    # Each submission counts a word once (binary): a theme's keywords are words MANY of its members use,
    # not one long letter repeating itself.
    vectorizer = CountVectorizer(token_pattern=TOKEN_PATTERN, lowercase=True, stop_words=stops or None,
                                 ngram_range=(1, 2), min_df=1, binary=True)
    try:
        with warnings.catch_warnings():  # stop-word lists hold contractions ("mustn't"); harmless
            warnings.simplefilter("ignore", UserWarning)
            per_document = vectorizer.fit_transform(_clean(t) for t in texts)
    except ValueError:  # every text was empty or stop-words only
        return [[] for _ in range(n_themes)]
    from scipy.sparse import csr_matrix

    classes = np.where(label_array >= 0, label_array, n_themes)  # unassigned = background class
    indicator = csr_matrix((np.ones(len(classes)), (classes, np.arange(len(classes)))),
                           shape=(n_themes + 1, len(classes)))
    counts = (indicator @ per_document).astype(np.float64).tocsr()
    vocabulary = vectorizer.get_feature_names_out()
    totals = np.asarray(counts.sum(axis=1)).ravel()
    tf = counts.multiply(1.0 / np.maximum(totals, 1.0)[:, None]).tocsr()
    term_freq = np.asarray(counts.sum(axis=0)).ravel()
    average_words = totals.mean() if totals.size else 1.0
    idf = np.log(1.0 + average_words / np.maximum(term_freq, 1.0))
    scores = tf.multiply(idf[None, :]).tocsr()
    return [_top_terms(scores.getrow(theme), vocabulary, top_n) for theme in range(n_themes)]


def _top_terms(row, vocabulary: np.ndarray, top_n: int) -> list[str]:
    """Best-scoring terms; a word already inside a chosen phrase (or a phrase repeating a chosen word
    twice) is skipped so keywords do not say the same thing twice."""
    values, columns = row.data, row.indices
    order = np.lexsort((vocabulary[columns], -values))  # ties broken alphabetically: deterministic
    chosen: list[str] = []
    for position in order:
        term = str(vocabulary[columns[position]])
        words = term.split()
        if len(words) == 2 and words[0] == words[1]:
            continue
        if any(term in c.split() or (len(words) > 1 and all(w in chosen for w in words)) for c in chosen):
            continue
        chosen.append(term)
        if len(chosen) == top_n:
            break
    return chosen
