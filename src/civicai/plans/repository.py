"""Plans and their chunks in the database (civicai.store): save, list, pick the current version, load.

Embeddings are stored as float32 little-endian bytes with the embedder's model id, so the retrieval index
loads without re-embedding; a plan embedded by another model is re-embedded in memory at load time.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from civicai.errors import InputError
from civicai.plans.types import SECTION_SEPARATOR, Chunk, ParsedDocument


def pack_embedding(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def unpack_embedding(blob: bytes | None, dim: int | None = None) -> np.ndarray | None:
    if blob is None:
        return None
    vector = np.frombuffer(blob, dtype="<f4")
    if dim is not None and vector.shape[0] != dim:
        return None
    return vector


@dataclass(frozen=True)
class PlanInfo:
    id: int
    name: str
    version: str
    is_current: bool
    source_file: str | None
    sha256: str | None
    pages: int | None
    language: str | None
    ingested_at: datetime | None
    chunks: int = 0


@dataclass
class StoredPlan:
    """A plan with its chunks (in order) and their embeddings, as loaded from the database."""

    info: PlanInfo
    chunks: list[Chunk]
    embeddings: np.ndarray | None  # (n, dim) float32, or None where missing/other model
    model_id: str | None
    chunk_languages: list[str | None]


def _info(plan, chunks: int = 0) -> PlanInfo:
    return PlanInfo(plan.id, plan.name, plan.version, bool(plan.is_current), plan.source_file, plan.sha256,
                    plan.pages, plan.language, plan.ingested_at, chunks)


def next_version(session: Session, name: str) -> str:
    from civicai.store.schema import Plan

    versions = session.scalars(select(Plan.version).where(Plan.name == name)).all()
    numbers = [int(v[1:]) for v in versions if v.startswith("v") and v[1:].isdigit()]
    return f"v{max(numbers, default=0) + 1}"


def find_by_checksum(session: Session, name: str, sha256: str) -> PlanInfo | None:
    from civicai.store.schema import Plan, PlanChunk

    plan = session.scalars(select(Plan).where(Plan.name == name, Plan.sha256 == sha256)).first()
    if plan is None:
        return None
    chunks = session.scalar(select(func.count()).select_from(PlanChunk).where(PlanChunk.plan_id == plan.id))
    return _info(plan, int(chunks or 0))  # the stored chunk count: "already stored" still says how much


def save_plan(session: Session, document: ParsedDocument, chunks: list[Chunk], embeddings: np.ndarray,
              model_id: str, *, name: str, version: str, language: str | None, make_current: bool = True,
              chunk_languages: list[str | None] | None = None) -> PlanInfo:
    from civicai.store.schema import Plan, PlanChunk

    if len(chunks) != len(embeddings):
        raise InputError(f"{len(chunks)} chunks but {len(embeddings)} embeddings", "embed every chunk once")
    if session.scalars(select(Plan).where(Plan.name == name, Plan.version == version)).first():
        raise InputError(f"plan '{name}' already has a version '{version}'",
                         "pass another --version, or leave it out to get the next one")
    if make_current:
        session.execute(update(Plan).where(Plan.name == name).values(is_current=False))
        session.flush()
    plan = Plan(name=name, version=version, is_current=make_current, source_file=document.source,
                sha256=document.sha256, pages=document.pages, language=language)
    session.add(plan)
    session.flush()
    languages = chunk_languages or [language] * len(chunks)
    session.add_all(PlanChunk(plan_id=plan.id, ordinal=chunk.ordinal, section_path=chunk.section,
                              page=chunk.page, text=chunk.text, language=lang,
                              embedding=pack_embedding(vector), model_id=model_id)
                    for chunk, vector, lang in zip(chunks, embeddings, languages, strict=True))
    session.flush()
    return _info(plan, len(chunks))


def list_plans(session: Session) -> list[PlanInfo]:
    from sqlalchemy import func

    from civicai.store.schema import Plan, PlanChunk

    counts = dict(session.execute(select(PlanChunk.plan_id, func.count()).group_by(PlanChunk.plan_id)).all())
    plans = session.scalars(select(Plan).order_by(Plan.name, Plan.ingested_at, Plan.id)).all()
    return [_info(plan, counts.get(plan.id, 0)) for plan in plans]


def get_plan(session: Session, name: str, version: str | None = None):
    """The named version, else the current one, else the latest ingested."""
    from civicai.store.schema import Plan

    query = select(Plan).where(Plan.name == name)
    if version is not None:
        plan = session.scalars(query.where(Plan.version == version)).first()
    else:
        plan = (session.scalars(query.where(Plan.is_current.is_(True))).first()
                or session.scalars(query.order_by(Plan.ingested_at.desc(), Plan.id.desc())).first())
    if plan is None:
        known = sorted({p.name for p in session.scalars(select(Plan)).all()})
        what = f"plan '{name}'" + (f" version '{version}'" if version else "")
        raise InputError(f"{what} is not in the database",
                         f"ingest it with `civicai plan ingest FILE --name {name}`"
                         + (f"; known plans: {', '.join(known)}" if known else ""))
    return plan


def set_current(session: Session, name: str, version: str) -> PlanInfo:
    from civicai.store.schema import Plan

    plan = get_plan(session, name, version)
    session.execute(update(Plan).where(Plan.name == name).values(is_current=False))
    session.flush()
    plan.is_current = True
    session.flush()
    return _info(plan)


def load_plan(session: Session, name: str, version: str | None = None) -> StoredPlan:
    from civicai.store.schema import PlanChunk

    plan = get_plan(session, name, version)
    rows = session.scalars(select(PlanChunk).where(PlanChunk.plan_id == plan.id)
                           .order_by(PlanChunk.ordinal)).all()
    if not rows:
        raise InputError(f"plan '{plan.name}' version '{plan.version}' has no chunks", "ingest it again")
    model_ids = {row.model_id for row in rows}
    vectors = [unpack_embedding(row.embedding) for row in rows]
    embeddings = None
    if len(model_ids) == 1 and all(v is not None for v in vectors) and len({len(v) for v in vectors}) == 1:
        embeddings = np.vstack(vectors).astype(np.float32)
    chunks = [Chunk(row.ordinal, row.text, tuple(row.section_path.split(SECTION_SEPARATOR))
                    if row.section_path else (), row.page) for row in rows]
    return StoredPlan(_info(plan, len(rows)), chunks, embeddings, next(iter(model_ids)) if len(model_ids) == 1
                      else None, [row.language for row in rows])
