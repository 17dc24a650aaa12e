"""Position towards the proposal: supports / opposes / unclear, and whether a label may be shown at all.

What staff see is a position, not a tone: "je m'oppose fermement à la zone à faibles émissions" is polite and
opposed; "finally, the dikes!" is exasperated and in favour. `PositionModel` is a multinomial logistic
regression on the multilingual embeddings, fitted by evaluation/stance_fit.py on the hand-written seed set plus
the shipped sample's gold, and loaded here from a versioned artefact (models/position-<embedder>-v<N>.npz)
that also records what it was fitted on and its held-out accuracy.

A label is shown only where it has earned it: `positions()` first checks the artefact's held-out numbers for
the method it would use (`statement`: the position model; `question`: agreement with a yes/no question,
civicai.sentiment.question) and, when the lower 95% bound of the held-out accuracy is not at least
`SHOW_MARGIN` above the majority class, returns 'unclear' for everyone with the reason. Within a shown
method, a supports/opposes label below the artefact's confidence threshold also reads 'unclear'.
"""
from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from civicai.errors import InputError

if TYPE_CHECKING:
    from civicai.embed.base import Embedder

SUPPORTS, OPPOSES, UNCLEAR = "supports", "opposes", "unclear"
POSITIONS = (SUPPORTS, OPPOSES, UNCLEAR)
ARTEFACT_VERSION = 1
MODELS_DIR = Path(__file__).with_name("models")
# "well above the majority class": the lower 95% bound of held-out accuracy must clear it by this much
SHOW_MARGIN = 0.10


def artefact_path(embedder_model_id: str, version: int = ARTEFACT_VERSION) -> Path:
    return MODELS_DIR / f"position-{embedder_model_id}-v{version}.npz"


def wilson_low(correct: float, n: int, z: float = 1.96) -> float:
    """Lower bound of the Wilson score interval for a proportion correct/n."""
    if n <= 0:
        return 0.0
    p = correct / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n)


def heldout_summary(sets: Sequence[dict], on: str, margin: float = SHOW_MARGIN) -> dict[str, Any]:
    """Pool per-set metrics (each with n, accuracy, gold_counts) into one held-out accuracy, the pooled
    majority-class accuracy, and the show decision."""
    n = sum(int(s["n"]) for s in sets)
    correct = sum(float(s["accuracy"]) * int(s["n"]) for s in sets)
    gold: Counter[str] = Counter()
    for s in sets:
        gold.update(s["gold_counts"])
    majority = gold.most_common(1)[0][1] / n if n else 1.0
    low = wilson_low(correct, n)
    return {"on": on, "n": n, "accuracy": round(correct / n, 3) if n else 0.0, "accuracy_low": round(low, 3),
            "majority_accuracy": round(majority, 3), "margin": margin, "show": bool(low >= majority + margin)}


class PositionModel:
    """fit / predict_proba / predict on L2-normalised embeddings; classes are POSITIONS present in the labels.
    Hyper-parameters are constructor arguments; learned state ends in `_`."""

    def __init__(self, C: float = 2.0, threshold: float = 0.0, seed: int = 0) -> None:
        self.C = C
        self.threshold = threshold  # supports/opposes below this probability read as unclear
        self.seed = seed
        self.classes_: list[str] = []
        self.coef_: np.ndarray | None = None
        self.intercept_: np.ndarray | None = None
        self.metadata: dict[str, Any] = {}

    def fit(self, embeddings: np.ndarray, labels: Sequence[str]) -> PositionModel:
        from sklearn.linear_model import LogisticRegression

        X = np.asarray(embeddings, dtype=np.float32)
        y = np.asarray([str(x) for x in labels])
        if X.ndim != 2 or len(y) != X.shape[0]:
            raise InputError(f"got embeddings of shape {X.shape} for {len(y)} labels", "pass one label per row")
        unknown = set(y) - set(POSITIONS)
        if unknown:
            raise InputError(f"unknown positions {sorted(unknown)}", f"use {POSITIONS}")
        if len(set(y)) < 2:
            raise InputError(f"need two positions to fit, got {sorted(set(y))}", "add examples of another position")
        model = LogisticRegression(C=self.C, max_iter=3000, class_weight="balanced", random_state=self.seed)
        model.fit(X, y)
        self.classes_ = [str(c) for c in model.classes_]
        coef, intercept = model.coef_.astype(np.float32), model.intercept_.astype(np.float32)
        if len(self.classes_) == 2:  # binary LR keeps one row; expand so predict_proba is uniform
            coef = np.vstack([-coef / 2, coef / 2])
            intercept = np.array([-intercept[0] / 2, intercept[0] / 2], dtype=np.float32)
        self.coef_, self.intercept_ = coef, intercept
        return self

    def predict_proba(self, embeddings: np.ndarray) -> np.ndarray:
        """(n, 3) probabilities in POSITIONS order (0 for a position the model never saw)."""
        if self.coef_ is None or self.intercept_ is None:
            raise InputError("the position model is not fitted", "call fit() or load_position_model()")
        X = np.asarray(embeddings, dtype=np.float32)
        if X.ndim != 2 or X.shape[1] != self.coef_.shape[1]:
            raise InputError(f"embeddings of shape {X.shape}, the model expects (n, {self.coef_.shape[1]})",
                             "embed with the embedder the model was fitted on")
        logits = X @ self.coef_.T + self.intercept_
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        out = np.zeros((X.shape[0], len(POSITIONS)), dtype=np.float64)
        for j, name in enumerate(self.classes_):
            out[:, POSITIONS.index(name)] = p[:, j]
        return out

    @staticmethod
    def decide(proba: np.ndarray, threshold: float) -> list[str]:
        """Most probable position; supports/opposes under `threshold` become unclear."""
        best = proba.argmax(axis=1)
        out = []
        for i, j in enumerate(best):
            name = POSITIONS[int(j)]
            out.append(UNCLEAR if name != UNCLEAR and proba[i, j] < threshold else name)
        return out

    def predict(self, embeddings: np.ndarray) -> list[str]:
        if len(embeddings) == 0:
            return []
        return self.decide(self.predict_proba(embeddings), self.threshold)

    def save(self, path: Path) -> None:
        """Plain arrays + JSON (never pickle)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {"classes": self.classes_, "C": self.C, "threshold": self.threshold, **self.metadata}
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, coef=self.coef_, intercept=self.intercept_, meta=np.array(json.dumps(meta)))
        tmp.replace(path)
        path.with_suffix(".json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> PositionModel:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            model = cls(C=float(meta.pop("C")), threshold=float(meta.pop("threshold")))
            model.coef_, model.intercept_ = data["coef"], data["intercept"]
        model.classes_ = list(meta.pop("classes"))
        model.metadata = meta
        return model


def load_position_model(embedder_model_id: str) -> PositionModel | None:
    path = artefact_path(embedder_model_id)
    return PositionModel.load(path) if path.is_file() else None


@dataclass
class PositionResult:
    labels: list[str]
    method: str  # 'statement' | 'question' | 'none'
    shown: bool
    reason: str = ""
    heldout: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        """For the run manifest."""
        return {"method": self.method, "shown": self.shown, "reason": self.reason, "heldout": self.heldout}


def positions(embeddings: np.ndarray, question: str | None, embedder: Embedder,
              model: PositionModel | None = None) -> PositionResult:
    """Position of each submission towards the proposal, or 'unclear' for all with the reason why."""
    from civicai.sentiment.question import question_statements, stance_towards_question

    n = len(embeddings)
    model = model if model is not None else load_position_model(embedder.model_id)
    if model is None:
        return PositionResult([UNCLEAR] * n, "none", False,
                              f"no fitted position model for embedder '{embedder.model_id}': run "
                              f"evaluation/stance_fit.py --embedder {embedder.name} to fit and measure one")
    heldout_all = model.metadata.get("heldout", {})
    statements = question_statements(question)
    method = "question" if statements is not None else "statement"
    heldout = heldout_all.get(method)
    if not heldout:
        return PositionResult([UNCLEAR] * n, method, False,
                              f"the '{method}' position method has no held-out measurement in "
                              f"{artefact_path(embedder.model_id).name}")
    if not heldout.get("show"):
        return PositionResult([UNCLEAR] * n, method, False,
                              f"position not shown: held-out accuracy {heldout['accuracy']} (95% lower bound "
                              f"{heldout['accuracy_low']}) is not well above the majority class "
                              f"({heldout['majority_accuracy']}) on {heldout['on']}", heldout)
    if statements is not None:
        lean = stance_towards_question(np.asarray(embeddings), statements, embedder)
        labels = [{"positive": SUPPORTS, "negative": OPPOSES}.get(x, UNCLEAR) for x in lean]
    else:
        labels = model.predict(np.asarray(embeddings))
    return PositionResult(labels, method, True, "", heldout)
