"""An LLM relevance judge (optional): P(a plan sentence answers the question), read from the first token's
log-probabilities of a Yes/No reply (prompts/answer_relevance.v1.toml).

Meant for the larger local model (`qwen1.5b`, Qwen2.5-Coder-1.5B-Instruct, `make llm-large`). It costs seconds
per sentence on a 2-core CPU, so it is never on the default request path; evaluation/chat_judge_heldout.py
measures it against blind assessors' labels on held-out plans.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from civicai.errors import CivicaiError
from civicai.llm.prompts import load_prompt

PROMPT = "answer_relevance"
JUDGE_MODEL = "qwen1.5b"
TOP_LOGPROBS = 10  # Yes and No are always among them for this prompt; fewer risks losing one of the two


@dataclass(frozen=True)
class Judgement:
    p_yes: float  # P(yes) / (P(yes) + P(no)) over the first token's alternatives
    seconds: float
    prompt_tokens: int


def p_yes_from_top(top: list[dict[str, Any]]) -> float:
    """Normalised P(yes) from llama.cpp's top_logprobs of the first token ('Yes', ' yes', 'YES' all count)."""
    yes = sum(math.exp(t["logprob"]) for t in top if t["token"].strip().lower() == "yes")
    no = sum(math.exp(t["logprob"]) for t in top if t["token"].strip().lower() == "no")
    if yes + no == 0:
        return 0.5  # the model answered neither: no evidence either way
    return yes / (yes + no)


class RelevanceJudge:
    def __init__(self, model_id: str = JUDGE_MODEL, *, n_threads: int = 2, n_ctx: int = 1024) -> None:
        from civicai.llm.llamacpp import LlamaCppGenerator

        self._generator = LlamaCppGenerator(model_id, n_threads=n_threads, n_ctx=n_ctx)
        self.prompt = load_prompt(PROMPT)
        self.model_id = model_id

    def judge(self, question: str, sentence: str, context: str = "") -> Judgement:
        messages = self.prompt.render({"question": question, "sentence": sentence, "context": context})
        start = time.perf_counter()
        reply = self._generator._server().handle_chat_completions({
            "messages": messages, "max_tokens": 1, "temperature": 0, "logprobs": True,
            "top_logprobs": TOP_LOGPROBS, "cache_prompt": False})
        if reply.get("error"):
            raise CivicaiError(f"relevance judge {self.model_id} failed: {reply['error']}",
                               "check the model with `civicai doctor`")
        top = reply["choices"][0]["logprobs"]["content"][0]["top_logprobs"]
        return Judgement(p_yes_from_top(top), time.perf_counter() - start,
                         int(reply.get("usage", {}).get("prompt_tokens", 0)))
