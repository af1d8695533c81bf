"""Request bodies and storage mapping of the staff console's endpoints.

Review, corrections, knowledge, insights and audit. The responses are the shared models
of govbot_client/staff.py (re-exported here), which the console reads too.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bot.api.validation import InputModel
from bot.storage.staff_models import AnswerReview, Correction, IngestJob
from govbot_client.citizen import CitationPublic
from govbot_client.staff import (
    AuditPage,
    AuditVocabulary,
    ContentGap,
    ConversationDeleted,
    CorrectionBrief,
    CorrectionPublic,
    DayInsight,
    FeedbackComment,
    FeedbackDay,
    FeedbackInsight,
    HandoffAnswer,
    IngestJobPublic,
    IngestSourcePublic,
    InsightsPublic,
    InsightTotals,
    KnowledgeOverview,
    ReviewedAnswer,
    ReviewPublic,
    ServiceRow,
    SourceSummary,
    SyncRunPublic,
    TenantKnowledge,
    TopicCount,
)

__all__ = [
    "AuditPage",
    "AuditVocabulary",
    "ContentGap",
    "ConversationDeleted",
    "CorrectionBrief",
    "CorrectionClose",
    "CorrectionCreate",
    "CorrectionPublic",
    "DayInsight",
    "FeedbackComment",
    "FeedbackDay",
    "FeedbackInsight",
    "HandoffAnswer",
    "IngestJobPublic",
    "IngestSourcePublic",
    "InsightTotals",
    "InsightsPublic",
    "KnowledgeOverview",
    "ReviewPublic",
    "ReviewedAnswer",
    "ServiceRow",
    "SourceSummary",
    "SyncRunPublic",
    "TenantKnowledge",
    "TopicCount",
    "VerdictCreate",
]


class _In(InputModel):
    """Request bodies: unknown fields refused, texts and numbers storable (validation.py)."""


class VerdictCreate(_In):
    """Mark an answer correct or wrong."""

    verdict: Literal["correct", "wrong"]
    note: str | None = Field(default=None, max_length=2000)


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
