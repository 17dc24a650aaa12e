"""Ingest a plan file: parse -> chunk -> detect language -> embed passages -> store (one new version)."""
from __future__ import annotations

import logging
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from civicai.config import Settings, get_settings
from civicai.errors import InputError
from civicai.plans.chunking import chunk_blocks
from civicai.plans.parsers import parse_document
from civicai.plans.repository import PlanInfo, find_by_checksum, next_version, save_plan
from civicai.plans.types import Chunk, ParsedDocument
from civicai.text.language import detect_many

log = logging.getLogger("civicai.plans")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see civicai.rag: OpenMP spin-waiting on busy machines


@dataclass(frozen=True)
class IngestResult:
    plan: PlanInfo
    created: bool  # False when the same file was already ingested under this name
    chunks: int
    sections: int


def _languages(chunks: list[Chunk]) -> tuple[str | None, list[str | None]]:
    """Per-chunk language and the plan's majority language."""
    guesses = [g.code for g in detect_many([c.text for c in chunks])]
    weights = Counter()
    for chunk, code in zip(chunks, guesses, strict=True):
        weights[code] += len(chunk.text.split())
    return (weights.most_common(1)[0][0] if weights else None), guesses


def ingest_document(document: ParsedDocument, *, name: str, version: str | None = None, make_current: bool = True,
                    settings: Settings | None = None, progress: bool = False, force: bool = False) -> IngestResult:
    from civicai.embed import get_embedder
    from civicai.store.db import init_db, session_scope

    if not name or not name.strip():
        raise InputError("a plan needs a name", "pass --name, e.g. --name copenhagen")
    settings = settings or get_settings()
    url = settings.resolved_database_url
    settings.home.mkdir(parents=True, exist_ok=True)
    init_db(url)
    chunks = chunk_blocks(document.blocks)
    if not chunks:
        raise InputError(f"{document.source} gave no text chunks", "check the file has text")
    with session_scope(url) as session:
        if document.sha256 and not force:
            existing = find_by_checksum(session, name, document.sha256)
            if existing is not None and version in (None, existing.version):
                return IngestResult(existing, False, existing.chunks, 0)
    language, chunk_languages = _languages(chunks)
    embedder = get_embedder(settings.embedder_retrieval, settings.threads)
    vectors = embedder.encode_passages([c.index_text() for c in chunks], batch_size=16, progress=progress)
    with session_scope(url) as session:
        info = save_plan(session, document, chunks, vectors, embedder.model_id, name=name,
                         version=version or next_version(session, name), language=language,
                         make_current=make_current, chunk_languages=chunk_languages)
    log.info("ingested %s as %s %s: %d chunks", document.source, name, info.version, len(chunks))
    return IngestResult(info, True, len(chunks), len({c.section for c in chunks}))


def ingest_file(path: str | Path, **kwargs) -> IngestResult:
    return ingest_document(parse_document(path), **kwargs)
