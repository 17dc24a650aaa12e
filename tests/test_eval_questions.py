"""The evaluation's gold question sets are consistent: every evidence string is in its plan, translations keep
their original's gold, and every judged quote belongs to a known question and is keyed by its own text."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

EVALUATION = Path(__file__).resolve().parents[1] / "evaluation"
sys.path.insert(0, str(EVALUATION))

from chat_data import (  # noqa: E402 - after the path insert
    QUESTIONS,
    ccc_questions,
    dinan_document,
    norm,
    plan_sources,
    quote_key,
    read_jsonl,
    yesno_questions,
)

LABELS = {"yes", "partial", "no"}


def test_every_evidence_string_is_found_in_its_plan(shared_data):
    paths = {source.name: source.path for source in plan_sources()}
    texts: dict[str, str] = {}
    missing = []
    for row in ccc_questions() + yesno_questions():
        if row["plan"] not in texts:
            texts[row["plan"]] = norm(paths[row["plan"]].read_text(encoding="utf-8"))
        missing += [(row["id"], e) for e in row["evidence"] if norm(e) not in texts[row["plan"]]]
    assert not missing, f"evidence not found in the plan (fix the string or the question): {missing[:5]}"


@pytest.mark.parametrize("load", [ccc_questions, yesno_questions], ids=["contracts", "yes/no"])
def test_question_sets_are_well_formed(load):
    rows = load()
    assert rows, "question file missing"
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "question ids must be unique"
    by_id = {r["id"]: r for r in rows}
    for row in rows:
        assert row["answerable"] == bool(row["evidence"]), f"{row['id']}: answerable iff it has evidence"
        original = by_id.get(row.get("translation_of", ""))
        if original is not None:
            assert row["evidence"] == original["evidence"], f"{row['id']}: a translation keeps its gold"
            assert row["answerable"] == original["answerable"]


def test_yes_no_set_has_unanswerable_questions_per_plan():
    rows = [r for r in yesno_questions() if r["language"] == "en"]
    for plan in {r["plan"] for r in rows}:
        unanswerable = [r for r in rows if r["plan"] == plan and not r["answerable"]]
        assert len(unanswerable) >= 8, f"{plan}: at least 8 unanswerable English yes/no questions"


def test_judged_quotes_belong_to_known_questions():
    known = {r["id"] for r in ccc_questions() + yesno_questions() if r["answerable"]}
    rows = read_jsonl(QUESTIONS / "citation_judgements.jsonl")
    assert rows
    keys = [(r["id"], r["quote_sha"]) for r in rows]
    assert len(keys) == len(set(keys)), "one label per (question, quote)"
    for row in rows:
        assert row["id"] in known, f"judged quote for an unknown or unanswerable question {row['id']}"
        assert row["label"] in LABELS
        assert quote_key(row["quote"]) == row["quote_sha"], f"{row['id']}: quote_sha is not the quote's key"


def test_held_out_sets_have_their_evidence_on_one_plan_line_and_every_style(shared_data):
    folder = shared_data / "plans" / "climate-city-contracts"
    files = sorted(QUESTIONS.glob("heldout_*.jsonl"))
    assert files, "the held-out question sets are missing"
    for path in files:
        rows = read_jsonl(path)
        assert len({r["id"] for r in rows}) == len(rows), f"{path.name}: ids must be unique"
        by_id = {r["id"]: r for r in rows}
        if rows[0]["plan"] == "dinan":  # the joined action sheets, as the chat ingests them (remarks left out)
            lines = [norm(line) for block in dinan_document().blocks for line in block.text.splitlines()]
        else:
            plan_file = next(p for p in folder.glob("*.md") if p.stem.lower() == rows[0]["plan"])
            lines = [norm(line) for line in plan_file.read_text(encoding="utf-8").splitlines()]
        for row in rows:
            assert row["answerable"] == bool(row["evidence"]), f"{row['id']}: answerable iff it has evidence"
            for evidence in row["evidence"]:
                assert any(norm(evidence) in line for line in lines), f"{row['id']}: not on one line: {evidence}"
            if row.get("translation_of"):
                assert row["evidence"] == by_id[row["translation_of"]]["evidence"], f"{row['id']}: keeps its gold"
        styles = {r["style"] for r in rows if r["answerable"]}
        assert {"factoid", "when", "how much/many", "yes/no", "keyword", "child", "paraphrase"} <= styles, f"{path.name}: every style"
        assert len({r["language"] for r in rows}) >= 5, f"{path.name}: questions in at least 5 languages"
