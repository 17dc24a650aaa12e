"""EmbeddingGemma-300M: a multilingual 768-d retrieval embedder, optional (fetched by a script, Gemma licence).

It was trained with task prompts, so retrieval must go through `encode_queries` ("task: search result |
query: ...") and `encode_passages` ("title: none | text: ..."); symmetric `encode` uses the similarity prompt.
The folder is assembled by scripts/fetch-embeddinggemma.py into the model cache and verified by the registry
(every file in models/manifest.toml) before the weights are read.
"""
from __future__ import annotations

import os

import numpy as np

from civicai.embed.base import Embedder
from civicai.registry import resolve_model

# the prompt names of the model's own config_sentence_transformers.json, per kind of text
_PROMPTS = {"query": "Retrieval-query", "passage": "Retrieval-document", "symmetric": "STS"}


class EmbeddingGemma(Embedder):
    name = "gemma"
    model_id = "embeddinggemma-300m"
    dim = 768

    def __init__(self, threads: int = 2) -> None:
        import torch

        resolved = resolve_model(self.model_id)  # raises with "fetch it: ..." when the folder is missing
        torch.set_num_threads(threads)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.folder = resolved.package_dir
        self._model = SentenceTransformer(str(self.folder), device="cpu", local_files_only=True)

    def _encode_batch(self, texts: list[str], kind: str) -> np.ndarray:
        vectors = self._model.encode(texts, prompt_name=_PROMPTS[kind], batch_size=len(texts),
                                     convert_to_numpy=True, normalize_embeddings=True)
        return np.atleast_2d(np.asarray(vectors, dtype=np.float32))
