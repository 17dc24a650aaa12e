"""The extractive answer: the plan's own sentences that answer, stitched readably, each with its citation.

Which sentences of a cited chunk to quote is decided by word overlap with the question plus a fast
fast multilingual sentence encoder (USE), so a French question still highlights the right English sentence.
If no sentence stands out, the chunk's opening is quoted rather than a guessed sentence.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from civicai.embed import Embedder
from civicai.plans.sentences import split_sentences
from civicai.plans.types import Chunk
from civicai.rag.guard import is_instruction_like
from civicai.rag.index import Hit
from civicai.rag.phrases import language_name, phrase
from civicai.rag.question import gives_reason
from civicai.rag.relevance import RelevanceModel
from civicai.rag.rerank import RankedPassage
from civicai.rag.types import Citation
from civicai.rag.values import plain_value

# audience -> (max citations, max sentences per quote, max words per quote)
STYLE = {"child": (1, 1, 45), "general": (2, 2, 80), "expert": (3, 4, 160)}
# a further passage is cited when its reranked score is this close to the best one's, and a further sentence
# of a cited passage is quoted when it scores this close to its best sentence (scores: the share of the
# question's weighted words a sentence holds is worth 1.0 at most; see civicai.rag.rerank). The `general`
# values are fitted across development plans by evaluation/fit_margins.py into margins.json; child quotes one
# sentence of one passage, experts get more of the surrounding text (set by hand).
MARGINS_FILE = Path(__file__).with_name("margins.json")


def _margins() -> tuple[dict[str, float], dict[str, float]]:
    cite = {"child": 0.0, "general": 0.05, "expert": 0.15}
    sentence = {"child": 0.0, "general": 0.1, "expert": 0.5}
    if MARGINS_FILE.is_file():
        fitted = json.loads(MARGINS_FILE.read_text(encoding="utf-8"))["general"]
        cite["general"], sentence["general"] = float(fitted["cite_margin"]), float(fitted["sentence_margin"])
    return cite, sentence


CITE_MARGIN, SENTENCE_MARGIN = _margins()
SENTENCE_CACHE_VERSION = 1  # bump when sentence splitting or screening changes (cached vectors then differ)
LIST_ITEM_WORDS = 12  # a chunk of 3+ lines whose median line is this short is a list (one item per line)


def _is_list(text: str) -> bool:
    lines = [line for line in text.split("\n") if line.strip()]
    return len(lines) >= 3 and float(np.median([len(line.split()) for line in lines])) <= LIST_ITEM_WORDS


def chunks_digest(chunks: list[Chunk], salt: str = "") -> str:
    """sha256 of `salt` and the chunks' ordinals and text: one plan version's key for what is cached from it."""
    digest = hashlib.sha256(salt.encode())
    for chunk in chunks:
        digest.update(f"{chunk.ordinal}\x1e{chunk.text}\x1f".encode())
    return digest.hexdigest()


@dataclass
class SentenceRanker:
    """Scores a chunk's sentences against the question with a fast multilingual sentence encoder (USE) plus
    shared words. Sentence vectors are cached per chunk, so a popular passage is encoded once per process."""

    embedder: Embedder | None = None
    _cache: dict[int, np.ndarray] = field(default_factory=dict)
    _sentences: dict[int, list[str]] = field(default_factory=dict)

    def cache_file(self, chunks: list[Chunk], folder: Path) -> Path | None:
        """Where this plan's sentence vectors are kept between processes: keyed by the encoder, the splitter's
        version and a hash of the chunks' text, so another plan version or encoder never reads stale vectors."""
        if self.embedder is None:
            return None
        digest = chunks_digest(chunks, f"{self.embedder.model_id}|{SENTENCE_CACHE_VERSION}")
        return folder / "sentence-vectors" / f"{digest[:24]}.npz"

    def load_or_encode(self, chunks: list[Chunk], folder: Path, encode: bool = False,
                       progress: bool = False) -> bool:
        """Fill the cache for every chunk from disk; with `encode`, encode what is missing (once per plan
        version, e.g. right after ingest) and save it. Returns True when every chunk is cached."""
        path = self.cache_file(chunks, folder)
        if path is None:
            return False
        if path.is_file():
            with np.load(path) as data:
                ordinals, offsets, vectors = data["ordinals"], data["offsets"], data["vectors"]
            for i, ordinal in enumerate(ordinals.tolist()):
                self._cache[ordinal] = vectors[offsets[i]:offsets[i + 1]]
            return True
        if not encode:
            return False
        todo = [c for c in chunks if self.sentences(c)]
        texts = [s for c in todo for s in self.sentences(c)]
        vectors = self.embedder.encode_passages(texts, batch_size=32, progress=progress) if texts \
            else np.zeros((0, self.embedder.dim), np.float32)
        offsets = np.cumsum([0] + [len(self.sentences(c)) for c in todo])
        for i, chunk in enumerate(todo):
            self._cache[chunk.ordinal] = vectors[offsets[i]:offsets[i + 1]]
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, ordinals=np.array([c.ordinal for c in todo]), offsets=offsets, vectors=vectors)
        tmp.replace(path)
        return True

    def sentences(self, chunk: Chunk) -> list[str]:
        """The chunk's quotable sentences, split and screened once per process."""
        if chunk.ordinal not in self._sentences:
            self._sentences[chunk.ordinal] = quotable_sentences(chunk.text)
        return self._sentences[chunk.ordinal]

    def sentence_vectors(self, chunk: Chunk) -> tuple[list[str], np.ndarray | None]:
        sentences = self.sentences(chunk)
        if self.embedder is None or not sentences:
            return sentences, None
        if chunk.ordinal not in self._cache:
            self._cache[chunk.ordinal] = self.embedder.encode_passages(sentences)
        return sentences, self._cache[chunk.ordinal]

    def question_vector(self, question: str) -> np.ndarray | None:
        return None if self.embedder is None else self.embedder.encode_queries([question])[0]

    def warm(self, chunks: list[Chunk]) -> None:
        """Encode the sentences of every chunk not yet cached in ONE call: the encoder has a fixed cost per
        call (about 0.2 s on 2 cores), so one call for eight chunks instead of eight calls."""
        if self.embedder is None:
            return
        todo = [c for c in {c.ordinal: c for c in chunks}.values() if c.ordinal not in self._cache and self.sentences(c)]
        if not todo:
            return
        vectors = self.embedder.encode_passages([s for c in todo for s in self.sentences(c)])
        offset = 0
        for chunk in todo:
            n = len(self.sentences(chunk))
            self._cache[chunk.ordinal] = vectors[offset:offset + n]
            offset += n

    def scorer(self, question_vector: np.ndarray | None):
        """chunk -> cosine of the question and each of its quotable sentences (None: nothing to score)."""
        if question_vector is None or self.embedder is None:
            return None

        def score(chunk: Chunk) -> np.ndarray | None:
            _, vectors = self.sentence_vectors(chunk)
            return None if vectors is None else vectors @ question_vector
        return score

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


_CLOSED = re.compile(r"[.!?:;…]['\"»”’)\]]*$")
_STARTS_LOWER = re.compile(r"^[\"'«“(\[]?[a-zà-öø-ÿ]")


def is_fragment(sentence: str) -> bool:
    """The sentence continues one before it: it opens in lower case ("modern wind turbines." after a cut)."""
    return bool(_STARTS_LOWER.match(sentence.strip()))


def is_label(sentence: str) -> bool:
    """A heading or label ("8 Youth, schools and citizen participation"): no closing punctuation and no
    figure a reader could use. Never quoted alone; a table row or list line with a figure is kept."""
    text = sentence.strip()
    if "|" in text or _CLOSED.search(text):
        return False  # a table row, or a sentence
    return not re.search(r"\d", re.sub(r"^\d+(\.\d+)*\s", "", text))


def complete(sentences: list[str], chosen: list[int]) -> list[int]:
    """Chosen sentences widened to read on their own: a fragment takes the sentence before it, a label takes
    the sentence after it; a label with nothing after it is dropped."""
    out: set[int] = set()
    for i in chosen:
        start, end = i, i
        # a line that opens in lower case after one that did not close (a line break mid-sentence); after a
        # ";" or ":" it is a list item and reads on its own
        while start > 0 and is_fragment(sentences[start]) and not _CLOSED.search(sentences[start - 1]):
            start -= 1
        while is_label(sentences[end]) and end + 1 < len(sentences):
            end += 1
        if is_label(sentences[end]):
            continue
        out.update(range(start, end + 1))
    return sorted(out)


def select_quote(passage: RankedPassage, sentences: list[str], text: str, max_sentences: int, max_words: int,
                 margin: float = SENTENCE_MARGIN["general"], previous: str = "", single: bool = False) -> str:
    """The passage's best sentence, plus its other sentences that score nearly as well, in reading order,
    each widened to complete sentences (`complete`; `previous` is the end of the chunk before, for a chunk that
    opens mid-sentence). A list (indicators, dates) is quoted from the top, as far as it fits, so long as the
    best item is in. `single`: the best sentence only (completed), for the closest-passage answer."""
    if not sentences:
        return ""
    scores = passage.sentence_scores
    best = passage.best_sentence if 0 <= passage.best_sentence < len(sentences) else 0
    if single:
        chosen = [best]
    elif _is_list(text):
        fits = int(np.searchsorted(np.cumsum([len(x.split()) for x in sentences]), max_words, side="right"))
        start = 0 if best < max(1, fits) else best  # the best item would not fit under the top ones
        chosen = list(range(start, len(sentences)))
    elif len(sentences) <= 1:
        chosen = [0]
    else:
        # the best sentence (the caller's choice: the reranker's, or the relevance model's), then the passage's
        # next-best sentences by the reranker within the margin of it
        ranked = [int(i) for i in np.argsort(-scores, kind="stable") if i != best]
        chosen = [best] + [i for i in ranked if scores[i] >= scores[best] - margin][:max_sentences - 1]
    chosen = complete(sentences, sorted(chosen))
    if not chosen:
        return ""
    opens_mid_sentence = chosen[0] == 0 and is_fragment(sentences[0])
    lead = previous if previous and opens_mid_sentence and not _CLOSED.search(previous) else ""
    quote_words: list[str] = lead.split()
    for i in chosen:
        words = sentences[i].split()
        if len(quote_words) > len(lead.split()) and len(quote_words) + len(words) > max_words:
            break
        quote_words.extend(words if len(words) <= max_words else words[:max_words] + ["…"])
    return " ".join(quote_words)


def prefer_reason(passage: RankedPassage, sentences: list[str]) -> RankedPassage:
    """For a "why" question: the passage's sentences that give a reason rank above its others, in their own
    order (the reranker's word overlap favours the sentence that names the measure, not its reason). The
    passage's own score, and so the order of passages, stays."""
    reasons = np.array([gives_reason(sentence) for sentence in sentences], dtype=bool)
    scores = passage.sentence_scores
    if not reasons.any() or passage.best_sentence < 0 or len(scores) != len(reasons):
        return passage
    lifted = scores + reasons * (float(scores.max() - scores.min()) + 1.0)
    return replace(passage, sentence_scores=lifted, best_sentence=int(np.argmax(lifted)))


def pick_passages(ranked: list[RankedPassage], audience: str, chunk_languages: list[str | None] | None = None,
                  language: str = "", plan_language: str | None = None,
                  margin: float | None = None) -> list[RankedPassage]:
    """The best reranked passage, plus others that answer nearly as well (fewer, but right, citations):
    within CITE_MARGIN of the best score, up to the audience's limit, and for `general` only from the same
    section (the rest of a passage cut in two). When every chosen passage is a
    translated summary in the question's language, the best passage in the plan's own language is cited
    too: summaries drop details, the original section has them."""
    max_citations = STYLE[audience][0]
    usable = [r for r in ranked if r.best_sentence >= 0]
    if not usable:
        return []
    chosen = [usable[0]]
    for passage in usable[1:]:
        if len(chosen) >= max_citations:
            break
        same_section = passage.hit.chunk.section_path == usable[0].hit.chunk.section_path
        cite_margin = CITE_MARGIN[audience] if margin is None else margin
        if passage.score >= usable[0].score - cite_margin and (same_section or audience == "expert"):
            chosen.append(passage)
    if chunk_languages and plan_language and language[:2] != plan_language[:2]:
        def lang(p: RankedPassage) -> str:
            ordinal = p.hit.chunk.ordinal
            return (chunk_languages[ordinal] or "")[:2] if 0 <= ordinal < len(chunk_languages) else ""
        if all(lang(p) == language[:2] for p in chosen):
            original = next((p for p in usable[:5] if lang(p) == plan_language[:2]), None)
            if original is not None:
                chosen.append(original)
    return chosen


def short_section(section_path: tuple[str, ...], depth: int = 2) -> str:
    return " > ".join(section_path[-depth:]) if section_path else "(untitled)"


def compose_answer(ranked: list[RankedPassage], *, language: str, chunk_languages: list[str | None],
                   plan_language: str | None = None, audience: str, ranker: SentenceRanker,
                   lead: str = "", chunks: list[Chunk] | None = None, limit: int | None = None,
                   margins: tuple[float, float] | None = None, question: str = "",
                   asked_kind: str | None = None, relevance: RelevanceModel | None = None
                   ) -> tuple[str, list[Citation]]:
    """The lead-in (`lead`: a phrase key; default the audience's), then each picked passage's quote with its
    [n]. `chunks` (the plan's, by ordinal) lets a chunk that opens mid-sentence borrow its sentence's start;
    `limit` caps the citations; with 1 (the closest-passage answer) the quote is the best sentence, completed.
    `margins`: (citation, sentence) margins in place of the audience's (for evaluation/fit_margins.py).
    `relevance` (civicai.rag.relevance): for the general audience's direct answer, after the passages the margins
    pick, the best sentence of each further candidate passage that the fitted model passes.
    A child's direct answer to a "when / how much" question (`asked_kind`) opens with the value its quote gives,
    said plainly ("In short: 2035."), taken from the quote itself (civicai.rag.values)."""
    _, max_sentences, max_words = STYLE[audience]
    citations: list[Citation] = []
    lines = [phrase(language, lead or f"lead_{audience}")]
    cite_margin, sentence_margin = margins or (CITE_MARGIN[audience], SENTENCE_MARGIN[audience])
    picked = pick_passages(ranked, audience, chunk_languages, language, plan_language, cite_margin)
    if relevance is not None and audience == "general" and margins is None and limit is None:
        # the fitted sentence-relevance model adds the best sentence of further passages that pass it
        picked += [replace(pick.passage, best_sentence=pick.sentence) for pick in relevance.extra(ranked, picked)]
    # a passage with nothing quotable on its own (a heading only) gives way to the next one
    rest = [r for r in ranked if r.best_sentence >= 0 and all(r.hit is not p.hit for p in picked)]
    for passage in picked + rest:
        if len(citations) >= (limit or len(picked)):
            break
        chunk = passage.hit.chunk
        quote = select_quote(passage, ranker.sentences(chunk), chunk.text, max_sentences, max_words,
                             sentence_margin, previous=_previous_sentence(chunk, chunks, ranker),
                             single=limit == 1)
        if not quote or any(quote == c.quote for c in citations):
            continue
        n = len(citations) + 1
        citations.append(Citation(n, chunk.section, chunk.page, quote, passage.hit.dense, chunk.ordinal))
        lines.append(f"“{quote}” [{n}]")
    if audience == "child" and not lead and limit is None and citations:
        value = plain_value(citations[0].quote, asked_kind, question)
        if value:
            lines[0] = phrase(language, "child_value", value=value)
    # say once which language the quotes are in, where it is not the question's
    quoted = [(chunk_languages[c.chunk] or "")[:2] if 0 <= c.chunk < len(chunk_languages) else "" for c in citations]
    foreign = [code for code in quoted if code and code != language[:2]]
    if foreign:
        lines.append(phrase(language, "quotes_in", lang_name=language_name(foreign[0], language)))
    return "\n".join(lines), citations


def _previous_sentence(chunk: Chunk, chunks: list[Chunk] | None, ranker: SentenceRanker) -> str:
    """The last sentence of the chunk before, in the same section (a sentence cut by a page break or by
    chunking continues in the next chunk)."""
    if not chunks or not 0 < chunk.ordinal < len(chunks):
        return ""
    before = chunks[chunk.ordinal - 1]
    if before.ordinal != chunk.ordinal - 1 or before.section_path != chunk.section_path:
        return ""
    sentences = ranker.sentences(before)
    return sentences[-1] if sentences and not is_label(sentences[-1]) else ""


def compose_abstention(language: str, closest: list[str], kind: str = "abstain", plan: str = "") -> str:
    """A refusal: `kind` is a phrase key ("abstain", "not_mentioned" for a yes/no question, "off_topic", ...)."""
    text = phrase(language, kind, plan=plan)
    if closest and kind in ("abstain", "not_mentioned"):
        text += " " + phrase(language, "closest", sections="; ".join(closest))
    return text


def plan_display_name(name: str) -> str:
    """How a resident reads a plan's internal id: 'rivermouth-climate-plan' -> 'Rivermouth Climate Plan'."""
    words = name.replace("_", " ").replace("-", " ").split()
    return " ".join(w[:1].upper() + w[1:] for w in words) or name


def closest_sections(hits: list[Hit], language: str, limit: int = 3) -> list[str]:
    seen: list[str] = []
    for hit in hits:
        page = f"{phrase(language, 'page')} {hit.chunk.page}" if hit.chunk.page is not None else ""
        if not hit.chunk.section_path:  # before the first heading (a title page): the page says where
            label = page
        else:
            label = short_section(hit.chunk.section_path) + (f" ({page})" if page else "")
        if not label:
            continue
        if label not in seen:
            seen.append(label)
        if len(seen) >= limit:
            break
    return seen
