"""evaluation runs

Revision ID: 0002
Revises: 0001
Tables: eval_runs (one stored evaluation run: set identity, commit, index, settings,
metrics) and eval_case_results (every case's result), see bot/storage/eval_models.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "eval_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("set_name", sa.String(length=100), nullable=False),
        sa.Column("set_version", sa.String(length=50), nullable=False),
        sa.Column("set_sha256", sa.String(length=64), nullable=False),
        sa.Column("case_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("git_commit", sa.String(length=64), nullable=True),
        sa.Column("git_dirty", sa.Boolean(), nullable=True),
        sa.Column("embedder", sa.String(length=200), nullable=True),
        sa.Column("index_version", sa.String(length=100), nullable=True),
        sa.Column("settings", JSON, nullable=False),
        sa.Column("environment", JSON, nullable=False),
        sa.Column("metrics", JSON, nullable=False),
        sa.Column("details", JSON, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eval_runs")),
    )
    op.create_index(op.f("ix_eval_runs_set_name"), "eval_runs", ["set_name"], unique=False)
    op.create_index(op.f("ix_eval_runs_started_at"), "eval_runs", ["started_at"], unique=False)
    op.create_table(
        "eval_case_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=100), nullable=False),
        sa.Column("tenant", sa.String(length=63), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("topic", sa.String(length=60), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_ok", sa.Boolean(), nullable=False),
        sa.Column("source_ok", sa.Boolean(), nullable=True),
        sa.Column("facts_ok", sa.Boolean(), nullable=True),
        sa.Column("grounded", sa.Boolean(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("question_redacted", sa.Text(), nullable=False),
        sa.Column("answer_redacted", sa.Text(), nullable=False),
        sa.Column("result", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["eval_runs.id"],
            name=op.f("fk_eval_case_results_run_id_eval_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eval_case_results")),
        sa.UniqueConstraint("run_id", "case_id", name="uq_eval_case_results_run_case"),
    )
    op.create_index(
        op.f("ix_eval_case_results_run_id"), "eval_case_results", ["run_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_eval_case_results_run_id"), table_name="eval_case_results")
    op.drop_table("eval_case_results")
    op.drop_index(op.f("ix_eval_runs_started_at"), table_name="eval_runs")
    op.drop_index(op.f("ix_eval_runs_set_name"), table_name="eval_runs")
    op.drop_table("eval_runs")
