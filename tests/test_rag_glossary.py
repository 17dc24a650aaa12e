"""Cross-language query expansion: a question in another language than the plan gains the plan-language terms
of the shipped glossary, so keyword search and the word-overlap features can see it."""
from __future__ import annotations

import pytest

from civicai.rag.glossary import Glossary, default_glossary, expand_question


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return default_glossary()


def test_the_shipped_glossary_covers_the_chat_languages(glossary):
    assert {"en", "fr", "de", "nl", "da"} <= set(glossary.languages)
    assert len(glossary.concepts) >= 300
    full = [c for c in glossary.concepts if all(c.get(lang) for lang in ("en", "fr", "de", "nl", "da"))]
    assert len(full) >= 0.9 * len(glossary.concepts)


@pytest.mark.parametrize("question, language, expected", [
    ("Hvor mange ladestandere til elbiler kommer der?", "da", "charging"),
    ("Wann wird das Fernwärmenetz fossilfrei?", "de", "district heating"),  # a compound opens with the term
    ("Hoeveel fietsenstallingen komen er bij?", "nl", "bike"),
    ("Combien d'arbres la ville va-t-elle planter ?", "fr", "trees"),
])
def test_question_terms_map_to_the_plans_language(glossary, question, language, expected):
    terms = glossary.expand(question, language, "en")
    assert any(expected in term for term in terms), terms


def test_english_question_to_a_french_plan_gets_french_terms(glossary):
    terms = glossary.expand("How many charging points for electric cars?", "en", "fr")
    assert any("recharge" in term for term in terms), terms


def test_same_language_or_unknown_language_is_left_alone(glossary):
    question = "How many trees will the city plant?"
    assert glossary.expand(question, "en", "en") == []
    assert glossary.expand(question, "xx", "en") == []
    assert expand_question(question, "en", "en") == question
    assert expand_question(question, "da", None) == question


def test_short_terms_match_whole_words_only(glossary):
    # "bil" (car) must not fire inside "bilag" (appendix): terms under four letters never open a compound
    assert not any("car" in term for term in glossary.expand("Hvad står der i bilag 3?", "da", "en"))


def test_expansion_lifts_a_danish_question_to_the_right_passage(sample_dir):
    """On the sample plan, a Danish question about district heating shares no word with the English plan (BM25
    scores all zero); with the glossary's terms, the keyword ranking puts a district-heating passage first."""
    from civicai.plans.ingest import ingest_file
    from civicai.rag import load_chat

    ingest_file(sample_dir / "plan" / "rivermouth-climate-plan.md", name="rivermouth-glossary")
    chat = load_chat("rivermouth-glossary")
    question = "Hvornår bliver fjernvarmen fossilfri?"
    assert chat.index.bm25_scores(question).max() == 0
    keywords = chat.keywords(question, "da")
    assert keywords != question and "district heating" in keywords
    scores = chat.index.bm25_scores(keywords)
    best = chat.index.chunks[int(scores.argmax())]
    assert "district heating" in (best.text + " ".join(best.section_path)).lower()
