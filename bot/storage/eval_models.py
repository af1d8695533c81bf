"""Evaluation runs and their case results (issue #4), and the read queries the staff API uses.

A run is a record: which set (name, version, SHA-256 of the file), which code (git
commit), which index and embedder, which settings, when — plus its metrics and every
case's result. The eval package writes runs (eval/records.py); bot/ only reads them, so
that bot never imports eval (pyproject import-linter contract).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from bot.errors import NotFoundError
from bot.storage.models import Base, utcnow
from bot.storage.tenancy import TenantScope, within


class RunStatus(StrEnum):
    """Lifecycle of an evaluation run."""

    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


class EvalRun(Base):
    """One evaluation run of one set."""

    __tablename__ = "eval_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    label: Mapped[str | None] = mapped_column(String(200), default=None)
    set_name: Mapped[str] = mapped_column(String(100), index=True)
    set_version: Mapped[str] = mapped_column(String(50))
    set_sha256: Mapped[str] = mapped_column(String(64))
    case_count: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default=RunStatus.RUNNING)
    git_commit: Mapped[str | None] = mapped_column(String(64), default=None)
    git_dirty: Mapped[bool | None] = mapped_column(Boolean, default=None)
    embedder: Mapped[str | None] = mapped_column(String(200), default=None)
    index_version: Mapped[str | None] = mapped_column(String(100), default=None)
    settings: Mapped[dict[str, Any]] = mapped_column()  # snapshot, secrets removed
    environment: Mapped[dict[str, Any]] = mapped_column()  # python, platform, packages
    metrics: Mapped[dict[str, Any]] = mapped_column()  # flat name → number
    details: Mapped[dict[str, Any]] = mapped_column()  # confusion matrix, slices
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)

    cases: Mapped[list[EvalCaseResult]] = relationship(
        back_populates="run", order_by="EvalCaseResult.position", cascade="all, delete-orphan"
    )


class EvalCaseResult(Base):
    """The outcome of one case in a run; ``result`` holds the full scored record."""

    __tablename__ = "eval_case_results"
    __table_args__ = (UniqueConstraint("run_id", "case_id", name="uq_eval_case_results_run_case"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("eval_runs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[str] = mapped_column(String(100))
    tenant: Mapped[str] = mapped_column(String(63))
    kind: Mapped[str] = mapped_column(String(30))
    topic: Mapped[str] = mapped_column(String(60), default="")
    language: Mapped[str] = mapped_column(String(8), default="de")
    status: Mapped[str] = mapped_column(String(20))
    status_ok: Mapped[bool] = mapped_column(Boolean)
    source_ok: Mapped[bool | None] = mapped_column(Boolean, default=None)
    facts_ok: Mapped[bool | None] = mapped_column(Boolean, default=None)
    grounded: Mapped[bool | None] = mapped_column(Boolean, default=None)
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    question_redacted: Mapped[str] = mapped_column(Text)
    answer_redacted: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict[str, Any]] = mapped_column()

    run: Mapped[EvalRun] = relationship(back_populates="cases")


def list_eval_runs(
    session: Session, *, set_name: str | None = None, limit: int = 100, offset: int = 0
) -> list[EvalRun]:
    """Runs, newest first."""
    statement = select(EvalRun).order_by(EvalRun.started_at.desc(), EvalRun.id.desc())
    if set_name is not None:
        statement = statement.where(EvalRun.set_name == set_name)
    return list(session.scalars(statement.limit(limit).offset(offset)))


def get_eval_run(session: Session, run_id: int) -> EvalRun:
    """A run by id, else NotFoundError."""
    run = session.get(EvalRun, run_id)
    if run is None:
        raise NotFoundError("evaluation run", run_id, "list them with GET /api/v1/staff/eval/runs")
    return run


def list_eval_case_results(
    session: Session,
    run_id: int,
    *,
    status: str | None = None,
    kind: str | None = None,
    tenant: str | None = None,
    scope: TenantScope = None,
    failed_only: bool = False,
    limit: int = 500,
    offset: int = 0,
) -> list[EvalCaseResult]:
    """The case results of a run in set order, optionally filtered."""
    get_eval_run(session, run_id)
    statement = select(EvalCaseResult).where(
        EvalCaseResult.run_id == run_id, within(EvalCaseResult.tenant, scope)
    )
    if status is not None:
        statement = statement.where(EvalCaseResult.status == status)
    if kind is not None:
        statement = statement.where(EvalCaseResult.kind == kind)
    if tenant is not None:
        statement = statement.where(EvalCaseResult.tenant == tenant)
    if failed_only:
        statement = statement.where(
            (EvalCaseResult.status_ok.is_(False))
            | (EvalCaseResult.source_ok.is_(False))
            | (EvalCaseResult.facts_ok.is_(False))
            | (EvalCaseResult.grounded.is_(False))
        )
    statement = statement.order_by(EvalCaseResult.position).limit(limit).offset(offset)
    return list(session.scalars(statement))
