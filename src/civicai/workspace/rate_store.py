"""Rate limits shared by every web process: the token buckets live in the database (rate_limit_buckets).

Several `civicai serve` processes behind one address must limit a client together, or N processes would give
it N budgets. Same rule as the in-memory RateLimiter (civicai.workspace.security): a bucket per client and a
ceiling per address. Each check is one short transaction that locks the bucket's row (SELECT ... FOR UPDATE on
PostgreSQL; SQLite's single writer does the same), so two servers cannot both spend the last token. Time comes
from the database's clock, so servers on machines with different clocks agree.

CIVICAI_RATE_LIMITS=memory|database (default: database on PostgreSQL, memory on SQLite, where one process serves).
"""
from __future__ import annotations

import os
import random

from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from civicai.errors import CivicaiError
from civicai.queue.mode import is_postgres
from civicai.store.db import session_scope
from civicai.store.schema import RateLimitBucket
from civicai.workspace.security import RateLimit, RateLimiter

ENV = "CIVICAI_RATE_LIMITS"
_PRUNE_CHANCE = 0.001  # about one check in a thousand deletes buckets idle for an hour (full again anyway)


def _db_now(session: Session) -> float:
    if session.get_bind().dialect.name == "postgresql":
        return float(session.scalar(text("SELECT extract(epoch FROM clock_timestamp())")))
    return float(session.scalar(text("SELECT (julianday('now') - 2440587.5) * 86400.0")))


class DatabaseRateLimiter:
    """`check(client, address)` like RateLimiter, with the buckets in the database."""

    def __init__(self, url: str, limit: RateLimit | None = None) -> None:
        self.url = url
        self.limit = limit or RateLimit()

    def _take(self, session: Session, key: str, rate_per_s: float, capacity: float, now: float) -> float:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(RateLimitBucket).values(key=key, tokens=capacity, stamp=now)
                        .on_conflict_do_nothing(index_elements=["key"]))
        bucket = session.scalars(select(RateLimitBucket).where(RateLimitBucket.key == key).with_for_update()).one()
        tokens = min(capacity, bucket.tokens + max(0.0, now - bucket.stamp) * rate_per_s)
        if tokens >= 1:
            bucket.tokens, bucket.stamp = tokens - 1, now
            return 0.0
        bucket.tokens, bucket.stamp = tokens, now
        return (1 - tokens) / rate_per_s

    def check(self, client: str, address: str) -> float:
        """0 when the request may go ahead, else the seconds to wait before retrying."""
        limit = self.limit
        with session_scope(self.url) as session:
            now = _db_now(session)
            if random.random() < _PRUNE_CHANCE:  # not security: only when to tidy
                session.execute(delete(RateLimitBucket).where(RateLimitBucket.stamp < now - 3600))
            wait_ip = self._take(session, f"ip:{address}"[:200], limit.per_ip_per_minute / 60,
                                 max(limit.burst, limit.per_ip_per_minute / 6), now)
            if wait_ip:
                return wait_ip
            return self._take(session, f"c:{client}"[:200], limit.per_minute / 60, limit.burst, now)


def make_rate_limiter(url: str, limit: RateLimit | None = None, choice: str | None = None):
    """The limiter a web process uses: shared through the database, or in this process's memory."""
    wanted = (choice or os.environ.get(ENV) or "auto").strip().lower()
    if wanted not in ("auto", "memory", "database"):
        raise CivicaiError(f"{ENV}={wanted!r} is not a rate-limit store", "use auto, memory or database")
    if wanted == "database" or (wanted == "auto" and is_postgres(url)):
        return DatabaseRateLimiter(url, limit)
    return RateLimiter(limit)
