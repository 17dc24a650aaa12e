"""Embedders: texts in, L2-normalised vectors out, behind one contract (see base.Embedder).

`get_embedder("use" | "e5" | "minilm" | "gemma" | "st:<name or path>")` ("gemma": EmbeddingGemma-300M, optional,
fetched by scripts/fetch-embeddinggemma.py). Instances are cached per process because
loading a model costs more than encoding a batch.
"""
from __future__ import annotations

from functools import cache

from civicai.embed.base import Embedder
from civicai.errors import CivicaiError

EMBEDDER_NAMES = ("use", "e5", "minilm", "gemma")


@cache
def get_embedder(name: str, threads: int = 2) -> Embedder:
    from civicai.embed.backends import E5Small, SentenceTransformerEmbedder, UniversalSentenceEncoder

    if name in ("use", "use-multilingual-v3"):
        return UniversalSentenceEncoder(threads=threads)
    if name in ("e5", "multilingual-e5-small"):
        return E5Small(threads=threads)
    if name in ("minilm", "all-minilm-l6-v2"):
        return SentenceTransformerEmbedder(None, threads=threads)
    if name in ("gemma", "embeddinggemma", "embeddinggemma-300m"):
        from civicai.embed.gemma import EmbeddingGemma

        return EmbeddingGemma(threads=threads)
    if name.startswith("st:"):
        return SentenceTransformerEmbedder(name[3:], threads=threads)
    raise CivicaiError(f"unknown embedder '{name}'",
                       "use 'use', 'e5', 'minilm', 'gemma' or 'st:<sentence-transformers model name or path>'")


__all__ = ["EMBEDDER_NAMES", "Embedder", "get_embedder"]
