"""Readable theme titles and summaries in one chosen language, built from the members' own phrases.

For every theme of a question: the noun phrases its members wrote in the label language (summarise.phrases)
are scored by
  coverage   - the share of the theme's members (in that language) who wrote the phrase,
  specificity - how much rarer it is outside the theme (binary TF-IDF over the question: log(1 + M / df)),
  centrality - the cosine between the phrase's embedding and the theme's centroid (so "people" or "the plan"
               lose to what the theme is about),
and picked by maximal marginal relevance (no near-synonyms, no phrase contained in a chosen one). The title is
the best phrase, joined with the second when that one is nearly as common and says something else
("Bus shelters and night buses", 2-6 words); the summary names the sub-points with how many members wrote
each, and one member's sentence. Every word of a title is a member's, so titles pass the grounding check by
construction; an LLM may rewrite them (summarise.rewrite) only when its text passes that check.

Titles that collide within a question (same words, or the same leading phrase) are re-titled with the best
phrase that no colliding theme uses. Weights were chosen on the shipped sample only (evaluation/labels.py);
the Polis and gambling_XS sets are reported, not tuned on.
"""
from __future__ import annotations

import tomllib
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from civicai.summarise.phrases import PhraseCounts, count_phrases, parser_for

TITLE_VERSION = "phrases-v3"  # bump when titles change, so cached analyses are relabelled
MAX_TITLE_WORDS = 6
N_SUBPOINTS = 3
MIN_DOCS = 2  # a phrase one member wrote is not a theme's point
PRESELECT = 40  # candidates per theme scored with embeddings
MMR_LAMBDA = 0.8
MIN_RELATIVE_SCORE = 0.25
SUBSET_NOTE = 0.9
PARSE_LIMIT = 1500  # texts of one language tagged by spaCy for phrases; beyond it a per-theme sample
PARSE_MIN_PER_THEME = 50
SECOND_PHRASE_SHARE = 0.5  # the second phrase joins the title when its coverage >= this share of the first's
SIMILAR = 0.75
CENTRALITY_POWER = 2.0
OTHER_WEIGHT = 0.5  # phrases closer than this (cosine) say the same thing

# summary wording per label language (wording.toml); unknown languages use English
_WORDS: dict[str, dict[str, str]] = tomllib.loads(
    (Path(__file__).with_name("wording.toml")).read_text(encoding="utf-8"))


def words_for(language: str) -> dict[str, str]:
    return _WORDS.get((language or "en").split("-")[0].lower(), _WORDS["en"])


def language_name(language: str) -> str:
    """'fr' -> 'French' (for prompts); unknown codes are returned as they are."""
    code = (language or "").split("-")[0].lower()
    return _WORDS[code]["name"] if code in _WORDS else language


def majority_language(languages: Sequence[str]) -> str:
    """The most common language code (ties: alphabetical, so the result never depends on row order)."""
    counts = Counter(str(x) for x in languages if x and str(x) not in {"und", "unknown", "?"})
    if not counts:
        return "en"
    return min(counts, key=lambda code: (-counts[code], code))


@dataclass
class Phrase:
    key: str
    text: str
    count: int  # members (in the label language) who wrote it
    score: float


@dataclass
class ThemeTitle:
    title: str
    summary: str
    language: str  # the language the title and summary are in
    points: list[Phrase] = field(default_factory=list)  # the sub-points, best first (points[0] leads the title)
    ranked: list[Phrase] = field(default_factory=list)  # every scored candidate, best first
    size: int = 0
    in_language: int = 0  # members written in `language`
    source: str = "phrases"  # 'phrases' | 'phrases (other language)' | 'keywords' | 'llm'
    summary_source: str = "phrases"  # 'phrases' | 'llm'

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "summary": self.summary, "language": self.language, "source": self.source,
                "summary_source": self.summary_source,
                "points": [[p.text, p.count] for p in self.points], "size": self.size, "in_language": self.in_language}


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _contains(a: str, b: str) -> bool:
    """One phrase's words inside the other's ('bus' in 'bus shelter')."""
    wa, wb = set(a.split()), set(b.split())
    return wa <= wb or wb <= wa


def _mmr(ranked: list[Phrase], vectors: dict[str, np.ndarray], k: int,
         min_relative: float = MIN_RELATIVE_SCORE) -> list[Phrase]:
    if not ranked:
        return []
    top = max(p.score for p in ranked) or 1.0
    chosen: list[Phrase] = []
    pool = [p for p in ranked if p.score >= min_relative * top]  # no greetings or stray numbers as points
    while pool and len(chosen) < k:
        def value(p: Phrase) -> float:
            redundancy = max((float(vectors[p.key] @ vectors[c.key]) for c in chosen), default=0.0)
            return MMR_LAMBDA * p.score / top - (1 - MMR_LAMBDA) * redundancy

        best = max(pool, key=value)
        pool.remove(best)
        if any(_contains(best.key, c.key) for c in chosen):
            continue
        if any(float(vectors[best.key] @ vectors[c.key]) >= SIMILAR for c in chosen):
            continue
        chosen.append(best)
    return chosen


def _inner(text: str, language: str) -> str:
    """A phrase as it reads inside a title: German nouns keep their capital, other languages' sentence-start
    capitals go ('Green roofs' -> 'green roofs'), acronyms stay ('ZBE')."""
    first = text.split(" ", 1)[0]
    if language.startswith("de") or first.isupper() or any(c.isupper() for c in first[1:]):
        return text
    return text[:1].lower() + text[1:]


def _join(first: str, second: str, language: str) -> str:
    return f"{first} {words_for(language)['and']} {_inner(second, language)}"


def _title_from(points: list[Phrase], language: str) -> str:
    """The leading phrase, with the second when it is nearly as common or the first is a single word (a title
    names something in 2-6 words: 'Bus' alone says too little)."""
    if not points:
        return ""
    first = points[0]
    title = first.text
    # the second phrase must add words: not "Solar panels and neighbour's panels"
    second = next((p for p in points[1:] if not set(p.key.split()) & set(first.key.split())), None)
    if second is not None:
        joined = _join(first.text, second.text, language)
        common = second.count >= SECOND_PHRASE_SHARE * first.count
        if (common or len(first.text.split()) == 1) and len(joined.split()) <= MAX_TITLE_WORDS:
            title = joined
    return _capitalise(title)


def summary_text(size: int, in_language: int, points: Sequence[Phrase], language: str,
                 examples: Sequence[str] = ()) -> str:
    """'Most often raised: a (12), b (9) and c (7). For example: “...” “...”' in `language`; when only some
    members wrote in that language, the first sentence says how many the counts are out of."""
    words = words_for(language)
    sentences = []
    ordered = sorted(points[:N_SUBPOINTS], key=lambda p: -p.count)  # "most often": by count
    listed = [f"{_inner(p.text, language)} ({p.count})" for p in ordered]
    if listed:
        points_text = listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + f" {words['and']} {listed[-1]}"
        # the counts are out of the members written in `language`; say so when that is not (nearly) all of them
        template = words["raised_subset"] if 0 < in_language < SUBSET_NOTE * size else words["raised"]
        sentences.append(template.format(points=points_text, m=in_language))
    if examples:
        sentences.append(words["example"].format(quote=examples[0]) + "".join(f" “{e}”" for e in examples[1:]))
    return " ".join(sentences)


def _by_doc(counts: PhraseCounts) -> dict[int, list[str]]:
    inverted: dict[int, list[str]] = defaultdict(list)
    for key, docs in counts.docs.items():
        for d in docs:
            inverted[d].append(key)
    return inverted


def rank_phrases(member_docs: Sequence[int], counts: PhraseCounts, by_doc: dict[int, list[str]], total_docs: int,
                 centroid: np.ndarray, embed: Any, vectors: dict[str, np.ndarray],
                 other_centroids: np.ndarray | None = None) -> list[Phrase]:
    """Candidates of one theme, best first (score = coverage x specificity x centrality). Centrality is the
    phrase's closeness to this theme minus OTHER_WEIGHT x its closeness to the nearest other theme, so a phrase
    that fits every theme ("climate action") loses to one that fits this one."""
    m = len(member_docs)
    if m == 0:
        return []
    local: Counter[str] = Counter()
    for d in member_docs:
        local.update(set(by_doc.get(d, ())))
    floor = max(MIN_DOCS, int(np.ceil(0.03 * m))) if m >= MIN_DOCS * 2 else 1
    pre = []
    for key, df in local.items():
        if df < floor:
            continue
        coverage = df / m
        lift = coverage / (len(counts.docs[key]) / total_docs)  # > 1: more common in the theme than outside
        pre.append((coverage * float(np.log1p(lift)), key, df))
    pre.sort(key=lambda x: (-x[0], x[1]))
    pre = pre[:PRESELECT]
    missing = [key for _, key, _ in pre if key not in vectors]
    if missing:
        encoded = embed([counts.surface(key) for key in missing])
        for key, vector in zip(missing, encoded, strict=True):
            vectors[key] = np.asarray(vector, dtype=np.float32)
    ranked = []
    for value, key, df in pre:
        closeness = float(vectors[key] @ centroid)
        if other_centroids is not None and len(other_centroids):
            closeness -= OTHER_WEIGHT * max(float((other_centroids @ vectors[key]).max()), 0.0)
        centrality = max(closeness, 0.0)
        length_bonus = 1.0 + 0.1 * (min(len(key.split()), 3) - 1)
        ranked.append(Phrase(key, counts.surface(key), df, value * centrality ** CENTRALITY_POWER * length_bonus))
    ranked.sort(key=lambda p: (-p.score, p.key))
    return ranked


def parse_subset(rows: list[int], primary: np.ndarray, seed: int = 0) -> list[int]:
    """Which texts of one language to parse for phrases: all up to PARSE_LIMIT, else a seeded sample of each
    theme (and of the unassigned) of equal size, so a 100k-submission run parses a bounded number of texts
    (the parser reads ~10k words/s per core). Counts shown to staff are recounted over every member."""
    if len(rows) <= PARSE_LIMIT:
        return rows
    rng = np.random.default_rng(seed)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in rows:
        groups[int(primary[i])].append(i)
    cap = max(PARSE_MIN_PER_THEME, PARSE_LIMIT // max(len(groups), 1))
    chosen: list[int] = []
    for key in sorted(groups):
        members = groups[key]
        chosen += members if len(members) <= cap else rng.choice(members, cap, replace=False).tolist()
    return sorted(chosen)


def recount(phrase: Phrase, counts: PhraseCounts, written: Sequence[str]) -> Phrase:
    """The phrase's count over every given text: any of the forms seen, as whole words, case-insensitive."""
    import re

    forms = sorted(counts.forms[phrase.key], key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(f) for f in forms) + r")(?!\w)", re.IGNORECASE)
    return Phrase(phrase.key, phrase.text, sum(1 for t in written if pattern.search(t)), phrase.score)


def title_themes(texts: Sequence[str], languages: Sequence[str], primary: Sequence[int], n_themes: int,
                 centroids: np.ndarray, embedder: Any, label_language: str,
                 quotes: Sequence[Sequence[str]] | None = None,
                 fallback_keywords: Sequence[Sequence[str]] | None = None,
                 phrase_cache: dict | None = None) -> list[ThemeTitle]:
    """Title and summary of every theme 0..n_themes-1 of one question, in `label_language`.

    texts/languages/primary: the question's (redacted) submissions, their language codes and theme index (-1 =
    none). quotes: per theme, the quoted members' texts (the summary's example is the first one in the label
    language). A theme with fewer than two members in the label language is described from its own majority
    language instead (source 'phrases (other language)'); one without any usable phrase falls back to its
    keywords (source 'keywords')."""
    primary_arr = np.asarray(primary)
    centroids = np.asarray(centroids, dtype=np.float32)
    embed = (lambda items: embedder.encode(list(items))) if embedder is not None else None
    # one phrase count per language used, over every text of the question in that language
    # (pass the same `phrase_cache` to title parents over the same texts: the parse is the costly part)
    per_language: dict[str, tuple[PhraseCounts, dict[int, list[str]], list[int], dict[str, np.ndarray]]] = \
        phrase_cache if phrase_cache is not None else {}

    def counted(language: str):
        if language not in per_language:
            idx = [i for i, code in enumerate(languages) if code == language]
            if parser_for(language) is not None:  # only the spaCy languages cost; German and n-grams are regexes
                idx = parse_subset(idx, primary_arr)
            counts = count_phrases([texts[i] for i in idx], language)
            by_doc = _by_doc(counts)
            per_language[language] = (counts, by_doc, idx, {})
        return per_language[language]

    results: list[ThemeTitle] = []
    for t in range(n_themes):
        members = np.nonzero(primary_arr == t)[0]
        member_languages = [languages[i] for i in members]
        language = label_language
        in_language = sum(1 for code in member_languages if code == language)
        source = "phrases"
        if in_language < 2 and member_languages:
            language = majority_language(member_languages)
            in_language = sum(1 for code in member_languages if code == language)
            source = "phrases (other language)"
        ranked: list[Phrase] = []
        points: list[Phrase] = []
        if embed is not None and in_language:
            counts, by_doc, idx, vectors = counted(language)
            position = {g: j for j, g in enumerate(idx)}
            member_docs = [position[g] for g in members if g in position]
            others = np.delete(centroids, t, axis=0)
            ranked = rank_phrases(member_docs, counts, by_doc, len(idx), centroids[t], embed, vectors, others)
            points = _mmr(ranked, vectors, N_SUBPOINTS + 1)
            if len(points) == 1 and len(points[0].text.split()) == 1:  # one word says too little: add the next
                points += _mmr(ranked, vectors, 2, min_relative=0.0)[1:]
            if len(member_docs) < in_language:  # phrases were found on a sample: count them over every member
                written = [texts[i] for i in members if languages[i] == language]
                points = [q for q in (recount(p, counts, written) for p in points) if q.count >= MIN_DOCS]
        title = _title_from(points, language)
        if not title:
            keywords = list(fallback_keywords[t]) if fallback_keywords is not None else []
            title = _capitalise(", ".join(keywords[:3])) if keywords else "(no clear phrase)"
            source = "keywords"
        examples = _examples(quotes[t] if quotes is not None else [], languages, texts, members, language,
                             centroids[t], embedder)
        # the summary lists what the title does not already say
        listed = [p for p in points if p.text.lower() not in title.lower()] or points
        summary = summary_text(len(members), in_language, listed if source != "keywords" else [], language, examples)
        results.append(ThemeTitle(title, summary, language, points, ranked, len(members), in_language, source))
    distinguish(results, label_language)
    return results


def _examples(theme_quotes: Sequence[str], languages: Sequence[str], texts: Sequence[str], members: np.ndarray,
              language: str, centroid: np.ndarray, embedder: Any) -> list[str]:
    """From the theme's quotes, the sentence of each closest to the theme, shared out between the members'
    languages as the quotes are (`fair_subset`: every language holding >= 15% of the members is cited), the
    label language first. Quotes stay verbatim in their own language: the counts and phrases are in the label
    language, but whose words are cited must not be."""
    from civicai.summarise.label import SUMMARY_SENTENCES, central_sentences
    from civicai.summarise.quotes import fair_subset

    if not len(theme_quotes) or embedder is None:
        return []
    text_language = {texts[i]: languages[i] for i in members}
    quote_languages = [text_language.get(q, "") for q in theme_quotes]
    keep = fair_subset(quote_languages, [languages[i] for i in members], SUMMARY_SENTENCES)
    keep.sort(key=lambda i: (quote_languages[i] != language, i))
    return central_sentences([theme_quotes[i] for i in keep], centroid, embedder)


def distinguish_parents(parents: list[ThemeTitle], children: list[ThemeTitle], groups: Sequence[Sequence[int]]) -> None:
    """A parent titled like one of its own children (the sample's "Flood and river defences" twice) is
    re-titled, in place, from the leading phrases of its two largest children: it names what it groups."""
    for parent, group in zip(parents, groups):
        if _collision_key(parent.title) not in {_collision_key(children[t].title) for t in group}:
            continue
        leads = [children[t].points[0].text for t in sorted(group, key=lambda t: -children[t].size)
                 if children[t].points]
        leads = [lead for i, lead in enumerate(leads) if not any(_contains(lead, other) for other in leads[:i])]
        if len(leads) >= 2:
            parent.title = _capitalise(_join(leads[0], leads[1], parent.language))


def _collision_key(title: str) -> str:
    from civicai.summarise.phrases import phrase_key

    return phrase_key(sorted(title.lower().replace(",", " ").split()))


def distinguish(titles: list[ThemeTitle], label_language: str) -> None:
    """Re-title themes whose titles collide (same words, or the same leading phrase), in place: each keeps its
    leading phrase and adds its best phrase that no colliding theme has among its candidates."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, t in enumerate(titles):
        groups["title:" + _collision_key(t.title)].append(i)
        if t.points:
            groups["lead:" + t.points[0].key].append(i)
    for members in groups.values():
        if len(members) < 2:
            continue
        for i in members:
            others = {p.key for j in members if j != i for p in titles[j].ranked[:PRESELECT // 4]}
            others |= {titles[j].points[0].key for j in members if j != i and titles[j].points}
            theme = titles[i]
            lead = theme.points[0] if theme.points else None
            distinct = next((p for p in theme.ranked if p.key not in others
                             and (lead is None or not _contains(p.key, lead.key))), None)
            if distinct is None:
                continue
            joined = _join(lead.text, distinct.text, theme.language) if lead is not None else distinct.text
            theme.title = _capitalise(joined if len(joined.split()) <= MAX_TITLE_WORDS else distinct.text)
    # whatever still collides is numbered, so two rows never read the same
    seen: Counter[str] = Counter()
    for t in titles:
        key = _collision_key(t.title)
        seen[key] += 1
        if seen[key] > 1:
            t.title = f"{t.title} ({seen[key]})"
