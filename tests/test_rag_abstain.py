"""The abstention decision on the shipped sample plan: the probe bank (civicai.rag.probes) scored against the plan,
the plan-relative features read from it, and the shipped model (abstention.json, fitted by
evaluation/calibrate_abstention.py with leave-one-plan-out) on an off-topic and a gold question."""
from __future__ import annotations

import json
import math
import os

import pytest

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from civicai.plans.ingest import ingest_file
from civicai.rag import AnswerKind, load_chat
from civicai.rag.abstain import CALIBRATION_FILE, load_model
from civicai.rag.probes import RELATIVE, ProbeScores, load_or_score, load_probes

HELD_OUT = ("amsterdam", "eindhoven", "grenoble", "groningen", "heidelberg", "lyon", "nantes", "paris",
            "sonderborg", "stockholm")


@pytest.fixture(scope="module")
def sample_chat(sample_dir):
    ingest_file(sample_dir / "plan" / "rivermouth-climate-plan.md", name="rivermouth-abstain")
    return load_chat("rivermouth-abstain")


def test_probe_bank_is_every_question_in_every_language():
    probes = load_probes()
    languages = {p["language"] for p in probes}
    assert languages == {"en", "fr", "de", "nl", "da", "es", "it"}  # the languages residents ask in
    topics = {p["id"].split("-")[0] for p in probes}
    # each topic asked in each language: the plan's own language always has a full reference set
    assert len(probes) == len(topics) * len(languages)


def test_probe_relative_features_on_the_sample_plan(sample_chat):
    scores = sample_chat.probe_scores()
    topics = len({p["id"].split("-")[0] for p in load_probes()})
    assert all(len(scores.same[name]) == topics for name in RELATIVE)  # the English probes: the plan's language
    assert all(len(scores.cross[name]) == len(load_probes()) - topics for name in RELATIVE)
    gold = sample_chat.assess("How many kilometres of new protected cycle lanes will be built?", "en",
                              relative=True).features
    off = sample_chat.assess("What time does the zoo open on Sundays?", "en", relative=True).features
    for values in (gold, off):
        assert all(math.isfinite(values["rel_" + name]) for name in RELATIVE)
    # the gold question's words are in its passage far more than the probes' are; the zoo question's are not
    assert gold["rel_idf_coverage"] > 1.0 > off["rel_idf_coverage"]
    assert gold["rel_answer_lexical"] > off["rel_answer_lexical"]


def test_probe_scores_are_read_from_disk_the_second_time(sample_chat, tmp_path):
    path = tmp_path / "probe-scores" / "x.json"
    first = load_or_score(path, lambda q, lang: sample_chat.assess(q, lang, relative=False).features, "en")

    def never(question: str, language: str) -> dict:
        raise AssertionError("probes scored again instead of read from the cache")
    assert load_or_score(path, never, "en") == first


def test_shipped_model_abstains_off_topic_and_answers_a_gold_question(sample_chat):
    policy = load_model(sample_chat.index.embedder.name)
    off = sample_chat.assess("What time does the zoo open on Sundays?", "en").features
    gold = sample_chat.assess("How many kilometres of new protected cycle lanes will be built?", "en").features
    assert policy.should_abstain(off)[0]
    assert not policy.should_abstain(gold)[0]
    answer = sample_chat.ask("How many kilometres of new protected cycle lanes will be built?")
    assert answer.kind == AnswerKind.ANSWERED and any("85 km" in c.quote for c in answer.citations), answer.answer
    assert sample_chat.ask("What time does the zoo open on Sundays?").kind != AnswerKind.ANSWERED


def test_shipped_model_says_how_it_was_fitted():
    entries = [e for e in json.loads(CALIBRATION_FILE.read_text()) if e["embedder"] == "e5"]
    assert {e["scope"] for e in entries} == {"same", "cross"}
    for entry in entries:
        assert "leave-one-plan-out" in entry["calibrated_on"] and "development split" in entry["calibrated_on"]
        assert not any(plan in entry["calibrated_on"] for plan in HELD_OUT)
        assert 0.0 < entry["threshold"] < 1.0


def test_a_plan_in_a_language_without_probes_is_read_against_all_probes():
    # a Swedish plan: no probe is in its language, so its own-language questions are read against every probe
    values = dict.fromkeys(RELATIVE, 0.5)
    same_only = ProbeScores(same={}, cross={name: [0.1, 0.3] for name in RELATIVE})
    relative = same_only.relative(values, cross=False)
    assert relative["rel_dense_top"] == pytest.approx((0.5 - 0.2) / 0.1)
    spread = ProbeScores(same={name: [0.5, 0.5] for name in RELATIVE}, cross={})
    # probes that all score alike: the floor on the spread keeps the distance finite
    assert spread.relative(dict.fromkeys(RELATIVE, 0.6), cross=False)["rel_dense_top"] == pytest.approx(0.1 / 0.01)
