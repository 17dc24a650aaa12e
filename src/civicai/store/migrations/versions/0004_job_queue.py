"""Job queue and shared rate limits (issue 18): queue columns on jobs, a 'cancelled' job status, rate_limit_buckets.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

jobs.queue_job_id: the id of the procrastinate job that runs this civicai job on PostgreSQL (civicai.queue);
jobs.worker: which `civicai worker` runs it; jobs.attempts: how many times it was started (a retry after a worker
died counts); jobs.cancel_requested: a cancel asked while it runs. rate_limit_buckets: the token buckets every
web process shares (civicai.workspace.rate_store). procrastinate's own tables are not created here: the queue
applies the schema shipped with the pinned procrastinate version (civicai.queue.pg.ensure_schema), so its
upgrades stay procrastinate's. Types are spelled out as in 0001.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = ("queued", "running", "done", "failed", "interrupted")
NEW_STATUSES = (*OLD_STATUSES, "cancelled")


def _status_check(statuses: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{s}'" for s in statuses) + ")"


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("queue_job_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("worker", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("cancel_requested", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.drop_constraint(op.f("ck_jobs_job_status"), type_="check")
        batch.create_check_constraint("job_status", _status_check(NEW_STATUSES))
    op.create_table("rate_limit_buckets",
    sa.Column("key", sa.String(length=200), nullable=False),
    sa.Column("tokens", sa.Float(), nullable=False),
    sa.Column("stamp", sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit_buckets"))
    )


def downgrade() -> None:
    op.drop_table("rate_limit_buckets")
    op.execute("UPDATE jobs SET status = 'failed' WHERE status = 'cancelled'")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_constraint(op.f("ck_jobs_job_status"), type_="check")
        batch.create_check_constraint("job_status", _status_check(OLD_STATUSES))
        batch.drop_column("cancel_requested")
        batch.drop_column("attempts")
        batch.drop_column("worker")
        batch.drop_column("queue_job_id")
