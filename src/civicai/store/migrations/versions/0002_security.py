"""Security (issue 14): server-side sessions, per-account login back-off, a version on submissions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

user_sessions: a session cookie is a random token whose hash is stored here, so logout, a password change or
disabling the user ends it at once (a signed cookie alone stays valid until it expires). users.failed_logins and
users.locked_until: the per-account back-off. submissions.version: optimistic locking of triage edits (a stale
edit gets 409). Types are spelled out as in 0001.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table("user_sessions",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("token_hash", sa.String(length=128), nullable=False),
    sa.Column("csrf", sa.String(length=64), nullable=False),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("expires_at", TIMESTAMP, nullable=False),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users"),
                            ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
    sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash"))
    )
    op.create_index(op.f("ix_user_sessions_user_id"), "user_sessions", ["user_id"], unique=False)
    op.add_column("users", sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False))
    op.add_column("users", sa.Column("locked_until", TIMESTAMP, nullable=True))
    op.add_column("submissions", sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("version")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("failed_logins")
    op.drop_index(op.f("ix_user_sessions_user_id"), table_name="user_sessions")
    op.drop_table("user_sessions")
