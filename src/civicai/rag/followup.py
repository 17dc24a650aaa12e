"""Follow-up questions in a conversation: "and how much does that cost?" after a question about cycling.

A question that cannot stand alone either points back ("that", "it", "there", "ça", "das", "dat", "det", "eso",
"questo") and names at most one thing itself, or is elliptical: it opens with "and"/"what about" and names at
most three things ("and for green waste?", "et pour les déchets verts ?", "und bis 2050?"). Such a question is
resolved against the conversation so far, deterministically: retrieval reads the question followed by the topic
of the turn before it (that question's content words; for a turn that names nothing itself, the heading of the
section its direct answer cited).
A question that points back asks its own kind of value ("how much"), so the kind asked before ("when") is not
carried; an elliptical one asks the earlier question again about something else ("And the reduced pass?" after
"How much does the Rivermouth Pass cost?"), so it is. A turn that was itself a follow-up lends its own words and
the topic it leaned on. Where no earlier turn names a topic (no earlier question, or one the guard refused), the
chat asks the resident to say what they mean: never a confident answer about something they did not name.

One conversation model for every front end (/chat, POST /api/chat's `history`, `civicai ask --conversation`): a
list of Turns, oldest first, at most MAX_TURNS kept (`remember` adds one after an answer). A turn carries only
the question and the sections its direct answer cited; it is context for retrieval, never trusted for anything
else (earlier questions are redacted and guarded again; section names are only compared and read for words).

Languages: en, fr, de, nl, da, es, it (accent-folded).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from civicai.rag.rerank import NUMBERS_WRITTEN, asked_value, holds_value
from civicai.rag.tokenize import content_terms, fold, tokenize

# words that point back to something said before, folded; "there" only where it is not existential
_ANAPHORS = frozenset({
    "that", "this", "it", "its", "those", "these", "them", "they", "there",  # en
    "ca", "cela", "ceci", "celui", "celle", "ceux", "celles", "labas",  # fr
    "das", "dies", "diese", "dieses", "dafur", "davon", "dort", "dorthin", "dabei",  # de
    "dat", "dit", "daar", "daarvan", "daarvoor", "daarmee", "ervan", "ervoor",  # nl
    "det", "dette", "disse", "deraf", "dertil", "dermed",  # da
    "eso", "esto", "ello", "aquello", "alli", "ahi",  # es
    "cio", "questo", "questa", "quello", "quella", "questi",  # it
})
# "Is there a night bus?", "Will there be ...?" stand alone
_EXISTENTIAL = frozenset({"is", "are", "was", "were", "be", "been", "will", "would", "could", "can", "should", "may",
                          "might"})
_GERMAN_ARTICLES = frozenset({"das", "dies", "diese", "dieses"})  # before a capitalised noun: "das Ticket"
# openings of an elliptical follow-up ("and for green waste?", "what about 2050?"), folded
_ELLIPTICAL = re.compile(
    r"^\W*(and|but|what about|how about|et|mais|quid de|und|aber|was ist mit|en (?=(wat|hoe|wanneer|hoeveel|"
    r"waar|wie|voor|met)\b)|maar|og|men|hvad med|y(?! a\b| aura\b| avait\b)|pero|e(?= (per|quanto|quanti|"
    r"quando|come|dove|chi|cosa)\b))\b")
# question words: they ask, they do not name a topic
_QUESTION_WORD_LIST = (
    "what which who whom whose where when why how much many quel quelle quels quelles qui ou quand pourquoi "
    "comment combien que quoi was welche welcher welches wer wo wann warum wieso weshalb wie viel viele wat "
    "welk welke waar wanneer waarom hoe hoeveel hvad hvilke hvilken hvem hvor hvornar hvorfor hvordan meget "
    "mange que cual cuales quien donde cuando por cuanto cuanta cuantos cuantas como cosa quale quali chi "
    "dove quando perche quanto quanta quanti quante")
_QUESTION_WORDS = frozenset(_QUESTION_WORD_LIST.split())
_MAX_OWN_ANAPHORIC = 1  # "Is it true that buses are free?" names two things and stands alone
_MAX_OWN_ELLIPTICAL = 3
_MAX_DEPTH = 3  # how many turns back a chain of follow-ups may lean
MAX_TURNS = 5  # turns a conversation keeps: a chain leans at most _MAX_DEPTH back, a few more are harmless
MAX_SECTIONS = 5  # cited sections kept per turn (an answer cites at most a few)
MAX_SECTION_CHARS = 500


@dataclass(frozen=True)
class Turn:
    """An earlier question of the conversation and the sections its direct answer cited (none if refused)."""

    question: str
    sections: tuple[str, ...] = ()


@dataclass(frozen=True)
class Resolution:
    query: str  # what retrieval reads: the question itself, or it followed by the earlier topic
    follow_up: bool  # the question leans on the conversation
    clarify: bool  # it leans on nothing: ask the resident what they mean
    topic: str = ""  # the words carried over from earlier turns
    earlier: str = ""  # the earlier question the topic comes from (redacted), to offer back in "Is this about ...?"


Conversation = str | Turn | Sequence[str | Turn] | None


def as_turns(previous: Conversation) -> list[Turn]:
    """The conversation so far, oldest first: one earlier question (str), a Turn, or a sequence of them; only
    the last MAX_TURNS are read."""
    if previous is None:
        return []
    items = [previous] if isinstance(previous, str | Turn) else list(previous)
    turns = [item if isinstance(item, Turn) else Turn(str(item)) for item in items]
    return [t for t in turns if t.question and t.question.strip()][-MAX_TURNS:]


def turns_from(history: Sequence[dict] | None) -> list[Turn]:
    """Turns from their JSON form ({"question": ..., "sections": [...]}, oldest first), as /chat keeps them and
    POST /api/chat receives them (validated there); sections cut to MAX_SECTIONS of MAX_SECTION_CHARS."""
    turns = []
    for item in history or []:
        sections = tuple(str(s)[:MAX_SECTION_CHARS] for s in (item.get("sections") or ())[:MAX_SECTIONS])
        turns.append(Turn(str(item.get("question") or ""), sections))
    return as_turns(turns)


def turn_of(question: str, answer) -> Turn:
    """The turn an answered question adds: the sections its direct answer cited (none when it was not a direct
    answer: a refusal or a clarifying question names no topic to lean on)."""
    sections = () if answer.abstained else tuple(c.section for c in answer.citations)
    return Turn(question, sections[:MAX_SECTIONS])


def remember(turns: Sequence[Turn], question: str, answer) -> list[Turn]:
    """The conversation after `question` got `answer`: the last MAX_TURNS turns."""
    return [*turns, turn_of(question, answer)][-MAX_TURNS:]


def turn_json(turn: Turn) -> dict:
    return {"question": turn.question, "sections": list(turn.sections)}


def _points_back(question: str) -> bool:
    raw = re.findall(r"\w+", question)
    words = [fold(w) for w in raw]
    for i, word in enumerate(words):
        if word not in _ANAPHORS:
            continue
        if word == "there" and i and words[i - 1] in _EXISTENTIAL:
            continue
        if word in _GERMAN_ARTICLES and i + 1 < len(raw) and raw[i + 1][:1].isupper():
            continue
        return True
    return False


def own_terms(question: str) -> set[str]:
    """The things a question names itself: content words that neither point back nor ask."""
    return {w for w in content_terms(question) - _ANAPHORS if w not in _QUESTION_WORDS}


def leans_on_context(question: str) -> bool:
    """True for a question that cannot stand alone (module docstring); False for "Is there a night bus?",
    "How much will the cycling network cost?", "En quelle année ...", "Y a-t-il une aide ...?"."""
    return _anaphoric(question) or _elliptical(question)


def _anaphoric(question: str) -> bool:
    return _points_back(question) and len([w for w in own_terms(question) if not w.isdigit()]) <= _MAX_OWN_ANAPHORIC


def _elliptical(question: str) -> bool:
    return bool(_ELLIPTICAL.match(fold(question).strip())) and len(own_terms(question)) <= _MAX_OWN_ELLIPTICAL


def _heading(section: str) -> str:
    """The last heading of a section path ("Part B > Mobility > Cycling" -> "Cycling")."""
    return re.split(r"\s*(?:>|›|»|/|\|)\s*", section.strip())[-1] if section else ""


def _topic_words(text: str, keep_value: bool = False) -> list[str]:
    """Content words in order; without those that only say what kind of value was asked ("cost", "when")
    unless `keep_value`."""
    seen: set[str] = set()
    out = []
    for word in text.split():
        terms = own_terms(word)
        if not terms or (asked_value(word) is not None and not keep_value):
            continue
        key = " ".join(sorted(terms))
        if key not in seen:
            seen.add(key)
            out.append(word.strip(" ?!.,;:¿¡\"'«»“”()"))
    return [w for w in out if w]


def topic_of(turns: list[Turn], accept: Callable[[str], str], depth: int = 0, keep_value: bool = False) -> str:
    """What the last turn was about: its own words (else the heading its answer cited), and, for a turn that was
    itself a follow-up, the topic it leaned on. `accept` redacts an earlier question and returns "" for one
    the guard refuses (an injection lends nothing)."""
    if not turns or depth >= _MAX_DEPTH:
        return ""
    last = turns[-1]
    question = accept(last.question)
    if not question:
        return ""
    words = _topic_words(question, keep_value)
    if not words:
        # a turn that names nothing itself ("And that one?") is about where its answer was found; otherwise the
        # heading only adds words the question did not ask about (development chains: no gain, one more unrelated
        # answer; evaluation/results/chat_followups_dev.md), and the section serves the topic check instead
        words = [w for section in last.sections[:1] for w in _topic_words(_heading(section))]
    if leans_on_context(question):
        words += topic_of(turns[:-1], accept, depth + 1).split()
    seen: set[str] = set()
    return " ".join(w for w in words if not (w.lower() in seen or seen.add(w.lower())))


def resolve(question: str, previous: Conversation = None, accept: Callable[[str], str] = lambda q: q) -> Resolution:
    """The query retrieval should read for `question`, given the conversation so far (see the module docstring).
    A standalone question is returned unchanged."""
    if not leans_on_context(question):
        return Resolution(query=question, follow_up=False, clarify=False)
    accepted: dict[str, str] = {}

    def once(text: str) -> str:  # redaction and the guard run once per earlier question
        if text not in accepted:
            accepted[text] = accept(text)
        return accepted[text]

    turns = as_turns(previous)
    topic = topic_of(turns, once, keep_value=not _anaphoric(question))
    own = set(tokenize(question, prefixes=False))
    carried = " ".join(w for w in topic.split() if not set(tokenize(w, prefixes=False)) <= own)
    if not carried:
        # "and how much does that cost?" with nothing before it: ask. "What about heat pumps?" as a first
        # question names its own topic and is answered as it stands.
        names_topic = not _anaphoric(question) and any(not w.isdigit() for w in own_terms(question))
        return Resolution(query=question, follow_up=not names_topic, clarify=not names_topic)
    # the question a resident would recognise: the latest earlier one that names its own topic ("and when?" does not)
    earlier = [once(t.question) for t in reversed(turns)]
    named = next((q for q in earlier if q and not leans_on_context(q)), next((q for q in earlier if q), ""))
    return Resolution(query=f"{question} {carried}", follow_up=True, clarify=False, topic=carried, earlier=named)


# -- "never a confident unrelated answer" ---------------------------------------------------------------------
def _parent(section: str) -> str:
    parts = [p.strip() for p in re.split(r"\s+>\s+", section or "") if p.strip()]
    return " > ".join(parts[:-1]) if len(parts) > 1 else ""


def same_section(turns: Sequence[Turn], section: str) -> bool:
    """The cited section is one the previous turn's direct answer cited, or a sibling of one (same parent)."""
    earlier = turns[-1].sections if turns else ()
    parent = _parent(section)
    return any(section == s or (parent and parent == _parent(s)) for s in earlier)


def names_topic(topic: str, text: str) -> bool:
    """A word of the carried topic (or its five-letter prefix: "cycling" ~ "cycle") is in `text`."""
    words = {t for t in tokenize(topic) if not t.removeprefix("p:").isdigit()}
    return bool(words & set(tokenize(text)))


def stays_on_topic(resolution: Resolution, previous: Conversation, section: str, quote: str,
                   expand: Callable[[str], str] = lambda topic: topic) -> bool:
    """A follow-up's direct answer is about what the conversation was about: its first citation is in (or next
    to) a section the previous answer cited, or its quote or heading names the carried topic (`expand`: the
    topic's words in the plan's language too, as word matching reads a question in another language). A
    standalone question is always on its own topic."""
    if not resolution.follow_up or not resolution.topic:
        return True
    return same_section(as_turns(previous), section) \
        or names_topic(expand(resolution.topic), f"{_heading(section)} {quote}")


def holds_asked_value(resolution: Resolution, quotes: Sequence[str]) -> bool:
    """A follow-up that asks a kind of value ("and how much does that cost?", "when did that take place?") is
    answered only by a quote that holds one (numbers the question itself states do not count). The abstention
    model was fitted on standalone questions; a follow-up's resolved query (question + carried topic) matches
    the topic's passage well even where the asked detail is missing, so the value is checked here."""
    kind = asked_value(resolution.query)
    if not resolution.follow_up or not resolution.topic or kind is None:
        return True
    given = frozenset(NUMBERS_WRITTEN.findall(resolution.query))  # as the reranker reads them
    return any(holds_value(q, kind, given) for q in quotes)


def follow_up_verdict(resolution: Resolution, previous: Conversation, citations: Sequence,
                      expand: Callable[[str], str] = lambda topic: topic) -> str | None:
    """None: the direct answer stands. "clarify": its first citation left the conversation's topic, so ask
    "Is this about your earlier question ...?". "closest": on topic but without the asked value, so it is quoted
    as the closest passage, not as a direct answer. Never a confident unrelated answer."""
    if not citations:
        return None
    if not stays_on_topic(resolution, previous, citations[0].section, citations[0].quote, expand):
        return "clarify"
    if not holds_asked_value(resolution, [c.quote for c in citations]):
        return "closest"
    return None


def clarifying_topic(resolution: Resolution, limit: int = 6, max_chars: int = 120) -> str:
    """What to offer back in "Is this about your earlier question ...?": that question as the resident wrote it
    (redacted; cut at a word near `max_chars`), else a few of the carried words. The carried words alone read
    as a list ("prévoit vélo"), the question reads as the resident's own."""
    earlier = " ".join(resolution.earlier.split())
    if not earlier:
        return " ".join(resolution.topic.split()[:limit])
    if len(earlier) <= max_chars:
        return earlier
    return earlier[:max_chars].rsplit(" ", 1)[0] + " …"


def refocus(ranked: list, question: str, reranker) -> list:
    """For a follow-up: within the passages found for question + topic, the words the question names itself
    ("invited", "the cruise ships", "Amagerværket") choose the sentence, counted like the question's words are
    counted once more (the reranker's lexical weight). The topic's words are in every sentence of the topic's
    passage alike, so without this the sentence that best restates the topic wins over the one that answers."""
    # words that only say which kind of value is asked ("cost", "coûte") are left to the reranker's value
    # feature: as sentence pickers they pull any price in the plan ("the Pass costs 29 euros") into the topic
    words = set(tokenize(" ".join(w for w in own_terms(question) if asked_value(w) is None)))
    weights = {t: reranker.index.idf(t) for t in words}
    total = sum(weights.values())
    if not total:
        return ranked
    out = []
    for passage in ranked:
        if passage.best_sentence < 0:
            out.append(passage)
            continue
        own = reranker.lexical(weights, total, passage.hit.chunk)
        scores = passage.sentence_scores + reranker.weights.lexical * own
        best = int(np.argmax(scores))
        out.append(replace(passage, score=float(scores[best]), sentence_scores=scores, best_sentence=best))
    out.sort(key=lambda r: -r.score)
    return out
