"""Ingest every evaluation plan once into evaluation/.cache/chat_eval.db (slow part: E5 passage embeddings).

    .venv/bin/python evaluation/chat_ingest.py [--only NAME ...]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # OpenMP spin-waiting collapses on a busy 2-core box
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from chat_data import CACHE, dinan_document, plan_sources
from civicai.config import get_settings
from civicai.plans.ingest import ingest_document
from civicai.plans.parsers import parse_document


def eval_settings():
    CACHE.mkdir(parents=True, exist_ok=True)
    return get_settings(home=CACHE, database_url=f"sqlite:///{(CACHE / 'chat_eval.db').resolve()}")


def ingest_all(only: list[str] | None = None) -> None:
    settings = eval_settings()
    for source in plan_sources():
        if only and source.name not in only:
            continue
        if source.path is not None and not source.path.is_file():
            print(f"skip {source.name}: {source.path} not found", flush=True)
            continue
        document = dinan_document() if source.path is None else parse_document(source.path)
        start = time.perf_counter()
        result = ingest_document(document, name=source.name, settings=settings, progress=True)
        state = "ingested" if result.created else "already stored"
        from civicai.rag import load_chat

        load_chat(source.name, settings=settings).prepare_sentences(progress=True)  # once, saved on disk
        print(f"{source.name}: {state} {result.plan.version}, {result.chunks} chunks, "
              f"{time.perf_counter() - start:.0f} s", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*")
    ingest_all(parser.parse_args().only)
