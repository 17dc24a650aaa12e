"""The one embedder contract every stage relies on."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np
from tqdm.auto import tqdm


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    """L2-normalise each row in place (all-zero rows stay zero) and return the array."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    np.divide(vectors, norms, out=vectors, where=norms > 0)
    return vectors


class Embedder(ABC):
    """Turns texts into L2-normalised float32 vectors; `encode_queries`/`encode_passages` add asymmetric prefixes
    where the model was trained with them (E5), and equal `encode` elsewhere."""

    name: str
    model_id: str
    dim: int

    @abstractmethod
    def _encode_batch(self, texts: list[str], kind: str) -> np.ndarray:
        """Encode one batch; kind is 'symmetric', 'query' or 'passage'."""

    def _encode(self, texts: Sequence[str], kind: str, batch_size: int, progress: bool) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("encode() takes a list of texts, not one string: wrap it in a list")
        from civicai.parallel import current_engine

        engine = current_engine()
        if engine is not None:  # a cluster (--cluster): the same batches, encoded by its workers' own models
            from civicai.distributed.stages import encode_on

            return encode_on(engine, self.name, kind, list(texts), batch_size, self.dim)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        starts = range(0, len(texts), batch_size)
        for start in tqdm(starts, desc=f"embedding ({self.name})", unit="batch", disable=not progress):
            batch = [t if t.strip() else " " for t in texts[start:start + batch_size]]
            out[start:start + len(batch)] = self._encode_batch(batch, kind)
        return normalise_rows(out)

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        return self._encode(texts, "symmetric", batch_size, progress)

    def encode_queries(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        return self._encode(texts, "query", batch_size, progress)

    def encode_passages(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        return self._encode(texts, "passage", batch_size, progress)

    def describe(self) -> dict:
        from civicai.registry import get_entry

        entry = get_entry(self.model_id)
        return {"name": self.name, "model_id": self.model_id, "dim": self.dim, "packages": list(entry.packages),
                "files": [{"path": f.path, "sha256": f.sha256} for f in entry.files]}
