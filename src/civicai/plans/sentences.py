"""A small multilingual sentence splitter (en, fr, de, nl, da) good enough for plan prose and lists.

Plans are full of numbers ("3.2", "1.5 °C"), abbreviations ("e.g.", "M.", "z.B.") and bullet lists; a
regex splitter that knows these is faster and more predictable here than a model.
"""
from __future__ import annotations

import re

_ABBREVIATIONS = {
    "e.g", "i.e", "etc", "vs", "cf", "mr", "mrs", "ms", "dr", "st", "no", "nr", "fig", "approx", "incl",
    "m", "mme", "mlle", "env", "p", "pp", "art", "z.b", "bzw", "ca", "d.h", "u.a", "ggf", "evt", "f.eks",
    "bl.a", "mio", "mia", "mrd", "mld", "inc", "ltd", "co", "jan", "feb", "aug", "sept", "oct", "nov", "dec",
}
# A sentence ends at . ! ? (optionally followed by quotes/brackets) and whitespace, before an upper-case
# letter, a digit, a quote or a bullet.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"'»”)\]]*\s+(?=[\"'«“(\[]?[A-ZÀ-ÖØ-Þ0-9•\-–])")
_BULLET = re.compile(r"^\s*(?:[-*•–]|\d{1,2}[.)])\s+")


def _ends_with_abbreviation(text: str) -> bool:
    match = re.search(r"(\S+)\.$", text)
    if not match:
        return False
    word = match.group(1).lower().lstrip("(«\"'")
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def split_sentences(text: str) -> list[str]:
    """Split into sentences; every list item and line of a table is a sentence of its own."""
    sentences: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        line = _BULLET.sub("", line) if _BULLET.match(line) else line
        pieces = _BOUNDARY.split(line)
        buffer = ""
        for piece in pieces:
            buffer = f"{buffer} {piece}".strip() if buffer else piece.strip()
            if not _ends_with_abbreviation(buffer):
                sentences.append(buffer)
                buffer = ""
        if buffer:
            sentences.append(buffer)
    return [s for s in sentences if s]
