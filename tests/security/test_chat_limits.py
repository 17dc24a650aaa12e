"""Finding 2 against a real server on 127.0.0.1: a missing or invented cookie does not reset the chat budget (on
/api/chat and /api/chat/stream alike); questions waiting for an answer slot hold no database connection, a full
waiting room answers 429 at once, and staff requests and /health are answered meanwhile."""
from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from _live import live_server

from _api_support import PASSWORD, add_user, make_app, plan_source_url  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow
QUESTION = {"question": "What is the target for 2030?"}


def copy_plan(source_url: str, target_url: str) -> None:
    """The ingested plan's rows into a fresh database (the real ingest ran once, in plan_source_url)."""
    from sqlalchemy import select

    from civicai.store.db import session_scope
    from civicai.store.schema import Plan, PlanChunk

    with session_scope(source_url) as src:
        rows = [({c.key: getattr(p, c.key) for c in Plan.__table__.columns},
                 [{c.key: getattr(ch, c.key) for c in PlanChunk.__table__.columns}
                  for ch in src.scalars(select(PlanChunk).where(PlanChunk.plan_id == p.id))])
                for p in src.scalars(select(Plan))]
    with session_scope(target_url) as dst:
        for plan, chunks in rows:
            dst.execute(Plan.__table__.insert(), [plan])
            dst.execute(PlanChunk.__table__.insert(), chunks)


def _server(tmp_path: Path, source_url: str, **options):

    url = f"sqlite:///{tmp_path / 'civicai.db'}"
    app = make_app(url, tmp_path / "home", **options)
    copy_plan(source_url, url)
    add_user(url, "staff1", "staff")
    return app, url


@pytest.fixture
def budget_server(tmp_path: Path, plan_source_url: str) -> Iterator[str]:  # noqa: F811
    from civicai.workspace.security import RateLimit

    # a burst of 10 and (practically) no refill: the counts below do not depend on how fast the machine is
    app, _ = _server(tmp_path, plan_source_url, rate_limit=RateLimit(per_minute=0.001, burst=10))
    with live_server(app) as base:
        yield base


@pytest.mark.parametrize("path", ["/api/chat", "/api/chat/stream"])
@pytest.mark.parametrize("cookie", ["none", "invented"])
def test_dropping_or_inventing_the_cookie_does_not_reset_the_budget(budget_server: str, path: str,
                                                                    cookie: str) -> None:
    codes = []
    for _ in range(25):
        cookies = {"civicai_chat": secrets.token_urlsafe(16)} if cookie == "invented" else {}
        codes.append(httpx.post(budget_server + path, json=QUESTION, cookies=cookies, timeout=120).status_code)
    assert codes.count(200) == 10, codes  # the burst of one client, not 25 fresh buckets
    assert codes.count(429) == 15, codes
    assert not [c for c in codes if c >= 500], codes


def test_waiting_questions_hold_no_connection_and_staff_still_get_answers(
        tmp_path: Path, plan_source_url: str) -> None:  # noqa: F811
    from civicai.store.db import get_engine
    from civicai.workspace.chat import answer_gate, get_chat
    from civicai.workspace.security import RateLimit

    app, url = _server(tmp_path, plan_source_url, rate_limit=RateLimit(per_minute=600, burst=100),
                       chat_concurrency=1, chat_queue=4, chat_wait_s=120)
    ctx = app.state.civicai
    get_chat(ctx)  # models loaded before the test holds the slot
    with live_server(app) as base:
        gate = answer_gate(ctx)
        lease = gate.acquire()  # the one answer slot is busy
        results: list[int] = []
        waiting = [threading.Thread(target=lambda: results.append(
            httpx.post(base + "/api/chat", json=QUESTION, timeout=180).status_code)) for _ in range(4)]
        for thread in waiting:
            thread.start()
        for _ in range(600):  # until all four wait (a bound, not a timing assertion)
            if gate._waiting == 4:
                break
            time.sleep(0.05)
        assert gate._waiting == 4
        assert get_engine(url).pool.checkedout() == 0  # waiting questions hold no database connection
        full = httpx.post(base + "/api/chat/stream", json=QUESTION, timeout=60)
        assert full.status_code == 429 and full.headers["retry-after"]  # the waiting room is full: at once
        assert httpx.get(base + "/health", timeout=60).status_code == 200
        login = httpx.post(base + "/api/auth/login", json={"username": "staff1", "password": PASSWORD}, timeout=60)
        assert httpx.get(base + "/api/auth/me", cookies=login.cookies, timeout=60).status_code == 200
        lease.release()
        for thread in waiting:
            thread.join(timeout=180)
        assert results == [200, 200, 200, 200]
