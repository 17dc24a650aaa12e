"""Request bodies of the /api endpoints. Unknown fields are refused (422), so a typo never passes silently."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from civicai.rag.followup import MAX_SECTION_CHARS, MAX_SECTIONS, MAX_TURNS

Status = Literal["new", "in_review", "answered", "closed", "flagged"]
RoleName = Literal["admin", "staff", "auditor"]
Audience = Literal["child", "general", "expert"]
LabelLanguage = Literal["en", "fr", "de", "nl", "es", "it", "da"]  # = civicai.summarise.title's _WORDS


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginBody(Body):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class TokenBody(Body):
    name: str | None = Field(default=None, max_length=200)
    days: int | None = Field(default=90, ge=1, le=366,
                             description="lifetime in days (1-366); null means the default, 90: tokens always expire")


class PasswordBody(Body):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=10, max_length=1024)


class UserPatch(Body):
    is_active: bool


class UserBody(Body):
    username: str = Field(min_length=2, max_length=64)
    password: str = Field(min_length=10, max_length=1024)
    role: RoleName = "staff"


class AnalysisBody(Body):
    upload_id: str = Field(min_length=32, max_length=32, pattern=r"^[0-9a-f]{32}$")
    text_column: str | None = Field(default=None, max_length=200)
    id_column: str | None = Field(default=None, max_length=200)
    group_columns: list[str] = Field(default_factory=list, max_length=20)
    question_column: str | None = Field(default=None, max_length=200)
    # language of theme titles and summaries: one civicai writes titles in (civicai.summarise.title); None = the
    # consultation's majority language. Any other code ran the job with English connecting words around it.
    label_language: LabelLanguage | None = None
    # a file analysed before (or being analysed) is refused with 409 unless this is true (the staff app's
    # "Analyse it again anyway"): a second, identical consultation is nearly always a slip
    again: bool = False


class ThemePatch(Body):
    label: str | None = Field(default=None, min_length=1, max_length=300)
    summary: str | None = Field(default=None, max_length=5000)


class MergeBody(Body):
    source_ids: list[int] = Field(min_length=1, max_length=100)
    label: str | None = Field(default=None, min_length=1, max_length=300)


class SplitBody(Body):
    submission_ids: list[int] = Field(min_length=1, max_length=10000)
    label: str = Field(min_length=1, max_length=300)


class TriageBody(Body):
    status: Status | None = None
    assignee: str | None = Field(default=None, max_length=64)
    tags: list[str] | None = Field(default=None, max_length=20)
    add_tags: list[str] = Field(default_factory=list, max_length=20)
    remove_tags: list[str] = Field(default_factory=list, max_length=20)
    notes: str | None = Field(default=None, max_length=5000)
    note: str | None = Field(default=None, max_length=500, description="why (kept in the history)")
    version: int | None = Field(default=None, description="the submission's version you read: a stale edit gets 409")


class BulkTriageBody(TriageBody):
    ids: list[int] = Field(min_length=1, max_length=10000)


class ChatTurn(Body):
    """One earlier turn of the conversation, as the previous answer's `turn` gave it. Context for a follow-up
    ("and how much does that cost?") only: the question is redacted and guarded again, the sections are only
    compared and read for words (civicai.rag.followup)."""
    question: str = Field(min_length=1, max_length=1000)
    sections: list[str] = Field(default_factory=list, max_length=MAX_SECTIONS,
                                description="sections the turn's direct answer cited (none for a refusal)")

    @field_validator("sections")
    @classmethod
    def _short_sections(cls, sections: list[str]) -> list[str]:
        for i, section in enumerate(sections):
            if len(section) > MAX_SECTION_CHARS:
                raise ValueError(f"section {i} is longer than {MAX_SECTION_CHARS} characters")
        return sections


class ChatBody(Body):
    question: str = Field(min_length=1, max_length=1000)
    audience: Audience = "general"
    history: list[ChatTurn] = Field(default_factory=list, max_length=MAX_TURNS,
                                    description=f"the conversation so far, oldest first, at most {MAX_TURNS} turns")


class FeedbackBody(Body):
    question: str = Field(min_length=1, max_length=1000)
    answer: str = Field(min_length=1, max_length=20000, description="stored redacted and cut to 4000 characters")
    rating: Literal[-1, 1]
    language: str | None = Field(default=None, max_length=16)
    plan_id: int | None = None


class AuditBody(Body):
    group_columns: list[str] = Field(default_factory=list, max_length=10)
