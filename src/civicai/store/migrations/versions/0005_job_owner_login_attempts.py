"""Security review s8: job owners, per-address login back-off, case-insensitive user names.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

jobs.owner_id: who queued the job; only they or an admin may cancel or resume it. Existing jobs get the user
named in their params' `requested_by` when one has exactly that name; the rest (first-start jobs, automatic
ones) stay without an owner, which only admins control. login_attempts: failed sign-ins per (account, client
address), so the lock after repeated failures holds the attacker's address, not the account's owner.
users.username: user names are casefolded from now on; existing names are lowered here unless another account
differs from them only in case (those are left as they are: `civicai doctor` lists them and
`civicai user rename` settles them). Types are spelled out as in 0001.
"""
from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def _backfill_owners() -> None:
    bind = op.get_bind()
    users = {name: uid for uid, name in bind.execute(sa.text("SELECT id, username FROM users"))}
    for job_id, params in list(bind.execute(sa.text("SELECT id, params FROM jobs"))):
        if isinstance(params, str):  # SQLite keeps JSON as text; PostgreSQL's JSONB comes back parsed
            params = json.loads(params)
        owner = users.get((params or {}).get("requested_by"))
        if owner is not None:
            bind.execute(sa.text("UPDATE jobs SET owner_id = :o WHERE id = :j"), {"o": owner, "j": job_id})


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_jobs_owner_id"), ["owner_id"], unique=False)
        batch.create_foreign_key(batch.f("fk_jobs_owner_id_users"), "users", ["owner_id"], ["id"],
                                 ondelete="SET NULL")
    _backfill_owners()
    op.create_table("login_attempts",
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("address", sa.String(length=64), nullable=False),
    sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
    sa.Column("locked_until", TIMESTAMP, nullable=True),
    sa.Column("signed_in_at", TIMESTAMP, nullable=True),
    sa.Column("updated_at", TIMESTAMP, nullable=False),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_login_attempts_user_id_users"),
                            ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("user_id", "address", name=op.f("pk_login_attempts"))
    )
    # names differing only in case from no other account are lowered (the regex allows ASCII only, where
    # lower() is casefold()); clashing ones stay for an administrator to settle
    op.execute("UPDATE users SET username = lower(username) WHERE username <> lower(username) AND NOT EXISTS "
               "(SELECT 1 FROM users other WHERE lower(other.username) = lower(users.username) "
               "AND other.id <> users.id)")


def downgrade() -> None:
    op.drop_table("login_attempts")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_constraint(batch.f("fk_jobs_owner_id_users"), type_="foreignkey")
        batch.drop_index(batch.f("ix_jobs_owner_id"))
        batch.drop_column("owner_id")
