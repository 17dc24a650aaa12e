"""LLM query rewriting for the plan chat (optional): the question translated into the plan's language.

A question in another language than the plan shares no words with it (BM25 and the word-level reranker go
blind) and the small multilingual embedder is weak across languages. The local LLM translates the question
(prompts/query_rewrite.v1.toml) and adds a few search words; retrieval then runs with the original AND the
rewritten query and fuses the two rankings (`fuse`; shipped: interleaved, each passage keeping its better rank),
so a bad rewrite cannot push out the original's best passages. Only what is searched for changes: answers and quotes stay verbatim plan sentences.

Deterministic (temperature 0, fixed seed), cached per (prompt version, model, languages, question) in memory
and on disk, bounded by a timeout; any failure (runtime or model missing, error, timeout, empty reply) gives
None and the chat searches with the original question alone.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from civicai.llm.prompts import load_prompt
from civicai.rag.index import RRF_K, Hit, PlanIndex, QueryEvidence
from civicai.rag.phrases import language_name

log = logging.getLogger("civicai.chat")
PROMPT = "query_rewrite"
REWRITE_MODEL = "qwen1.5b"  # Qwen2.5-Coder-1.5B-Instruct: the 0.5B model mistranslates most plan terms
MAX_TOKENS = 48  # two short lines; ~3 s at 15 tokens/s on two threads
TIMEOUT_S = 20.0  # past this the question is searched as asked
SCOPES = ("cross", "all")  # which questions are rewritten: other languages than the plan's, or every one
# How the two rankings are fused: "sum" is plain RRF (a chunk both queries rank well wins); "max" interleaves
# them (each chunk keeps its better rank), so the original's top k/2 always stay in the top k. "max" was
# chosen on development plans (evaluation/results/chat_rewrite.md): sum gained 3 and lost 2, max gained 4, lost 0.
FUSIONS = ("sum", "max")
FUSION = "max"


@dataclass(frozen=True)
class Rewrite:
    question: str  # the question in the plan's language
    keywords: str  # a few search words in the plan's language ("" when the model gave none)
    seconds: float  # what generating it took (a cache hit reports the original cost)

    @property
    def text(self) -> str:
        """What retrieval searches for."""
        return f"{self.question}\n{self.keywords}".strip()


def parse(reply: str) -> tuple[str, str]:
    """'question: ...' / 'keywords: ...' lines -> (question, keywords); a reply without the labels is read as
    the translated question on its first line."""
    question, keywords = "", ""
    for line in reply.strip().splitlines():
        head, sep, tail = line.partition(":")
        label, tail = head.strip(" *").lower(), tail.strip(" *")
        if sep and label == "question" and not question:
            question = tail.strip()
        elif sep and label == "keywords" and not keywords:
            keywords = tail.strip()
    if not question and not keywords:
        question = next((line.strip() for line in reply.splitlines() if line.strip()), "")
    return question[:400], keywords[:200]


class QueryRewriter:
    """question (redacted) + languages -> Rewrite | None, through a local GGUF model."""

    def __init__(self, model_id: str = REWRITE_MODEL, *, scope: str = "cross", cache_dir: Path | None = None,
                 n_threads: int = 2, seed: int = 0, timeout_s: float = TIMEOUT_S, words: bool = True,
                 generator: Any = None) -> None:
        if scope not in SCOPES:
            raise ValueError(f"unknown rewrite scope '{scope}': use one of {', '.join(SCOPES)}")
        from civicai.llm.llamacpp import LlamaCppGenerator

        self.model_id = model_id
        self.scope = scope
        self.cache_dir = cache_dir
        self.seed = seed
        self.timeout_s = timeout_s
        self.words = words  # the rewrite's words also feed word matching (reranking, abstention features)
        self.prompt = load_prompt(PROMPT)
        self._generator = generator or LlamaCppGenerator(model_id, n_threads=n_threads, seed=seed, n_ctx=1024)
        self._memory: dict[str, Rewrite | None] = {}
        self._broken = ""  # why the model cannot run (set once: later questions skip it at no cost)
        # the last question's rewrite and whether it came from the cache (a benchmark then adds its `seconds`)
        self.last: Rewrite | None = None
        self.last_cached = False

    @classmethod
    def from_settings(cls, settings: Any) -> QueryRewriter:
        return cls(REWRITE_MODEL, cache_dir=settings.resolved_cache_dir / "rewrites", n_threads=settings.threads,
                   seed=settings.seed)

    def wants(self, question_language: str, plan_language: str | None) -> bool:
        cross = bool(plan_language) and question_language[:2] != (plan_language or "")[:2]
        return cross or self.scope == "all"

    def word_query(self, keywords: str, rewrite: Rewrite) -> str:
        """What word matching reads once a rewrite exists: the plan-language words join the question's."""
        return f"{keywords}\n{rewrite.text}" if self.words else keywords

    def _key(self, question: str, source: str, target: str) -> str:
        raw = json.dumps([self.prompt.name, self.prompt.version, self.prompt.sha256, self.model_id, self.seed,
                          source, target, question], ensure_ascii=False)
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()

    def rewrite(self, question: str, question_language: str, plan_language: str | None) -> Rewrite | None:
        """The rewrite of a (redacted) question, or None: not wanted for this question, or the model failed."""
        self.last, self.last_cached = None, False
        if not question.strip() or not plan_language or not self.wants(question_language, plan_language):
            return None
        source, target = language_name(question_language[:2], "en"), language_name(plan_language[:2], "en")
        key = self._key(question, source, target)
        cached = self._memory[key] if key in self._memory else self._read(key)
        if cached is not None:
            self._memory[key] = cached
            self.last, self.last_cached = cached, True
            return cached
        if self._broken:
            return None
        result = self._generate(question, source, target)
        if result is not None:
            self._memory[key] = result
            self._write(key, result, question, source, target)
        self.last = result
        return result

    # -- the model, bounded by the timeout -------------------------------------------------------------
    def _generate(self, question: str, source: str, target: str) -> Rewrite | None:
        messages = self.prompt.render({"question": question, "source": source, "target": target})
        args = {"messages": messages, "max_tokens": MAX_TOKENS, "temperature": 0, "seed": self.seed,
                "stream": True, "cache_prompt": False}
        try:
            server = self._generator._server()
        except Exception as exc:  # noqa: BLE001 - no runtime or no model: search the question as asked
            self._broken = str(exc)
            log.warning("query rewrite unavailable (%s): searching the question as asked", exc)
            return None
        pieces: list[str] = []
        failure: list[BaseException | str] = []
        stop = threading.Event()
        done = threading.Event()

        def on_chunk(chunk: dict[str, Any]) -> bool:
            if chunk.get("error"):
                failure.append(str(chunk["error"]))
            for choice in chunk.get("choices") or []:
                pieces.append((choice.get("delta") or {}).get("content") or "")
            return stop.is_set()  # True asks the engine to stop decoding

        def run() -> None:
            try:
                server.handle_chat_completions(args, on_chunk)
            except Exception as exc:  # noqa: BLE001 - read by the waiting thread
                failure.append(exc)
            finally:
                done.set()

        start = time.perf_counter()
        # not a daemon: a timed-out request stops at its next token (on_chunk), and the interpreter waits for that
        # at exit instead of killing the thread inside the engine (which aborts the process)
        threading.Thread(target=run, name="civicai-query-rewrite").start()
        finished = done.wait(self.timeout_s)
        seconds = time.perf_counter() - start
        if not finished:
            stop.set()
            log.warning("query rewrite took over %.0f s: searching the question as asked", self.timeout_s)
            return None
        if failure:
            log.warning("query rewrite failed (%s): searching the question as asked", failure[0])
            return None
        translated, keywords = parse("".join(pieces))
        if not translated and not keywords:
            return None
        return Rewrite(translated, keywords, round(seconds, 3))

    # -- the disk cache -----------------------------------------------------------------------------------
    def _path(self, key: str) -> Path | None:
        return self.cache_dir / key[:2] / f"{key}.json" if self.cache_dir is not None else None

    def _read(self, key: str) -> Rewrite | None:
        path = self._path(key)
        if path is None or not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return Rewrite(data["rewrite"], data.get("keywords", ""), float(data.get("seconds", 0.0)))
        except (OSError, ValueError, KeyError) as exc:
            log.warning("unreadable rewrite cache entry %s (%s): asking the model again", path, exc)
            return None

    def _write(self, key: str, result: Rewrite, question: str, source: str, target: str) -> None:
        path = self._path(key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            entry = {"question": question, "source": source, "target": target, "rewrite": result.question,
                     "keywords": result.keywords, "seconds": result.seconds, "model": self.model_id,
                     "prompt": f"{self.prompt.name}.v{self.prompt.version}"}
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
            tmp.replace(path)
        except OSError as exc:  # a read-only cache only costs the next process a model call
            log.warning("could not cache the rewrite in %s: %s", path, exc)


def fuse(first: QueryEvidence, second: QueryEvidence, k: int = 10, fusion: str | None = None) -> QueryEvidence:
    """Reciprocal-rank fusion of two complete rankings (original question, rewrite), by FUSION: "sum" (RRF) or
    "max" (interleaved, ties broken by the sum). Whole-plan scores (what abstention reads) stay the original
    question's: the abstention models were fitted on them."""
    fusion = fusion or FUSION
    if fusion not in FUSIONS:
        raise ValueError(f"unknown fusion '{fusion}': use one of {', '.join(FUSIONS)}")
    index: PlanIndex = first.index
    n = len(index.chunks)
    position = {id(chunk): i for i, chunk in enumerate(index.chunks)}
    reciprocal = []
    for evidence in (first, second):
        ranks = np.full(n, n + 1, dtype=np.int64)
        ranks[[position[id(h.chunk)] for h in evidence.hits]] = np.arange(1, len(evidence.hits) + 1)
        reciprocal.append(1.0 / (RRF_K + ranks))
    score = reciprocal[0] + reciprocal[1]
    if fusion == "max":
        score = np.maximum(reciprocal[0], reciprocal[1]) + 1e-6 * score
    by_chunk = {position[id(h.chunk)]: h for h in first.hits}
    order = np.argsort(-score, kind="stable")[:k]
    hits = [Hit(index.chunks[i], float(score[i]), float(first.dense_scores[i]), float(first.bm25_scores[i]),
                by_chunk[i].dense_rank, by_chunk[i].bm25_rank) for i in order]
    return QueryEvidence(hits, index, first.dense_scores, first.bm25_scores, first.query_vector)


def search_both(index: PlanIndex, keywords: str, query_vector: np.ndarray, bm25_weight: float,
                rewritten: str, k: int = 10, fusion: str | None = None) -> QueryEvidence:
    """The original query's hybrid search (as the chat runs it) fused with the rewrite's, which is in the plan's
    language, so its words count fully in BM25."""
    n = len(index.chunks)
    first = index.search(keywords, k=n, query_vector=query_vector, bm25_weight=bm25_weight)
    second = index.search(rewritten, k=n, query_vector=index.embedder.encode_queries([rewritten])[0])
    return fuse(first, second, k, fusion)
