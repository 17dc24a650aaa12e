"""The extractive answer: the plan's own sentences that answer, stitched readably, each with its citation.

Which sentences of a cited chunk to quote is decided by word overlap with the question plus a fast
multilingual sentence encoder (USE), so a French question still highlights the right English sentence.
If no sentence stands out, the chunk's opening is quoted rather than a guessed sentence.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from civicai.embed import Embedder
from civicai.plans.sentences import split_sentences
from civicai.rag.guard import is_instruction_like
from civicai.plans.types import Chunk
from civicai.rag.index import Hit
from civicai.rag.phrases import language_name, phrase
from civicai.rag.tokenize import tokenize
from civicai.rag.types import Citation

# audience -> (max citations, max sentences per quote, max words per quote)
STYLE = {"child": (1, 1, 45), "general": (2, 2, 80), "expert": (3, 4, 160)}
CITE_MARGIN = 0.015  # a further chunk is cited when its cosine is this close to the best one
LIST_ITEM_WORDS = 12  # a chunk of 3+ lines whose median line is this short is a list (one item per line)


def _is_list(text: str) -> bool:
    lines = [line for line in text.split("\n") if line.strip()]
    return len(lines) >= 3 and float(np.median([len(line.split()) for line in lines])) <= LIST_ITEM_WORDS


@dataclass
class SentenceRanker:
    """Scores a chunk's sentences against the question with a fast multilingual sentence encoder (USE) plus
    shared words. Sentence vectors are cached per chunk, so a popular passage is encoded once per process."""

    embedder: Embedder | None = None
    _cache: dict[int, np.ndarray] = field(default_factory=dict)

    def sentence_vectors(self, chunk: Chunk) -> tuple[list[str], np.ndarray | None]:
        sentences = quotable_sentences(chunk.text)
        if self.embedder is None or not sentences:
            return sentences, None
        if chunk.ordinal not in self._cache:
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[chunk.ordinal] = self.embedder.encode(sentences)
        return sentences, self._cache[chunk.ordinal]

    def question_vector(self, question: str) -> np.ndarray | None:
        return None if self.embedder is None else self.embedder.encode([question])[0]

    def scores(self, question: str, chunk: Chunk, question_vector: np.ndarray | None = None) -> np.ndarray:
        sentences, vectors = self.sentence_vectors(chunk)
        q_tokens = set(tokenize(question))
        lexical = np.array([len(q_tokens & set(tokenize(s))) / max(1.0, len(q_tokens) ** 0.5)
                            for s in sentences], dtype=np.float32)
        if vectors is None:
            return lexical
        if question_vector is None:
            question_vector = self.question_vector(question)
        return vectors @ question_vector + 0.1 * lexical

    def best_support(self, question_vector: np.ndarray | None, chunks: list[Chunk]) -> float:
        """The highest question-sentence cosine over the chunks (an abstention feature)."""
        if question_vector is None:
            return 0.0
        best = 0.0
        for chunk in chunks:
            _, vectors = self.sentence_vectors(chunk)
            if vectors is not None and len(vectors):
                best = max(best, float((vectors @ question_vector).max()))
        return best


def quotable_sentences(text: str) -> list[str]:
    """Sentences fit to quote: plan text that addresses a model (prompt injection) is never quoted."""
    return [s for s in split_sentences(text) if not is_instruction_like(s)]


def select_quote(question: str, chunk: Chunk, max_sentences: int, max_words: int, ranker: SentenceRanker,
                 question_vector: np.ndarray | None = None) -> str:
    sentences = quotable_sentences(chunk.text)
    if not sentences:
        return ""
    if len(sentences) <= max_sentences:
        chosen = list(range(len(sentences)))
    elif _is_list(chunk.text):
        chosen = list(range(len(sentences)))  # a list (indicators, dates): quote it from the top, up to max_words
    else:
        scores = ranker.scores(question, chunk, question_vector)
        best = float(scores.max())
        ranked = [int(i) for i in np.argsort(-scores, kind="stable")]
        chosen = [i for i in ranked[:max_sentences] if scores[i] >= best - 0.1] or [ranked[0]]
        chosen.sort()  # keep the plan's reading order
    quote_words: list[str] = []
    for i in chosen:
        words = sentences[i].split()
        if quote_words and len(quote_words) + len(words) > max_words:
            break
        quote_words.extend(words if len(words) <= max_words else words[:max_words] + ["…"])
    return " ".join(quote_words)


def pick_hits(hits: list[Hit], audience: str, chunk_languages: list[str | None] | None = None,
              language: str = "", plan_language: str | None = None) -> list[Hit]:
    """The top fused hit, plus further hits that apply too: for `general`, the rest of the same section;
    for `expert`, any of the top 5 whose cosine is within CITE_MARGIN of the best. When every chosen passage
    is a translated summary in the question's language, the best passage in the plan's own language is cited
    too: summaries drop details, the original section has them."""
    max_citations = STYLE[audience][0]
    best = max(h.dense for h in hits[:5])
    chosen = [hits[0]]
    for hit in hits[1:5]:
        if len(chosen) >= max_citations:
            break
        same_section = hit.chunk.section_path == hits[0].chunk.section_path
        close = hit.dense >= best - CITE_MARGIN
        if close and (same_section or audience == "expert") \
                and hit.chunk.ordinal not in {h.chunk.ordinal for h in chosen}:
            chosen.append(hit)
    if chunk_languages and plan_language and language[:2] != plan_language[:2]:
        def lang(hit: Hit) -> str:
            ordinal = hit.chunk.ordinal
            return (chunk_languages[ordinal] or "")[:2] if 0 <= ordinal < len(chunk_languages) else ""
        if all(lang(h) == language[:2] for h in chosen):
            original = next((h for h in hits[:5] if lang(h) == plan_language[:2]), None)
            if original is not None:
                chosen.append(original)
    return chosen


def short_section(section_path: tuple[str, ...], depth: int = 2) -> str:
    return " > ".join(section_path[-depth:]) if section_path else "(untitled)"


def compose_answer(question: str, hits: list[Hit], *, language: str, chunk_languages: list[str | None],
                   plan_language: str | None = None,
                   audience: str, ranker: SentenceRanker, question_vector: np.ndarray | None = None
                   ) -> tuple[str, list[Citation]]:
    _, max_sentences, max_words = STYLE[audience]
    citations: list[Citation] = []
    lines = [phrase(language, f"lead_{audience}")]
    for hit in pick_hits(hits, audience, chunk_languages, language, plan_language):
        quote = select_quote(question, hit.chunk, max_sentences, max_words, ranker, question_vector)
        if not quote:
            continue
        n = len(citations) + 1
        citations.append(Citation(n, hit.chunk.section, hit.chunk.page, quote, hit.dense, hit.chunk.ordinal))
        lines.append(f"“{quote}” [{n}]")
    # say once which language the quotes are in, where it is not the question's
    quoted = [(chunk_languages[c.chunk] or "")[:2] if 0 <= c.chunk < len(chunk_languages) else "" for c in citations]
    foreign = [code for code in quoted if code and code != language[:2]]
    if foreign:
        lines.append(phrase(language, "quotes_in", lang_name=language_name(foreign[0], language)))
    return "\n".join(lines), citations


def compose_abstention(language: str, closest: list[str], kind: str = "abstain", plan: str = "") -> str:
    text = phrase(language, kind, plan=plan) if kind != "abstain" else phrase(language, "abstain")
    if closest and kind == "abstain":
        text += " " + phrase(language, "closest", sections="; ".join(closest))
    return text


def closest_sections(hits: list[Hit], language: str, limit: int = 3) -> list[str]:
    seen: list[str] = []
    for hit in hits:
        label = short_section(hit.chunk.section_path)
        if hit.chunk.page is not None:
            label += f" ({phrase(language, 'page')} {hit.chunk.page})"
        if label not in seen:
            seen.append(label)
        if len(seen) >= limit:
            break
    return seen
