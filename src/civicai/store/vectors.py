"""Embeddings as bytes for PlanChunk.embedding: float32, little-endian, one vector per row.

Why bytes and not a vector type: the same column works on SQLite and PostgreSQL without extensions;
retrieval loads a plan's vectors once into one numpy matrix.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_DTYPE = np.dtype("<f4")


def pack_embedding(vector: np.ndarray | Sequence[float]) -> bytes:
    array = np.asarray(vector, dtype=_DTYPE)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"an embedding must be a non-empty 1-d vector, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError("embedding contains NaN or infinity; check the embedder's input")
    return array.tobytes()


def unpack_embedding(blob: bytes, dim: int | None = None) -> np.ndarray:
    if len(blob) % _DTYPE.itemsize:
        raise ValueError(f"embedding blob of {len(blob)} bytes is not a whole number of float32 values")
    array = np.frombuffer(blob, dtype=_DTYPE).astype(np.float32)
    if dim is not None and array.size != dim:
        raise ValueError(f"embedding has {array.size} values, expected {dim}; re-embed with the same model")
    return array


def unpack_matrix(blobs: Sequence[bytes], dim: int) -> np.ndarray:
    """Stack many blobs into an (n, dim) float32 matrix without a Python list of arrays."""
    matrix = np.empty((len(blobs), dim), dtype=np.float32)
    for row, blob in enumerate(blobs):
        matrix[row] = unpack_embedding(blob, dim)
    return matrix
