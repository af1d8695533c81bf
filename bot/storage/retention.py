"""Retention of citizens' texts: anonymising idle conversations, deleting one on request.

Anonymising keeps a conversation for statistics and audits but replaces every original
message by its redacted form and redacts the answer log's trace again (with the current
rules); deleting removes the conversation with its messages, answer log entries, feedback
and handoffs (the foreign keys cascade). Both leave no copy behind in SQLite's write-ahead
log or free pages: ``secure_delete`` is on for every connection (bot/storage/db.py) and
``compact`` checkpoints the log afterwards (issue 14, finding 1). The caller commits.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, select, text
from sqlalchemy.orm import Session

from bot.answer import AnswerTrace
from bot.errors import NotFoundError
from bot.storage.logs import audit
from bot.storage.models import AnswerRecord, Conversation, Escalation, Message
from bot.storage.tenancy import TenantScope, in_scope
from bot.understanding.redaction import redact_trace

logger = logging.getLogger(__name__)

_CONVERSATION_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Anonymised:
    """What one anonymisation run changed."""

    messages: int
    answers: int


@dataclass(frozen=True)
class Deleted:
    """What deleting one conversation removed (ids only, never its text)."""

    conversation_id: str
    tenant: str
    references: list[str]
    messages: int


def anonymise_before(session: Session, cutoff: datetime) -> Anonymised:
    """Keep only redacted text in conversations idle since before ``cutoff``."""
    idle = select(Conversation.id).where(Conversation.updated_at < cutoff)
    messages = session.scalars(
        select(Message).where(Message.conversation_id.in_(idle), Message.anonymised.is_(False))
    ).all()
    for message in messages:
        message.text = message.text_redacted
        message.anonymised = True
    answers = session.scalars(select(AnswerRecord).where(AnswerRecord.conversation_id.in_(idle)))
    changed = 0
    for record in answers:
        stored = record.trace.model_dump(mode="json")
        redacted = redact_trace(stored)
        if redacted != stored:
            record.trace = AnswerTrace.model_validate(redacted)
            changed += 1
    session.flush()
    return Anonymised(messages=len(messages), answers=changed)


def find_conversation(session: Session, ref: str, *, scope: TenantScope = None) -> Conversation:
    """A conversation of the tenants in ``scope`` by its id or by the reference of one of its
    handoffs (``GB-2026-…``)."""
    ref = ref.strip()
    if _CONVERSATION_ID.match(ref):
        found = session.get(Conversation, ref)
    else:
        found = session.scalars(
            select(Conversation)
            .join(Escalation, Escalation.conversation_id == Conversation.id)
            .where(Escalation.reference == ref)
        ).one_or_none()
    if found is None or not in_scope(found.tenant, scope):
        raise NotFoundError(
            "conversation", ref, "give the conversation id (32 hex digits) or a handoff reference"
        )
    return found


def delete_conversation(session: Session, conversation: Conversation) -> Deleted:
    """Delete ``conversation`` with everything that holds its citizen's text."""
    references = list(
        session.scalars(
            select(Escalation.reference).where(
                Escalation.conversation_id == conversation.id, Escalation.reference.is_not(None)
            )
        )
    )
    message_count = len(
        session.scalars(select(Message.id).where(Message.conversation_id == conversation.id)).all()
    )
    deleted = Deleted(
        conversation_id=conversation.id,
        tenant=conversation.tenant,
        references=[r for r in references if r],
        messages=message_count,
    )
    session.execute(delete(Conversation).where(Conversation.id == conversation.id))
    session.expunge(conversation)
    return deleted


def audit_deletion(session: Session, deleted: Deleted, *, actor: str) -> None:
    """The audit entry of a deletion: ids and counts, nothing of the text."""
    audit(
        session,
        actor=actor,
        action="conversation.deleted",
        target_type="conversation",
        target_id=deleted.conversation_id,
        details={
            "tenant": deleted.tenant,
            "handoffs": deleted.references,
            "messages": deleted.messages,
        },
        tenant=deleted.tenant,
    )


def compact(engine: Engine) -> None:
    """Move SQLite's write-ahead log into the database file and truncate it (no-op otherwise).

    Without this the old page images, original texts included, stay in ``*.sqlite3-wal``
    until the next automatic checkpoint.
    """
    if engine.url.get_backend_name() != "sqlite":
        return
    with engine.connect() as connection:
        busy, _, _ = connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)")).one()
    if busy:
        logger.warning(
            "SQLite checkpoint blocked by another connection (the API?); "
            "the write-ahead log is truncated at its next checkpoint"
        )
