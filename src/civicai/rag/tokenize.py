"""Multilingual tokenisation for BM25: lowercase, accents folded, stop words dropped, light stemming.

Each word longer than four letters also yields a 5-letter prefix token ("p:mobil"). That is crude stemming
for five languages at once, and it matches cognates across languages ("mobilité"/"mobility",
"énergie"/"energy"), which helps a French question find an English passage before the dense retriever does.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

LANGUAGES = ("en", "fr", "de", "nl", "da")
_WORD = re.compile(r"[a-z0-9]+")
# A few words per language that stop-words lacks or that carry no meaning in a plan question.
_EXTRA_STOP = {"plan", "city", "what", "which", "how", "does", "quel", "quelle", "quels", "quelles",
               "comment", "est", "ce", "que", "qui", "welche", "welcher", "wie", "was", "hvad", "hvilke",
               "hvordan", "wat", "welke", "hoe", "the", "will", "would", "should", "can"}


# Units written out in one place and as a symbol in another ("kilometres" in the question, "85 km" in the
# plan) become one token (on accent-folded text).
_UNITS = {**dict.fromkeys(("kilometre", "kilometres", "kilometer", "kilometers", "kilometern"), "km"),
          **dict.fromkeys(("tonne", "tonnes", "ton", "tons", "tonnen", "tonnage"), "tonnes"),
          **dict.fromkeys(("megawatt", "megawatts"), "mw"), **dict.fromkeys(("gigawatt", "gigawatts"), "gw"),
          **dict.fromkeys(("hectare", "hectares", "hektar", "hektaren"), "hectares")}
_UNIT_SYMBOLS = frozenset(_UNITS.values())


def fold(text: str) -> str:
    """Lowercase and strip accents: 'Énergie' -> 'energie', 'København' -> 'kobenhavn'."""
    text = text.lower().replace("ø", "o").replace("æ", "ae").replace("ß", "ss").replace("œ", "oe")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    words: set[str] = set(_EXTRA_STOP)
    from stop_words import get_stop_words

    for code in LANGUAGES:
        words.update(fold(w) for w in get_stop_words(code))
    return frozenset(words)


def tokenize(text: str, prefixes: bool = True) -> list[str]:
    stops = stop_words()
    tokens: list[str] = []
    for word in _WORD.findall(fold(text)):
        if word in _UNITS or word in _UNIT_SYMBOLS:
            tokens.append(_UNITS.get(word, word))  # kept even where a stop list has it ("km")
            continue
        if word in stops or (len(word) < 2 and not word.isdigit()):
            continue
        tokens.append(word)
        if prefixes and len(word) > 4 and not word.isdigit():
            tokens.append("p:" + word[:5])
    return tokens


def content_terms(text: str) -> set[str]:
    """Distinct content words (no prefixes), for coverage features."""
    return {t for t in tokenize(text, prefixes=False) if not t.isdigit() or len(t) >= 3}
