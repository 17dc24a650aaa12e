"""Cross-language query expansion from a climate-plan glossary (classic dictionary-based CLIR).

A Danish question on an English plan shares almost no words with it, so BM25 and every word-overlap
feature (reranking, abstention) go blind, and the small multilingual embedder alone finds the right passage
for only about three questions in four. The glossary (glossary.tsv beside this file: one concept per line,
its terms in en/fr/de/nl/da/sv/es/it) maps the question's terms to the plan's language: "Hvor mange
ladestandere ..." gains "charging point | charging points | charging station ...". Matching is on
accent-folded text, at a word start; in languages that write compounds (da, de, nl, sv) a term may also
open a longer word ("fjernvarme" in "fjernvarmenettet").
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from civicai.rag.tokenize import fold

GLOSSARY_FILE = Path(__file__).with_name("glossary.tsv")
COMPOUNDING = {"da", "de", "nl", "sv"}
MIN_COMPOUND_HEAD = 4  # shorter terms must match a whole word ("bil" is not the start of "bilag")


@dataclass
class Glossary:
    languages: tuple[str, ...]
    concepts: tuple[dict[str, tuple[str, ...]], ...]  # language -> terms (as written)
    _patterns: dict[str, list[tuple[dict, re.Pattern]]] = field(default_factory=dict, repr=False)

    @classmethod
    def read(cls, path: Path = GLOSSARY_FILE) -> Glossary:
        lines = path.read_text(encoding="utf-8").splitlines()
        if not lines:
            return cls((), ())
        languages = tuple(cell.strip() for cell in lines[0].split("\t"))
        concepts = []
        for line in lines[1:]:
            cells = line.split("\t")
            concept = {language: tuple(t.strip() for t in cell.split("|") if t.strip())
                       for language, cell in zip(languages, cells)}
            if sum(bool(terms) for terms in concept.values()) >= 2:
                concepts.append(concept)
        return cls(languages, tuple(concepts))

    def expand(self, question: str, source: str, target: str) -> list[str]:
        """The target-language terms of every concept whose source-language term occurs in the question."""
        source, target = source[:2], target[:2]
        if source == target or source not in self.languages or target not in self.languages:
            return []
        if source not in self._patterns:
            self._patterns[source] = _compile(self.concepts, source)
        text = fold(question)
        out: list[str] = []
        for concept, regex in self._patterns[source]:
            if regex.search(text):
                out.extend(t for t in concept.get(target, ()) if t not in out)
        return out


def _compile(concepts, source: str) -> list[tuple[dict, re.Pattern]]:
    """One regex per concept for the source language's terms, longest first."""
    compounding = source in COMPOUNDING
    compiled = []
    for concept in concepts:
        terms = [fold(t) for t in concept.get(source, ())]
        if not terms:
            continue
        alternatives = []
        for term in sorted(set(terms), key=len, reverse=True):
            escaped = re.escape(term).replace(r"\ ", r"\s+")
            open_end = compounding and len(term) >= MIN_COMPOUND_HEAD
            alternatives.append(escaped + (r"\w*" if open_end else r"\b"))
        compiled.append((concept, re.compile(r"\b(?:" + "|".join(alternatives) + ")")))
    return compiled


@lru_cache(maxsize=1)
def default_glossary() -> Glossary:
    if not GLOSSARY_FILE.is_file():  # a packaging fault: questions in other languages lose keyword search
        logging.getLogger("civicai.chat").warning("%s is missing: no cross-language query expansion", GLOSSARY_FILE)
        return Glossary((), ())
    return Glossary.read()


def expand_question(question: str, question_language: str, plan_language: str | None) -> str:
    """The question followed by the glossary's terms for it in the plan's language (unchanged when both
    languages are the same or either is not covered)."""
    if not plan_language:
        return question
    extra = default_glossary().expand(question, question_language, plan_language)
    return question + ("\n" + " ; ".join(extra) if extra else "")
