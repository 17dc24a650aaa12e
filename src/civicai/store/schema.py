"""The civicai database: typed SQLAlchemy 2 models for every table.

The schema itself is created only by Alembic migrations (migrations/versions/); change a model here,
then add a revision (docs/store.md says how). Column types come from coltypes.py so that SQLite and
PostgreSQL behave alike. Privacy: submissions keep the *redacted* text; `text_raw` is filled only when
the operator sets keep_raw_text, and `delete_submission_data` (erasure.py) clears both.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    inspect,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from civicai.store.coltypes import BigIntId, JSONType, UTCDateTime, utcnow

# Stable constraint names, so migrations can drop/alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONType, list[Any]: JSONType}

    def __repr__(self) -> str:
        identity = inspect(self).identity  # None until flushed
        key = ", ".join(map(str, identity)) if identity else "new"
        return f"<{type(self).__name__} {key}>"


class SubmissionStatus(StrEnum):
    NEW = "new"
    IN_REVIEW = "in_review"
    ANSWERED = "answered"
    CLOSED = "closed"
    FLAGGED = "flagged"


class RunStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    CANCELLED = "cancelled"


class Role(StrEnum):
    ADMIN = "admin"
    STAFF = "staff"
    AUDITOR = "auditor"


def _enum(cls: type[StrEnum], name: str) -> Enum:
    """A VARCHAR + CHECK enum (no native PG type: adding a value is then a plain migration)."""
    return Enum(cls, name=name, native_enum=False, create_constraint=True, length=16,
                validate_strings=True, values_callable=lambda members: [m.value for m in members])


class Consultation(Base):
    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    question: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    source_file: Mapped[str | None] = mapped_column(String(1000))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)

    submissions: Mapped[list[Submission]] = relationship(
        back_populates="consultation", cascade="all, delete-orphan", passive_deletes=True)
    runs: Mapped[list[AnalysisRun]] = relationship(
        back_populates="consultation", cascade="all, delete-orphan", passive_deletes=True)


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("consultation_id", "external_id"),
        Index("ix_submissions_consultation_status", "consultation_id", "status"),
        Index("ix_submissions_consultation_campaign", "consultation_id", "campaign_id"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    question: Mapped[str | None] = mapped_column(Text)
    text_redacted: Mapped[str] = mapped_column(Text)
    # Unredacted text: only when the operator asked for it (Settings.keep_raw_text).
    text_raw: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    # Optional demographics (district, age_band, ...): used only in aggregate, small groups suppressed.
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    duplicate_of: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("submissions.id", ondelete="SET NULL"))
    campaign_id: Mapped[str | None] = mapped_column(String(64))
    sentiment: Mapped[str | None] = mapped_column(String(16))  # label: positive|neutral|negative
    sentiment_score: Mapped[float | None] = mapped_column(Float)
    pii_redactions: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"EMAIL": 2, ...}
    status: Mapped[SubmissionStatus] = mapped_column(
        _enum(SubmissionStatus, "submission_status"), default=SubmissionStatus.NEW)
    assignee: Mapped[str | None] = mapped_column(String(64))
    tags: Mapped[list[Any]] = mapped_column(default=list)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    erased_at: Mapped[datetime | None] = mapped_column()  # set by GDPR erasure
    # optimistic locking: every triage change bumps it; an edit made on an older version gets 409
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    consultation: Mapped[Consultation] = relationship(back_populates="submissions")
    memberships: Mapped[list[ThemeMembership]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", passive_deletes=True)
    # passive_deletes="all": the ORM never touches events (they are append-only).
    triage_events: Mapped[list[TriageEvent]] = relationship(
        back_populates="submission", passive_deletes="all", order_by="TriageEvent.id")


class AnalysisRun(Base):
    __tablename__ = "analysis_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[RunStatus] = mapped_column(_enum(RunStatus, "run_status"), default=RunStatus.RUNNING)
    # models, checksums, prompt versions, params, seed, counts, timings
    manifest: Mapped[dict[str, Any]] = mapped_column(default=dict)
    out_dir: Mapped[str | None] = mapped_column(String(1000))

    consultation: Mapped[Consultation] = relationship(back_populates="runs")
    themes: Mapped[list[Theme]] = relationship(
        back_populates="run", cascade="all, delete-orphan", passive_deletes=True)


class Theme(Base):
    __tablename__ = "themes"
    __table_args__ = (UniqueConstraint("run_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("analysis_runs.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(32))  # stable within a run, e.g. "t3"
    label: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str | None] = mapped_column(Text)
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    size: Mapped[int] = mapped_column(Integer, default=0)
    weight: Mapped[float] = mapped_column(Float, default=0.0)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"))
    sentiment: Mapped[dict[str, Any]] = mapped_column(default=dict)
    languages: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # [{"submission_id": int, "external_id": str, "text": str (redacted)}, ...]
    quotes: Mapped[list[Any]] = mapped_column(default=list)

    run: Mapped[AnalysisRun] = relationship(back_populates="themes")
    parent: Mapped[Theme | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Theme]] = relationship(back_populates="parent")
    memberships: Mapped[list[ThemeMembership]] = relationship(
        back_populates="theme", cascade="all, delete-orphan", passive_deletes=True)


class ThemeMembership(Base):
    __tablename__ = "theme_memberships"

    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True, index=True)
    score: Mapped[float] = mapped_column(Float, default=1.0)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=True)

    theme: Mapped[Theme] = relationship(back_populates="memberships")
    submission: Mapped[Submission] = relationship(back_populates="memberships")


class TriageEvent(Base):
    """Append-only audit trail of triage changes. UPDATE/DELETE are refused by the ORM (guards.py)
    and by database triggers (migration 0001). Never put citizen text in old/new values."""

    __tablename__ = "triage_events"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    submission_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("submissions.id"), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    field: Mapped[str] = mapped_column(String(32))  # status|assignee|tags|notes|duplicate_of|erasure|...
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)

    submission: Mapped[Submission] = relationship(back_populates="triage_events")


class Plan(Base):
    __tablename__ = "plans"
    __table_args__ = (
        UniqueConstraint("name", "version"),
        # At most one current version per plan name.
        Index("uq_plans_current_name", "name", unique=True,
              sqlite_where=text("is_current"), postgresql_where=text("is_current")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(64))
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    source_file: Mapped[str | None] = mapped_column(String(1000))
    sha256: Mapped[str | None] = mapped_column(String(64))
    ingested_at: Mapped[datetime] = mapped_column(default=utcnow)
    pages: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str | None] = mapped_column(String(16))

    chunks: Mapped[list[PlanChunk]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", passive_deletes=True,
        order_by="PlanChunk.ordinal")


class PlanChunk(Base):
    __tablename__ = "plan_chunks"
    __table_args__ = (UniqueConstraint("plan_id", "ordinal"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer)
    section_path: Mapped[str | None] = mapped_column(Text)  # e.g. "3 Mobility > 3.2 Cycling"
    page: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    # float32 little-endian bytes (vectors.pack_embedding); model_id says which embedder made them.
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    model_id: Mapped[str | None] = mapped_column(String(200))

    plan: Mapped[Plan] = relationship(back_populates="chunks")


class ChatFeedback(Base):
    __tablename__ = "chat_feedback"
    __table_args__ = (CheckConstraint("rating IN (-1, 1)", name="rating_is_plus_or_minus_one"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"), index=True)
    question_redacted: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    rating: Mapped[int] = mapped_column(SmallInteger)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    language: Mapped[str | None] = mapped_column(String(16))


class ChatQuestionLog(Base):
    """One question a resident asked, counted per language, audience and outcome by the chat audit. No text is
    kept, not even redacted: counting needs none (GDPR data minimisation)."""

    __tablename__ = "chat_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    language: Mapped[str | None] = mapped_column(String(16))
    audience: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))  # rag.types.AnswerKind: answered, closest, abstained, ...
    latency_ms: Mapped[int | None] = mapped_column(Integer)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)  # casefolded when created (migration 0005)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role, "user_role"), default=Role.STAFF)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # failures from any address since the last success, and the account-wide back-off they set: until then
    # only addresses the account signed in from may try (a delay, not a lock; see workspace.users.authenticate)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column()

    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True)


class LoginAttempt(Base):
    """Failed sign-ins of one account from one client address (migration 0005). The lock after repeated
    failures is per (account, address), so an attacker elsewhere cannot lock the owner out; `signed_in_at` marks
    an address the account signed in from, which the account-wide back-off (users.locked_until) does not hold
    back (civicai.workspace.users.authenticate)."""

    __tablename__ = "login_attempts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # in a row from here
    locked_until: Mapped[datetime | None] = mapped_column()
    signed_in_at: Mapped[datetime | None] = mapped_column()  # the last success from this address
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class UserSession(Base):
    """A signed-in browser: the cookie holds a random token, only its hash is here; deleting the row ends it."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column()

    user: Mapped[User] = relationship(back_populates="tokens")


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # analyse|audit|plan-ingest|...
    status: Mapped[JobStatus] = mapped_column(
        _enum(JobStatus, "job_status"), default=JobStatus.QUEUED, index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)  # 0..1
    message: Mapped[str | None] = mapped_column(Text)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # the PostgreSQL queue (civicai.queue, migration 0004): procrastinate's job id, who runs it, how often tried
    queue_job_id: Mapped[int | None] = mapped_column(BigInteger)
    worker: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # who queued it (migration 0005): only they or an admin may cancel or resume it; NULL = the server itself
    # (first start) or a job from before owners were recorded, which only admins control
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    owner: Mapped[User | None] = relationship()


class RateLimitBucket(Base):
    """One token bucket of the shared rate limiter (civicai.workspace.rate_store): every web process reads and
    writes the same row, so a client limited by one server is limited by all of them."""

    __tablename__ = "rate_limit_buckets"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    stamp: Mapped[float] = mapped_column(Float)  # seconds since the epoch of the last update


class Audit(Base):
    __tablename__ = "audits"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("analysis_runs.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)
    out_dir: Mapped[str | None] = mapped_column(String(1000))


# Importing the models installs the ORM half of the append-only rule.
from civicai.store import guards as _guards  # noqa: E402,F401  (must follow TriageEvent)
