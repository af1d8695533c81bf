"""HTTP models of the staff console's endpoints: review, corrections, knowledge, insights, audit.

Named by role like bot/api/schemas.py (``…Create`` in, ``…Public`` out) and mapped
explicitly from storage.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.api.schemas import AnswerLogEntry, AuditEntryPublic, CitationPublic
from bot.storage.staff_models import AnswerReview, Correction, IngestJob


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


# --- review and corrections -----------------------------------------------------------


class VerdictCreate(_In):
    """Mark an answer correct or wrong."""

    verdict: Literal["correct", "wrong"]
    note: str | None = Field(default=None, max_length=2000)


class ReviewPublic(_Out):
    """A verdict on an answer."""

    id: int
    answer_id: int
    verdict: str
    reviewer: str
    note: str | None
    created_at: datetime


class CorrectionBrief(_Out):
    """A correction written for an answer (in the review list)."""

    id: int
    status: str
    author: str


class ReviewedAnswer(AnswerLogEntry):
    """An answer log entry with its review state and corrections."""

    verdict: str | None
    reviews: list[ReviewPublic]
    corrections: list[CorrectionBrief]


class CorrectionCreate(_In):
    """A better answer to a question, from a logged answer or written from scratch."""

    answer_id: int | None = None
    tenant: str | None = Field(default=None, min_length=1, max_length=63)
    question: str = Field(min_length=3, max_length=2000)
    text: str = Field(min_length=10, max_length=8000)
    doc_ids: list[str] | None = Field(
        default=None, description="citations of the answer to keep (default: all)"
    )


class CorrectionClose(_In):
    """Why a correction is rejected or withdrawn."""

    reason: str = Field(min_length=3, max_length=1000)


class CorrectionPublic(_Out):
    """A correction; ``approved`` ones are served as curated answers."""

    id: int
    tenant: str
    answer_id: int | None
    question: str
    text: str
    citations: list[CitationPublic]
    status: str
    author: str
    created_at: datetime
    approver: str | None
    approved_at: datetime | None
    closed_by: str | None
    closed_at: datetime | None
    close_reason: str | None
    similarity_search: bool


def review_public(review: AnswerReview) -> ReviewPublic:
    """A stored verdict."""
    return ReviewPublic(
        id=review.id,
        answer_id=review.answer_id,
        verdict=review.verdict,
        reviewer=review.reviewer,
        note=review.note,
        created_at=review.created_at,
    )


def correction_public(correction: Correction) -> CorrectionPublic:
    """A stored correction."""
    return CorrectionPublic(
        id=correction.id,
        tenant=correction.tenant,
        answer_id=correction.answer_id,
        question=correction.question,
        text=correction.text,
        citations=[
            CitationPublic.model_validate(c) for c in correction.sources.get("citations", [])
        ],
        status=correction.status,
        author=correction.author,
        created_at=correction.created_at,
        approver=correction.approver,
        approved_at=correction.approved_at,
        closed_by=correction.closed_by,
        closed_at=correction.closed_at,
        close_reason=correction.close_reason,
        similarity_search=correction.question_embedding is not None,
    )


class HandoffAnswer(_Out):
    """A bot answer in an escalated conversation and the sources it cited."""

    message_id: int
    status: str
    confidence: float
    citations: list[CitationPublic]


# --- knowledge base -------------------------------------------------------------------


class SourceSummary(_Out):
    """Services of one source kind in a tenant, with their oldest and newest Stand."""

    source: str
    services: int
    stale: int
    oldest: date | None
    newest: date | None


class TenantKnowledge(_Out):
    """One tenant's knowledge base."""

    tenant: str
    services: int
    stale: int
    without_date: int
    sources: list[SourceSummary]


class KnowledgeOverview(_Out):
    """The serving index and its tenants (``available`` false when no index is loaded)."""

    available: bool
    index_version: str | None
    embedder: str | None
    index_created: datetime | None
    stale_after_days: int
    tenants: list[TenantKnowledge]


class ServiceRow(_Out):
    """A service (Leistung) with its Stand date and freshness."""

    doc_id: str
    tenant: str
    title: str
    source: str
    updated: date | None
    age_days: int | None
    stale: bool  # too old, without a Stand date, or past "valid until"
    url: str
    valid_until: date | None = None
    expired: bool = False  # past "valid until"


class SyncRunPublic(_Out):
    """A completed ingest run as recorded by ``govbot ingest`` (index/runs.jsonl)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    tenant: str
    source: str
    added: int
    updated: int
    deleted: int
    unchanged: int
    passages_embedded: int
    passages_total: int
    duration_s: float
    embedder: str
    index_version: str
    started: datetime
    finished: datetime


class IngestJobPublic(_Out):
    """A re-run of an ingest source started from the console."""

    id: int
    tenant: str
    source: str
    args: list[str]
    status: str
    started_by: str
    started_at: datetime
    finished_at: datetime | None
    exit_code: int | None
    report: dict[str, Any] | None
    error: str | None


class IngestSourcePublic(_Out):
    """A configured source that can be re-ingested, with its newest job."""

    tenant: str
    name: str
    description: str
    args: list[str]
    last_job: IngestJobPublic | None


def job_public(job: IngestJob) -> IngestJobPublic:
    """A stored ingest job."""
    return IngestJobPublic(
        id=job.id,
        tenant=job.tenant,
        source=job.source,
        args=[str(a) for a in job.args.get("args", [])],
        status=job.status,
        started_by=job.started_by,
        started_at=job.started_at,
        finished_at=job.finished_at,
        exit_code=job.exit_code,
        report=job.report,
        error=job.error,
    )


# --- insights -------------------------------------------------------------------------


class DayInsight(_Out):
    """One UTC day."""

    day: date
    questions: int
    statuses: dict[str, int]
    conversations: int
    handoffs: int
    handoff_rate: float | None


class TopicCount(_Out):
    """How often a topic was asked."""

    topic: str
    count: int


class ContentGap(_Out):
    """A question (redacted) that the bot could not answer well, and how often."""

    question: str
    tenant: str
    count: int
    statuses: dict[str, int]
    topic: str | None
    mean_confidence: float
    last_asked: datetime


class FeedbackDay(_Out):
    """Votes of one day."""

    day: date
    helpful: int
    unhelpful: int


class FeedbackComment(_Out):
    """A citizen's comment (redacted)."""

    helpful: bool
    comment: str
    created_at: datetime
    answer_status: str


class FeedbackInsight(_Out):
    """Votes and comments."""

    helpful: int
    unhelpful: int
    per_day: list[FeedbackDay]
    comments: list[FeedbackComment]


class InsightTotals(_Out):
    """Totals over the window."""

    questions: int
    conversations: int
    handoffs: int
    handoff_rate: float | None
    answered_rate: float | None


class InsightsPublic(_Out):
    """Aggregates over a window; nothing per staff member."""

    since: datetime
    until: datetime
    tenant: str | None
    totals: InsightTotals
    per_day: list[DayInsight]
    statuses: dict[str, int]
    topics: list[TopicCount]
    gaps: list[ContentGap]
    feedback: FeedbackInsight


# --- audit ----------------------------------------------------------------------------


class AuditPage(_Out):
    """One page of the filtered audit log and how many entries match in total."""

    total: int
    entries: list[AuditEntryPublic]


class AuditVocabulary(_Out):
    """Values seen in the audit log, for filter menus."""

    actions: list[str]
    actors: list[str]
    target_types: list[str]
