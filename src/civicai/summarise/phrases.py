"""Candidate title phrases: the noun phrases members actually wrote, counted once per submission.

English and French use the shipped spaCy pipelines' parser (noun chunks, with "of"/"de" attachments:
"price of tickets", "prix des billets"); German uses its capitalised nouns (an adjective or two, a noun, optionally "der/des/für
<noun>"); other languages fall back to stop-word-bounded n-grams. A phrase is keyed by its lower-cased,
lightly stemmed words, so "bus lane" and "bus lanes" count together, and shown in the surface form members
used most often. Redaction marks ([PERSON], [EMAIL]) never become phrases.
"""
from __future__ import annotations

import re
import threading
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from civicai.keywords.ctfidf import stop_words_for

MAX_WORDS = 5
_PLACEHOLDER = re.compile(r"\[[A-Z_]+\]")
_WORD = re.compile(r"[^\W\d_][^\W\d_'’-]*|\d+", re.UNICODE)
_CLAUSE = re.compile(r"[.,;:!?()\[\]\"“”«»/\n]+")
_PARSED = ("en", "fr")  # languages with a shipped spaCy model that has a parser
_ATTACH = {"en": {"of", "for"}, "fr": {"de", "des", "du", "d'", "pour", "à", "au", "aux"}}
_GERMAN_LINK = {"der", "des", "für", "von", "im", "in", "am", "zum", "zur"}
_lock = threading.Lock()


@dataclass
class PhraseCounts:
    """Per phrase key: the set of member indices that wrote it and the surface forms they used."""

    docs: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    forms: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, key: str, surface: str, doc: int) -> None:
        self.docs[key].add(doc)
        self.forms[key][surface] += 1

    def surface(self, key: str) -> str:
        """The form members wrote most often (ties: the shortest, then alphabetical)."""
        forms = self.forms[key]
        best = min(forms, key=lambda f: (-forms[f], len(f), f))
        lowered = best[:1].lower() + best[1:]
        return lowered if lowered in forms else best  # "Public transport" only because a sentence began there


def stem(word: str) -> str:
    """Light, language-neutral stemming for counting only (never shown): plural and case endings."""
    w = word.lower().replace("’", "'")
    for suffix in ("es", "en", "s", "e", "n", "x"):
        if len(w) > 4 and w.endswith(suffix):
            return w[: -len(suffix)]
    return w


def phrase_key(words: Sequence[str]) -> str:
    return " ".join(stem(w) for w in words)


def _stops(language: str) -> frozenset[str]:
    return stop_words_for(language) | stop_words_for("en") if language != "en" else stop_words_for("en")


@cache
def _parser(language: str):
    """The shipped spaCy pipeline with tagger and parser (NER excluded: names are not topics)."""
    from civicai.privacy.ner import NER_PACKAGES, _import_spacy, _model_path

    spacy = _import_spacy()
    path = _model_path(NER_PACKAGES[language][0])
    plugins = spacy.util.registry._entry_point_factories
    plugins.entry_points = False  # see privacy.ner: presidio's plugin would import transformers
    try:
        # noun chunks need the tagger and the parser; part-of-speech runs alone (no parser) were cheaper but
        # merged mis-tagged verbs into phrases ("delivery vans double park") and identified one sample theme less
        return spacy.load(path, exclude=["ner", "lemmatizer"])
    finally:
        plugins.entry_points = True


def parser_for(language: str):
    """A spaCy pipeline for en/fr, or None (other languages, or the model package missing)."""
    if language not in _PARSED:
        return None
    try:
        with _lock:
            return _parser(language)
    except (ImportError, OSError, KeyError):
        return None


def _good(words: Sequence[str], stops: frozenset[str]) -> bool:
    if not words or len(words) > MAX_WORDS:
        return False
    if not (words[0][:1].isalnum() and words[-1][-1:].isalnum()):  # "-bikes" from "e-bikes"
        return False
    low = [w.lower() for w in words]
    if low[0] in stops or low[-1] in stops or all(w in stops for w in low):
        return False
    if any(w.isdigit() for w in (low[0], low[-1])) or any(len(w) > 30 for w in low):
        return False
    return any(len(w) >= 3 and not w.isdigit() for w in low)


def _parsed_phrases(doc, language: str, stops: frozenset[str]) -> list[tuple[list[str], str]]:
    """Noun chunks without leading determiners/quantifiers, plus chunk + of/de + chunk (words, surface)."""
    chunks: list[tuple[int, int, list[str]]] = []
    for chunk in doc.noun_chunks:
        tokens = [t for t in chunk if not t.is_space]
        while tokens and (tokens[0].pos_ in {"DET", "PRON", "NUM", "ADP", "CCONJ", "PART", "PUNCT"}
                          or tokens[0].lower_ in stops or not tokens[0].text[:1].isalnum()):
            tokens = tokens[1:]
        while tokens and (tokens[-1].pos_ in {"PUNCT", "PART"} or tokens[-1].lower_ in stops
                          or not tokens[-1].text[-1:].isalnum()):
            tokens = tokens[:-1]
        if tokens and any(t.pos_ in {"NOUN", "PROPN"} for t in tokens) and not any(t.pos_ == "PRON" for t in tokens):
            chunks.append((tokens[0].i, tokens[-1].i, [t.text for t in tokens]))
    def span(start: int, end: int) -> str:  # as written: "real-time", not "real - time"
        return doc.text[doc[start].idx:doc[end].idx + len(doc[end])]

    phrases = [(words, span(start, end)) for start, end, words in chunks]
    attach = _ATTACH.get(language, set())
    by_start = {start: (end, words) for start, end, words in chunks}
    for start, end, words in chunks:
        # "price of tickets": the next token links and a chunk follows (after an optional determiner)
        j = end + 1
        if j < len(doc) and doc[j].lower_ in attach:
            k = j + 1
            while k < len(doc) and doc[k].pos_ == "DET":
                k += 1
            if k in by_start:
                link = [t.text for t in doc[j:k]]
                phrases.append(([*words, *link, *by_start[k][1]], span(start, by_start[k][0])))
    return phrases


def _german_phrases(text: str, stops: frozenset[str]) -> list[list[str]]:
    """(adjective){0,2} + Noun (+ der/des/für + (adjective) + Noun): German nouns are capitalised."""
    phrases: list[list[str]] = []
    for clause in _CLAUSE.split(text):
        words = _WORD.findall(clause)
        for i, word in enumerate(words):
            if not (word[:1].isupper() and len(word) >= 3 and word.lower() not in stops):
                continue
            start = i
            while start > 0 and i - start < 2 and words[start - 1][:1].islower() and words[start - 1] not in stops \
                    and len(words[start - 1]) > 3 and words[start - 1].endswith(("e", "en", "er", "es", "em")):
                start -= 1
            for s in range(start, i + 1):
                phrases.append(words[s:i + 1])
            if i + 2 < len(words) and words[i + 1] in _GERMAN_LINK:
                k = i + 2
                if words[k][:1].islower() and k + 1 < len(words):
                    k += 1
                if words[k][:1].isupper() and words[k].lower() not in stops:
                    phrases.append(words[i:k + 1])
    return phrases


def _ngram_phrases(text: str, stops: frozenset[str]) -> list[list[str]]:
    phrases: list[list[str]] = []
    for clause in _CLAUSE.split(text):
        words = _WORD.findall(clause)
        for n in range(1, 4):
            for i in range(len(words) - n + 1):
                phrases.append(words[i:i + n])
    return phrases


def count_phrases(texts: Sequence[str], language: str) -> PhraseCounts:
    """Every candidate phrase of `texts` (all written in `language`), with the texts that hold it."""
    counts = PhraseCounts()
    stops = _stops(language)
    cleaned = [_PLACEHOLDER.sub(" , ", t) for t in texts]
    nlp = parser_for(language)
    if nlp is not None:
        per_text = (_parsed_phrases(doc, language, stops) for doc in nlp.pipe(cleaned, batch_size=64))
    elif language == "de":
        per_text = (_german_phrases(t, stops) for t in cleaned)
    else:
        per_text = (_ngram_phrases(t, stops) for t in cleaned)
    for doc_index, phrases in enumerate(per_text):
        for item in phrases:
            words, surface = item if isinstance(item, tuple) else (item, " ".join(item))
            if _good(words, stops) and len(surface) <= 60:
                counts.add(phrase_key(words), surface, doc_index)
    return counts
