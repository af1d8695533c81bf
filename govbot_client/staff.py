"""The staff API's JSON (bearer token): one set of models for the API and the console.

Responses only; the console sends its few request bodies as plain JSON. Unknown fields
are ignored (see govbot_client/citizen.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from govbot_client.citizen import CitationPublic, ConversationStateName, RoleName
from govbot_client.trace import AnswerTrace


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


# --- login, handoffs, answer log, audit entries, health -------------------------------


class Token(_Out):
    """An OAuth2 bearer token."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    role: str
    tenants: list[str] = []  # the tenant ids the account works for; ["*"]: every tenant


class StaffPublic(_Out):
    """The logged-in staff user."""

    username: str
    role: str
    created_at: datetime
    tenants: list[str] = []  # the tenant ids the account works for; ["*"]: every tenant


class HandoffSummary(_Out):
    """One escalation in the service-desk inbox."""

    id: int
    reference: str
    conversation_id: str
    tenant: str
    status: Literal["open", "claimed", "closed"]
    source: str
    topic: str | None
    created_at: datetime
    waiting_seconds: int
    assigned_to: str | None
    expected_response: str
    outcome: str | None


class TranscriptMessage(_Out):
    """A transcript line; ``redacted`` tells whether personal data was masked."""

    id: int
    seq: int
    role: RoleName
    text: str
    created_at: datetime
    redacted: bool
    answer_status: str | None = None
    # Issue 13 item 6. A citizen's message: the language read from it (the reply
    # language) and the query the bot searched for it (redacted); a bot answer: the
    # language it was written in. None for agents' replies and rule answers without a search.
    language: str | None = None
    searched: str | None = None


class CandidateSource(_Out):
    """A service the bot considered relevant."""

    doc_id: str
    title: str | None = None
    url: str | None = None


class HandoffDetail(HandoffSummary):
    """An escalation with live transcript and candidate sources."""

    conversation_state: ConversationStateName
    language: str = "de"  # the conversation's: chosen in the widget or last decisively read
    reason: str | None
    transcript: list[TranscriptMessage]
    candidate_sources: list[CandidateSource]


class FeedbackPublic(_Out):
    """A vote on an answer."""

    helpful: bool
    comment: str | None
    created_at: datetime


class AnswerLogEntry(_Out):
    """An answer log entry (redacted texts) with everything needed to replay it."""

    id: int
    conversation_id: str
    message_id: int
    created_at: datetime
    tenant: str
    status: str
    question: str
    text: str
    confidence: float
    topic: str | None
    citations: list[CitationPublic]
    language: str | None = None  # the answer's (None: logged before answers had one)
    index_version: str | None
    embedder: str | None
    feedback: list[FeedbackPublic]
    trace: AnswerTrace[dict[str, Any]]


class AuditEntryPublic(_Out):
    """An audit log entry."""

    id: int
    at: datetime
    actor: str
    action: str
    target_type: str
    target_id: str
    details: dict[str, Any]


class IndexHealth(_Out):
    """The loaded index."""

    version: str
    embedder: str
    tenants: list[str]


class HealthPublic(_Out):
    """Liveness and readiness."""

    status: Literal["ok", "degraded"]
    database: Literal["ok", "unavailable"]
    index: IndexHealth | None

    @property
    def tenants(self) -> list[str]:
        """The tenants of the loaded index (none while no index is loaded)."""
        return self.index.tenants if self.index else []


# --- review and corrections -----------------------------------------------------------


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

    # The fields of ingest.sync.SyncReport, written again on purpose: this package imports
    # nothing of ours (see __init__). tests/govbot_client/test_schema.py keeps them in step.

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
    # Answers per language and status (issue 13 item 6); "unknown": logged without one.
    languages: dict[str, dict[str, int]] = Field(default_factory=dict)


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


# --- evaluation runs ------------------------------------------------------------------


class EvalRunSummary(_Out):
    """A stored run: identity and metrics (flat ``name → number``)."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    label: str | None
    set_name: str
    set_version: str
    set_sha256: str
    case_count: int
    status: str
    git_commit: str | None
    git_dirty: bool | None
    embedder: str | None
    index_version: str | None
    started_at: datetime
    finished_at: datetime | None
    metrics: dict[str, float | int | None]


class EvalRunDetail(EvalRunSummary):
    """A run with its settings snapshot, environment, confusion matrix and slices."""

    settings: dict[str, Any]
    environment: dict[str, Any]
    details: dict[str, Any]


class EvalCasePublic(_Out):
    """One case's result; ``result`` holds every check (expected/cited ids, facts, turns)."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    case_id: str
    position: int
    tenant: str
    kind: str
    topic: str
    language: str
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


# --- erasure --------------------------------------------------------------------------


class ConversationDeleted(_Out):
    """What deleting a conversation removed (ids and counts; the text is gone)."""

    conversation_id: str
    tenant: str
    handoffs: list[str]
    messages: int
