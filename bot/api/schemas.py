"""HTTP models, named by role (``…Create`` in, ``…Public`` out), mapped explicitly from storage."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.storage.models import AnswerRecord, AuditEntry, Escalation, Feedback, Message
from bot.texts.catalogue import CatalogueLanguage

ConversationStateName = Literal["bot", "waiting_for_agent", "with_agent", "closed"]
RoleName = Literal["citizen", "bot", "agent", "system"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


# --- errors ---------------------------------------------------------------------------


class ErrorBody(_Out):
    """What went wrong: a stable snake_case code, a message naming the value, details."""

    code: str
    message: str
    details: Any = None


class ErrorResponse(_Out):
    """The one error shape of every endpoint."""

    error: ErrorBody


# --- citizen side ---------------------------------------------------------------------


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` documenting the shared error shape for ``codes``."""
    return {code: {"model": ErrorResponse} for code in codes}


class ConversationCreate(_In):
    """Start a conversation for a municipality (tenant slug, e.g. ``muenchen``)."""

    tenant: str = Field(min_length=1, max_length=63, examples=["muenchen"])
    # Any language with a text catalogue (bot/texts/<code>.yaml): de, en, tr, ar, uk …
    language: CatalogueLanguage = "de"


class ConversationPublic(_Out):
    """A new conversation with the AI transparency notice (EU AI Act Art. 50)."""

    conversation_id: str
    tenant: str
    language: str
    state: ConversationStateName
    notice: str
    created_at: datetime


class MessageCreate(_In):
    """A citizen's message (1..max_message_chars characters after trimming)."""

    text: str = Field(examples=["Was kostet ein Personalausweis?"])
    # The language the citizen chose (the widget's select) if it changed: from now on the
    # conversation's language. A message decisively in another language is still answered
    # in that one (bot/understanding/language_id.py).
    language: CatalogueLanguage | None = None


class CitationPublic(_Out):
    """A source of an answer."""

    doc_id: str
    title: str
    section: str = ""
    url: str = ""
    updated: date | None = None
    curated: bool = False


class OfficePublic(_Out):
    """A responsible office."""

    name: str
    address: str = ""
    opening_hours: list[str] = Field(default_factory=list)
    phone: str = ""
    email: str = ""
    appointment_url: str = ""


class HandoffRef(_Out):
    """Reference and promised response time of an escalation."""

    reference: str
    expected_response: str


class AnswerPublic(_Out):
    """A bot answer as the citizen sees it."""

    status: str
    text: str
    citations: list[CitationPublic]
    offices: list[OfficePublic]
    confidence: float
    handoff_offered: bool
    handoff: HandoffRef | None


class MessagePublic(_Out):
    """One message of a conversation (answer set on bot messages)."""

    id: int
    seq: int
    role: RoleName
    text: str
    created_at: datetime
    answer: AnswerPublic | None = None


class MessagePosted(_Out):
    """The stored citizen message and the bot's answer (null while a person holds it)."""

    message: MessagePublic
    answer: AnswerPublic | None
    state: ConversationStateName


class MessagesPublic(_Out):
    """A conversation's messages after a sequence number."""

    conversation_id: str
    state: ConversationStateName
    messages: list[MessagePublic]


class TranscriptLineCreate(_In):
    """One turn held outside GovBot (e.g. in a Rasa assistant) before the handoff."""

    role: Literal["citizen", "bot"]
    text: str = Field(min_length=1, max_length=2000)


TRANSCRIPT_ROLE_LABELS = {"citizen": "Bürger/in", "bot": "Assistent"}


class HandoffCreate(_In):
    """Ask for a person, optionally saying why and what was said elsewhere before (issue #7)."""

    reason: str | None = Field(default=None, max_length=2000)
    transcript: list[TranscriptLineCreate] | None = Field(
        default=None,
        max_length=50,
        description="Earlier turns of an external assistant (oldest first); the service desk "
        "sees them, redacted, below the reason.",
    )

    def reason_with_transcript(self) -> str | None:
        """The reason followed by the external transcript, as the service desk reads it."""
        reason = self.reason.strip() if self.reason and self.reason.strip() else None
        if not self.transcript:
            return reason
        lines = [f"{TRANSCRIPT_ROLE_LABELS[t.role]}: {t.text.strip()}" for t in self.transcript]
        transcript = "Verlauf im vorgeschalteten Assistenten:\n" + "\n".join(lines)
        return f"{reason}\n\n{transcript}" if reason else transcript


class HandoffCreated(_Out):
    """The escalation's reference and when to expect an answer."""

    reference: str
    expected_response: str
    state: ConversationStateName


class FeedbackCreate(_In):
    """Helpful or not, with an optional comment."""

    helpful: bool
    comment: str | None = Field(default=None, max_length=2000)


class FeedbackCreated(_Out):
    """Id of the stored feedback."""

    id: int


# --- staff side -----------------------------------------------------------------------


class Token(_Out):
    """An OAuth2 bearer token."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    role: str


class StaffPublic(_Out):
    """The logged-in staff user."""

    username: str
    role: str
    created_at: datetime


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


class CandidateSource(_Out):
    """A service the bot considered relevant."""

    doc_id: str
    title: str | None = None
    url: str | None = None


class HandoffDetail(HandoffSummary):
    """An escalation with live transcript and candidate sources."""

    conversation_state: ConversationStateName
    reason: str | None
    transcript: list[TranscriptMessage]
    candidate_sources: list[CandidateSource]


class AgentReply(_In):
    """An agent's reply to the citizen."""

    text: str = Field(min_length=1, max_length=8000)


class HandoffClose(_In):
    """How the escalation ended."""

    outcome: str = Field(min_length=1, max_length=500, examples=["Termin vereinbart"])


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
    index_version: str | None
    embedder: str | None
    feedback: list[FeedbackPublic]
    trace: dict[str, Any]


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


# --- mapping from storage -------------------------------------------------------------


def answer_public(record: AnswerRecord, text: str) -> AnswerPublic:
    """The citizen's view of a logged answer (``text`` is the message as shown)."""
    public = record.public
    handoff = public.get("handoff")
    return AnswerPublic(
        status=record.status,
        text=text,
        citations=[CitationPublic.model_validate(c) for c in public.get("citations", [])],
        offices=[OfficePublic.model_validate(o) for o in public.get("offices", [])],
        confidence=record.confidence,
        handoff_offered=bool(public.get("handoff_offered", False)),
        handoff=HandoffRef.model_validate(handoff) if handoff else None,
    )


def message_public(message: Message) -> MessagePublic:
    """A stored message for the citizen."""
    return MessagePublic(
        id=message.id,
        seq=message.seq,
        role=message.role,  # type: ignore[arg-type]  # Role values equal RoleName
        text=message.text,
        created_at=message.created_at,
        answer=answer_public(message.answer, message.text) if message.answer else None,
    )


def handoff_summary_fields(
    escalation: Escalation, *, now: datetime | None = None
) -> dict[str, Any]:
    """Fields shared by HandoffSummary and HandoffDetail."""
    end = escalation.claimed_at or escalation.closed_at or now or datetime.now(UTC)
    return {
        "id": escalation.id,
        "reference": escalation.reference or "",
        "conversation_id": escalation.conversation_id,
        "tenant": escalation.tenant,
        "status": escalation.status,
        "source": escalation.source,
        "topic": escalation.topic,
        "created_at": escalation.created_at,
        "waiting_seconds": max(0, int((end - escalation.created_at).total_seconds())),
        "assigned_to": escalation.assignee.username if escalation.assignee else None,
        "expected_response": escalation.expected_response,
        "outcome": escalation.outcome,
    }


def handoff_summary(escalation: Escalation) -> HandoffSummary:
    """An inbox line."""
    return HandoffSummary(**handoff_summary_fields(escalation))


def answer_log_entry(record: AnswerRecord, votes: list[Feedback]) -> AnswerLogEntry:
    """An answer log entry for editors and auditors (redacted texts only)."""
    return AnswerLogEntry(
        id=record.id,
        conversation_id=record.conversation_id,
        message_id=record.message_id,
        created_at=record.created_at,
        tenant=record.tenant,
        status=record.status,
        question=record.question_redacted,
        text=record.text_redacted,
        confidence=record.confidence,
        topic=record.topic,
        citations=[CitationPublic.model_validate(c) for c in record.public.get("citations", [])],
        index_version=record.index_version,
        embedder=record.embedder,
        feedback=[
            FeedbackPublic(helpful=v.helpful, comment=v.comment_redacted, created_at=v.created_at)
            for v in votes
        ],
        trace=record.trace,
    )


def audit_entry_public(entry: AuditEntry) -> AuditEntryPublic:
    """An audit entry."""
    return AuditEntryPublic(
        id=entry.id,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        target_type=entry.target_type,
        target_id=entry.target_id,
        details=entry.details,
    )
