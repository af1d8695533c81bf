"""Tables of the staff console's work (issue #5): answer reviews, corrections, ingest jobs.

- An **AnswerReview** is an editor's or auditor's verdict on one logged bot answer
  (``correct`` or ``wrong``, with an optional note); the newest verdict counts.
- A **Correction** is an editor's better answer to a question. It is ``pending`` until a
  *second* editor approves it (four-eyes principle: approver ≠ author); an ``approved``
  correction is a **curated answer** that the bot serves for the same and similar
  questions of its tenant (bot/services/curated.py) until it is ``withdrawn``; a pending one can
  be ``rejected``.
- An **IngestJob** is a ``govbot ingest …`` run started from the console
  (bot/services/ingest_jobs.py).

Texts are redacted questions and editor-written answers; no citizen's original words.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, utcnow


class Verdict(StrEnum):
    """A reviewer's judgement of a bot answer."""

    CORRECT = "correct"
    WRONG = "wrong"


class CorrectionStatus(StrEnum):
    """Lifecycle of a correction (pending → approved → withdrawn, or pending → rejected)."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class JobStatus(StrEnum):
    """Lifecycle of an ingest job."""

    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


class AnswerReview(Base):
    """A verdict on a logged answer."""

    __tablename__ = "answer_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    verdict: Mapped[str] = mapped_column(String(10))
    reviewer: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Correction(Base):
    """An editor's answer to a question; served as a curated answer once approved."""

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(63), index=True)
    answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("answers.id", ondelete="SET NULL"), default=None
    )
    question: Mapped[str] = mapped_column(Text)  # redacted
    question_normalised: Mapped[str] = mapped_column(String(500), index=True)
    # {"model": embedder name, "vector": [...]} once approved (None without an index)
    question_embedding: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    text: Mapped[str] = mapped_column(Text)
    sources: Mapped[dict[str, Any]] = mapped_column()  # {"citations": [CitationPublic-like]}
    status: Mapped[str] = mapped_column(String(10), default=CorrectionStatus.PENDING, index=True)
    author: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approver: Mapped[str | None] = mapped_column(String(64), default=None)
    approved_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    close_reason: Mapped[str | None] = mapped_column(Text, default=None)
    changed_at: Mapped[datetime] = mapped_column(
        default=utcnow
    )  # cache key of bot/services/curated.py


class IngestJob(Base):
    """A re-run of a configured ingest source, started from the staff console."""

    __tablename__ = "ingest_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(63), index=True)
    source: Mapped[str] = mapped_column(String(63))
    args: Mapped[dict[str, Any]] = mapped_column()  # {"args": [...]}
    status: Mapped[str] = mapped_column(String(10), default=JobStatus.RUNNING)
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    exit_code: Mapped[int | None] = mapped_column(Integer, default=None)
    report: Mapped[dict[str, Any] | None] = mapped_column(default=None)  # `--json` output
    error: Mapped[str | None] = mapped_column(Text, default=None)  # last lines of stderr
