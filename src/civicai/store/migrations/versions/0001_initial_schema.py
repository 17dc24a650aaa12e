"""Initial schema: every civicai table, and the triggers that make triage_events append-only.

Revision ID: 0001
Revises:
Create Date: 2026-11-25

Written from `alembic revision --autogenerate`, then edited: types are spelled out here (not imported
from civicai.store.coltypes) so that this revision keeps meaning the same schema whatever later code does.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)

APPEND_ONLY_MESSAGE = "triage_events is append-only: record a new event instead"


def _create_append_only_triggers() -> None:
    """Refuse UPDATE and DELETE on triage_events inside the database, whoever sends them."""
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION civicai_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{APPEND_ONLY_MESSAGE} (% refused)', TG_OP
                    USING ERRCODE = 'restrict_violation';
            END $$""")
        op.execute("""CREATE TRIGGER triage_events_append_only BEFORE UPDATE OR DELETE ON triage_events
                      FOR EACH ROW EXECUTE FUNCTION civicai_reject_change()""")
        op.execute("""CREATE TRIGGER triage_events_no_truncate BEFORE TRUNCATE ON triage_events
                      FOR EACH STATEMENT EXECUTE FUNCTION civicai_reject_change()""")
    else:  # SQLite
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER triage_events_no_{verb.lower()} BEFORE {verb} ON triage_events
                           BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE} ({verb} refused)'); END""")


def _drop_append_only_triggers() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS triage_events_no_truncate ON triage_events")
        op.execute("DROP TRIGGER IF EXISTS triage_events_append_only ON triage_events")
        op.execute("DROP FUNCTION IF EXISTS civicai_reject_change()")
    else:
        op.execute("DROP TRIGGER IF EXISTS triage_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS triage_events_no_delete")


def upgrade() -> None:
    op.create_table("consultations",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(length=200), nullable=False),
    sa.Column("question", sa.Text(), nullable=True),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("source_file", sa.String(length=1000), nullable=True),
    sa.Column("settings", JSON_TYPE, nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_consultations"))
    )
    op.create_index(op.f("ix_consultations_name"), "consultations", ["name"], unique=False)
    op.create_table("jobs",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("kind", sa.String(length=32), nullable=False),
    sa.Column("status", sa.Enum("queued", "running", "done", "failed", "interrupted", name="job_status", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("progress", sa.Float(), nullable=False),
    sa.Column("message", sa.Text(), nullable=True),
    sa.Column("params", JSON_TYPE, nullable=False),
    sa.Column("result", JSON_TYPE, nullable=True),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("updated_at", TIMESTAMP, nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs"))
    )
    op.create_index(op.f("ix_jobs_status"), "jobs", ["status"], unique=False)
    op.create_table("plans",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("name", sa.String(length=200), nullable=False),
    sa.Column("version", sa.String(length=64), nullable=False),
    sa.Column("is_current", sa.Boolean(), nullable=False),
    sa.Column("source_file", sa.String(length=1000), nullable=True),
    sa.Column("sha256", sa.String(length=64), nullable=True),
    sa.Column("ingested_at", TIMESTAMP, nullable=False),
    sa.Column("pages", sa.Integer(), nullable=True),
    sa.Column("language", sa.String(length=16), nullable=True),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
    sa.UniqueConstraint("name", "version", name=op.f("uq_plans_name_version"))
    )
    op.create_index("uq_plans_current_name", "plans", ["name"], unique=True, sqlite_where=sa.text("is_current"), postgresql_where=sa.text("is_current"))
    op.create_table("users",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("username", sa.String(length=64), nullable=False),
    sa.Column("password_hash", sa.String(length=255), nullable=False),
    sa.Column("role", sa.Enum("admin", "staff", "auditor", name="user_role", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("is_active", sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    sa.UniqueConstraint("username", name=op.f("uq_users_username"))
    )
    op.create_table("analysis_runs",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("consultation_id", sa.Integer(), nullable=False),
    sa.Column("started_at", TIMESTAMP, nullable=False),
    sa.Column("finished_at", TIMESTAMP, nullable=True),
    sa.Column("status", sa.Enum("running", "done", "failed", "interrupted", name="run_status", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("manifest", JSON_TYPE, nullable=False),
    sa.Column("out_dir", sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(["consultation_id"], ["consultations.id"], name=op.f("fk_analysis_runs_consultation_id_consultations"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_runs"))
    )
    op.create_index(op.f("ix_analysis_runs_consultation_id"), "analysis_runs", ["consultation_id"], unique=False)
    op.create_table("api_tokens",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("token_hash", sa.String(length=128), nullable=False),
    sa.Column("name", sa.String(length=200), nullable=True),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("expires_at", TIMESTAMP, nullable=True),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
    sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash"))
    )
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"], unique=False)
    op.create_table("chat_feedback",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("plan_id", sa.Integer(), nullable=True),
    sa.Column("question_redacted", sa.Text(), nullable=False),
    sa.Column("answer", sa.Text(), nullable=False),
    sa.Column("rating", sa.SmallInteger(), nullable=False),
    sa.Column("at", TIMESTAMP, nullable=False),
    sa.Column("language", sa.String(length=16), nullable=True),
    sa.CheckConstraint("rating IN (-1, 1)", name=op.f("ck_chat_feedback_rating_is_plus_or_minus_one")),
    sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_chat_feedback_plan_id_plans"), ondelete="SET NULL"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_feedback"))
    )
    op.create_index(op.f("ix_chat_feedback_plan_id"), "chat_feedback", ["plan_id"], unique=False)
    op.create_table("plan_chunks",
    sa.Column("id", BIG_ID, nullable=False),
    sa.Column("plan_id", sa.Integer(), nullable=False),
    sa.Column("ordinal", sa.Integer(), nullable=False),
    sa.Column("section_path", sa.Text(), nullable=True),
    sa.Column("page", sa.Integer(), nullable=True),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("language", sa.String(length=16), nullable=True),
    sa.Column("embedding", sa.LargeBinary(), nullable=True),
    sa.Column("model_id", sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_plan_chunks_plan_id_plans"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_chunks")),
    sa.UniqueConstraint("plan_id", "ordinal", name=op.f("uq_plan_chunks_plan_id_ordinal"))
    )
    op.create_table("submissions",
    sa.Column("id", BIG_ID, nullable=False),
    sa.Column("consultation_id", sa.Integer(), nullable=False),
    sa.Column("external_id", sa.String(length=200), nullable=False),
    sa.Column("question", sa.Text(), nullable=True),
    sa.Column("text_redacted", sa.Text(), nullable=False),
    sa.Column("text_raw", sa.Text(), nullable=True),
    sa.Column("language", sa.String(length=16), nullable=True),
    sa.Column("attributes", JSON_TYPE, nullable=False),
    sa.Column("duplicate_of", BIG_ID, nullable=True),
    sa.Column("campaign_id", sa.String(length=64), nullable=True),
    sa.Column("sentiment", sa.String(length=16), nullable=True),
    sa.Column("sentiment_score", sa.Float(), nullable=True),
    sa.Column("pii_redactions", JSON_TYPE, nullable=False),
    sa.Column("status", sa.Enum("new", "in_review", "answered", "closed", "flagged", name="submission_status", native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column("assignee", sa.String(length=64), nullable=True),
    sa.Column("tags", JSON_TYPE, nullable=False),
    sa.Column("notes", sa.Text(), nullable=True),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("erased_at", TIMESTAMP, nullable=True),
    sa.ForeignKeyConstraint(["consultation_id"], ["consultations.id"], name=op.f("fk_submissions_consultation_id_consultations"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["duplicate_of"], ["submissions.id"], name=op.f("fk_submissions_duplicate_of_submissions"), ondelete="SET NULL"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
    sa.UniqueConstraint("consultation_id", "external_id", name=op.f("uq_submissions_consultation_id_external_id"))
    )
    op.create_index("ix_submissions_consultation_campaign", "submissions", ["consultation_id", "campaign_id"], unique=False)
    op.create_index("ix_submissions_consultation_status", "submissions", ["consultation_id", "status"], unique=False)
    op.create_table("audits",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("run_id", sa.Integer(), nullable=True),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("report", JSON_TYPE, nullable=False),
    sa.Column("out_dir", sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(["run_id"], ["analysis_runs.id"], name=op.f("fk_audits_run_id_analysis_runs"), ondelete="SET NULL"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_audits"))
    )
    op.create_index(op.f("ix_audits_run_id"), "audits", ["run_id"], unique=False)
    op.create_table("themes",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("run_id", sa.Integer(), nullable=False),
    sa.Column("key", sa.String(length=32), nullable=False),
    sa.Column("label", sa.String(length=300), nullable=False),
    sa.Column("summary", sa.Text(), nullable=True),
    sa.Column("keywords", JSON_TYPE, nullable=False),
    sa.Column("size", sa.Integer(), nullable=False),
    sa.Column("weight", sa.Float(), nullable=False),
    sa.Column("parent_id", sa.Integer(), nullable=True),
    sa.Column("sentiment", JSON_TYPE, nullable=False),
    sa.Column("languages", JSON_TYPE, nullable=False),
    sa.Column("quotes", JSON_TYPE, nullable=False),
    sa.ForeignKeyConstraint(["parent_id"], ["themes.id"], name=op.f("fk_themes_parent_id_themes"), ondelete="SET NULL"),
    sa.ForeignKeyConstraint(["run_id"], ["analysis_runs.id"], name=op.f("fk_themes_run_id_analysis_runs"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_themes")),
    sa.UniqueConstraint("run_id", "key", name=op.f("uq_themes_run_id_key"))
    )
    op.create_table("triage_events",
    sa.Column("id", BIG_ID, nullable=False),
    sa.Column("submission_id", BIG_ID, nullable=False),
    sa.Column("actor", sa.String(length=64), nullable=False),
    sa.Column("at", TIMESTAMP, nullable=False),
    sa.Column("field", sa.String(length=32), nullable=False),
    sa.Column("old_value", sa.Text(), nullable=True),
    sa.Column("new_value", sa.Text(), nullable=True),
    sa.Column("note", sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], name=op.f("fk_triage_events_submission_id_submissions")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_events"))
    )
    op.create_index(op.f("ix_triage_events_submission_id"), "triage_events", ["submission_id"], unique=False)
    op.create_table("theme_memberships",
    sa.Column("theme_id", sa.Integer(), nullable=False),
    sa.Column("submission_id", BIG_ID, nullable=False),
    sa.Column("score", sa.Float(), nullable=False),
    sa.Column("is_primary", sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], name=op.f("fk_theme_memberships_submission_id_submissions"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["theme_id"], ["themes.id"], name=op.f("fk_theme_memberships_theme_id_themes"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("theme_id", "submission_id", name=op.f("pk_theme_memberships"))
    )
    op.create_index(op.f("ix_theme_memberships_submission_id"), "theme_memberships", ["submission_id"], unique=False)

    _create_append_only_triggers()


def downgrade() -> None:
    _drop_append_only_triggers()
    op.drop_table("theme_memberships")
    op.drop_table("triage_events")
    op.drop_table("themes")
    op.drop_table("audits")
    op.drop_table("submissions")
    op.drop_table("plan_chunks")
    op.drop_table("chat_feedback")
    op.drop_table("api_tokens")
    op.drop_table("analysis_runs")
    op.drop_table("users")
    op.drop_table("plans")
    op.drop_table("jobs")
    op.drop_table("consultations")
