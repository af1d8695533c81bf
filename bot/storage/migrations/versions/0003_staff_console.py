"""staff console: answer reviews, corrections (curated answers), ingest jobs

Revision ID: 0003
Revises: 0002
Tables: answer_reviews, corrections, ingest_jobs, see bot/storage/staff_models.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "answer_reviews",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=10), nullable=False),
        sa.Column("reviewer", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["answers.id"],
            name=op.f("fk_answer_reviews_answer_id_answers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_reviews")),
    )
    op.create_index(
        op.f("ix_answer_reviews_answer_id"), "answer_reviews", ["answer_id"], unique=False
    )
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=63), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("question_normalised", sa.String(length=500), nullable=False),
        sa.Column("question_embedding", JSON, nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sources", JSON, nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approver", sa.String(length=64), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["answers.id"],
            name=op.f("fk_corrections_answer_id_answers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrections")),
    )
    op.create_index(op.f("ix_corrections_tenant"), "corrections", ["tenant"], unique=False)
    op.create_index(op.f("ix_corrections_status"), "corrections", ["status"], unique=False)
    op.create_index(
        op.f("ix_corrections_question_normalised"),
        "corrections",
        ["question_normalised"],
        unique=False,
    )
    op.create_table(
        "ingest_jobs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tenant", sa.String(length=63), nullable=False),
        sa.Column("source", sa.String(length=63), nullable=False),
        sa.Column("args", JSON, nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("started_by", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.Column("report", JSON, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_jobs")),
    )
    op.create_index(op.f("ix_ingest_jobs_tenant"), "ingest_jobs", ["tenant"], unique=False)
    op.create_index(op.f("ix_ingest_jobs_started_at"), "ingest_jobs", ["started_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_ingest_jobs_started_at"), table_name="ingest_jobs")
    op.drop_index(op.f("ix_ingest_jobs_tenant"), table_name="ingest_jobs")
    op.drop_table("ingest_jobs")
    op.drop_index(op.f("ix_corrections_question_normalised"), table_name="corrections")
    op.drop_index(op.f("ix_corrections_status"), table_name="corrections")
    op.drop_index(op.f("ix_corrections_tenant"), table_name="corrections")
    op.drop_table("corrections")
    op.drop_index(op.f("ix_answer_reviews_answer_id"), table_name="answer_reviews")
    op.drop_table("answer_reviews")
