"""Repository functions over the tables: each takes the Session as its first argument.

The caller owns the transaction (``session.commit()``); functions here only add, flush
and query, so a request's writes commit or roll back together.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from bot.errors import NotFoundError, StateConflictError

# The answer log and audit log live in bot/storage/logs.py, retention in retention.py;
# re-exported here so that callers keep one repository module to import.
from bot.storage.logs import AnswerFilter as AnswerFilter
from bot.storage.logs import audit as audit
from bot.storage.logs import list_audit as list_audit
from bot.storage.logs import query_answers as query_answers
from bot.storage.models import (
    AnswerRecord,
    Conversation,
    ConversationState,
    Escalation,
    Feedback,
    HandoffStatus,
    Message,
    Role,
    StaffRole,
    StaffUser,
    utcnow,
)
from bot.storage.retention import anonymise_before as anonymise_before
from bot.storage.tenancy import TenantScope, grant_tenants, within

# --- conversations and messages -------------------------------------------------------


def create_conversation(session: Session, *, tenant: str, language: str) -> Conversation:
    """A new conversation in state ``bot`` with an unguessable id."""
    conversation = Conversation(
        id=uuid.uuid4().hex, tenant=tenant, language=language, state=ConversationState.BOT
    )
    session.add(conversation)
    session.flush()
    return conversation


def get_conversation(session: Session, conversation_id: str, *, lock: bool = False) -> Conversation:
    """The conversation or NotFoundError; ``lock`` serialises writers on it (see _write_lock)."""
    statement = select(Conversation).where(Conversation.id == conversation_id)
    if lock:
        _write_lock(session, Conversation.__table__, Conversation.id == conversation_id)
        statement = statement.with_for_update().execution_options(populate_existing=True)
    conversation = session.scalars(statement).one_or_none()
    if conversation is None:
        raise NotFoundError(
            "conversation", conversation_id, "start one with POST /api/v1/conversations"
        )
    return conversation


def _write_lock(session: Session, table: Any, condition: Any) -> None:
    """Take the row's write lock before reading it (check-then-write stays atomic).

    A no-op UPDATE: on PostgreSQL it locks the row like FOR UPDATE; on SQLite, where FOR
    UPDATE does not exist, it takes the database write lock at once, so two concurrent
    handoff requests or claims cannot both see "open" and both act.
    """
    column = next(iter(table.primary_key.columns))
    session.execute(update(table).where(condition).values({column.name: column}))


def add_message(
    session: Session,
    conversation: Conversation,
    *,
    role: Role,
    text: str,
    text_redacted: str,
    author_id: int | None = None,
) -> Message:
    """Append a message with the next sequence number of its conversation.

    The number comes from one atomic ``UPDATE … SET last_seq = last_seq + 1 RETURNING``:
    two requests on the same conversation (a double click) that both loaded the row
    before either wrote get consecutive numbers on SQLite too, where ``FOR UPDATE`` is a
    no-op, instead of one of them failing on the unique (conversation, seq) constraint.
    """
    now = utcnow()
    seq = session.execute(
        update(Conversation)
        .where(Conversation.id == conversation.id)
        .values(last_seq=Conversation.last_seq + 1, updated_at=now)
        .returning(Conversation.last_seq)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    set_committed_value(conversation, "last_seq", seq)
    set_committed_value(conversation, "updated_at", now)
    message = Message(
        conversation_id=conversation.id,
        seq=seq,
        role=role,
        text=text,
        text_redacted=text_redacted,
        author_id=author_id,
        anonymised=False,
        created_at=utcnow(),
    )
    session.add(message)
    session.flush()
    return message


def list_messages(session: Session, conversation_id: str, *, after: int = 0) -> list[Message]:
    """Messages with ``seq > after`` in order, answers loaded."""
    statement = (
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.seq > after)
        .options(selectinload(Message.answer))
        .order_by(Message.seq)
    )
    return list(session.scalars(statement))


def get_message(session: Session, conversation_id: str, message_id: int) -> Message:
    """A message of this conversation or NotFoundError."""
    message = session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.id == message_id)
        .options(selectinload(Message.answer))
    ).one_or_none()
    if message is None:
        raise NotFoundError(
            "message", message_id, f"it is not part of conversation {conversation_id!r}"
        )
    return message


def recent_answers(session: Session, conversation_id: str, *, limit: int = 3) -> list[AnswerRecord]:
    """The conversation's last ``limit`` answers, newest first."""
    statement = (
        select(AnswerRecord)
        .where(AnswerRecord.conversation_id == conversation_id)
        .order_by(AnswerRecord.id.desc())
        .limit(limit)
    )
    return list(session.scalars(statement))


def set_feedback(
    session: Session, answer: AnswerRecord, *, helpful: bool, comment_redacted: str | None
) -> Feedback:
    """Record the vote on an answer; a vote given before is replaced (one per answer)."""
    feedback = session.scalars(
        select(Feedback).where(Feedback.answer_id == answer.id).order_by(Feedback.id)
    ).first()
    if feedback is None:
        feedback = Feedback(answer_id=answer.id)
        session.add(feedback)
    feedback.helpful = helpful
    feedback.comment_redacted = comment_redacted
    feedback.created_at = utcnow()
    session.flush()
    return feedback


# --- escalations ----------------------------------------------------------------------


def create_escalation(
    session: Session,
    conversation: Conversation,
    *,
    source: str,
    reason_redacted: str | None,
    topic: str | None,
    candidate_doc_ids: Sequence[str],
    transcript: list[dict[str, Any]],
    expected_response: str,
    reference_prefix: str,
) -> Escalation:
    """An open escalation with a reference like ``GB-2026-000123`` (year and row id)."""
    now = utcnow()
    escalation = Escalation(
        conversation_id=conversation.id,
        tenant=conversation.tenant,
        source=source,
        reason_redacted=reason_redacted,
        topic=topic,
        candidate_doc_ids={"doc_ids": list(candidate_doc_ids)},
        transcript_redacted={"messages": transcript},
        expected_response=expected_response,
        status=HandoffStatus.OPEN,
        created_at=now,
    )
    session.add(escalation)
    session.flush()  # assigns the id the reference is built from
    escalation.reference = f"{reference_prefix}-{now.year}-{escalation.id:06d}"
    session.flush()
    return escalation


def active_escalation(session: Session, conversation_id: str) -> Escalation | None:
    """The conversation's open or claimed escalation, if any."""
    return session.scalars(
        select(Escalation)
        .where(
            Escalation.conversation_id == conversation_id,
            Escalation.status.in_([HandoffStatus.OPEN, HandoffStatus.CLAIMED]),
        )
        .order_by(Escalation.id.desc())
    ).first()


def get_escalation(
    session: Session, ident: str, *, lock: bool = False, scope: TenantScope = None
) -> Escalation:
    """An escalation by numeric id or reference (``GB-2026-000123``) among the tenants of
    ``scope``, else NotFoundError (the same for another tenant's escalation)."""
    # isdecimal() alone lets "²" and "٣" through, which int() refuses (issue 14, finding 4).
    numeric = ident.isascii() and ident.isdecimal()
    column = Escalation.id if numeric else Escalation.reference
    value: int | str = int(ident) if numeric else ident
    if numeric and not 0 < int(ident) < 2**31:  # INTEGER is 32-bit on PostgreSQL
        raise NotFoundError("handoff", ident, "list them with GET /api/v1/staff/handoffs")
    statement = (
        select(Escalation)
        .where(column == value, within(Escalation.tenant, scope))
        .options(selectinload(Escalation.assignee))
    )
    if lock:
        _write_lock(
            session, Escalation.__table__, and_(column == value, within(Escalation.tenant, scope))
        )
        statement = statement.with_for_update().execution_options(populate_existing=True)
    escalation = session.scalars(statement).one_or_none()
    if escalation is None:
        raise NotFoundError("handoff", ident, "list them with GET /api/v1/staff/handoffs")
    return escalation


def list_escalations(
    session: Session,
    *,
    status: HandoffStatus | None,
    tenant: str | None = None,
    scope: TenantScope = None,
) -> list[Escalation]:
    """Escalations of the tenants in ``scope``, oldest first (the longest waiting on top)."""
    statement = (
        select(Escalation)
        .where(within(Escalation.tenant, scope))
        .options(selectinload(Escalation.assignee))
    )
    if status is not None:
        statement = statement.where(Escalation.status == status)
    if tenant is not None:
        statement = statement.where(Escalation.tenant == tenant)
    return list(session.scalars(statement.order_by(Escalation.created_at, Escalation.id)))


def count_escalations(session: Session, status: HandoffStatus) -> int:
    """How many escalations have ``status``."""
    return (
        session.scalar(
            select(func.count()).select_from(Escalation).where(Escalation.status == status)
        )
        or 0
    )


# --- staff users ----------------------------------------------------------------------


def create_staff_user(
    session: Session,
    *,
    username: str,
    password_hash: str,
    role: StaffRole,
    tenants: Sequence[str],
    demo: bool = False,
) -> StaffUser:
    """A new active staff user working for ``tenants`` (``["*"]``: every tenant);
    StateConflictError if the name is taken."""
    if get_staff_user(session, username) is not None:
        raise StateConflictError(f"staff user {username!r} already exists; choose another name")
    user = StaffUser(
        username=username,
        password_hash=password_hash,
        role=role,
        active=True,
        created_at=utcnow(),
        token_version=0,
        demo=demo,
    )
    grant_tenants(user, tenants)
    session.add(user)
    session.flush()
    return user


def get_staff_user(session: Session, username: str) -> StaffUser | None:
    """The staff user called ``username`` or None."""
    return session.scalars(select(StaffUser).where(StaffUser.username == username)).one_or_none()


def list_staff_users(session: Session) -> list[StaffUser]:
    """All staff users by name."""
    return list(session.scalars(select(StaffUser).order_by(StaffUser.username)))
