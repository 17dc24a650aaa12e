"""Refusals name the plan as residents read it and point to real places (issue 17: an abstention named the plan
by its internal lower-case id and listed "(untitled) (page 1)" as a section)."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pdf_chat(sample_dir):
    from civicai.plans.ingest import ingest_file
    from civicai.rag import load_chat

    # the PDF /chat serves, under an id of its own so other modules' "rivermouth" plan is left alone
    ingest_file(sample_dir / "plan" / "rivermouth-climate-plan.pdf", name="rivermouth-climate-plan")
    return load_chat("rivermouth-climate-plan")


def test_an_off_topic_refusal_names_the_plan_by_its_display_name(pdf_chat) -> None:
    from civicai.rag import AnswerKind

    answer = pdf_chat.ask("What is the best pizza recipe in Naples?")
    assert answer.kind == AnswerKind.OFF_TOPIC
    assert "Rivermouth Climate Plan" in answer.answer and "rivermouth-climate-plan" not in answer.answer


def test_a_title_page_is_pointed_to_by_its_page_not_as_untitled(pdf_chat) -> None:
    from civicai.rag.compose import closest_sections
    from civicai.rag.index import Hit

    chunks = pdf_chat.stored.chunks
    untitled = [c for c in chunks if not c.section_path and c.page is not None]
    assert untitled, "the sample PDF's title page comes before any heading"
    hits = [Hit(chunk=c, rrf=0.0, dense=0.0, bm25=0.0, dense_rank=1, bm25_rank=1) for c in untitled[:1] + chunks[-2:]]
    labels = closest_sections(hits, "en")
    assert labels and not any("untitled" in label for label in labels)
    assert f"page {untitled[0].page}" in labels
