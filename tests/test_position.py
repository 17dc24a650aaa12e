"""Position towards the proposal (supports / opposes / unclear) and the rule that hides it when it is not
measured to be reliable: the shipped artefact, the gate, and the pipeline's use of both, on real embeddings."""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from civicai.errors import InputError
from civicai.sentiment.classifier import load_seed_sentences
from civicai.sentiment.position import (
    OPPOSES,
    POSITIONS,
    SUPPORTS,
    UNCLEAR,
    PositionModel,
    artefact_path,
    heldout_summary,
    load_position_model,
    positions,
    wilson_low,
)

SEED_MAP = {"positive": SUPPORTS, "negative": OPPOSES, "neutral": UNCLEAR}


@pytest.fixture(scope="module")
def embedder():  # type: ignore[no-untyped-def]
    from civicai.embed import get_embedder

    return get_embedder("use")


@pytest.fixture(scope="module")
def seed_model(embedder) -> PositionModel:  # type: ignore[no-untyped-def]
    rows = load_seed_sentences()
    return PositionModel(C=1.0).fit(embedder.encode([r["text"] for r in rows]), [SEED_MAP[r["label"]] for r in rows])


def _sample(sample_dir: Path, stance: str, n: int) -> list[str]:
    with (sample_dir / "consultation.csv").open(encoding="utf-8", newline="") as handle:
        texts = {r["id"]: r["text"] for r in csv.DictReader(handle)}
    with (sample_dir / "gold.csv").open(encoding="utf-8", newline="") as handle:
        ids = [g["id"] for g in csv.DictReader(handle) if g["stance"] == stance]
    return [texts[i] for i in ids[:n]]


def test_shipped_artefact_says_what_it_was_fitted_on_and_how_it_did(embedder) -> None:  # type: ignore[no-untyped-def]
    model = load_position_model(embedder.model_id)
    assert model is not None, f"missing {artefact_path(embedder.model_id)}: run evaluation/stance_fit.py"
    assert set(model.classes_) == set(POSITIONS)
    assert model.coef_ is not None and model.coef_.shape == (3, embedder.dim)
    meta = model.metadata
    assert meta["embedder"] == embedder.model_id and meta["script"] == "evaluation/stance_fit.py"
    assert meta["fitted_on"]["seed_sentences"] > 1000 and meta["fitted_on"]["sample_submissions"] > 600
    for method in ("statement", "question"):
        h = meta["heldout"][method]
        assert 0 < h["accuracy_low"] <= h["accuracy"] <= 1 and h["n"] > 0
        assert h["show"] == (h["accuracy_low"] >= h["majority_accuracy"] + h["margin"])


def test_shipped_model_reads_position_not_tone(embedder) -> None:  # type: ignore[no-untyped-def]
    # the cases, none of them in the fitting data: today's tone classifier read a polite refusal as
    # positive, "a good investment" as negative and "far too expensive" as positive
    model = load_position_model(embedder.model_id)
    assert model is not None
    texts = ["Je m'oppose fermement à la zone à faibles émissions.",
             "La rénovation des écoles est un bon investissement.", "Le nouveau tram est beaucoup trop cher."]
    assert model.predict(embedder.encode(texts)) == [OPPOSES, SUPPORTS, OPPOSES]


def test_gate_hides_every_label_with_the_reason(embedder, seed_model, sample_dir) -> None:  # type: ignore[no-untyped-def]
    texts = _sample(sample_dir, "oppose", 10) + _sample(sample_dir, "support", 10)
    vectors = embedder.encode(texts)
    weak = heldout_summary([{"n": 100, "accuracy": 0.5, "gold_counts": {SUPPORTS: 45, OPPOSES: 30, UNCLEAR: 25}}],
                           "a test set")
    assert weak["show"] is False
    seed_model.metadata = {"heldout": {"statement": weak}}
    hidden = positions(vectors, None, embedder, model=seed_model)
    assert hidden.labels == [UNCLEAR] * len(texts) and not hidden.shown
    assert "0.5" in hidden.reason and "majority" in hidden.reason and "a test set" in hidden.reason

    strong = heldout_summary([{"n": 400, "accuracy": 0.8, "gold_counts": {SUPPORTS: 160, OPPOSES: 140, UNCLEAR: 100}}],
                             "a test set")
    assert strong["show"] is True
    seed_model.metadata = {"heldout": {"statement": strong}}
    shown = positions(vectors, None, embedder, model=seed_model)
    assert shown.shown and shown.labels == seed_model.predict(vectors) and set(shown.labels) <= set(POSITIONS)


def test_question_method_has_its_own_measurement(embedder, seed_model) -> None:  # type: ignore[no-untyped-def]
    vectors = embedder.encode(["Yes, ban them all.", "No, a ban goes too far."])
    seed_model.metadata = {"heldout": {"statement": heldout_summary(
        [{"n": 400, "accuracy": 0.8, "gold_counts": {SUPPORTS: 200, OPPOSES: 200}}], "s")}}
    result = positions(vectors, "Should gambling adverts be banned during sport?", embedder, model=seed_model)
    assert result.method == "question" and not result.shown and "no held-out measurement" in result.reason


def test_no_artefact_for_an_embedder_says_how_to_fit_one(embedder) -> None:  # type: ignore[no-untyped-def]
    class Other:
        name, model_id, dim = "st:x", "some-other-model", 8

    result = positions(np.zeros((2, 8), dtype=np.float32), None, Other())  # type: ignore[arg-type]
    assert result.labels == [UNCLEAR, UNCLEAR] and "evaluation/stance_fit.py --embedder st:x" in result.reason


def test_confidence_threshold_turns_weak_labels_unclear() -> None:
    proba = np.array([[0.5, 0.3, 0.2], [0.2, 0.7, 0.1], [0.3, 0.3, 0.4]])
    assert PositionModel.decide(proba, 0.0) == [SUPPORTS, OPPOSES, UNCLEAR]
    assert PositionModel.decide(proba, 0.6) == [UNCLEAR, OPPOSES, UNCLEAR]


def test_save_load_round_trip_and_errors(tmp_path: Path, embedder, seed_model) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "m.npz"
    seed_model.metadata = {"note": "x"}
    seed_model.save(path)
    again = PositionModel.load(path)
    vectors = embedder.encode(["Bitte baut den Radweg weiter.", "Pas de parc éolien au port."])
    assert np.allclose(again.predict_proba(vectors), seed_model.predict_proba(vectors))
    assert again.metadata == {"note": "x"} and path.with_suffix(".json").is_file()
    with pytest.raises(InputError, match="unknown positions"):
        PositionModel().fit(np.eye(2, dtype=np.float32), ["positive", "negative"])
    with pytest.raises(InputError, match="embedder the model was fitted on"):
        again.predict_proba(np.zeros((1, 3), dtype=np.float32))


def test_wilson_lower_bound() -> None:
    assert wilson_low(0, 0) == 0.0
    assert wilson_low(50, 100) == pytest.approx(0.4038, abs=1e-3)
    assert wilson_low(100, 100) < 1.0
