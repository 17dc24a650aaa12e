"""/chat: residents ask the climate plan (public). Streaming answers, a collapsible sources block (section, page,
quote, link to the PDF page), example questions by category, an audience switch, thumbs up/down stored with the
redacted question, a one-line AI disclosure, keyboard and phone friendly, rate-limited per client."""
from __future__ import annotations

import time
from typing import Any

import gradio as gr

from civicai.rag.followup import remember, turn_json, turns_from
from civicai.store.db import session_scope
from civicai.ui.common import esc, friendly, refuse
from civicai.workspace.chat import (
    CLIENT_COOKIE,
    answer_payload,
    answer_slot,
    chat_and_plan,
    check_chat_rate,
    example_questions,
    record_question,
    store_feedback,
)
from civicai.workspace.context import AppContext

DISCLOSURE = ("You are talking to an AI assistant. It only quotes the city's climate plan, with the page it "
              "comes from, and says so when the plan does not answer.")
AUDIENCES = {"Child": "child", "General public": "general", "Expert": "expert"}


def sources_html(payload: dict[str, Any]) -> str:
    citations = payload.get("citations") or []
    if not citations:
        return ""
    items = []
    for c in citations:
        page = c.get("page")
        link = (f' · <a href="{esc(c["url"])}" target="_blank" rel="noopener">open page {esc(page)} of the plan</a>'
                if c.get("url") else "")
        where = esc(c.get("section") or "") + (f", page {esc(page)}" if page else "")
        items.append(f'<li><b>[{esc(c["n"])}]</b> {where}{link}<br><q>{esc(c.get("quote"))}</q></li>')
    return (f'\n\n<details class="civicai-sources"><summary>Sources ({len(citations)})</summary>'
            f'<ol style="list-style:none;padding-left:0">{"".join(items)}</ol></details>')


def _client(request: gr.Request | None) -> tuple[str | None, str]:
    """(the signed chat cookie, the address): the same budget rule as /api/chat (workspace.chat.check_chat_rate)."""
    if request is None:
        return None, "unknown"
    cookies = getattr(request, "cookies", {}) or {}
    host = request.client.host if getattr(request, "client", None) else "unknown"
    return cookies.get(CLIENT_COOKIE), str(host)


def build_chat(ctx: AppContext) -> gr.Blocks:
    def respond(question: str, history: list[dict], audience_label: str, turns: list[dict] | None,
                request: gr.Request):
        question = (question or "").strip()
        if not question:
            raise refuse("Please type a question about the climate plan.")
        wait = check_chat_rate(ctx, *_client(request))
        if wait:
            raise refuse(f"Too many questions at once: please wait {wait:.0f} seconds.")
        # a follow-up ("and how much does that cost?") leans on the conversation so far: the earlier questions
        # and the sections their direct answers cited (civicai.rag.followup)
        previous = turns_from(turns)
        history = list(history or []) + [{"role": "user", "content": question},
                                         {"role": "assistant", "content": "…"}]
        yield "", history, None, turns or []
        audience = AUDIENCES.get(audience_label, "general")
        try:
            chat, plan_id = chat_and_plan(ctx)
            text, final = "", None
            start = time.perf_counter()
            with answer_slot(ctx):  # held while this answer is computed and streamed; released even on errors
                for piece in chat.stream(question, audience=audience, previous=previous):
                    if isinstance(piece, str):
                        text += piece
                        history[-1] = {"role": "assistant", "content": text}
                        yield "", history, None, turns or []
                    else:
                        final = piece
        except Exception as exc:
            raise friendly(exc, public=True) from exc
        if final is not None:
            record_question(ctx, final, plan_id=plan_id, audience=audience, seconds=time.perf_counter() - start)
        payload = answer_payload(final, plan_id) if final is not None else {"answer": text, "citations": []}
        history[-1] = {"role": "assistant", "content": (payload.get("answer") or text) + sources_html(payload)}
        # the same conversation model as POST /api/chat's history and `civicai ask --conversation`
        turns = [turn_json(t) for t in remember(previous, question, final)] if final is not None else turns or []
        yield "", history, {"question": question, "answer": payload.get("answer") or text,
                            "language": payload.get("language"), "plan_id": plan_id}, turns

    def feedback(data: gr.LikeData, last: dict | None, request: gr.Request) -> str:
        if not last:
            return "Ask a question first."
        if check_chat_rate(ctx, *_client(request)):
            return "Too many clicks: please wait a moment."
        rating = 1 if data.liked else -1
        try:
            with session_scope(ctx.url) as session:
                store_feedback(session, question=last["question"], answer=last["answer"], rating=rating,
                               plan_id=last.get("plan_id"), language=last.get("language"))
        except Exception as exc:
            raise friendly(exc, public=True) from exc
        return "Thank you for your feedback." if rating > 0 else "Thank you: we will look at this answer."

    with gr.Blocks(title="Ask the climate plan", fill_width=False) as demo:
        gr.HTML('<h1 style="margin:.2rem 0">Ask the climate plan</h1>'
                f'<p class="civicai-notice" role="note">{esc(DISCLOSURE)}</p>')
        audience = gr.Radio(list(AUDIENCES), value="General public", label="Explain it for", elem_id="audience")
        # no "share to Hugging Face" button: residents' questions stay here, and it had no accessible name (axe)
        chatbot = gr.Chatbot(label="Conversation", height=460, elem_id="chatbot", feedback_options=("Like", "Dislike"),
                             buttons=["copy", "copy_all"],
                             placeholder="Ask anything about the plan, in your language.")
        with gr.Row(equal_height=True, elem_id="question-row"):
            box = gr.Textbox(label="Your question", placeholder="e.g. When will the buses be electric?",
                             scale=5, elem_id="question", max_length=1000, autofocus=True, submit_btn=False)
            send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask", min_width=80)
        status = gr.Markdown("", elem_id="feedback-status")
        last = gr.State(None)
        turns = gr.State([])  # the conversation so far, for follow-up questions
        with gr.Accordion("Example questions", open=True):
            for category, questions in example_questions().items():
                gr.Markdown(f"**{category}**")
                with gr.Row():
                    for q in questions:
                        gr.Button(q, size="sm").click(lambda q=q: q, None, box).then(
                            respond, [box, chatbot, audience, turns], [box, chatbot, last, turns])
        box.submit(respond, [box, chatbot, audience, turns], [box, chatbot, last, turns])
        send.click(respond, [box, chatbot, audience, turns], [box, chatbot, last, turns])
        chatbot.like(feedback, [last], [status])
    return demo
