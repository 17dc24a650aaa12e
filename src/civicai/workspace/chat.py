"""The residents' chat behind /api/chat and /chat: the plan chat (civicai.rag), feedback, example questions."""
from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from civicai.errors import CivicaiError, InputError
from civicai.paths import sample_dir
from civicai.store.schema import ChatFeedback, ChatQuestionLog, Plan
from civicai.workspace.context import AppContext

_load_lock = threading.Lock()
MAX_ANSWER_CHARS = 4000  # a stored rated answer: enough to see what was said, not a free storage area

# Categories for the example questions (ClimateQ&A groups them the same way); filled from the shipped gold
# questions so that each example has an answer in the plan.
CATEGORY_WORDS = {
    "Targets": ("target", "net zero", "emission", "2030", "2040", "objectif", "ziel"),
    "Mobility": ("cycl", "bike", "bus", "pass", "car", "vélo", "train", "tram", "fiets"),
    "Buildings & energy": ("heat", "solar", "renovat", "insulat", "energy", "building", "chauff", "énergie"),
    "Nature & water": ("tree", "flood", "green", "water", "heatwave", "arbre", "park"),
    "Money & participation": ("cost", "budget", "money", "fund", "eur", "citizen", "participat", "coût"),
}


class ChatUnavailable(CivicaiError):
    """No plan to answer from yet (e.g. the first-start ingest is still running): HTTP 503."""


class ChatBusy(CivicaiError):
    """Every answer slot is taken and the waiting room is full: HTTP 429 with Retry-After."""


CLIENT_COOKIE = "civicai_chat"  # the residents' signed anonymous id (rate-limit budget), no account
_chats: dict[tuple[str, int], Any] = {}


class Lease:
    """One held answer slot; release() is idempotent (a stream may end, fail or be dropped unread)."""

    def __init__(self, gate: AnswerGate) -> None:
        self._gate, self._held = gate, True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._gate.semaphore.release()


class AnswerGate:
    """At most `chat_concurrency` answers are computed at once (on 2 cores, 20 at once would each take 20 times
    longer); at most `chat_queue` more wait, each for at most `chat_wait_s`; the rest get ChatBusy (429) at once. So
    waiting questions hold a few threads and no database connection, and staff requests and /health always
    find a free worker thread (the server has 40)."""

    def __init__(self, concurrency: int, max_waiting: int, wait_s: float) -> None:
        self.semaphore = threading.BoundedSemaphore(concurrency)
        self.max_waiting, self.wait_s = max_waiting, wait_s
        self._waiting = 0
        self._lock = threading.Lock()

    def acquire(self) -> Lease:
        if self.semaphore.acquire(blocking=False):
            return Lease(self)
        with self._lock:
            if self._waiting >= self.max_waiting:
                raise ChatBusy("the chat is answering as many questions as it can", "ask again in half a minute")
            self._waiting += 1
        try:
            got = self.semaphore.acquire(timeout=self.wait_s)
        finally:
            with self._lock:
                self._waiting -= 1
        if not got:
            raise ChatBusy("the chat is busy", "ask again in half a minute")
        return Lease(self)

    @contextmanager
    def slot(self) -> Iterator[Lease]:
        lease = self.acquire()
        try:
            yield lease
        finally:
            lease.release()


_gates: dict[int, AnswerGate] = {}
_gates_lock = threading.Lock()


def answer_gate(ctx: AppContext) -> AnswerGate:
    with _gates_lock:
        gate = _gates.get(id(ctx))
        if gate is None:
            gate = _gates[id(ctx)] = AnswerGate(ctx.options.chat_concurrency, ctx.options.chat_queue,
                                                ctx.options.chat_wait_s)
        return gate


def answer_slot(ctx: AppContext):
    """`with answer_slot(ctx):` around computing one answer (the API, the stream and the Gradio chat alike)."""
    return answer_gate(ctx).slot()


def rate_key(ctx: AppContext, cookie: str | None, address: str) -> str:
    """Whose budget a question spends: the browser's signed chat cookie, else the address's shared anonymous
    budget (so dropping or inventing cookies never buys a fresh one)."""
    client = ctx.signer.read_client(cookie)
    return f"c:{client}" if client else f"anon:{address}"


def check_chat_rate(ctx: AppContext, cookie: str | None, address: str) -> float:
    """0 when the question may go ahead, else the seconds to wait (one rule for every door of the chat)."""
    return ctx.limiter.check(rate_key(ctx, cookie, address), address)


def chat_and_plan(ctx: AppContext) -> tuple[Any, int | None]:
    """The chat and the current plan's id, with a database session held only for the look-up."""
    from civicai.store.db import session_scope

    with session_scope(ctx.url) as session:
        plan = plan_row(session, ctx.options.plan_name)
        plan_id = plan.id if plan else None
    return get_chat(ctx), plan_id


def get_chat(ctx: AppContext, session: Session | None = None):
    """The PlanChat for the current version of the configured plan, built once per (database, plan version);
    a newly ingested current version is picked up on the next question."""
    from civicai.rag import load_chat
    from civicai.store.db import session_scope

    if session is None:
        with session_scope(ctx.url) as own:
            plan = plan_row(own, ctx.options.plan_name)
    else:
        plan = plan_row(session, ctx.options.plan_name)
    if plan is None:
        raise ChatUnavailable(f"the plan '{ctx.options.plan_name}' is not loaded yet",
                              "wait for the plan ingest to finish (first start), or run `civicai plan ingest`")
    key = (ctx.url, plan.id)
    chat = _chats.get(key)
    if chat is None:
        with _load_lock:  # one load at a time; later questions reuse it without locking
            chat = _chats.get(key) or load_chat(plan.name, plan.version, settings=ctx.settings)
            _chats[key] = chat
    return chat


WARM_UP = ("What is the target for 2030?", "Quel est l'objectif pour 2030 ?", "Was ist das Ziel für 2030?",
           "Wat is het doel voor 2030?")


def warm_up(ctx: AppContext) -> None:
    """Load the plan index and every per-language model (spaCy NER for redaction, language ID, embedders) before
    the first resident asks, so nobody waits tens of seconds for a model to load. Best effort, in a thread."""
    try:
        chat = get_chat(ctx)
        for question in WARM_UP:
            chat.ask(question)
    except Exception as exc:  # noqa: BLE001 - best effort: no plan yet, or a model problem the first question reports
        logging.getLogger("civicai.chat").info("chat warm-up skipped: %s", exc)


def plan_row(session: Session, name: str) -> Plan | None:
    return (session.scalars(select(Plan).where(Plan.name == name, Plan.is_current.is_(True))).first()
            or session.scalars(select(Plan).where(Plan.name == name).order_by(Plan.id.desc())).first())


def answer_payload(answer: Any, plan_id: int | None) -> dict[str, Any]:
    data = answer.to_json()
    data["kind"] = str(getattr(answer, "kind", ""))
    data["plan_id"] = plan_id
    for citation in data["citations"]:
        page = citation.get("page")
        citation["url"] = f"/api/plans/{plan_id}/pdf#page={page}" if plan_id and page else None
    return data


def record_question(ctx: AppContext, answer: Any, *, plan_id: int | None, audience: str, seconds: float) -> None:
    """Count one answered question for the chat audit: language, audience, kind of answer, latency; no text.
    Called after the answer slot is released, with a short session of its own; a failure to count is logged and
    never costs the resident the answer."""
    from sqlalchemy.exc import SQLAlchemyError

    from civicai.store import session_scope

    language = (getattr(answer, "language", None) or "")[:16] or None
    try:
        with session_scope(ctx.url) as session:
            session.add(ChatQuestionLog(plan_id=plan_id, language=language, audience=audience[:16],
                                        kind=str(getattr(answer, "kind", ""))[:32],
                                        latency_ms=round(seconds * 1000)))
    except SQLAlchemyError as exc:
        logging.getLogger("civicai.chat").warning("chat question not counted: %s", exc)


def store_feedback(session: Session, *, question: str, answer: str, rating: int, plan_id: int | None,
                   language: str | None) -> ChatFeedback:
    """Thumbs up/down with the question and the answer redacted first (both come from an anonymous client, so
    both may carry personal data) and capped."""
    from civicai.rag.chat import redact_question

    if rating not in (-1, 1):
        raise InputError(f"rating {rating} is not allowed", "send 1 (thumbs up) or -1 (thumbs down)")
    if not question.strip():
        raise InputError("the question is empty", "send the question the answer was for")
    if plan_id is not None and session.get(Plan, plan_id) is None:  # else a foreign-key error: a 500
        raise InputError(f"plan {plan_id} does not exist", "send the plan_id of the answer (GET /api/plans), or none")
    row = ChatFeedback(plan_id=plan_id, question_redacted=redact_question(question[:1000], language),
                       answer=redact_question(answer[:MAX_ANSWER_CHARS], language), rating=rating, language=(language or None) and language[:16])
    session.add(row)
    session.flush()
    return row


@cache
def example_questions() -> dict[str, list[str]]:
    """A few answerable example questions per category, in several languages."""
    path = sample_dir() / "plan" / "questions.jsonl"
    grouped: dict[str, list[str]] = {c: [] for c in CATEGORY_WORDS}
    if not path.is_file():
        return {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if not row.get("answerable", True):
            continue
        text = row["question"]
        for category, words in CATEGORY_WORDS.items():
            if any(w in text.lower() for w in words) and len(grouped[category]) < 3:
                grouped[category].append(text)
                break
    return {c: q for c, q in grouped.items() if q}
