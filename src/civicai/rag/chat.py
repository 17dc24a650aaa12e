"""PlanChat: question in, cited answer (or an honest abstention) out, for one stored plan version.

question -> redact PII -> detect language -> guard (injection, abuse, off-topic) -> hybrid retrieval
-> calibrated abstention -> extractive answer with citations -> (optional) LLM rewrite, every sentence
checked against the passage it cites; a failed check falls back to the extractive answer.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

import numpy as np

from civicai.config import Settings, get_settings
from civicai.embed import Embedder, get_embedder
from civicai.errors import InputError
from civicai.ingest.rowcheck import clean_text
from civicai.plans.repository import StoredPlan
from civicai.rag.abstain import features, load_model
from civicai.rag.compose import (
    SentenceRanker,
    chunks_digest,
    closest_sections,
    compose_abstention,
    compose_answer,
    plan_display_name,
    prefer_reason,
    quotable_sentences,
)
from civicai.rag.followup import Conversation, Resolution, clarifying_topic, follow_up_verdict, refocus, resolve
from civicai.rag.glossary import expand_question
from civicai.rag.guard import Verdict, check_question
from civicai.rag.index import PlanIndex, QueryEvidence
from civicai.rag.phrases import SUPPORTED, language_name, phrase, phrase_language
from civicai.rag.probes import ProbeScores, load_or_score
from civicai.rag.probes import cache_path as probe_cache_path
from civicai.rag.question import is_why, is_yes_no, negated
from civicai.rag.relevance import load_relevance
from civicai.rag.rerank import RankedPassage, Reranker, asked_value
from civicai.rag.rewrite import QueryRewriter, Rewrite, search_both
from civicai.rag.types import AUDIENCES, Answer, AnswerKind, Citation
from civicai.text.language import detect_language

log = logging.getLogger("civicai.chat")
MAX_QUESTION_CHARS = 1000
# Settings chosen on the development plans; how and against what is in docs/chat.md ("Settings and where
# they were chosen").
HIGHLIGHT_EMBEDDER = "use"  # scores plan sentences against the question (fast, multilingual)
RERANK_CANDIDATES = 8  # fused hits whose sentences the reranker scores
# BM25's vote in the fusion when question and plan languages differ: shared words across languages are mostly
# cognates and accidents, so it counts less ...
CROSS_LINGUAL_BM25_WEIGHT = 0.3
# ... unless the glossary gave the question's words in the plan's language (civicai.rag.glossary)
EXPANDED_BM25_WEIGHT = 0.6


def detect_question_language(text: str, plan_language: str | None = None) -> str:
    """ISO code of the question's language; short or unclear questions fall back to the plan's language."""
    guess = detect_language(text)
    code, score = (guess.code or "")[:2].lower(), guess.score
    if code in SUPPORTED and (score >= 0.4 or len(text.split()) >= 4):
        return code
    return phrase_language(plan_language) if score < 0.4 else code


def redact_question(text: str, language: str | None = None, public_text: str = "") -> str:
    """PII out before the question is embedded, logged or sent to a model.

    A span the plan itself contains ("Old Town", the city's name) is public, not the resident's personal
    data, so it stays: redacting it would only blind the retrieval. Everything else becomes "[KIND]".
    """
    from civicai.privacy import shared_redactor  # imported here: the chat module loads without spaCy

    result = shared_redactor().redact(text, language=language)
    if not result.redactions:
        return result.text
    public = public_text.casefold()
    pieces: list[str] = []
    cursor = 0
    for redaction in sorted(result.redactions, key=lambda r: r.start):
        if redaction.start < cursor:
            continue  # overlapping spans: the first one already covers it
        value = text[redaction.start:redaction.end]
        keep = redaction.kind in ("PERSON", "ADDRESS") and len(value) >= 3 and value.casefold() in public
        pieces.append(text[cursor:redaction.start])
        pieces.append(value if keep else redaction.placeholder)
        cursor = redaction.end
    pieces.append(text[cursor:])
    return "".join(pieces)




@dataclass(frozen=True)
class Assessment:
    evidence: QueryEvidence  # fused hits and whole-plan scores
    features: dict[str, float]  # what the abstention model reads
    question_vector: np.ndarray | None  # the sentence encoder's vector of the question
    ranked: list[RankedPassage]  # the top fused hits, reranked by their best sentence
    keywords: str = ""  # what word matching read: the question, plus glossary terms across languages


@dataclass
class PlanChat:
    stored: StoredPlan
    index: PlanIndex
    settings: Settings
    ranker: SentenceRanker
    public_text: str = ""  # the plan's text: names it contains are public, never redacted from questions
    reranker: Reranker | None = None
    query_expansion: bool = True  # glossary terms for questions in another language than the plan's
    refocus: bool = True  # a follow-up's own words choose the sentence in the topic's passages (civicai.rag.followup)
    topic_check: bool = True  # a follow-up answered from elsewhere gets "Is this about your earlier question ...?" (civicai.rag.followup)
    rewriter: QueryRewriter | None = None  # LLM query rewriting (civicai.rag.rewrite), CIVICAI_CHAT_REWRITE=llm
    probes: ProbeScores | None = None  # the probe bank's scores on this plan, once computed

    def __post_init__(self) -> None:
        if self.reranker is None:
            self.reranker = Reranker(self.index, self.ranker.sentences)

    def sentence_scorer(self, question_vector):
        """chunk -> cosine of the question and each quotable sentence (sentence encoder), or None."""
        return self.ranker.scorer(question_vector)

    @classmethod
    def from_stored(cls, stored: StoredPlan, settings: Settings | None = None,
                    embedder: Embedder | None = None, highlight: Embedder | None | str = HIGHLIGHT_EMBEDDER) -> PlanChat:
        settings = settings or get_settings()
        embedder = embedder or get_embedder(settings.embedder_retrieval, settings.threads)
        if stored.embeddings is not None and stored.model_id == embedder.model_id \
                and stored.embeddings.shape[1] == embedder.dim:
            index = PlanIndex(stored.chunks, stored.embeddings, embedder)
        else:
            log.warning("plan %s %s was embedded with %s, not %s: re-embedding in memory", stored.info.name,
                        stored.info.version, stored.model_id, embedder.model_id)
            index = PlanIndex.build(stored.chunks, embedder)
        if isinstance(highlight, str):
            # the retrieval embedder may score sentences too: then it is loaded once and the question once
            highlight = embedder if highlight == embedder.name else get_embedder(highlight, settings.threads)
        public = "\n".join(c.index_text(depth=99) for c in stored.chunks)
        ranker = SentenceRanker(highlight)
        # every plan sentence is embedded once per plan version and kept on disk: no plan text is embedded
        # per question (the first load of a new version pays it: a few seconds for 350 sentences)
        ranker.load_or_encode(stored.chunks, settings.resolved_cache_dir, encode=True)
        rewriter = QueryRewriter.from_settings(settings) if settings.chat_rewrite == "llm" else None
        return cls(stored, index, settings, ranker, public, rewriter=rewriter)

    def prepare_sentences(self, progress: bool = False) -> bool:
        """Encode every quotable sentence of the plan once and keep the vectors on disk (next to the model
        cache), so `ask` never encodes plan text, and score the probe bank once where the abstention model
        reads it. `from_stored` does the first too; calling it right after ingest shows progress and moves the
        wait to ingest time."""
        done = self.ranker.load_or_encode(self.stored.chunks, self.settings.resolved_cache_dir, encode=True,
                                          progress=progress)
        if load_model(self.index.embedder.name).reads_relative:
            self.probe_scores()  # the abstention model's reference on this plan (civicai.rag.probes), also once
        return done

    def notice_for(self, question: str) -> str:
        """The "you are talking to an AI" line in the question's language, to show once BEFORE the answer
        (a streamed answer's final Answer object arrives only after its text)."""
        text = question.strip()[:MAX_QUESTION_CHARS] if isinstance(question, str) else ""
        language = detect_question_language(text, self.stored.info.language) if text else "en"
        return phrase(language, "notice")

    # -- the steps --------------------------------------------------------------------------------------
    def _prepare(self, question: str, audience: str) -> tuple[str, str]:
        # control, zero-width and bidi characters removed as in an upload's rows: a question of only NUL bytes or
        # zero-width spaces is empty, and none can hide words from the guard
        question = clean_text(question) if isinstance(question, str) else ""
        if not question:
            raise InputError("the question is empty", "ask a question about the plan")
        if audience not in AUDIENCES:
            raise InputError(f"unknown audience '{audience}'", f"use one of: {', '.join(AUDIENCES)}")
        question = question[:MAX_QUESTION_CHARS]
        language = detect_question_language(question, self.stored.info.language)
        redacted = redact_question(question, language, self.public_text)
        log.info("question (redacted) plan=%s lang=%s: %s", self.stored.info.name, language, redacted)
        return redacted, language

    def _base(self, text: str, language: str, kind: AnswerKind, citations: list[Citation] | None = None,
              closest: list[str] | None = None, confidence: float = 0.0) -> Answer:
        info = self.stored.info
        return Answer(answer=text, language=language, abstained=kind != AnswerKind.ANSWERED,
                      citations=citations or [], plan=info.name, version=info.version, kind=kind,
                      notice=phrase(language, "notice"), closest_sections=closest or [], confidence=confidence)

    def extractive(self, question: str, audience: str = "general", previous: Conversation = None
                   ) -> tuple[Answer, str]:
        """The model-free answer, and the redacted question it was computed from. `previous`: the conversation
        so far (the earlier question, or Turns with the sections their answers cited), which a follow-up ("and
        how much does that cost?") leans on (civicai.rag.followup)."""
        redacted, language = self._prepare(question, audience)
        phrase_lang = phrase_language(language)
        verdict = check_question(redacted)
        if verdict.verdict != Verdict.OK:
            kind = AnswerKind(str(verdict.verdict))
            text = compose_abstention(phrase_lang, [], kind=str(verdict.verdict), plan=plan_display_name(self.stored.info.name))
            return self._base(text, language, kind), redacted
        follow = resolve(redacted, previous, accept=lambda earlier: self._earlier(earlier, audience))
        if follow.clarify:
            # never a confident answer about something the resident did not name: ask what they mean
            return self._base(phrase(phrase_lang, "clarify"), language, AnswerKind.CLARIFY), redacted
        asked = follow.query  # the question's own words first: they say what is asked
        rewrite = self.rewriter.rewrite(asked, language, self.stored.info.language) if self.rewriter else None
        assessment = self.assess(asked, language, rewrite=rewrite)
        evidence, values = assessment.evidence, assessment.features
        abstain, confidence = load_model(self.index.embedder.name).should_abstain(values)
        yes_no = is_yes_no(redacted)
        ranked = assessment.ranked
        if self.refocus and follow.follow_up and follow.topic:  # the follow-up's own words choose the sentence
            ranked = refocus(ranked, redacted, self.reranker)
        if is_why(redacted):
            ranked = [prefer_reason(p, self.ranker.sentences(p.hit.chunk)) for p in ranked]
        compose = partial(compose_answer, ranked, language=phrase_lang,
                          chunk_languages=self.stored.chunk_languages, plan_language=self.stored.info.language,
                          audience=audience, ranker=self.ranker, chunks=self.stored.chunks,
                          question=redacted, asked_kind=asked_value(redacted),
                          relevance=load_relevance(self.index.embedder.name))
        if not abstain:
            text, citations = compose(lead="yes_lead" if yes_no else "")
            if yes_no and citations and negated(citations[0].quote):
                text, citations = compose()  # the plan's own "no": no "Yes" in front of it
            verdict = follow_up_verdict(follow, previous, citations, lambda topic: self.keywords(topic, language)) \
                if self.topic_check else None
            if verdict == "clarify":  # a follow-up answered from elsewhere: never confident and unrelated
                return self._clarify_topic(follow, phrase_lang, language), redacted
            if citations and verdict is None:  # "closest": on topic, without the asked value (below)
                return self._base(text, language, AnswerKind.ANSWERED, citations, confidence=confidence), redacted
        # Not answered directly. A passage that shares the question's topic is still worth reading: quoted,
        # marked as not a direct answer. A refusal only when nothing retrieved shares the topic.
        if self.reranker.shares_topic(assessment.keywords, assessment.ranked):
            text, citations = compose(lead="not_mentioned_closest" if yes_no else "closest_lead", limit=1)
            if citations:
                return self._base(text, language, AnswerKind.CLOSEST, citations, confidence=confidence), redacted
        closest = closest_sections(evidence.hits, phrase_lang)
        # nothing in the plan shares a word with the question and nothing is close: off-topic
        off_topic = (values["idf_coverage"] == 0 and values["unseen"] >= 0.99
                     and values["sentence_support"] < 0.2 and confidence < 0.05)
        kind = AnswerKind.OFF_TOPIC if off_topic else AnswerKind.ABSTAINED
        refusal = "off_topic" if off_topic else "not_mentioned" if yes_no else "abstain"
        text = compose_abstention(phrase_lang, closest, refusal, plan_display_name(self.stored.info.name))
        return self._base(text, language, kind, closest=closest, confidence=confidence), redacted

    def _clarify_topic(self, follow: Resolution, phrase_lang: str, language: str) -> Answer:
        """A follow-up whose direct answer left the conversation's topic: ask "Is this about your earlier question
        ...?" instead."""
        text = phrase(phrase_lang, "clarify_topic", topic=f"“{clarifying_topic(follow)}”")
        return self._base(text, language, AnswerKind.CLARIFY)

    def _earlier(self, question: str, audience: str) -> str:
        """An earlier question of the conversation, redacted like any; "" for one the guard refuses."""
        redacted, _ = self._prepare(question, audience)
        return redacted if check_question(redacted).verdict == Verdict.OK else ""

    def assess(self, question: str, language: str, relative: bool | None = None,
               rewrite: Rewrite | None = None) -> Assessment:
        """Retrieval evidence, reranked passages and the abstention features for a redacted question;
        `relative`: also where the features sit among this plan's probes (civicai.rag.probes); by default
        only when the abstention model in use reads them."""
        cross = self._cross_lingual(language)
        keywords = self.keywords(question, language)
        bm25_weight = 1.0 if not cross else EXPANDED_BM25_WEIGHT if keywords != question else CROSS_LINGUAL_BM25_WEIGHT
        query_vector = self.index.embedder.encode_queries([question])[0]
        if rewrite is None:
            evidence = self.index.search(keywords, k=10, query_vector=query_vector, bm25_weight=bm25_weight)
        else:  # the question as asked and as the LLM rewrote it, fused; quotes stay the plan's sentences
            evidence = search_both(self.index, keywords, query_vector, bm25_weight, rewrite.text)
            keywords = self.rewriter.word_query(keywords, rewrite) if self.rewriter else keywords
        question_vector = evidence.query_vector if self.ranker.embedder is self.index.embedder \
            else self.ranker.question_vector(question)
        self.ranker.warm([h.chunk for h in evidence.hits[:RERANK_CANDIDATES]])
        support = self.ranker.best_support(question_vector, [h.chunk for h in evidence.hits[:3]])
        ranked = self.reranker.rerank(keywords, evidence.hits[:RERANK_CANDIDATES],
                                      self.sentence_scorer(question_vector))
        values = features(keywords, evidence, cross, support, ranked)
        if relative or (relative is None and load_model(self.index.embedder.name).reads_relative):
            values.update(self.probe_scores().relative(values, cross))
        return Assessment(evidence, values, question_vector, ranked, keywords)

    def probe_scores(self) -> ProbeScores:
        """The probe bank's features on this plan: computed once per plan version, kept on disk."""
        if self.probes is None:
            key = [chunks_digest(self.stored.chunks), self.index.embedder.model_id, getattr(self.ranker.embedder, "model_id", ""),
                   str(self.query_expansion), self.stored.info.language or ""]
            path = probe_cache_path(self.settings.resolved_cache_dir, key)
            self.probes = load_or_score(path, lambda q, lang: self.assess(q, lang, relative=False).features,
                                        self.stored.info.language or "")
        return self.probes

    def keywords(self, question: str, language: str) -> str:
        """What word matching (BM25, reranking, abstention) reads: words are matched in the plan's language, so
        a question in another one gains the glossary's terms for it (the embedder reads the question as asked)."""
        if self.query_expansion and self._cross_lingual(language):
            return expand_question(question, language, self.stored.info.language)
        return question

    def _cross_lingual(self, language: str) -> bool:
        plan_language = (self.stored.info.language or "")[:2]
        return bool(plan_language) and language[:2] != plan_language

    def ask(self, question: str, audience: str = "general", previous: Conversation = None) -> Answer:
        answer, redacted = self.extractive(question, audience, previous)
        if answer.abstained or self.settings.generator == "extractive":
            return answer
        pieces = list(self._llm_stream(answer, redacted, audience))
        return pieces[-1] if pieces and isinstance(pieces[-1], Answer) else answer

    def stream(self, question: str, audience: str = "general", previous: Conversation = None
               ) -> Iterator[str | Answer]:
        """Yields text pieces as they are ready (checked sentences with an LLM), then the final Answer."""
        answer, redacted = self.extractive(question, audience, previous)
        if answer.abstained or self.settings.generator == "extractive":
            yield answer.answer
            yield answer
            return
        yield from self._llm_stream(answer, redacted, audience)

    # -- LLM path ---------------------------------------------------------------------------------------
    def _sources(self, answer: Answer) -> list[str]:
        by_ordinal = {c.ordinal: c for c in self.stored.chunks}
        return [" ".join(quotable_sentences(by_ordinal[c.chunk].text)) for c in answer.citations]

    def _llm_stream(self, draft: Answer, question: str, audience: str) -> Iterator[str | Answer]:
        from civicai.llm import GenerationRequest, get_generator
        from civicai.llm.grounding import split_sentences, supported_sentences

        generator = get_generator(self.settings.generator, self.settings)
        sources = self._sources(draft)
        request = GenerationRequest(
            prompt="answer.v1", extractive=draft.answer, max_tokens=200,
            variables={"question": question, "passages": sources, "audience": audience,
                       "language": language_name(draft.language, "en")})
        kept: list[str] = []
        buffer = ""
        checked = 0
        language = self.stored.info.language
        for token in generator.stream(request):
            buffer += token
            sentences = split_sentences(buffer, language)
            # every sentence but the last is complete (a citation after a period is re-attached to its
            # sentence by split_sentences, so "[2]" survives streaming); the last may still grow
            for sentence in sentences[:-1]:
                checked += 1
                if self._supported(sentence, sources, supported_sentences):
                    kept.append(sentence)
                    yield sentence + " "
            if len(sentences) > 1:
                buffer = sentences[-1] + (" " if buffer[-1:].isspace() else "")  # keep the pending space
        for sentence in split_sentences(buffer, language) if buffer.strip() else []:
            checked += 1
            if self._supported(sentence, sources, supported_sentences):
                kept.append(sentence)
                yield sentence
        if not kept or len(kept) < 0.5 * checked:
            # too little of the model's text is backed by the plan: show the extractive answer instead
            draft.fell_back = True
            draft.generator = generator.name
            yield ("\n" if kept else "") + draft.answer
            yield draft
            return
        cited = sorted({int(n) for s in kept for n in re.findall(r"\[(\d+)\]", s)} & set(range(1, len(sources) + 1)))
        citations = [c for c in draft.citations if c.n in cited] or draft.citations
        yield Answer(answer=" ".join(kept), language=draft.language, abstained=False, citations=citations,
                     plan=draft.plan, version=draft.version, kind=AnswerKind.ANSWERED, notice=draft.notice,
                     confidence=draft.confidence, generator=generator.name)

    def _supported(self, sentence: str, sources: list[str], check) -> bool:
        if not sentence.strip():
            return False
        try:
            judged = check(sentence, sources, None, language=self.stored.info.language)
        except Exception as exc:  # noqa: BLE001 - a checker failure must never let an unchecked sentence through
            log.warning("grounding check failed: %s", exc)
            return False
        return bool(judged) and all(r.supported for r in judged)

