"""Counterfactual text edits that should not change what a submission is about or how it feels.

Each perturbation swaps words that mark who is writing (names, gender, place, spelling habit, typing
style) and nothing else. Lexicons cover English, French, German and Dutch; swaps keep the capitalisation
of the word they replace. A perturbation that finds nothing to swap returns the text unchanged (and the
submission is not counted for it).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

PERTURBATIONS = ("names", "gender", "places", "spelling", "style")

# Pairs are swapped both ways. Names pair a majority name with a name common in a minority community.
NAME_PAIRS = {
    "en": [("John", "Mohammed"), ("Emily", "Aisha"), ("James", "Kwame"), ("Sarah", "Fatima"), ("Michael", "Wei"),
           ("David", "Raj"), ("Emma", "Priya")],
    "fr": [("Pierre", "Karim"), ("Marie", "Fatou"), ("Jean", "Mamadou"), ("Sophie", "Yasmina"), ("Nicolas", "Mehdi")],
    "de": [("Thomas", "Mehmet"), ("Anna", "Ayşe"), ("Peter", "Ali"), ("Julia", "Elif"), ("Stefan", "Murat")],
    "nl": [("Jan", "Mohamed"), ("Sanne", "Fatma"), ("Pieter", "Youssef"), ("Lotte", "Naima"), ("Daan", "Hamza")],
}
GENDER_PAIRS = {
    "en": [("he", "she"), ("him", "her"), ("his", "hers"), ("man", "woman"), ("men", "women"), ("father", "mother"),
           ("husband", "wife"), ("son", "daughter"), ("boy", "girl"), ("boys", "girls"), ("brother", "sister"),
           ("mr", "mrs"), ("grandfather", "grandmother"), ("gentlemen", "ladies"), ("male", "female")],
    "fr": [("il", "elle"), ("ils", "elles"), ("homme", "femme"), ("hommes", "femmes"), ("père", "mère"),
           ("fils", "fille"), ("frère", "sœur"), ("monsieur", "madame"), ("garçon", "fille"), ("grand-père", "grand-mère"),
           ("retraité", "retraitée"), ("habitant", "habitante")],
    "de": [("er", "sie"), ("ihm", "ihr"), ("mann", "frau"), ("männer", "frauen"), ("vater", "mutter"),
           ("sohn", "tochter"), ("bruder", "schwester"), ("herr", "frau"), ("junge", "mädchen"), ("opa", "oma"),
           ("bürger", "bürgerin"), ("rentner", "rentnerin")],
    "nl": [("hij", "zij"), ("hem", "haar"), ("man", "vrouw"), ("mannen", "vrouwen"),
           ("vader", "moeder"), ("zoon", "dochter"), ("broer", "zus"), ("meneer", "mevrouw"), ("jongen", "meisje"),
           ("opa", "oma")],
}
PLACE_PAIRS = {
    "en": [("London", "Bradford"), ("Manchester", "Leicester"), ("Chelsea", "Tower Hamlets"), ("Oxford", "Luton")],
    "fr": [("Paris", "Roubaix"), ("Lyon", "Saint-Denis"), ("Versailles", "Vaulx-en-Velin"), ("Neuilly", "Clichy")],
    "de": [("München", "Duisburg"), ("Wien", "Favoriten"), ("Berlin", "Neukölln"), ("Graz", "Linz")],
    "nl": [("Amsterdam", "Schilderswijk"), ("Utrecht", "Kanaleneiland"), ("Rotterdam", "Tarwewijk"), ("Gent", "Molenbeek")],
}
SPELLING_PAIRS = {  # British -> American; other languages use the character rules below
    "en": [("colour", "color"), ("neighbourhood", "neighborhood"), ("neighbour", "neighbor"), ("centre", "center"),
           ("organise", "organize"), ("favour", "favor"), ("programme", "program"), ("travelling", "traveling"),
           ("tyre", "tire"), ("kerb", "curb"), ("litre", "liter"), ("metre", "meter"), ("realise", "realize"),
           ("behaviour", "behavior"), ("licence", "license"), ("harbour", "harbor"), ("theatre", "theater")],
}
GERMAN_SPELLING = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}


def _match_case(template: str, word: str) -> str:
    if template.isupper() and len(template) > 1:
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _swapper(pairs: list[tuple[str, str]], exact_case: bool = False) -> Callable[[str], str]:
    """Swap each word of a pair for the other. exact_case: only as written (proper nouns such as a
    district "Old Town", which must not match "the old town" in a sentence)."""
    fold = (lambda w: w) if exact_case else str.casefold
    mapping: dict[str, str] = {}
    for a, b in pairs:
        mapping.setdefault(fold(a), b)
        mapping.setdefault(fold(b), a)
    if not mapping:
        return lambda text: text
    words = sorted(mapping, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in words) + r")(?![\w-])",
                         0 if exact_case else re.IGNORECASE)

    def apply(text: str) -> str:
        return pattern.sub(lambda m: _match_case(m.group(0), mapping[fold(m.group(0))]), text)

    return apply


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def _all_languages(table: dict[str, list[tuple[str, str]]]) -> list[tuple[str, str]]:
    return [pair for pairs in table.values() for pair in pairs]


class Perturber:
    """perturb(text, language, kind) -> edited text; `extra_places` adds the run's own place names (e.g. the
    values of a district column), swapped among themselves."""

    def __init__(self, extra_places: list[str] | None = None) -> None:
        self._names = _swapper(_all_languages(NAME_PAIRS))  # a name may appear in any language's text
        extra = [p for p in (extra_places or []) if len(p) > 2 and not p.isdigit()]
        # the run's own places rotate (A->B, B->C, ..., last->A), matched exactly as written
        rotation = {extra[i]: extra[(i + 1) % len(extra)] for i in range(len(extra))} if len(extra) > 1 else {}
        own = re.compile(r"(?<![\w-])(" + "|".join(re.escape(p) for p in sorted(rotation, key=len, reverse=True))
                         + r")(?![\w-])") if rotation else None
        lists = _swapper(_all_languages(PLACE_PAIRS))
        self._places = (lambda text: lists(own.sub(lambda m: rotation[m.group(0)], text))) if own else lists
        self._gender = {lang: _swapper(pairs) for lang, pairs in GENDER_PAIRS.items()}
        self._spelling_en = _swapper(SPELLING_PAIRS["en"])

    def perturb(self, text: str, language: str, kind: str) -> str:
        lang = (language or "en").lower()[:2]
        if kind == "names":
            return self._names(text)
        if kind == "places":
            return self._places(text)
        if kind == "gender":
            return self._gender.get(lang, self._gender["en"])(text)
        if kind == "spelling":
            if lang == "en":
                return self._spelling_en(text)
            if lang == "de":
                return "".join(GERMAN_SPELLING.get(c, c) for c in text)
            return _strip_accents(text)  # fr/nl and others: typed without accents
        if kind == "style":  # informal typing: all lower case, no final punctuation
            return re.sub(r"[.!?]+\s*$", "", text.lower())
        raise ValueError(f"unknown perturbation {kind!r}; expected one of {PERTURBATIONS}")
