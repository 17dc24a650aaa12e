"""Is every sentence of an LLM answer backed by a source? A cheap, explainable check before anything is shown.

A sentence is supported by a source when
  1. every number in the sentence appears in that source (1,380,000 = 1 380 000 = 1380000; 1,5 = 1.5), and
  2. at least `threshold` of its content words (function words removed, light prefix stemming) occur in it, and
  3. when an embedder is given, the sentence is close to some sentence of that source (cosine >= a threshold
     calibrated per embedder, see docs/generators.md).
If the sentence cites passages ("[2]", 1-based), only those are candidates; otherwise every source is.
`filter_supported` keeps the supported sentences, or returns None when fewer than half survive, so the
caller falls back to its extractive draft. Limits: negations and swapped roles pass the lexical test;
an answer in another language than its sources fails it (then the extractive draft is used).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from civicai.errors import InputError
from civicai.llm._function_words import ALL_FUNCTION_WORDS, FUNCTION_WORDS

# Calibrated on real passages (see docs/generators.md, "Calibration").
LEXICAL_THRESHOLD = 0.6
EMBEDDING_THRESHOLDS = {"use": 0.40, "e5": 0.86, "minilm": 0.5}  # minilm: not calibrated (English only)
DEFAULT_EMBEDDING_THRESHOLD = 0.5
MIN_SUPPORTED_FRACTION = 0.5
STEM_LENGTH = 5

# -- sentence splitting -----------------------------------------------------------------------------------
_ABBREVIATIONS = {
    "en": "e.g i.e etc vs approx ca cf fig figs no nos nr mr mrs ms dr prof st jr sr inc ltd co corp dept est "
          "incl min max jan feb mar apr jun jul aug sep sept oct nov dec vol pp p al",
    "fr": "m mm mme mmes mlle dr pr etc cf p pp art av bd env ex fig hab min max no nº n° vol chap éd",
    "de": "z.b d.h u.a usw bzw ca vgl nr abs art bsp ggf inkl evtl s str tel zzgl geb gem sog dr prof hr fr "
          "jh mio mrd",
    "nl": "bijv o.a m.a.w d.w.z enz nl blz vgl nr art dhr mevr mw dr prof ca ca. incl excl mln mld",
}
_GERMAN_MONTHS = ["januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "dezember", "jan", "feb", "mär", "apr", "jun", "jul", "aug", "sep", "sept", "okt", "nov", "dez"]
_BOUNDARY = re.compile(r"[.!?…]+[\"'»”’)\]]*(?=\s)")
_BULLET_LINE = re.compile(r"^\s*(?:[-*•▪–]|\d{1,2}[.)]|#{1,6})\s+")
_DOTTED_INITIALS = re.compile(r"^(?:[^\W\d_]{1,2}\.)+[^\W\d_]{1,2}$")


def _abbreviations(language: str | None) -> frozenset[str]:
    if language and language[:2].lower() in _ABBREVIATIONS:
        words = _ABBREVIATIONS[language[:2].lower()]
    else:
        words = " ".join(_ABBREVIATIONS.values())
    return frozenset(words.split())


def _blocks(text: str) -> list[str]:
    """Paragraphs and list items; a single line break inside a paragraph (wrapping) joins the lines."""
    blocks: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or _BULLET_LINE.match(line):
            if current:
                blocks.append(" ".join(current))
            current = [_BULLET_LINE.sub("", line).strip()] if stripped else []
            continue
        if current and current[-1][-1:] in ".!?:;…":
            blocks.append(" ".join(current))
            current = []
        current.append(stripped)
    if current:
        blocks.append(" ".join(current))
    return [b for b in blocks if b]


def _is_false_boundary(block: str, end: int, abbreviations: frozenset[str]) -> bool:
    """Should the period ending at `end` (exclusive) stay inside the sentence?"""
    punct_start = end
    while punct_start > 0 and block[punct_start - 1] in ".!?…\"'»”’)]":
        punct_start -= 1
    if block[punct_start:end].strip("\"'»”’)]") != ".":
        return False  # ! ? … and multiple dots always end a sentence
    word = block[:punct_start].rsplit(maxsplit=1)[-1] if block[:punct_start].strip() else ""
    word = word.lstrip("(\"'«“[")
    rest = block[end:].lstrip()
    if not rest:
        return False
    if word.lower() in abbreviations or _DOTTED_INITIALS.match(word):
        return True
    if len(word) == 1 and word.isalpha() and word.isupper():
        return True  # an initial: "J. Smith"
    if word.isdigit() and len(word) <= 2 and rest.split(maxsplit=1)[0].lower().strip(",.") in _GERMAN_MONTHS:
        return True  # German ordinal date: "am 1. Januar"
    first = rest[0]
    return not (first.isupper() or first.isdigit() or first in "\"'«“([¿¡")


def split_sentences(text: str, language: str | None = None) -> list[str]:
    """Split text into sentences; robust to abbreviations (e.g., z.B., M.), decimals (1.5) and list items."""
    if not isinstance(text, str):
        raise InputError(f"split_sentences needs a string, got {type(text).__name__}", "pass the answer text")
    abbreviations = _abbreviations(language)
    sentences: list[str] = []
    for block in _blocks(text):
        start = 0
        for match in _BOUNDARY.finditer(block):
            if _is_false_boundary(block, match.end(), abbreviations):
                continue
            piece = block[start:match.end()].strip()
            if piece:
                sentences.append(piece)
            start = match.end()
        tail = block[start:].strip()
        if tail:
            sentences.append(tail)
    return _reattach_citations(sentences)


def _reattach_citations(sentences: list[str]) -> list[str]:
    """'... by 2030. [1] Next' splits after the period; the citation belongs to the sentence before it."""
    fixed: list[str] = []
    for sentence in sentences:
        match = _LEADING_CITATION.match(sentence)
        if match and fixed:
            fixed[-1] = f"{fixed[-1]} {match.group().strip()}"
            sentence = sentence[match.end():].strip()
        if sentence:
            fixed.append(sentence)
    return fixed


# -- tokens -------------------------------------------------------------------------------------------------
_CITATION = re.compile(r"\s*\[\s*(?:(?:source|passage|doc|s)\s*)?\d+(?:\s*[,;]\s*(?:(?:source|passage|doc|s)\s*)?\d+)*\s*\]",
                       re.IGNORECASE)
_LEADING_CITATION = re.compile(r"^(?:\s*\[\s*(?:(?:source|passage|doc|s)\s*)?\d+(?:\s*[,;]\s*(?:(?:source|passage|doc|s)\s*)?\d+)*\s*\])+[.,;]?",
                               re.IGNORECASE)
_NUMBER = re.compile(r"(?<![^\W\d_])(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)|\d+(?:[.,]\d+)*)")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("ß", "ss")


_FOLDED_FUNCTION_WORDS = {lang: frozenset(_fold(w) for w in words) for lang, words in FUNCTION_WORDS.items()}
_FOLDED_ALL_FUNCTION_WORDS = frozenset(_fold(w) for w in ALL_FUNCTION_WORDS)


def _number_forms(token: str) -> set[str]:
    """Readings of a written number: '1,380,000' -> {'1380000', '1380.0'...}; '1,5' -> {'1.5'}."""
    def canonical(integer: str, fraction: str = "") -> str:
        integer = integer.lstrip("0") or "0"
        fraction = fraction.rstrip("0")
        return f"{integer}.{fraction}" if fraction else integer

    token = re.sub(r"[\u00a0\u202f ]", " ", token)
    if " " in token:
        return {canonical(token.replace(" ", ""))}
    parts = re.split(r"[.,]", token)
    if len(parts) == 1:
        return {canonical(token)}
    separators = re.findall(r"[.,]", token)
    forms: set[str] = set()
    if len(separators) == 1 or (len(set(separators[:-1])) == 1 and separators[-1] != separators[0]):
        forms.add(canonical("".join(parts[:-1]), parts[-1]))  # the last separator is the decimal point
    if len(set(separators)) == 1 and all(len(p) == 3 for p in parts[1:]):
        forms.add(canonical("".join(parts)))  # every separator groups thousands
    return forms or {token}


def _stem(word: str) -> str:
    return word[:STEM_LENGTH]


@dataclass(frozen=True)
class _Tokens:
    numbers: tuple[frozenset[str], ...]  # one set of readings per number in the text
    number_texts: tuple[str, ...]
    stems: frozenset[str]

    @property
    def all_number_forms(self) -> frozenset[str]:
        return frozenset().union(*self.numbers) if self.numbers else frozenset()


def _tokens(text: str, language: str | None = None) -> _Tokens:
    function_words = _FOLDED_FUNCTION_WORDS.get((language or "")[:2], _FOLDED_ALL_FUNCTION_WORDS)
    number_texts = tuple(m.group() for m in _NUMBER.finditer(text))
    words = (_fold(w) for w in _WORD.findall(text))
    stems = frozenset(_stem(w) for w in words if len(w) > 2 and w not in function_words)
    return _Tokens(tuple(frozenset(_number_forms(n)) for n in number_texts), number_texts, stems)


def cited_passages(sentence: str) -> list[int]:
    """1-based passage numbers cited as [1], [2, 3] or [S2] in a sentence."""
    found: list[int] = []
    for match in _CITATION.finditer(sentence):
        found.extend(int(n) for n in re.findall(r"\d+", match.group()))
    return found


def strip_citations(sentence: str) -> str:
    return _CITATION.sub("", sentence).strip()


# -- support --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SentenceSupport:
    sentence: str
    source_index: int | None  # 0-based index into `sources` of the best supporting source
    score: float  # share of the sentence's content words found in that source (1.0 when it has none)
    supported: bool
    missing_numbers: tuple[str, ...] = ()
    missing_words: tuple[str, ...] = field(default=(), repr=False)
    similarity: float | None = None  # embedding cosine with the closest source sentence, when an embedder is given


def _score(sentence: _Tokens, source: _Tokens) -> tuple[float, tuple[str, ...], tuple[str, ...]]:
    source_forms = source.all_number_forms
    missing_numbers = tuple(text for text, forms in zip(sentence.number_texts, sentence.numbers)
                            if not forms & source_forms)
    missing_words = tuple(sorted(sentence.stems - source.stems))
    coverage = 1.0 if not sentence.stems else 1.0 - len(missing_words) / len(sentence.stems)
    return coverage, missing_numbers, missing_words


def _embedding_threshold(embedder: Any, explicit: float | None) -> float:
    if explicit is not None:
        return explicit
    return EMBEDDING_THRESHOLDS.get(str(getattr(embedder, "name", "")).lower(), DEFAULT_EMBEDDING_THRESHOLD)


def _validate_sources(sources: Sequence[str]) -> list[str]:
    if isinstance(sources, str) or not isinstance(sources, Sequence):
        raise InputError("sources must be a list of passage texts", "wrap a single passage in a list: [passage]")
    bad = [i for i, s in enumerate(sources) if not isinstance(s, str)]
    if bad:
        raise InputError(f"sources[{bad[0]}] is {type(sources[bad[0]]).__name__}, not a string",
                         "pass the passages' text")
    return list(sources)


def supported_sentences(text: str, sources: Sequence[str], embedder: Any = None, threshold: float = LEXICAL_THRESHOLD,
                        *, embedding_threshold: float | None = None, language: str | None = None) -> list[SentenceSupport]:
    """Judge each sentence of `text` against `sources` (see the module docstring for the rule)."""
    sources = _validate_sources(sources)
    source_tokens = [_tokens(s, language) for s in sources]
    results: list[SentenceSupport] = []
    for sentence in split_sentences(text, language):
        claim = strip_citations(sentence)
        if not claim or not any(ch.isalnum() for ch in claim):
            continue  # a stray citation or punctuation: nothing to check, nothing to keep
        tokens = _tokens(claim, language)
        cited = [n - 1 for n in cited_passages(sentence) if 1 <= n <= len(sources)]
        candidates = cited or list(range(len(sources)))
        # best source: one that supports the sentence, else the one sharing the most words (then numbers)
        best: tuple[bool, float, bool, int, tuple[str, ...], tuple[str, ...]] | None = None
        for index in candidates:
            coverage, missing_numbers, missing_words = _score(tokens, source_tokens[index])
            passes = not missing_numbers and coverage >= threshold
            key = (passes, coverage, not missing_numbers, -index, missing_numbers, missing_words)
            if best is None or key[:4] > best[:4]:
                best = key
        if best is None:  # no sources at all
            results.append(SentenceSupport(sentence, None, 0.0, False, tuple(tokens.number_texts)))
            continue
        passes, coverage, _, neg_index, missing_numbers, missing_words = best
        results.append(SentenceSupport(sentence, -neg_index, round(coverage, 3), passes, missing_numbers,
                                       missing_words))
    if embedder is not None and results:
        results = _add_similarity(results, sources, embedder, _embedding_threshold(embedder, embedding_threshold),
                                  language)
    return results


def _add_similarity(results: list[SentenceSupport], sources: list[str], embedder: Any, threshold: float,
                    language: str | None) -> list[SentenceSupport]:
    """Cosine of each sentence with the closest sentence of its chosen source (embeddings are L2-normalised)."""
    needed = sorted({r.source_index for r in results if r.source_index is not None})
    source_sentences = {i: (split_sentences(sources[i], language) or [sources[i]])[:400] for i in needed}
    flat = [s for i in needed for s in source_sentences[i]]
    claims = [strip_citations(r.sentence) for r in results]
    vectors = np.asarray(embedder.encode(claims + flat), dtype=np.float32)
    claim_vectors, source_vectors = vectors[: len(claims)], vectors[len(claims):]
    offsets, position = {}, 0
    for i in needed:
        offsets[i] = (position, position + len(source_sentences[i]))
        position += len(source_sentences[i])
    judged = []
    for result, vector in zip(results, claim_vectors):
        if result.source_index is None:
            judged.append(result)
            continue
        lo, hi = offsets[result.source_index]
        similarity = float(np.max(source_vectors[lo:hi] @ vector))
        judged.append(SentenceSupport(result.sentence, result.source_index, result.score,
                                      result.supported and similarity >= threshold, result.missing_numbers,
                                      result.missing_words, round(similarity, 3)))
    return judged


def _is_finished(sentence: str) -> bool:
    return strip_citations(sentence).rstrip()[-1:] in tuple(".!?…:;\"'»”’)]")


def filter_supported(text: str, sources: Sequence[str], embedder: Any = None, threshold: float = LEXICAL_THRESHOLD,
                     *, embedding_threshold: float | None = None, language: str | None = None,
                     min_fraction: float = MIN_SUPPORTED_FRACTION, drop_unfinished: bool = True) -> str | None:
    """The supported sentences of `text` joined by spaces, or None if fewer than `min_fraction` of them pass.

    drop_unfinished: a last sentence with no closing punctuation (the model hit max_tokens mid-sentence) is
    left out and not counted, unless it is the only sentence.
    """
    judged = supported_sentences(text, sources, embedder, threshold, embedding_threshold=embedding_threshold,
                                 language=language)
    if drop_unfinished and len(judged) > 1 and not _is_finished(judged[-1].sentence):
        judged = judged[:-1]
    kept = [r.sentence for r in judged if r.supported]
    if not judged or len(kept) < min_fraction * len(judged):
        return None
    return " ".join(kept)
