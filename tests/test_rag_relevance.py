"""The fitted sentence-relevance model (civicai.rag.relevance): what a general answer cites beyond the reranker's
first passage, and the per-embedder artefacts (relevance.json, abstention.json) with their provenance."""
from __future__ import annotations

import json
import os

import pytest

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from civicai.plans.ingest import ingest_file
from civicai.rag import AnswerKind, load_chat
from civicai.rag.abstain import CALIBRATION_FILE, AbstentionPolicy, load_model
from civicai.rag.relevance import FEATURES, RELEVANCE_FILE, load_relevance

HELD_OUT = ("eindhoven", "heidelberg", "paris", "sonderborg", "stockholm")


@pytest.fixture(scope="module")
def sample_chat(sample_dir):
    ingest_file(sample_dir / "plan" / "rivermouth-climate-plan.md", name="rivermouth-relevance")
    return load_chat("rivermouth-relevance")


def test_shipped_model_says_what_it_was_fitted_on():
    model = load_relevance("e5")
    assert model is not None and len(model.weights) == len(FEATURES)
    assert 0.0 < model.threshold < 1.0 and model.max_citations >= 2
    entry = next(e for e in json.loads(RELEVANCE_FILE.read_text())["models"] if e["embedder"] == "e5")
    assert entry["fitted_by"] == "evaluation/fit_relevance.py" and "development plans" in entry["fitted_on"]
    assert not any(plan in entry["fitted_on"] for plan in HELD_OUT)  # never fitted on a held-out plan


def test_total_budget_cites_the_sentence_the_first_passage_lacks(sample_chat):
    # The reranker's first passage is the budget table (a row per chapter); the sentence with the total,
    # "The total budget of EUR 1.42 billion for 2025-2030 ...", is the best sentence of another candidate. The
    # margin rule cited the table alone; the relevance model adds the total.
    answer = sample_chat.ask("What is the total budget of the plan for 2025-2030?")
    assert answer.kind == AnswerKind.ANSWERED, answer.answer
    assert any("EUR 1.42 billion" in c.quote for c in answer.citations), answer.answer
    assert len(answer.citations) <= load_relevance("e5").max_citations
    assert len({c.chunk for c in answer.citations}) == len(answer.citations)  # one quote per passage


def test_child_and_closest_answers_keep_one_quote(sample_chat):
    child = sample_chat.ask("What is the total budget of the plan for 2025-2030?", audience="child")
    assert len(child.citations) == 1
    closest = sample_chat.ask("Will the city build a hydrogen bus depot?")
    assert closest.kind == AnswerKind.CLOSEST and len(closest.citations) == 1


def test_saving_one_embedders_abstention_model_keeps_the_others(tmp_path):
    path = tmp_path / "abstention.json"
    path.write_text(CALIBRATION_FILE.read_text())
    e5 = load_model("e5")
    moved = AbstentionPolicy(*(type(m)(**{**m.__dict__, "embedder": "other"}) for m in (e5.same, e5.cross)))
    moved.save(path, keep_others=True)
    entries = json.loads(path.read_text())
    assert {e["embedder"] for e in entries} == {"e5", "other"} | {e["embedder"] for e in json.loads(CALIBRATION_FILE.read_text())}
    assert sum(e["embedder"] == "other" for e in entries) == 2
