"""HTTP models of the API: the shared ones (govbot_client) re-exported, and the mapping.

The JSON the API speaks is defined once, in govbot_client/ (citizen.py, staff.py,
trace.py), and used by the API and every client (console, Rasa actions, ``govbot
bench``). What stays here is server-side only: the handoff request with its German
transcript labels, the staff request bodies, the OpenAPI error helper and the explicit
mapping from storage rows to the shared models.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import Field

from bot.api.validation import InputModel
from bot.storage.models import AnswerRecord, AuditEntry, Escalation, Feedback, Message
from bot.texts.catalogue import CatalogueLanguage
from bot.understanding.redaction import redact_trace
from govbot_client.citizen import (
    AnswerPublic,
    CitationPublic,
    ConversationPublic,
    ConversationStateName,
    ErrorBody,
    ErrorResponse,
    FeedbackCreate,
    FeedbackCreated,
    HandoffCreated,
    HandoffRef,
    MessagePosted,
    MessagePublic,
    MessagesPublic,
    MorePublic,
    OfficePublic,
    OptionPublic,
    RoleName,
    SectionPublic,
    TranscriptLineCreate,
)
from govbot_client.citizen import (
    ConversationCreate as ConversationRequest,
)
from govbot_client.citizen import (
    MessageCreate as MessageRequest,
)
from govbot_client.staff import (
    AnswerLogEntry,
    AuditEntryPublic,
    CandidateSource,
    FeedbackPublic,
    HandoffDetail,
    HandoffSummary,
    HealthPublic,
    IndexHealth,
    StaffPublic,
    Token,
    TranscriptMessage,
)
from govbot_client.trace import AnswerTrace as StoredTrace

__all__ = [
    "AgentReply",
    "AnswerLogEntry",
    "AnswerPublic",
    "AuditEntryPublic",
    "CandidateSource",
    "CitationPublic",
    "ConversationCreate",
    "ConversationPublic",
    "ConversationStateName",
    "ErrorBody",
    "ErrorResponse",
    "FeedbackCreate",
    "FeedbackCreated",
    "FeedbackPublic",
    "HandoffClose",
    "HandoffCreate",
    "HandoffCreated",
    "HandoffDetail",
    "HandoffRef",
    "HandoffSummary",
    "HealthPublic",
    "IndexHealth",
    "MessageCreate",
    "MessagePosted",
    "MessagePublic",
    "MessagesPublic",
    "MorePublic",
    "OfficePublic",
    "OptionPublic",
    "RoleName",
    "SectionPublic",
    "StaffPublic",
    "Token",
    "TranscriptLineCreate",
    "TranscriptMessage",
]


class _In(InputModel):
    """Request bodies: unknown fields refused, texts and numbers storable (validation.py)."""


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` documenting the shared error shape for ``codes``."""
    return {code: {"model": ErrorResponse} for code in codes}


class ConversationCreate(ConversationRequest):
    """Start a conversation; the API accepts any language with a text catalogue
    (bot/texts/<code>.yaml: de, en, tr, ar, uk …) and answers others with 422."""

    language: CatalogueLanguage = "de"


class MessageCreate(MessageRequest):
    """A citizen's message; ``language`` must have a text catalogue (else 422)."""

    language: CatalogueLanguage | None = None


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


class AgentReply(_In):
    """An agent's reply to the citizen."""

    text: str = Field(min_length=1, max_length=8000)


class HandoffClose(_In):
    """How the escalation ended."""

    outcome: str = Field(min_length=1, max_length=500, examples=["Termin vereinbart"])


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
        options=[OptionPublic.model_validate(o) for o in public.get("options", [])],
        more=[MorePublic.model_validate(m) for m in public.get("more", [])],
        confidence=record.confidence,
        handoff_offered=bool(public.get("handoff_offered", False)),
        handoff=HandoffRef.model_validate(handoff) if handoff else None,
        help_grade=public.get("help_grade"),
        help_text=public.get("help_text"),
        language=str(public.get("language") or "de"),
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
        language=record.public.get("language"),
        index_version=record.index_version,
        embedder=record.embedder,
        feedback=[
            FeedbackPublic(helpful=v.helpful, comment=v.comment_redacted, created_at=v.created_at)
            for v in votes
        ],
        # Redacted again when shown: rows written before redaction rules improved.
        trace=StoredTrace[dict[str, Any]].model_validate(
            redact_trace(record.trace.model_dump(mode="json"))
        ),
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


class SsoTicketRedeem(_In):
    """A one-time sign-in ticket from the single sign-on callback (issue 14, item 11)."""

    ticket: str = Field(min_length=1, max_length=2000)
