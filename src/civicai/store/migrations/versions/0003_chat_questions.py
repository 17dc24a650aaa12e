"""Chat question log (issue 16): one row per resident question, for the chat audit's counts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

chat_questions keeps the question's language, the audience, the kind of answer and its latency; never the
question's text, not even redacted (the audit only counts). Types are spelled out as in 0001.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table("chat_questions",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("plan_id", sa.Integer(), nullable=True),
    sa.Column("at", TIMESTAMP, nullable=False),
    sa.Column("language", sa.String(length=16), nullable=True),
    sa.Column("audience", sa.String(length=16), nullable=False),
    sa.Column("kind", sa.String(length=32), nullable=False),
    sa.Column("latency_ms", sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_chat_questions_plan_id_plans"),
                            ondelete="SET NULL"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_questions"))
    )
    op.create_index(op.f("ix_chat_questions_plan_id"), "chat_questions", ["plan_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_chat_questions_plan_id"), table_name="chat_questions")
    op.drop_table("chat_questions")
