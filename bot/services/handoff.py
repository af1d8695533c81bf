"""Handoff lifecycle: escalate a conversation to the service desk, claim, reply, release, close.

States (conversation / escalation):

    bot ──escalate──▶ waiting_for_agent / open ──claim──▶ with_agent / claimed
     ▲                                                        │
     └────────────── release (hand back to the bot) ◀─────────┤
                                                              └─close──▶ closed / closed

While the conversation is ``waiting_for_agent`` or ``with_agent`` the bot gives no
answers (see bot/services/conversations.py for the one exception: emergencies). Escalations keep a
redacted transcript snapshot; the live transcript shows originals only to the assignee.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from bot.errors import PermissionDeniedError, StateConflictError
from bot.settings import HandoffSettings
from bot.storage import crud
from bot.storage.models import (
    Conversation,
    ConversationState,
    Escalation,
    HandoffStatus,
    Message,
    Role,
    StaffRole,
    StaffUser,
    utcnow,
)
from bot.texts.catalogue import REFERENCE_LANGUAGE, shipped_texts
from bot.understanding.redaction import redact
from knowledge.errors import ConfigurationError


def system_text(key: str, language: str, **values: str) -> str:
    """A system message (``system.<key>`` of the text catalogue) in the conversation's
    language (German when the catalogue lacks it)."""
    texts = shipped_texts()
    chosen = language if language in texts.languages else REFERENCE_LANGUAGE
    return texts.text(f"system.{key}", chosen, **values)


def expected_response(settings: HandoffSettings, language: str) -> str:
    """The promised response time in the citizen's language: the operator's text
    (GOVBOT_HANDOFF__EXPECTED_RESPONSES) or the catalogue's ``handoff.expected_response``."""
    promised = settings.promised()
    texts = shipped_texts()
    chosen = language if language in texts.languages else REFERENCE_LANGUAGE
    if not promised:
        return texts.text("handoff.expected_response", chosen)
    # check_expected_responses refuses at start what would fall back here.
    return promised.get(chosen) or promised.get(REFERENCE_LANGUAGE) or next(iter(promised.values()))


def check_expected_responses(settings: HandoffSettings) -> None:
    """Refuse an operator's response-time promise that lacks a catalogue language
    (ConfigurationError naming them): its citizens would read it in another language."""
    promised = settings.promised()
    if not promised:
        return
    missing = [lang for lang in shipped_texts().languages if lang not in promised]
    if missing:
        example = missing[0].upper()
        raise ConfigurationError(
            f"the promised response time is set for {sorted(promised)} but not for "
            f"{missing}: citizens writing in these languages would read it in another "
            f"language. Set GOVBOT_HANDOFF__EXPECTED_RESPONSES__{example}=… for each, or "
            "unset GOVBOT_HANDOFF__EXPECTED_RESPONSE* to use the catalogue's texts"
        )


def add_system_message(session: Session, conversation: Conversation, text: str) -> Message:
    """Append a system notice (no personal data, so original and redacted are equal)."""
    return crud.add_message(session, conversation, role=Role.SYSTEM, text=text, text_redacted=text)


def escalate(
    session: Session,
    conversation: Conversation,
    *,
    settings: HandoffSettings,
    source: str,
    reason: str | None,
    topic: str | None,
    candidate_doc_ids: Sequence[str],
) -> tuple[Escalation, bool]:
    """Open an escalation (or return the active one, created=False); state → waiting."""
    active = crud.active_escalation(session, conversation.id)
    if active is not None:
        if reason:  # a second request adds its reason instead of dropping it (finding 8)
            added = redact(reason).text
            active.reason_redacted = (
                f"{active.reason_redacted}\n{added}" if active.reason_redacted else added
            )
        return active, False
    if conversation.state == ConversationState.CLOSED:
        raise StateConflictError(
            f"conversation {conversation.id!r} is closed; start a new conversation"
        )
    transcript = [
        {
            "seq": m.seq,
            "role": m.role,
            "text": m.text_redacted,
            "created_at": m.created_at.isoformat(),
        }
        for m in crud.list_messages(session, conversation.id)
    ]
    expected = expected_response(settings, conversation.language)
    escalation = crud.create_escalation(
        session,
        conversation,
        source=source,
        reason_redacted=redact(reason).text if reason else None,
        topic=topic,
        candidate_doc_ids=list(dict.fromkeys(candidate_doc_ids)),
        transcript=transcript,
        expected_response=expected,
        reference_prefix=settings.reference_prefix,
    )
    conversation.state = ConversationState.WAITING_FOR_AGENT
    reference = escalation.reference or ""
    add_system_message(
        session,
        conversation,
        system_text("escalated", conversation.language, reference=reference, expected=expected),
    )
    crud.audit(
        session,
        actor="citizen" if source == "citizen" else "bot",
        action="handoff.created",
        target_type="handoff",
        target_id=reference,
        details={"conversation_id": conversation.id, "source": source, "topic": topic},
        tenant=escalation.tenant,
    )
    return escalation, True


def _require_holder(escalation: Escalation, staff: StaffUser, action: str) -> None:
    if escalation.status != HandoffStatus.CLAIMED:
        raise StateConflictError(
            f"handoff {escalation.reference} is {escalation.status}; claim it before you {action}"
        )
    if escalation.assigned_to != staff.id and staff.role != StaffRole.ADMIN:
        holder = escalation.assignee.username if escalation.assignee else "another agent"
        raise PermissionDeniedError(
            f"handoff {escalation.reference} is claimed by {holder!r}; only they can {action}"
        )


def claim(session: Session, escalation: Escalation, staff: StaffUser) -> Escalation:
    """Assign an open escalation to ``staff``; the bot falls silent (idempotent for the holder)."""
    if escalation.status == HandoffStatus.CLAIMED and escalation.assigned_to == staff.id:
        return escalation
    if escalation.status != HandoffStatus.OPEN:
        holder = escalation.assignee.username if escalation.assignee else None
        by = f" by {holder!r}" if holder else ""
        raise StateConflictError(
            f"handoff {escalation.reference} is already {escalation.status}{by}"
        )
    escalation.status = HandoffStatus.CLAIMED
    escalation.assigned_to = staff.id
    escalation.assignee = staff
    escalation.claimed_at = utcnow()
    conversation = crud.get_conversation(session, escalation.conversation_id, lock=True)
    conversation.state = ConversationState.WITH_AGENT
    add_system_message(session, conversation, system_text("claimed", conversation.language))
    _audit(session, staff, "handoff.claimed", escalation)
    return escalation


def reply(session: Session, escalation: Escalation, staff: StaffUser, text: str) -> Message:
    """Post the holder's reply into the citizen's conversation."""
    _require_holder(escalation, staff, "reply")
    conversation = crud.get_conversation(session, escalation.conversation_id, lock=True)
    message = crud.add_message(
        session,
        conversation,
        role=Role.AGENT,
        text=text,
        text_redacted=redact(text).text,
        author_id=staff.id,
    )
    _audit(session, staff, "handoff.replied", escalation, message_id=message.id)
    return message


def release(session: Session, escalation: Escalation, staff: StaffUser) -> Escalation:
    """Hand the conversation back to the bot; the escalation is closed as ``handed_back``."""
    _require_holder(escalation, staff, "release it")
    _finish(escalation, outcome="handed_back_to_bot")
    conversation = crud.get_conversation(session, escalation.conversation_id, lock=True)
    conversation.state = ConversationState.BOT
    add_system_message(session, conversation, system_text("released", conversation.language))
    _audit(session, staff, "handoff.released", escalation)
    return escalation


def close(session: Session, escalation: Escalation, staff: StaffUser, outcome: str) -> Escalation:
    """Close the escalation and the conversation with an outcome (open ones too, e.g. spam)."""
    if escalation.status == HandoffStatus.CLOSED:
        raise StateConflictError(f"handoff {escalation.reference} is already closed")
    if escalation.status == HandoffStatus.CLAIMED:
        _require_holder(escalation, staff, "close it")
    _finish(escalation, outcome=redact(outcome).text)
    conversation = crud.get_conversation(session, escalation.conversation_id, lock=True)
    conversation.state = ConversationState.CLOSED
    add_system_message(session, conversation, system_text("closed", conversation.language))
    _audit(session, staff, "handoff.closed", escalation, outcome=escalation.outcome)
    return escalation


def visible_text(message: Message, escalation: Escalation, viewer: StaffUser) -> str:
    """Original text for the assignee, redacted text for everybody else; after the
    escalation ended, later messages are redacted for the former assignee too (issue 14,
    finding 8: the conversation may go on with the bot or another agent)."""
    assigned = escalation.assigned_to is not None and escalation.assigned_to == viewer.id
    ended = escalation.closed_at is not None and message.created_at > escalation.closed_at
    return message.text if assigned and not ended else message.text_redacted


def _finish(escalation: Escalation, *, outcome: str) -> None:
    escalation.status = HandoffStatus.CLOSED
    escalation.outcome = outcome
    escalation.closed_at = utcnow()


def _audit(
    session: Session, staff: StaffUser, action: str, escalation: Escalation, **details: Any
) -> None:
    crud.audit(
        session,
        actor=staff.username,
        action=action,
        target_type="handoff",
        target_id=escalation.reference or escalation.id,
        details={"conversation_id": escalation.conversation_id, **details},
        tenant=escalation.tenant,
    )
