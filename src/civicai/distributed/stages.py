"""The per-text stages as batch functions a cluster worker runs: PII redaction, language, embedding, and the
placement of the submissions outside the discovery sample (carry-over into the sample's clustering and the
outlier/multi-label decisions).

Each function takes a small picklable spec and one batch of texts and returns that batch's results. The
models are loaded once per worker process, inside it, from the installed packages (civicai.registry checks
their checksums; HF_HUB_OFFLINE is forced on), and kept for every later batch: the worker process plays the
part of Ray's model-holding actor. Nothing here knows which engine calls it.

The batch boundaries are chosen by the caller exactly as the local path draws them (the redactor's 512-text
batches, the embedder's chunks): redaction looks at word frequencies within a batch, so the same batches are
what makes a cluster run's output identical to a local one.
"""
from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

_LOCK = threading.Lock()  # a worker with several threads must not run one spaCy/USE model twice at once
_MODELS: dict[tuple, Any] = {}
BATCHES_DONE: Counter[str] = Counter()  # per stage, in this process: how a test sees that workers did the work


@dataclass(frozen=True)
class RedactorSpec:
    """What a worker needs to build the same Redactor as the caller's."""

    languages: tuple[str, ...]
    use_ner: bool
    batch_size: int
    keep_words: tuple[str, ...] = ()
    salt: bytes | None = None  # only an explicit salt travels; None = the worker's own per-process secret


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _model(key: tuple, build) -> Any:
    if key not in _MODELS:
        _offline()
        _MODELS[key] = build()
    return _MODELS[key]


def redact_batch(spec: RedactorSpec, texts: list[str], langs: list[str | None]) -> list:
    """Redactor._redact_batch on one batch, with this process's copy of the redactor."""
    from civicai.privacy import Redactor

    with _LOCK:
        redactor = _model(("redactor", spec), lambda: Redactor(
            spec.languages, use_ner=spec.use_ner, salt=spec.salt, batch_size=spec.batch_size,
            keep_words=spec.keep_words))
        done = redactor._redact_batch(list(texts), list(langs))
        BATCHES_DONE["redact"] += 1
    return done


def detect_batch(texts: list[str], languages: tuple[str, ...] | None = None) -> list[tuple[str, float]]:
    """Language of each text as (code, score): plain tuples travel back cheaper than dataclasses."""
    from civicai.text.language import detect_many

    with _LOCK:
        _offline()
        guesses = detect_many(texts, languages)
        BATCHES_DONE["language"] += 1
    return [(g.code, g.score) for g in guesses]


def embed_batch(embedder: str, kind: str, texts: list[str]) -> np.ndarray:
    """Raw (not yet normalised) vectors for one chunk, from this process's copy of the embedder.

    One thread per worker process: on a shared machine several single-threaded processes beat one
    process with spinning BLAS threads (see embed.backends)."""
    from civicai.embed import get_embedder

    with _LOCK:
        model = _model(("embedder", embedder), lambda: get_embedder(embedder, 1))
        vectors = model._encode_batch(list(texts), kind)
        BATCHES_DONE["embed"] += 1
    return np.asarray(vectors, dtype=np.float32)


def batches_done() -> dict[str, int]:
    return dict(BATCHES_DONE)


def encode_on(engine: Any, embedder: str, kind: str, texts: list[str], chunk: int, dim: int) -> np.ndarray:
    """Embed `texts` on the cluster in chunks of `chunk` (the local path's own chunks), normalised as locally."""
    from civicai.embed.base import normalise_rows

    out = np.empty((len(texts), dim), dtype=np.float32)
    starts = range(0, len(texts), chunk)
    jobs = ((embedder, kind, [t if t.strip() else " " for t in texts[s:s + chunk]]) for s in starts)
    for start, vectors in zip(starts, engine.map(embed_batch, jobs)):
        out[start:start + len(vectors)] = vectors
    return normalise_rows(out)


def _aligned(array: np.ndarray) -> np.ndarray:
    """A fresh copy, aligned as the driver's own arrays are. An array Dask deserialises can start at any byte
    (measured: offset 33 mod 64), and numpy's SIMD reductions then add in another order (a 16 MB block's sum
    differed in the 7th digit), which could move a borderline submission: copied, the worker's arithmetic is
    the driver's."""
    return np.array(array, copy=True, order="C")


def place_batch(shared: tuple[np.ndarray, np.ndarray, Any], block: np.ndarray) -> np.ndarray:
    """cluster.extend.place_block on one block of outsiders; `shared` = (sample embeddings, sample's reduced
    coordinates, fitted HDBSCAN), sent to each worker once per carry-over (DaskEngine.share)."""
    from civicai.cluster.extend import place_block

    reference, coords, model = (_aligned(shared[0]), _aligned(shared[1]), shared[2])
    raw = place_block(_aligned(block), reference, coords, model)
    BATCHES_DONE["carry_over"] += 1
    return raw


def place_on(engine: Any, blocks: Iterable[np.ndarray], reference: np.ndarray, coords: np.ndarray,
             model: Any) -> Iterator[np.ndarray]:
    """HDBSCAN's raw cluster of each block's rows, placed on the cluster's workers, in block order."""
    shared = engine.share((reference, coords, model))
    yield from engine.map(place_batch, ((shared, block) for block in blocks))


def decide_batch(shared: tuple[np.ndarray, Any], sims: np.ndarray, labels: np.ndarray, texts: list[str]) -> Any:
    """cluster.assign.decide_block on one block; `shared` = (calibrated thresholds, AssignParams)."""
    from civicai.cluster.assign import decide_block

    thresholds, params = shared
    decided = decide_block(_aligned(sims), labels, texts, thresholds, params)
    BATCHES_DONE["assign"] += 1
    return decided


def decide_on(engine: Any, jobs: Iterable[tuple[np.ndarray, np.ndarray, list[str]]], thresholds: np.ndarray,
              params: Any) -> Iterator[Any]:
    """assign()'s per-submission decisions for each (similarities, labels, texts) block, on the workers, in order.
    The similarities travel, not the embeddings: the driver needs them all anyway to calibrate the thresholds."""
    shared = engine.share((thresholds, params))
    yield from engine.map(decide_batch, ((shared, *job) for job in jobs))
