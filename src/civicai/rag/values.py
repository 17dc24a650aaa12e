"""The value a quote gives for a "when / how much / how many" question, said plainly (child answers lead with it).

Unit-aware: when the question names a unit ("how many hectares"), a number with that unit wins over numbers
with other units in the same sentence (a GWh target beside the hectares); numbers the question itself states
never count ("by 2030" in the question is not the answer); of several numbers that qualify, the one whose
neighbouring words share most of the question's words wins ("42 km today" vs "85 km of new lanes" for "how
many km of new lanes"). Only what the quote literally says is returned,
so the plain line can never state a value the cited sentence does not hold.
"""
from __future__ import annotations

import re

from civicai.rag.tokenize import content_terms, fold

_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_NUM = r"\d+(?:[.,\u00a0]\d{3})*(?:[.,]\d+)?"  # no plain-space groups: "in 2025 100 homes" is two numbers
_SCALE = r"(?:mln|mio|million\w*|mia|mrd|milliard\w*|billion\w*|bn|k)"
_CURRENCY = r"(?:€|\$|£|eur(?:os?)?\b|dkk\b|sek\b|kr\b|nok\b)"
_MONEY = re.compile(rf"{_CURRENCY}\s?{_NUM}(?:\s?{_SCALE}\b)?|{_NUM}\s?(?:{_SCALE}\s?)?{_CURRENCY}", re.IGNORECASE)
# units a resident asks about, folded; the key is what the question says, the values what a plan writes
_UNITS = {
    "%": ("%", "percent", "per cent", "pour cent", "prozent", "procent"),
    "ha": ("ha", "hectares", "hectare", "hektar"),
    "gwh": ("gwh",), "mwh": ("mwh",), "kwh": ("kwh",), "mw": ("mw",), "gw": ("gw",),
    "ton": ("kton", "kilotons", "kiloton", "tonnes", "tonne", "tons", "ton", "t"),
    "km": ("km", "kilometres", "kilometers", "kilometre", "kilometer"),
    "m2": ("m2", "square metres", "square meters"),
}
_UNIT_WORDS = sorted({w for words in _UNITS.values() for w in words}, key=len, reverse=True)
_NUMBER_UNIT = re.compile(rf"({_NUM})\s?(" + "|".join(re.escape(w) for w in _UNIT_WORDS) + r")?(?![\w])",
                          re.IGNORECASE)
_QUESTION_UNIT = {key: re.compile(r"(?<![\w])(" + "|".join(re.escape(w) for w in words) + r"|" + key + r")(?![\w])")
                  for key, words in _UNITS.items()}


def _clean(text: str) -> str:
    """Plan Markdown keeps LaTeX for some numbers ("$26\\%$"): read it as a resident would."""
    return re.sub(r"\s+", " ", text.replace("\\%", "%").replace("$", " ")).strip()


def _unit_key(word: str) -> str | None:
    word = fold(word or "").strip()
    return next((key for key, words in _UNITS.items() if word in words), None)


def plain_value(quote: str, kind: str | None, question: str) -> str | None:
    """The quote's value of the asked kind ('year', 'money', 'number'), or None when it holds none."""
    if kind is None:
        return None
    text = _clean(quote)
    given = set(re.findall(r"\d+", question))
    if kind == "year":
        years = [y for y in _YEAR.findall(text) if y not in given]
        return years[0] if years else None
    if kind == "money":
        found = [m.group(0).strip() for m in _MONEY.finditer(text) if set(re.findall(r"\d+", m.group(0))) - given]
        return found[0] if found else None
    folded = fold(question)
    asked = (content_terms(question), _words(question))
    asked_units = {key for key, pattern in _QUESTION_UNIT.items() if pattern.search(folded)}
    candidates = []
    for match in _NUMBER_UNIT.finditer(text):
        number, unit = match.group(1), match.group(2)
        if (unit is None and _YEAR.fullmatch(number)) or not set(re.findall(r"\d+", number)) - given:
            continue
        candidates.append((match.group(0).strip(), _unit_key(unit) if unit else None, _overlap(text, match, asked)))
    if asked_units:  # the number in the unit asked for, never one beside it in another unit
        candidates = [c for c in candidates if c[1] in asked_units]
    elif any(unit for _, unit, _ in candidates):
        candidates = [c for c in candidates if c[1]]
    # stable: on equal overlap the first number in reading order
    return max(candidates, key=lambda c: c[2])[0] if candidates else None


_WINDOW = 6  # words either side of a number that say what it counts


def _overlap(text: str, match: re.Match, asked: tuple[set[str], set[str]]) -> tuple[int, int]:
    """(shared content words, shared plain words): the second breaks ties on short words a stop list drops
    ("new" lanes against the lanes there are today)."""
    window = " ".join(text[:match.start()].split()[-_WINDOW:] + text[match.end():].split()[:_WINDOW])
    return len(content_terms(window) & asked[0]), len(_words(window) & asked[1])


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", fold(text)) if len(w) >= 3 and not w.isdigit()}
