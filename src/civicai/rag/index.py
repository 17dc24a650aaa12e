"""Hybrid retrieval over one plan: BM25 (multilingual tokens) + dense (E5 by default), fused by RRF.

The index lives in memory. Dense vectors come from the database (embedded once at ingest); BM25 is rebuilt
at load, which takes milliseconds for a plan of a few thousand chunks.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from civicai.embed import Embedder
from civicai.errors import InputError
from civicai.plans.types import Chunk
from civicai.rag.tokenize import tokenize

RRF_K = 60  # the constant of Cormack et al. (2009); rank 1 -> 1/61


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    rrf: float  # fused score (rank-based; for ordering only)
    dense: float  # cosine between question and chunk (the abstention feature)
    bm25: float
    dense_rank: int  # 1-based
    bm25_rank: int  # 1-based; a chunk with no shared token gets len(chunks) + 1


@dataclass(frozen=True)
class QueryEvidence:
    """Everything retrieval learnt about a question: hits in fused order plus whole-plan statistics."""

    hits: list[Hit]
    index: PlanIndex
    dense_scores: np.ndarray  # cosine to every chunk
    bm25_scores: np.ndarray
    query_vector: np.ndarray


class PlanIndex:
    def __init__(self, chunks: list[Chunk], embeddings: np.ndarray, embedder: Embedder) -> None:
        if not chunks:
            raise InputError("cannot index a plan with no chunks", "ingest a plan with text first")
        if embeddings.shape != (len(chunks), embedder.dim):
            raise InputError(f"embeddings have shape {embeddings.shape}, expected ({len(chunks)}, {embedder.dim})",
                             "re-ingest the plan with the configured retrieval embedder")
        import bm25s

        self.chunks = chunks
        self.embeddings = np.ascontiguousarray(embeddings, dtype=np.float32)
        self.embedder = embedder
        self._bm25 = bm25s.BM25(k1=1.2, b=0.75)
        corpus = [tokenize(chunk.index_text()) or ["_empty_"] for chunk in chunks]
        self._bm25.index(corpus, show_progress=False)
        self.chunk_tokens = [frozenset(tokens) for tokens in corpus]
        self.doc_freq: dict[str, int] = {}
        for tokens in self.chunk_tokens:
            for token in tokens:
                self.doc_freq[token] = self.doc_freq.get(token, 0) + 1

    @classmethod
    def build(cls, chunks: list[Chunk], embedder: Embedder, progress: bool = False) -> PlanIndex:
        vectors = embedder.encode_passages([c.index_text() for c in chunks], batch_size=16, progress=progress)
        return cls(chunks, vectors, embedder)

    def idf(self, token: str) -> float:
        """Smoothed inverse document frequency; a token the plan never uses gets the highest value."""
        return float(np.log((len(self.chunks) + 1) / (self.doc_freq.get(token, 0) + 0.5)))

    def bm25_scores(self, question: str) -> np.ndarray:
        tokens = tokenize(question)
        if not tokens:
            return np.zeros(len(self.chunks), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)

    def search(self, question: str, k: int = 5, query_vector: np.ndarray | None = None,
               bm25_weight: float = 1.0) -> QueryEvidence:
        """Top-k chunks by RRF of the dense and BM25 rankings. `bm25_weight` < 1 for a question in another
        language than the plan: shared words are then mostly accidents and would drown the dense ranking."""
        if not question.strip():
            raise InputError("the question is empty", "ask a question about the plan")
        if query_vector is None:
            query_vector = self.embedder.encode_queries([question])[0]
        dense = self.embeddings @ query_vector
        bm25 = self.bm25_scores(question)
        n = len(self.chunks)
        dense_order = np.argsort(-dense, kind="stable")
        dense_rank = np.empty(n, dtype=np.int64)
        dense_rank[dense_order] = np.arange(1, n + 1)
        bm25_order = np.argsort(-bm25, kind="stable")
        bm25_rank = np.empty(n, dtype=np.int64)
        bm25_rank[bm25_order] = np.arange(1, n + 1)
        bm25_rank[bm25 <= 0] = n + 1  # no shared term: no BM25 vote
        fused = 1.0 / (RRF_K + dense_rank) + bm25_weight * np.where(bm25 > 0, 1.0 / (RRF_K + bm25_rank), 0.0)
        order = np.argsort(-fused, kind="stable")[:k]
        hits = [Hit(self.chunks[i], float(fused[i]), float(dense[i]), float(bm25[i]), int(dense_rank[i]),
                    int(bm25_rank[i])) for i in order]
        return QueryEvidence(hits, self, dense, bm25, query_vector)
