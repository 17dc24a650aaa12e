"""The hand-checked Polis position set (evaluation/data/stance_polis_labels.csv) and its scoring
(evaluation/stance_polis.py): ids, statements and labels only, never the comment texts; bad rows are named."""
from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "evaluation"))

import stance_polis  # noqa: E402


def test_the_set_holds_ids_and_labels_only_and_says_who_labelled_it() -> None:
    text = stance_polis.LABELS.read_text(encoding="utf-8")
    assert "AI agent" in text and "NOT a city officer" in text  # the header names the labeller
    rows = stance_polis.read_labels()
    assert set(rows[0]) == {"conversation", "comment_id", "language", "stratum", "statement", "label"}
    assert Counter(r["language"] for r in rows) == {"en": 150, "de": 100}
    assert {r["label"] for r in rows} == {"supports", "opposes", "unclear"}
    assert len({(r["conversation"], r["comment_id"]) for r in rows}) == 250
    assert all(r["statement"] for r in rows)


def test_a_bad_label_is_named_with_its_row(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("# notes\n")
        writer = csv.writer(handle)
        writer.writerow(["conversation", "comment_id", "language", "stratum", "statement", "label"])
        writer.writerow(["c", "1", "en", "crowd_agreed", "X should happen.", "supports"])
        writer.writerow(["c", "2", "en", "crowd_agreed", "X should happen.", "agree"])
    with pytest.raises(ValueError, match=r"labels.csv row 3: label 'agree'"):
        stance_polis.read_labels(path)


def test_scores_match_hand_computed_values() -> None:
    gold = ["supports", "supports", "opposes", "unclear"]
    pred = ["supports", "opposes", "opposes", "supports"]
    # supports F1 2*1/(2+1+1)=0.5, opposes 2/(2+1)=0.667, unclear 0
    assert stance_polis.macro_f1(gold, pred) == pytest.approx((0.5 + 2 / 3 + 0) / 3)
    s = stance_polis.scored(gold, pred)
    assert s["accuracy"] == 0.5 and s["accuracy_ci"][0] <= 0.5 <= s["accuracy_ci"][1]


def test_every_labelled_id_is_in_the_polis_exports() -> None:
    items = stance_polis.load_items()
    if items is None:
        pytest.skip("../shared/data/polis is absent (the Polis exports are read from there, never copied)")
    assert len(items) == 250 and all(i["text"] for i in items)
