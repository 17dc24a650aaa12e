"""What the chat returns: a direct answer with numbered citations, the closest passage marked as not a direct
answer, or a refusal pointing to close sections."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

AUDIENCES = ("child", "general", "expert")


class AnswerKind(StrEnum):
    ANSWERED = "answered"
    CLOSEST = "closest"  # no direct answer; the closest passage is quoted, marked as such (abstained: true)
    ABSTAINED = "abstained"  # nothing in the plan addresses the question
    CLARIFY = "clarify"  # a follow-up ("how much does that cost?") with no earlier question to resolve it
    OFF_TOPIC = "off_topic"
    ABUSE = "abuse"
    INJECTION = "injection"


@dataclass(frozen=True)
class Citation:
    n: int  # the [n] marker in the answer text
    section: str
    page: int | None
    quote: str  # the exact plan sentences shown (a substring of the chunk, sentence by sentence)
    score: float  # cosine of question and cited chunk
    chunk: int = -1  # chunk ordinal in the plan (for the UI and evaluation)

    def public(self) -> dict[str, Any]:
        return {"n": self.n, "section": self.section, "page": self.page, "quote": self.quote,
                "score": round(self.score, 4)}


@dataclass
class Answer:
    answer: str
    language: str  # the question's language (what the fixed sentences use)
    abstained: bool
    citations: list[Citation]
    plan: str
    version: str
    kind: AnswerKind = AnswerKind.ANSWERED
    notice: str = ""  # "you are talking to an AI" in the question's language
    closest_sections: list[str] = field(default_factory=list)
    confidence: float = 0.0  # p(answerable) from the abstention model
    generator: str = "extractive"
    fell_back: bool = False  # an LLM answer failed the grounding check, so the extractive one is shown

    def to_json(self) -> dict[str, Any]:
        """The documented `ask --json` shape."""
        return {"answer": self.answer, "language": self.language, "abstained": self.abstained,
                "citations": [c.public() for c in self.citations], "plan": self.plan, "version": self.version,
                "notice": self.notice}

    def debug(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = str(self.kind)
        return data
