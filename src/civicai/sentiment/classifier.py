"""StanceClassifier: positive (supports the proposal) / negative (opposes it) / neutral (question, suggestion,
no side) from sentence embeddings.

No multilingual sentiment model ships with weights on PyPI (see the model manifest), so the classifier is a
multinomial logistic regression on the multilingual embeddings, trained on a hand-written seed set of
consultation comments in English, French, German and Dutch (seed_sentences.jsonl). Because the embedder is
cross-lingual, the same weights serve other languages it covers, at lower accuracy (see
evaluation/results/sentiment_eval.md for the measured numbers).
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from civicai.errors import InputError

if TYPE_CHECKING:
    from civicai.config import Settings
    from civicai.embed.base import Embedder

LABELS = ("negative", "neutral", "positive")
SEED_FILE = Path(__file__).with_name("seed_sentences.jsonl")
# How the three labels read as a stance on the consultation's proposal (assignments.csv, the report).
STANCE_OF = {"positive": "support", "negative": "oppose", "neutral": "neutral"}
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")
MAX_SENTENCES = 20  # per text: bounds the cost of a very long submission


class StanceClassifier:
    """fit/predict/predict_proba on L2-normalised embeddings; `pretrained(embedder)` gives the shipped model."""

    def __init__(self, C: float = 4.0, seed: int = 0) -> None:
        self.C = C
        self.seed = seed
        self.classes_: list[str] = []
        self.coef_: np.ndarray | None = None
        self.intercept_: np.ndarray | None = None
        self.metadata: dict = {}

    # --- training -----------------------------------------------------------------------------------
    def fit(self, embeddings: np.ndarray, labels: Sequence[str]) -> StanceClassifier:
        from sklearn.linear_model import LogisticRegression

        X = _check_matrix(embeddings)
        y = np.asarray([str(label) for label in labels])
        if len(y) != X.shape[0]:
            raise InputError(f"got {X.shape[0]} embeddings but {len(y)} labels", "pass one label per row")
        classes = sorted(set(y))
        if len(classes) < 2:
            raise InputError(f"need at least two classes to train, got {classes}", "add examples of another class")
        model = LogisticRegression(C=self.C, max_iter=2000, class_weight="balanced", random_state=self.seed)
        model.fit(X, y)
        self.classes_ = [str(c) for c in model.classes_]
        self.coef_ = model.coef_.astype(np.float32)
        self.intercept_ = model.intercept_.astype(np.float32)
        if len(self.classes_) == 2:  # binary LR keeps one row; expand so predict_proba is uniform
            self.coef_ = np.vstack([-self.coef_ / 2, self.coef_ / 2])
            self.intercept_ = np.array([-self.intercept_[0] / 2, self.intercept_[0] / 2], dtype=np.float32)
        return self

    # --- inference ----------------------------------------------------------------------------------
    def predict_proba(self, embeddings: np.ndarray) -> np.ndarray:
        """(n, len(classes_)) probabilities, columns in `classes_` order."""
        if self.coef_ is None:
            raise InputError("the stance classifier is not trained", "call fit() or StanceClassifier.pretrained()")
        X = _check_matrix(embeddings, self.coef_.shape[1])
        logits = X @ self.coef_.T + self.intercept_
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        return probabilities / probabilities.sum(axis=1, keepdims=True)

    def predict(self, embeddings: np.ndarray) -> list[str]:
        if len(embeddings) == 0:
            return []
        return [self.classes_[i] for i in self.predict_proba(embeddings).argmax(axis=1)]

    def predict_texts(self, texts: Sequence[str], embedder: Embedder, *, min_polarity: float = 0.5,
                      batch_size: int = 64, progress: bool = False) -> list[str]:
        """Stance of whole submissions, read sentence by sentence: a comment usually states its position in
        one sentence and surrounds it with context ("I live in Harbour. ... Please build the tram."), which
        dilutes a whole-text embedding. The most polar sentence decides; if no sentence reaches
        `min_polarity` probability of positive or negative, the text is neutral. Measured in
        evaluation/sentiment_eval.py against whole-text `predict`."""
        if self.coef_ is None:
            raise InputError("the stance classifier is not trained", "call fit() or StanceClassifier.pretrained()")
        sentences = [split_sentences(text) for text in texts]
        flat = [s for group in sentences for s in group]
        if not flat:
            return []
        probabilities = self.predict_proba(embedder.encode(flat, batch_size=batch_size, progress=progress))
        positive, negative = self.classes_.index("positive"), self.classes_.index("negative")
        labels, start = [], 0
        for group in sentences:
            block = probabilities[start:start + len(group)]
            start += len(group)
            polarity = np.maximum(block[:, positive], block[:, negative])
            best = int(polarity.argmax())
            if polarity[best] < min_polarity:
                labels.append("neutral")
            else:
                labels.append("positive" if block[best, positive] >= block[best, negative] else "negative")
        return labels

    # --- persistence (plain arrays + JSON, never pickle) ----------------------------------------------
    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, coef=self.coef_, intercept=self.intercept_,
                 meta=np.array(json.dumps({"classes": self.classes_, "C": self.C, **self.metadata})))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> StanceClassifier:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            model = cls(C=meta.get("C", 4.0))
            model.coef_, model.intercept_ = data["coef"], data["intercept"]
        model.classes_ = meta.pop("classes")
        meta.pop("C", None)
        model.metadata = meta
        return model

    @classmethod
    def pretrained(cls, embedder: Embedder, *, settings: Settings | None = None,
                   use_cache: bool = True) -> StanceClassifier:
        """The shipped classifier for `embedder`: trained on seed_sentences.jsonl (deterministic), cached in
        <home>/cache/stance/ keyed by the seed file, the embedder and the scikit-learn version."""
        import sklearn

        from civicai.config import get_settings

        settings = settings or get_settings()
        rows = load_seed_sentences()
        key = hashlib.sha256(SEED_FILE.read_bytes() + f"|{embedder.model_id}|{embedder.dim}|{sklearn.__version__}"
                             .encode()).hexdigest()[:16]
        cache = Path(settings.home) / "cache" / "stance" / f"{embedder.name}-{key}.npz"
        if use_cache and cache.is_file():
            return cls.load(cache)
        vectors = embedder.encode([r["text"] for r in rows])
        model = cls(seed=settings.seed).fit(vectors, [r["label"] for r in rows])
        model.metadata = {"embedder": embedder.model_id, "seed_file_sha256_16": key, "n_train": len(rows),
                          "languages": sorted({r["lang"] for r in rows})}
        if use_cache:
            model.save(cache)
        return model


def split_sentences(text: str) -> list[str]:
    """Sentences of two or more words (the whole text if none), at most MAX_SENTENCES."""
    parts = [p.strip() for p in _SENTENCE_END.split(text) if len(p.split()) >= 2]
    return (parts or [text.strip() or " "])[:MAX_SENTENCES]


def load_seed_sentences(path: Path = SEED_FILE) -> list[dict[str, str]]:
    """The labelled seed set: one JSON object per line with text, label (positive/negative/neutral), lang."""
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("label") not in LABELS or not row.get("text"):
                raise InputError(f"{path}, line {number}: needs 'text' and a label in {LABELS}", "fix the line")
            rows.append(row)
    return rows


def _check_matrix(embeddings: np.ndarray, dim: int | None = None) -> np.ndarray:
    X = np.asarray(embeddings, dtype=np.float32)
    if X.ndim != 2:
        raise InputError(f"embeddings must be a 2-D array (n, dim), got shape {X.shape}",
                         "pass embedder.encode(texts)")
    if dim is not None and X.shape[1] != dim:
        raise InputError(f"embeddings have {X.shape[1]} dimensions but the classifier was trained on {dim}",
                         "use the same embedder for training and prediction")
    if not np.isfinite(X).all():
        raise InputError("embeddings contain NaN or infinite values", "check the embedder output")
    return X
