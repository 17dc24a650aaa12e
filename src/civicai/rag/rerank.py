"""Sentence-level reranking of the fused candidates: which passage answers, and which of its sentences.

Fusion (BM25 + E5, RRF) finds the right passage among its top 5 for 96 % of questions, but its first passage
is often a neighbour that shares the topic without the asked fact. The reranker scores every quotable
sentence of the top candidates and ranks passages by their best sentence:

  lexical   IDF-weighted share of the question's tokens (words and 5-letter prefixes) in the sentence
  heading   the same share in the passage's section path ("Fiche 12 > Calendrier", "… > Indicateurs de suivi")
  value     the question asks for a value type (a year, an amount of money, a number or share) and the
            sentence holds one: +1; it asks and the sentence has none: 0
  passage   E5 cosine of the whole passage minus the best candidate's (the dense retriever's opinion)
  coverage  IDF-weighted share of the question's tokens in the passage plus its neighbours in the same
            section (context: the fact may sit next to the words that name it)
  fused     the passage's RRF score over the best one's (the fusion's own ranking, 0..1)
  sentence  cosine of question and sentence from the fast multilingual sentence encoder (USE; plan sentences
            are encoded once per plan version and kept on disk)

The weights were chosen on development questions only (evaluation/chat_rerank_dev.py: the Copenhagen
contract, the odd-numbered Dinan sheets and the shipped sample plan), never on the reported test questions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from civicai.plans.types import Chunk
from civicai.rag.index import Hit, PlanIndex
from civicai.rag.tokenize import fold, tokenize

# What a question asks for, from its wording in en/fr/de/nl/da (on accent-folded text).
_ASKS_YEAR = re.compile(r"\b(when|by when|what year|which year|deadline|timeline|quand|en quelle annee|"
                        r"d'ici quand|calendrier|echeance|wann|bis wann|in welchem jahr|zeitplan|wanneer|"
                        r"in welk jaar|tegen wanneer|hvornar|hvilket ar|tidsplan)\b")
_ASKS_MONEY = re.compile(r"\b(cost|costs|budget|funding|financ\w*|euros?|money|spend\w*|invest\w*|cout\w*|"
                         r"moyens financiers|kost\w*|geld|finanzier\w*|omkostning\w*|penge|bevilling\w*)\b")
_ASKS_NUMBER = re.compile(r"\b(how many|how much|what share|what percentage|what proportion|how large|how big|"
                          r"combien|quelle part|quel pourcentage|quelle proportion|wie viele|wie viel|"
                          r"welcher anteil|hoeveel|welk deel|welk percentage|hoe groot|hvor mange|hvor meget|"
                          r"hvor stor|hvilken andel)\b")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
NUMBERS_WRITTEN = re.compile(r"\d+(?:[.,\u00a0 ]\d{3})*")  # a number as written, thousands separators included
_NUMBER = re.compile(r"\d")
_MONEY = re.compile(r"(€|\$|£|\b(?:eur|euros?|dkk|sek|kr|nok|k€|m€|md€|mio|mia|mrd|million\w*|billion\w*|"
                    r"milliard\w*|budget)\b)", re.IGNORECASE)


def asked_value(question: str) -> str | None:
    """'year', 'money', 'number' or None: the type of value the question asks for."""
    text = fold(question)
    if _ASKS_MONEY.search(text):
        return "money"
    # "when" asks for a date where it opens the question ("When will ...", "By when ...", "Since when ...");
    # later it is usually a conjunction ("What support do households get when their car is banned?")
    if _ASKS_YEAR.search(" ".join(text.split()[:4])):
        return "year"
    if _ASKS_NUMBER.search(text):
        return "number"
    return None


def holds_value(sentence: str, kind: str | None, given: frozenset[str] = frozenset()) -> float:
    """1.0 when the sentence holds a value of the asked kind. Numbers the question itself states (`given`) do
    not count: "Since when has the city aimed at neutrality by 2030?" is not answered by a sentence whose only
    year is 2030."""
    if kind is None:
        return 0.0
    if given:
        sentence = NUMBERS_WRITTEN.sub(lambda m: " " if m.group(0) in given else m.group(0), sentence)
    if kind == "year":
        return float(bool(_YEAR.search(sentence)))
    if kind == "money":
        return float(bool(_MONEY.search(sentence)) and bool(_NUMBER.search(sentence)))
    return float(bool(_NUMBER.search(_YEAR.sub("", sentence))))  # a number that is not only a year


@dataclass(frozen=True)
class Weights:
    """The reranker's weights, chosen on development plans by evaluation/chat_rerank_dev.py (docs/chat.md says
    against what)."""

    lexical: float = 1.0
    heading: float = 2.0
    value: float = 0.4
    passage: float = 10.0
    coverage: float = 1.0
    sentence: float = 0.5
    fused: float = 2.0


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class RankedPassage:
    hit: Hit
    score: float  # the best sentence's score
    sentence_scores: np.ndarray  # one per quotable sentence of the chunk, in reading order
    best_sentence: int
    features: dict | None = None  # the raw features (for the abstention model)


class Reranker:
    """Reranks fused hits by their best sentence; sentences and their tokens are cached per chunk."""

    def __init__(self, index: PlanIndex, sentences_of, weights: Weights = DEFAULT_WEIGHTS) -> None:
        self.index = index
        self.sentences_of = sentences_of  # Chunk -> list[str] (quotable sentences; cached by the caller)
        self.weights = weights
        self._tokens: dict[int, list[frozenset[str]]] = {}
        self._heading_tokens: dict[int, frozenset[str]] = {}
        self._by_ordinal = {c.ordinal: c for c in index.chunks}

    def sentence_tokens(self, chunk: Chunk) -> list[frozenset[str]]:
        if chunk.ordinal not in self._tokens:
            self._tokens[chunk.ordinal] = [frozenset(tokenize(s)) for s in self.sentences_of(chunk)]
        return self._tokens[chunk.ordinal]

    def heading_tokens(self, chunk: Chunk) -> frozenset[str]:
        if chunk.ordinal not in self._heading_tokens:
            self._heading_tokens[chunk.ordinal] = frozenset(tokenize(" ".join(chunk.section_path)))
        return self._heading_tokens[chunk.ordinal]

    def _context_tokens(self, chunk: Chunk) -> frozenset[str]:
        """The chunk's tokens plus those of its neighbours in the same section."""
        tokens = set(self.index.chunk_tokens[chunk.ordinal]) if chunk.ordinal < len(self.index.chunk_tokens) \
            else set(tokenize(chunk.index_text()))
        for neighbour in (chunk.ordinal - 1, chunk.ordinal + 1):
            other = self._by_ordinal.get(neighbour)
            if other is not None and other.section_path == chunk.section_path:
                tokens |= self.index.chunk_tokens[neighbour]
        return frozenset(tokens)

    def lexical(self, weights: dict[str, float], total: float, chunk: Chunk) -> np.ndarray:
        """Per quotable sentence of the chunk, the share of the IDF `weights` (out of `total`) its tokens hold; a
        sentence is read under its heading: "2019-2022" under "Calendrier" answers "quel calendrier"."""
        heading = self.heading_tokens(chunk)
        return np.array([sum(w for t, w in weights.items() if t in (s | heading)) / total
                         for s in self.sentence_tokens(chunk)], dtype=np.float32)

    def features(self, question: str, hits: list[Hit], sentence_scores=None) -> list[dict[str, np.ndarray | float]]:
        """Raw features per candidate passage (per sentence where they vary); for `rerank` and calibration."""
        q_tokens = set(tokenize(question))
        weights = {t: self.index.idf(t) for t in q_tokens}
        total = sum(weights.values()) or 1.0
        kind = asked_value(question)
        given = frozenset(NUMBERS_WRITTEN.findall(question))
        best_dense = max((h.dense for h in hits), default=0.0)
        best_rrf = max((h.rrf for h in hits), default=1.0) or 1.0
        out = []
        for hit in hits:
            chunk = hit.chunk
            sentences = self.sentences_of(chunk)
            heading_tokens = self.heading_tokens(chunk)
            lexical = self.lexical(weights, total, chunk)
            value = np.array([holds_value(s, kind, given) for s in sentences], dtype=np.float32)
            heading = sum(w for t, w in weights.items() if t in heading_tokens) / total
            context = self._context_tokens(chunk)
            coverage = sum(w for t, w in weights.items() if t in context) / total
            dense_s = sentence_scores(chunk) if sentence_scores is not None and sentences else None
            out.append({"lexical": lexical, "value": value, "heading": heading,
                        "passage": hit.dense - best_dense, "coverage": coverage, "fused": hit.rrf / best_rrf,
                        "sentence": dense_s if dense_s is not None else np.zeros(len(sentences), np.float32)})
        return out

    def shares_topic(self, question: str, ranked: list[RankedPassage]) -> bool:
        """Does any quotable sentence of the candidates (read under its heading) hold a word of the question that
        says something about this plan? Words in half the plan's passages or more ("climate" in a climate plan)
        say nothing: there BM25's inverse document frequency reaches zero."""
        informative = {t for t in tokenize(question) if 0 < self.index.doc_freq.get(t, 0) < len(self.index.chunks) / 2}
        if not informative:
            return False
        for passage in ranked:
            if passage.best_sentence < 0:
                continue
            chunk = passage.hit.chunk
            heading = self.heading_tokens(chunk)
            if any(informative & (tokens | heading) for tokens in self.sentence_tokens(chunk)):
                return True
        return False

    def rerank(self, question: str, hits: list[Hit], sentence_scores=None) -> list[RankedPassage]:
        """Hits re-ordered by their best sentence's score; a hit with no quotable sentence goes last."""
        w = self.weights
        ranked: list[RankedPassage] = []
        use_sentence = w.sentence and sentence_scores is not None
        for hit, f in zip(hits, self.features(question, hits, sentence_scores if use_sentence else None)):
            if not len(f["lexical"]):
                ranked.append(RankedPassage(hit, -np.inf, np.zeros(0, np.float32), -1, f))
                continue
            scores = (w.lexical * f["lexical"] + w.value * f["value"] + w.sentence * f["sentence"]
                      + w.heading * f["heading"] + w.passage * f["passage"] + w.coverage * f["coverage"]
                      + w.fused * f["fused"])
            best = int(np.argmax(scores))
            ranked.append(RankedPassage(hit, float(scores[best]), scores, best, f))
        ranked.sort(key=lambda r: -r.score)
        return ranked
