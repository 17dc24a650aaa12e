"""Which job queue a database gets, and so whether `civicai serve` runs heavy jobs itself.

CIVICAI_JOB_QUEUE=auto (default): PostgreSQL -> the shared queue (`postgres`): the web server only enqueues and
`civicai worker` processes (or `civicai serve --workers N`) run the jobs; SQLite -> today's worker thread inside
the server (`thread`). `thread` can be forced on PostgreSQL (one server process, no workers); `postgres` on
SQLite is refused (procrastinate needs PostgreSQL's SKIP LOCKED and LISTEN/NOTIFY).
"""
from __future__ import annotations

import os
from typing import Literal

from sqlalchemy.engine import make_url

from civicai.errors import CivicaiError

QueueKind = Literal["thread", "postgres"]
ENV = "CIVICAI_JOB_QUEUE"
CHOICES = ("auto", "thread", "postgres")


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def queue_kind(url: str, choice: str | None = None) -> QueueKind:
    """`thread` or `postgres` for this database URL; `choice` (else CIVICAI_JOB_QUEUE, else auto) decides."""
    wanted = (choice or os.environ.get(ENV) or "auto").strip().lower()
    if wanted not in CHOICES:
        raise CivicaiError(f"{ENV}={wanted!r} is not a job queue", f"use one of: {', '.join(CHOICES)}")
    if wanted == "auto":
        return "postgres" if is_postgres(url) else "thread"
    if wanted == "postgres" and not is_postgres(url):
        raise CivicaiError("the shared job queue needs PostgreSQL, and the database is not PostgreSQL",
                           f"set CIVICAI_DATABASE_URL=postgresql+psycopg://..., or {ENV}=thread")
    return wanted  # type: ignore[return-value]
