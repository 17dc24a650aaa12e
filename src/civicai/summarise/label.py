"""Theme labels and summaries as they were before issue 15, kept as the baseline that evaluation/labels.py
compares the new titles (civicai.summarise.title) with; the pipeline no longer calls `theme_text`.
`central_sentences` and `first_sentence` are still used by the new summaries.

Extractive by default: the label is the most central short submission when one is typical enough,
otherwise the top keywords; the summary strings together the first sentence of each chosen quote, so
every word in it was written by a citizen. An LLM (settings.generator) may rephrase both, but its text is
used only when every sentence passes the grounding check against the quotes it summarises; otherwise the
extractive draft stands, and the manifest says which one each theme got.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from civicai.cluster.assign import word_count
from civicai.errors import CivicaiError
from civicai.summarise.quotes import fair_subset

LABEL_PROMPT = "theme_label.v1"
SUMMARY_PROMPT = "theme_summary.v1"
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
SUMMARY_SENTENCES = 3  # more only when more groups are each owed a sentence (fair_subset)


@dataclass
class ThemeText:
    label: str
    summary: str
    label_source: str  # 'central_phrase' | 'keywords' | 'llm'
    summary_source: str  # 'extractive' | 'llm'


def keyword_label(keywords: list[str], n: int = 3) -> str:
    if not keywords:
        return "(no clear keywords)"
    words = keywords[:n]
    text = ", ".join(words)
    return text[:1].upper() + text[1:]


def central_phrase(member_texts: list[str], member_vectors: np.ndarray, centroid: np.ndarray,
                   max_words: int = 10, min_words: int = 3, min_relative: float = 0.9) -> str | None:
    """The most central member that is short enough to be a label, if it is nearly as central as the
    most central member overall (min_relative of its cosine); else None."""
    if not member_texts:
        return None
    closeness = member_vectors @ centroid
    best_overall = float(closeness.max())
    order = np.argsort(-closeness, kind="stable")
    for i in order:
        words = word_count(member_texts[i])
        if min_words <= words <= max_words and len(member_texts[i]) <= 90 and "[" not in member_texts[i]:
            if closeness[i] >= min_relative * best_overall:
                return member_texts[i].strip().rstrip(".!")
            return None
    return None


def first_sentence(text: str, max_chars: int = 220) -> str:
    sentence = _SENTENCE_END.split(text.strip(), maxsplit=1)[0]
    if len(sentence) > max_chars:
        cut = sentence[:max_chars].rsplit(" ", 1)[0]
        return cut + " …"
    return sentence


def sentences_of(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]


def central_sentences(quotes: list[str], centroid: np.ndarray, embedder: Any, min_words: int = 4) -> list[str]:
    """From each quote, the sentence closest to the theme (not its greeting or sign-off), verbatim."""
    pieces = [[s for s in sentences_of(q) if word_count(s) >= min_words] or [first_sentence(q)] for q in quotes]
    flat = [s for group in pieces for s in group]
    if embedder is None or not flat:
        return [group[0] for group in pieces]
    closeness = embedder.encode(flat) @ centroid
    chosen: list[str] = []
    seen: set[str] = set()
    position = 0
    for group in pieces:
        # two submissions often share a sentence (a copied paragraph, a campaign): cite it once and take
        # the other quote's next-closest sentence instead
        for best in np.argsort(-closeness[position:position + len(group)], kind="stable"):
            sentence = first_sentence(group[int(best)], max_chars=260)
            key = " ".join(sentence.casefold().split())
            if key not in seen:
                seen.add(key)
                chosen.append(sentence)
                break
        position += len(group)
    return chosen


def extractive_summary(sentences: list[str], size: int = 0, weight: int = 0, limit: int = SUMMARY_SENTENCES) -> str:
    """Up to `limit` (three) sentences taken verbatim from the quotes, each in quotation marks: every word a
    citizen's own. (Counts are shown beside the summary, never inside it, so it cannot drift from the data.)"""
    return " ".join(f"“{s}”" for s in sentences[:limit])


def _grounded(text: str, sources: list[str]) -> bool:
    """True when every sentence of `text` is supported by one of `sources` (civicai.llm.grounding)."""
    from civicai.llm.grounding import supported_sentences

    judged = supported_sentences(text, sources)
    return bool(judged) and all(r.supported for r in judged)


def theme_text(keywords: list[str], quotes: list[str], member_texts: list[str], member_vectors: np.ndarray,
               centroid: np.ndarray, size: int, weight: int, generator: Any = None,
               language: str = "the language of the quotes", embedder: Any = None,
               quote_groups: Sequence[str] | None = None, member_groups: Sequence[str] | None = None) -> ThemeText:
    """Label and summary of one theme. With `quote_groups` and `member_groups` (e.g. each quote's and each
    member's language), the summary's sentences come from quotes chosen so that every group holding >= 15% of
    the members is cited and the rest share out in proportion (`fair_subset`), not simply the first three."""
    phrase = central_phrase(member_texts, member_vectors, centroid)
    label, label_source = (phrase, "central_phrase") if phrase else (keyword_label(keywords), "keywords")
    sentences, limit = central_sentences(quotes, centroid, embedder), SUMMARY_SENTENCES
    if quote_groups is not None and member_groups is not None and len(quote_groups) == len(quotes):
        sentences = [sentences[i] for i in fair_subset(quote_groups, member_groups, SUMMARY_SENTENCES)]
        limit = len(sentences)
    summary = extractive_summary(sentences, size, weight, limit=limit)
    result = ThemeText(label, summary, label_source, "extractive")
    if generator is None or getattr(generator, "name", "extractive") == "extractive":
        return result
    from civicai.llm import GenerationRequest

    variables = {"keywords": keywords, "quotes": quotes, "language": language}
    try:
        llm_label = generator.generate(GenerationRequest(LABEL_PROMPT, variables, extractive=label,
                                                         max_tokens=24)).strip().strip('"“”')
        if llm_label and llm_label != label and len(llm_label) <= 90 and _grounded(llm_label, quotes + [" ".join(keywords)]):
            result.label, result.label_source = llm_label, "llm"
        llm_summary = generator.generate(GenerationRequest(SUMMARY_PROMPT, variables, extractive=summary,
                                                           max_tokens=160)).strip()
        if llm_summary and llm_summary != summary and _grounded(llm_summary, quotes):
            result.summary, result.summary_source = llm_summary, "llm"
    except CivicaiError as exc:  # a model failure must not lose the analysis: keep the extractive text
        result.summary_source = f"extractive (llm failed: {type(exc).__name__})"
    return result
