"""Repository functions for the staff console's tables (bot/storage/staff_models.py).

Same contract as bot/storage/crud.py: the Session comes first, the caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, exists, func, or_, select
from sqlalchemy.orm import Session

from bot.errors import NotFoundError
from bot.storage.crud import AnswerFilter
from bot.storage.logs import answer_language
from bot.storage.models import AnswerRecord, AuditEntry, Feedback
from bot.storage.staff_models import (
    AnswerReview,
    Correction,
    CorrectionStatus,
    IngestJob,
    JobStatus,
)
from bot.storage.tenancy import TenantScope, in_scope, within

ReviewState = Literal["unreviewed", "correct", "wrong"]

# --- answer reviews -------------------------------------------------------------------


def add_review(
    session: Session, answer: AnswerRecord, *, verdict: str, reviewer: str, note: str | None
) -> AnswerReview:
    """Record a verdict on ``answer``."""
    review = AnswerReview(answer_id=answer.id, verdict=verdict, reviewer=reviewer, note=note)
    session.add(review)
    session.flush()
    return review


def get_answer(session: Session, answer_id: int, *, scope: TenantScope = None) -> AnswerRecord:
    """A logged answer by id among the tenants of ``scope``, else NotFoundError."""
    record = session.get(AnswerRecord, answer_id)
    if record is None or not in_scope(record.tenant, scope):
        raise NotFoundError("answer", answer_id, "list them with GET /api/v1/staff/review/answers")
    return record


def _answer_conditions(filters: AnswerFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [within(AnswerRecord.tenant, filters.scope)]
    if filters.status:
        conditions.append(AnswerRecord.status == filters.status)
    if filters.tenant:
        conditions.append(AnswerRecord.tenant == filters.tenant)
    if filters.language:
        conditions.append(answer_language() == filters.language)
    if filters.since:
        conditions.append(AnswerRecord.created_at >= filters.since)
    if filters.until:
        conditions.append(AnswerRecord.created_at < filters.until)
    if filters.min_confidence is not None:
        conditions.append(AnswerRecord.confidence >= filters.min_confidence)
    if filters.max_confidence is not None:
        conditions.append(AnswerRecord.confidence <= filters.max_confidence)
    voted = exists().where(Feedback.answer_id == AnswerRecord.id)
    if filters.feedback == "helpful":
        conditions.append(voted.where(Feedback.helpful.is_(True)))
    elif filters.feedback == "unhelpful":
        conditions.append(voted.where(Feedback.helpful.is_(False)))
    elif filters.feedback == "any":
        conditions.append(voted)
    elif filters.feedback == "none":
        conditions.append(~voted)
    return conditions


def _latest_verdict() -> Select[str]:
    return (
        select(AnswerReview.verdict)
        .where(AnswerReview.answer_id == AnswerRecord.id)
        .order_by(AnswerReview.id.desc())
        .limit(1)
    )


def query_review_answers(
    session: Session,
    filters: AnswerFilter,
    *,
    review: ReviewState | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[tuple[AnswerRecord, list[Feedback]]]:
    """Answer log entries newest first, filtered like the answer log plus the review state."""
    statement = select(AnswerRecord).where(*_answer_conditions(filters))
    if review == "unreviewed":
        statement = statement.where(~exists().where(AnswerReview.answer_id == AnswerRecord.id))
    elif review is not None:
        statement = statement.where(_latest_verdict().scalar_subquery() == review)
    statement = statement.order_by(AnswerRecord.id.desc()).limit(limit).offset(offset)
    records = list(session.scalars(statement))
    votes: dict[int, list[Feedback]] = {record.id: [] for record in records}
    if records:
        for vote in session.scalars(
            select(Feedback).where(Feedback.answer_id.in_(votes)).order_by(Feedback.id)
        ):
            votes[vote.answer_id].append(vote)
    return [(record, votes[record.id]) for record in records]


def reviews_for(session: Session, answer_ids: Sequence[int]) -> dict[int, list[AnswerReview]]:
    """Verdicts per answer, oldest first."""
    found: dict[int, list[AnswerReview]] = {answer_id: [] for answer_id in answer_ids}
    if answer_ids:
        statement = select(AnswerReview).where(AnswerReview.answer_id.in_(answer_ids))
        for review in session.scalars(statement.order_by(AnswerReview.id)):
            found[review.answer_id].append(review)
    return found


def corrections_for(session: Session, answer_ids: Sequence[int]) -> dict[int, list[Correction]]:
    """Corrections written for each answer, oldest first."""
    found: dict[int, list[Correction]] = {answer_id: [] for answer_id in answer_ids}
    if answer_ids:
        statement = select(Correction).where(Correction.answer_id.in_(answer_ids))
        for correction in session.scalars(statement.order_by(Correction.id)):
            if correction.answer_id is not None:
                found[correction.answer_id].append(correction)
    return found


def answers_of(session: Session, conversation_id: str) -> list[AnswerRecord]:
    """The answers of one conversation, oldest first."""
    statement = select(AnswerRecord).where(AnswerRecord.conversation_id == conversation_id)
    return list(session.scalars(statement.order_by(AnswerRecord.id)))


# --- corrections ----------------------------------------------------------------------


def add_correction(session: Session, correction: Correction) -> Correction:
    """Store a new correction."""
    session.add(correction)
    session.flush()
    return correction


def get_correction(
    session: Session, correction_id: int, *, lock: bool = False, scope: TenantScope = None
) -> Correction:
    """A correction by id among the tenants of ``scope``, else NotFoundError."""
    statement = select(Correction).where(
        Correction.id == correction_id, within(Correction.tenant, scope)
    )
    if lock:
        statement = statement.with_for_update()
    correction = session.scalars(statement).one_or_none()
    if correction is None:
        raise NotFoundError(
            "correction", correction_id, "list them with GET /api/v1/staff/review/corrections"
        )
    return correction


def list_corrections(
    session: Session,
    *,
    status: CorrectionStatus | None = None,
    tenant: str | None = None,
    scope: TenantScope = None,
    limit: int = 200,
    offset: int = 0,
) -> list[Correction]:
    """Corrections of the tenants in ``scope``, newest first."""
    statement = (
        select(Correction).where(within(Correction.tenant, scope)).order_by(Correction.id.desc())
    )
    if status is not None:
        statement = statement.where(Correction.status == status)
    if tenant is not None:
        statement = statement.where(Correction.tenant == tenant)
    return list(session.scalars(statement.limit(limit).offset(offset)))


def curated_signature(session: Session, tenant: str) -> tuple[int, datetime | None]:
    """Count and newest change of ``tenant``'s corrections: changes whenever one changes."""
    row = session.execute(
        select(func.count(Correction.id), func.max(Correction.changed_at)).where(
            Correction.tenant == tenant
        )
    ).one()
    return int(row[0] or 0), row[1]


def approved_corrections(session: Session, tenant: str) -> list[Correction]:
    """The tenant's curated answers (approved corrections), oldest first."""
    statement = select(Correction).where(
        Correction.tenant == tenant, Correction.status == CorrectionStatus.APPROVED
    )
    return list(session.scalars(statement.order_by(Correction.id)))


# --- ingest jobs ----------------------------------------------------------------------


def add_job(session: Session, job: IngestJob) -> IngestJob:
    """Store a new ingest job."""
    session.add(job)
    session.flush()
    return job


def get_job(session: Session, job_id: int, *, scope: TenantScope = None) -> IngestJob:
    """An ingest job by id among the tenants of ``scope``, else NotFoundError."""
    job = session.get(IngestJob, job_id)
    if job is None or not in_scope(job.tenant, scope):
        raise NotFoundError("ingest job", job_id, "list them with GET /api/v1/staff/knowledge/jobs")
    return job


def list_jobs(
    session: Session,
    *,
    tenant: str | None = None,
    scope: TenantScope = None,
    limit: int = 100,
    offset: int = 0,
) -> list[IngestJob]:
    """Ingest jobs of the tenants in ``scope``, newest first."""
    statement = (
        select(IngestJob).where(within(IngestJob.tenant, scope)).order_by(IngestJob.id.desc())
    )
    if tenant is not None:
        statement = statement.where(IngestJob.tenant == tenant)
    return list(session.scalars(statement.limit(limit).offset(offset)))


def running_jobs(session: Session, *, tenant: str) -> list[IngestJob]:
    """The tenant's jobs still marked running."""
    statement = select(IngestJob).where(
        IngestJob.tenant == tenant, IngestJob.status == JobStatus.RUNNING
    )
    return list(session.scalars(statement))


# --- audit log ------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    """Filters of the audit log (all optional); ``action`` also matches ``<action>.*``."""

    actor: str | None = None
    action: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    scope: TenantScope = None  # entries without a tenant: only when None (every tenant)


def _audit_conditions(filters: AuditFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [within(AuditEntry.tenant, filters.scope)]
    if filters.actor:
        conditions.append(AuditEntry.actor == filters.actor)
    if filters.action:
        conditions.append(
            or_(
                AuditEntry.action == filters.action,
                AuditEntry.action.startswith(filters.action + ".", autoescape=True),
            )
        )
    if filters.target_type:
        conditions.append(AuditEntry.target_type == filters.target_type)
    if filters.target_id:
        conditions.append(AuditEntry.target_id == filters.target_id)
    if filters.since:
        conditions.append(AuditEntry.at >= filters.since)
    if filters.until:
        conditions.append(AuditEntry.at < filters.until)
    return conditions


def query_audit(
    session: Session, filters: AuditFilter, *, limit: int = 200, offset: int = 0
) -> tuple[int, list[AuditEntry]]:
    """How many entries match, and one page of them, newest first."""
    conditions = _audit_conditions(filters)
    total = session.scalar(select(func.count(AuditEntry.id)).where(*conditions)) or 0
    statement = select(AuditEntry).where(*conditions).order_by(AuditEntry.id.desc())
    return int(total), list(session.scalars(statement.limit(limit).offset(offset)))


def audit_vocabulary(session: Session, *, scope: TenantScope = None) -> dict[str, Any]:
    """Distinct actions, actors and target types of the entries in ``scope`` (filter menus)."""

    def distinct(column: Any) -> list[str]:
        statement = select(column).where(within(AuditEntry.tenant, scope)).distinct()
        return [str(v) for v in session.scalars(statement.order_by(column))]

    return {
        "actions": distinct(AuditEntry.action),
        "actors": distinct(AuditEntry.actor),
        "target_types": distinct(AuditEntry.target_type),
    }
