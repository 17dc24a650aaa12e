"""The residents' chat API (public, rate-limited per client), feedback, example questions and plan PDFs."""
from __future__ import annotations

import itertools
import json
import secrets
import time
import weakref
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import FileResponse, StreamingResponse
from sqlalchemy.orm import Session

from civicai.api.deps import ctx_of, get_db
from civicai.api.schemas import ChatBody, FeedbackBody
from civicai.rag.followup import Turn, turn_json, turn_of, turns_from
from civicai.store.schema import Plan
from civicai.workspace.chat import (
    CLIENT_COOKIE,
    answer_gate,
    answer_payload,
    answer_slot,
    chat_and_plan,
    check_chat_rate,
    example_questions,
    plan_row,
    record_question,
    store_feedback,
)

router = APIRouter(prefix="/api", tags=["chat"])


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def client_key(request: Request, response: Response | None = None) -> str | None:
    """The browser's signed chat cookie; a browser without a valid one is given one (its questions meanwhile
    spend its address's shared anonymous budget, so dropping the cookie never resets anything)."""
    ctx = ctx_of(request)
    value = request.cookies.get(CLIENT_COOKIE)
    if ctx.signer.read_client(value):
        return value
    if response is not None:
        response.set_cookie(CLIENT_COOKIE, ctx.signer.sign_client(secrets.token_urlsafe(16)), max_age=30 * 86400,
                            httponly=True, samesite="lax", secure=ctx.secure_cookies, path="/")
    return None


def check_rate(request: Request, cookie: str | None) -> None:
    wait = check_chat_rate(ctx_of(request), cookie, _address(request))
    if wait:
        raise HTTPException(429, f"too many questions: wait {wait:.0f} s and ask again",
                            headers={"Retry-After": str(max(1, round(wait)))})


def history_of(body: ChatBody) -> list[Turn]:
    """The request's `history` as the chat's conversation (civicai.rag.followup): context for a follow-up only."""
    return turns_from([turn.model_dump() for turn in body.history])


def with_turn(payload: dict[str, Any], question: str, answer: Any) -> dict[str, Any]:
    """The answer plus the `turn` a client appends to `history` for the next question."""
    return {**payload, "turn": turn_json(turn_of(question, answer))}


# The chat routes take no database session as a dependency: a question waiting for an answer slot must not hold
# a pooled connection (60 waiting questions once exhausted the pool and starved staff requests and /health).
@router.post("/chat")
def ask(body: ChatBody, request: Request, response: Response) -> dict[str, Any]:
    """Ask the climate plan; the answer quotes the plan with section, page and a link to the PDF page, or says
    honestly that the plan does not hold the answer. No account needed; limited per browser and per address.
    `history`: the conversation so far (each answer's `turn`, oldest first, at most 5), so a follow-up ("and how
    much does that cost?") is answered on the earlier topic, or the resident is asked what they mean."""
    check_rate(request, client_key(request, response))
    ctx = ctx_of(request)
    chat, plan_id = chat_and_plan(ctx)
    start = time.perf_counter()
    with answer_slot(ctx):
        answer = chat.ask(body.question, audience=body.audience, previous=history_of(body))
    record_question(ctx, answer, plan_id=plan_id, audience=body.audience, seconds=time.perf_counter() - start)
    return with_turn(answer_payload(answer, plan_id), body.question, answer)


@router.post("/chat/stream")
def ask_stream(body: ChatBody, request: Request, response: Response) -> StreamingResponse:
    """The same answer as NDJSON lines: {"delta": "..."} pieces as they are written, then {"answer": {...}}.
    Under the same rate limit and answer slots as POST /api/chat."""
    check_rate(request, client_key(request, response))
    ctx = ctx_of(request)
    chat, plan_id = chat_and_plan(ctx)
    start = time.perf_counter()
    pieces = chat.stream(body.question, audience=body.audience, previous=history_of(body))
    lease = answer_gate(ctx).acquire()  # 429 now, not in the middle of a stream
    try:
        # the generator does its first step (checks and the extractive answer) here, so a bad question gets its
        # 422 before the stream starts instead of breaking it off
        first = next(pieces)
    except BaseException:
        lease.release()
        raise
    pieces = itertools.chain([first], pieces)

    def lines():
        final = None
        try:
            for piece in pieces:
                if isinstance(piece, str):
                    yield json.dumps({"delta": piece}, ensure_ascii=False) + "\n"
                else:
                    final = piece
                    payload = with_turn(answer_payload(piece, plan_id), body.question, piece)
                    yield json.dumps({"answer": payload}, ensure_ascii=False) + "\n"
        finally:
            lease.release()
        if final is not None:
            record_question(ctx, final, plan_id=plan_id, audience=body.audience, seconds=time.perf_counter() - start)

    body_iter = lines()
    weakref.finalize(body_iter, lease.release)  # a stream dropped before its first line still frees the slot
    headers = {k: v for k, v in response.headers.items() if k.lower() == "set-cookie"}
    return StreamingResponse(body_iter, media_type="application/x-ndjson", headers=headers)


@router.post("/chat/feedback", status_code=201)
def feedback(body: FeedbackBody, request: Request, session: Session = Depends(get_db, scope="function")) -> dict[str, Any]:
    """Thumbs up (1) or down (-1); the question and the answer are stored redacted and capped."""
    check_rate(request, client_key(request))
    row = store_feedback(session, question=body.question, answer=body.answer, rating=body.rating,
                         plan_id=body.plan_id or _plan_id(request, session), language=body.language)
    return {"id": row.id, "question_redacted": row.question_redacted}


def _plan_id(request: Request, session: Session) -> int | None:
    plan = plan_row(session, ctx_of(request).options.plan_name)
    return plan.id if plan else None


@router.get("/chat/examples")
def examples() -> dict[str, list[str]]:
    return example_questions()


@router.get("/plans")
def plans(session: Session = Depends(get_db, scope="function")) -> list[dict[str, Any]]:
    from civicai.plans.repository import list_plans

    return [{"id": p.id, "name": p.name, "version": p.version, "current": p.is_current, "pages": p.pages,
             "chunks": p.chunks, "language": p.language,
             "pdf": f"/api/plans/{p.id}/pdf" if (p.source_file or "").lower().endswith(".pdf") else None}
            for p in list_plans(session)]


@router.get("/plans/{plan_id}/pdf")
def plan_pdf(plan_id: int, session: Session = Depends(get_db, scope="function")) -> FileResponse:
    """The plan's PDF (public: it is a published document); append #page=N to open a cited page."""
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise HTTPException(404, f"plan {plan_id} does not exist")
    path = Path(plan.source_file or "")
    if path.suffix.lower() != ".pdf" or not path.is_file():
        raise HTTPException(404, f"plan {plan_id} has no PDF on this server")
    return FileResponse(path, media_type="application/pdf", content_disposition_type="inline",
                        filename=f"{plan.name}-{plan.version}.pdf")
