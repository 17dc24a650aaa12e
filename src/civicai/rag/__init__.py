"""Climate-plan chat: hybrid retrieval (BM25 + dense, RRF), calibrated abstention, cited extractive answers.

    from civicai.rag import load_chat
    chat = load_chat("sample")            # the current version of the plan named "sample"
    answer = chat.ask("Quand les bus seront-ils électriques ?", audience="general")
"""
from __future__ import annotations

import os
from functools import lru_cache

# OpenMP threads that spin while waiting turn a 100 ms E5 query into seconds on a busy 2-core machine.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from civicai.config import Settings, get_settings
from civicai.rag.chat import PlanChat
from civicai.rag.index import Hit, PlanIndex
from civicai.rag.types import AUDIENCES, Answer, AnswerKind, Citation


def load_chat(name: str, version: str | None = None, settings: Settings | None = None) -> PlanChat:
    """A chat over a stored plan; the index is built once per (database, plan id) in this process."""
    from civicai.plans.repository import get_plan
    from civicai.store.db import init_db, session_scope

    settings = settings or get_settings()
    url = settings.resolved_database_url
    init_db(url)
    with session_scope(url) as session:
        plan_id = get_plan(session, name, version).id
    return _cached_chat(url, plan_id, settings.embedder_retrieval, settings.generator, settings.threads,
                        settings.model_dump_json())


@lru_cache(maxsize=8)
def _cached_chat(url: str, plan_id: int, embedder: str, generator: str, threads: int, settings_json: str) -> PlanChat:
    from sqlalchemy import select

    from civicai.plans.repository import load_plan
    from civicai.store.db import session_scope
    from civicai.store.schema import Plan

    settings = Settings.model_validate_json(settings_json)
    with session_scope(url) as session:
        plan = session.scalars(select(Plan).where(Plan.id == plan_id)).one()
        stored = load_plan(session, plan.name, plan.version)
    return PlanChat.from_stored(stored, settings)


__all__ = ["AUDIENCES", "Answer", "AnswerKind", "Citation", "Hit", "PlanChat", "PlanIndex", "load_chat"]
