"""Child mode changes the answer: a "when / how much" question gets the value first, said plainly, taken from
the quoted sentence (unit-aware, never a number the question itself states)."""
from __future__ import annotations

import pytest

from civicai.plans.ingest import ingest_file
from civicai.rag import load_chat
from civicai.rag.values import plain_value


def test_the_unit_asked_for_wins_over_a_neighbouring_number():
    quote = "Solar power will reach 120 GWh, with parks covering 40 hectares by 2030."
    assert plain_value(quote, "number", "How many hectares are set aside for solar panels?") == "40 hectares"
    assert plain_value(quote, "number", "How much solar power in GWh?") == "120 GWh"
    # a sentence with only the other unit gives no plain value, rather than the wrong number
    assert plain_value("Solar power will reach 120 GWh by 2030.", "number", "How many hectares for solar?") is None
    # of two numbers in the asked unit, the one whose neighbouring words match the question's
    lanes = "Rivermouth has 42 km of protected cycle lanes today. The plan adds 85 km of new protected cycle lanes."
    assert plain_value(lanes, "number", "How many kilometres of new protected cycle lanes will be built?") == "85 km"


def test_values_the_question_states_and_latex_are_handled():
    question = "By when do the cities now expect to reach an 80% reduction?"
    assert plain_value("an emission reduction of 80% is aimed for by 2035 instead.", "year", question) == "2035"
    assert plain_value("About  $26\\%$  of total emissions come from homes.", "number", "What share comes from homes?") == "26%"
    assert plain_value("Estimated total cost of € 835 mln.", "money", "How much will it cost?") == "€ 835 mln"
    assert plain_value("The plan runs until 2030.", "year", "What happens by 2030?") is None
    assert plain_value("Anything at all.", None, "Why?") is None


@pytest.fixture(scope="module")
def sample_chat(sample_dir):
    ingest_file(sample_dir / "plan" / "rivermouth-climate-plan.md", name="rivermouth")
    return load_chat("rivermouth")


@pytest.mark.parametrize("question, value", [
    ("How many kilometres of new protected cycle lanes will be built?", "85 km"),
    ("How much does the Rivermouth Pass cost per month?", "EUR 29"),
])
def test_child_answer_leads_with_the_value(sample_chat, question, value):
    child = sample_chat.ask(question, audience="child")
    general = sample_chat.ask(question, audience="general")
    assert child.kind == "answered" and len(child.citations) == 1
    assert child.answer.startswith(f"In short: {value}.")
    assert value in child.citations[0].quote  # the plain value is what the cited sentence says
    assert "In short:" not in general.answer
