"""The API's responses as the console reads them (its own copies: no import of bot/).

Unknown fields are ignored, so the API can grow without breaking the console.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Api(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Login(_Api):
    """A successful login."""

    access_token: str
    expires_in: int
    role: str


class Staff(_Api):
    """The logged-in staff user."""

    username: str
    role: str


class Health(_Api):
    """API readiness and the tenants of the loaded index."""

    status: str
    database: str
    tenants: list[str] = Field(default_factory=list)
    index_version: str | None = None


# --- handoffs -------------------------------------------------------------------------


class Handoff(_Api):
    """An inbox line."""

    id: int
    reference: str
    conversation_id: str
    tenant: str
    status: str
    source: str
    topic: str | None
    created_at: datetime
    waiting_seconds: int
    assigned_to: str | None
    expected_response: str
    outcome: str | None


class TranscriptLine(_Api):
    """A message of the conversation."""

    id: int
    seq: int
    role: str
    text: str
    created_at: datetime
    redacted: bool
    answer_status: str | None = None


class Source(_Api):
    """A service the bot cited or considered."""

    doc_id: str
    title: str | None = None
    url: str | None = None


class HandoffDetail(Handoff):
    """An escalation with its transcript and sources."""

    conversation_state: str
    reason: str | None
    transcript: list[TranscriptLine]
    candidate_sources: list[Source]


class PostedMessage(_Api):
    """The agent's stored reply."""

    id: int
    seq: int
    role: str
    text: str
    created_at: datetime


# --- answer review --------------------------------------------------------------------


class Citation(_Api):
    """A source of an answer."""

    doc_id: str
    title: str
    section: str = ""
    url: str = ""
    updated: date | None = None
    curated: bool = False


class Vote(_Api):
    """A citizen's feedback."""

    helpful: bool
    comment: str | None
    created_at: datetime


class Review(_Api):
    """A verdict on an answer."""

    id: int
    answer_id: int
    verdict: str
    reviewer: str
    note: str | None
    created_at: datetime


class CorrectionBrief(_Api):
    """A correction written for an answer."""

    id: int
    status: str
    author: str


class ReviewedAnswer(_Api):
    """A logged answer with feedback, verdicts and corrections."""

    id: int
    conversation_id: str
    created_at: datetime
    tenant: str
    status: str
    question: str
    text: str
    confidence: float
    topic: str | None
    citations: list[Citation]
    index_version: str | None
    embedder: str | None
    feedback: list[Vote]
    trace: dict[str, Any]
    verdict: str | None
    reviews: list[Review]
    corrections: list[CorrectionBrief]


class Correction(_Api):
    """A correction; approved ones are served as curated answers."""

    id: int
    tenant: str
    answer_id: int | None
    question: str
    text: str
    citations: list[Citation]
    status: str
    author: str
    created_at: datetime
    approver: str | None
    approved_at: datetime | None
    closed_by: str | None
    closed_at: datetime | None
    close_reason: str | None
    similarity_search: bool


class HandoffAnswer(_Api):
    """A bot answer in an escalated conversation and what it cited."""

    message_id: int
    status: str
    confidence: float
    citations: list[Citation]


# --- knowledge base -------------------------------------------------------------------


class SourceSummary(_Api):
    """Services of one source kind in a tenant."""

    source: str
    services: int
    stale: int
    oldest: date | None
    newest: date | None


class TenantKnowledge(_Api):
    """One tenant's knowledge base."""

    tenant: str
    services: int
    stale: int
    without_date: int
    sources: list[SourceSummary]


class KnowledgeOverview(_Api):
    """The serving index and its tenants."""

    available: bool
    index_version: str | None
    embedder: str | None
    index_created: datetime | None
    stale_after_days: int
    tenants: list[TenantKnowledge]


class ServiceRow(_Api):
    """A service with its Stand date."""

    doc_id: str
    tenant: str
    title: str
    source: str
    updated: date | None
    age_days: int | None
    stale: bool
    url: str
    valid_until: date | None = None
    expired: bool = False


class SyncRun(_Api):
    """A completed ingest run."""

    tenant: str
    source: str
    added: int
    updated: int
    deleted: int
    unchanged: int
    passages_embedded: int
    passages_total: int
    duration_s: float
    index_version: str
    finished: datetime


class IngestJob(_Api):
    """A re-run started from the console."""

    id: int
    tenant: str
    source: str
    status: str
    started_by: str
    started_at: datetime
    finished_at: datetime | None
    exit_code: int | None
    report: dict[str, Any] | None
    error: str | None


class IngestSource(_Api):
    """A configured, re-runnable source."""

    tenant: str
    name: str
    description: str
    args: list[str]
    last_job: IngestJob | None


# --- insights -------------------------------------------------------------------------


class DayInsight(_Api):
    """One day."""

    day: date
    questions: int
    statuses: dict[str, int]
    conversations: int
    handoffs: int
    handoff_rate: float | None


class ContentGap(_Api):
    """A question the bot could not answer well."""

    question: str
    tenant: str
    count: int
    statuses: dict[str, int]
    topic: str | None
    mean_confidence: float
    last_asked: datetime


class Insights(_Api):
    """Aggregates over a window."""

    since: datetime
    until: datetime
    totals: dict[str, float | int | None]
    per_day: list[DayInsight]
    statuses: dict[str, int]
    topics: list[dict[str, Any]]
    gaps: list[ContentGap]
    feedback: dict[str, Any]


# --- evaluation -----------------------------------------------------------------------


class EvalRun(_Api):
    """A stored evaluation run."""

    id: int
    label: str | None
    set_name: str
    set_version: str
    case_count: int
    status: str
    git_commit: str | None
    embedder: str | None
    index_version: str | None
    started_at: datetime
    finished_at: datetime | None
    metrics: dict[str, float | int | None]


class EvalRunDetail(EvalRun):
    """A run with settings and breakdowns."""

    settings: dict[str, Any]
    environment: dict[str, Any]
    details: dict[str, Any]


class EvalCase(_Api):
    """One case's result."""

    case_id: str
    position: int
    tenant: str
    kind: str
    topic: str
    status: str
    status_ok: bool
    source_ok: bool | None
    facts_ok: bool | None
    grounded: bool | None
    latency_ms: float
    question: str
    answer: str
    result: dict[str, Any]

    @property
    def passed(self) -> bool:
        """No check failed."""
        checks = (self.status_ok, self.source_ok, self.facts_ok, self.grounded)
        return all(check is not False for check in checks)


# --- audit ----------------------------------------------------------------------------


class AuditEntry(_Api):
    """Who did what when."""

    id: int
    at: datetime
    actor: str
    action: str
    target_type: str
    target_id: str
    details: dict[str, Any]


class AuditPage(_Api):
    """A page of the filtered audit log."""

    total: int
    entries: list[AuditEntry]


class AuditVocabulary(_Api):
    """Values for the filter menus."""

    actions: list[str]
    actors: list[str]
    target_types: list[str]
