"""Database tables (SQLAlchemy 2, typed): conversations, messages, answer log, handoffs, staff.

Personal data (DESIGN.md section 5): only ``Message.text`` holds the citizen's original
words (for the assigned agent; anonymised by ``govbot purge``). The answer log, handoff
transcripts, feedback comments and the audit log hold redacted text only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeEngine

from bot.answer import AnswerTrace

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JsonType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; use datetime.now(UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class TraceJson(TypeDecorator[AnswerTrace]):
    """The answer trace, typed in Python and JSON in the database (old rows upgraded on read)."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(JSONB() if dialect.name == "postgresql" else JSON())

    def process_bind_param(self, value: AnswerTrace | None, dialect: Dialect) -> Any:
        return None if value is None else value.model_dump(mode="json")

    def process_result_value(self, value: Any, dialect: Dialect) -> AnswerTrace | None:
        return None if value is None else AnswerTrace.model_validate(value)


class ConversationState(StrEnum):
    """Who is answering the citizen right now."""

    BOT = "bot"
    WAITING_FOR_AGENT = "waiting_for_agent"
    WITH_AGENT = "with_agent"
    CLOSED = "closed"


class Role(StrEnum):
    """Author of a message in a conversation."""

    CITIZEN = "citizen"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"


class HandoffStatus(StrEnum):
    """Lifecycle of an escalation."""

    OPEN = "open"
    CLAIMED = "claimed"
    CLOSED = "closed"


# The ``tenants`` claim of a global account (every tenant, present and future).
ALL_TENANTS = "*"


class StaffRole(StrEnum):
    """Staff roles; admin may do everything."""

    AGENT = "agent"
    EDITOR = "editor"
    AUDITOR = "auditor"
    ADMIN = "admin"


class Base(DeclarativeBase):
    """Declarative base with stable constraint names."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        dict[str, Any]: JsonType,
        AnswerTrace: TraceJson(),
    }


class Conversation(Base):
    """One chat between a citizen and the bot (and maybe an agent)."""

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # unguessable uuid4 hex
    tenant: Mapped[str] = mapped_column(String(63), index=True)
    language: Mapped[str] = mapped_column(String(8), default="de")
    state: Mapped[str] = mapped_column(String(20), default=ConversationState.BOT)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", order_by="Message.seq", cascade="all, delete-orphan"
    )


class Message(Base):
    """A message in a conversation; ``text`` is the original, ``text_redacted`` is for logs."""

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("conversation_id", "seq", name="uq_messages_conv_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    text_redacted: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), default=None
    )
    anonymised: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")
    answer: Mapped[AnswerRecord | None] = relationship(
        back_populates="message", foreign_keys="AnswerRecord.message_id", uselist=False
    )


class AnswerRecord(Base):
    """The answer log: every bot answer with the trace needed to replay it (redacted text)."""

    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), unique=True
    )
    question_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), default=None
    )
    tenant: Mapped[str] = mapped_column(String(63), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    question_redacted: Mapped[str] = mapped_column(Text)
    text_redacted: Mapped[str] = mapped_column(Text)
    confidence: Mapped[float] = mapped_column(Float)
    topic: Mapped[str | None] = mapped_column(String(200), default=None)
    # citations, offices, handoff_offered, handoff, candidate_doc_ids: what the citizen saw
    public: Mapped[dict[str, Any]] = mapped_column()
    trace: Mapped[AnswerTrace] = mapped_column()
    index_version: Mapped[str | None] = mapped_column(String(100), default=None)
    embedder: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    message: Mapped[Message] = relationship(back_populates="answer", foreign_keys=[message_id])


class Feedback(Base):
    """A citizen's helpful / not helpful vote on an answer (comment redacted)."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    helpful: Mapped[bool] = mapped_column(Boolean)
    comment_redacted: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StaffUser(Base):
    """A service-desk agent, editor, auditor or admin (argon2 password hash)."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Raised by a password change or deactivation: tokens carry the version they were
    # issued under and older ones stop working (issue 14, finding 8).
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Made by `govbot demo-users`: refused whenever GOVBOT_ENV=production.
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Tenancy (issue 14, item 10): a global account sees every tenant; any other account
    # sees only the tenants granted in ``staff_tenants`` (none granted: nothing).
    all_tenants: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    tenant_grants: Mapped[list[StaffTenant]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="StaffTenant.tenant"
    )
    # The identity provider's ``sub`` of an account that signs in through single sign-on
    # (bot/storage/sso_accounts.py); None: a local account with a password.
    sso_subject: Mapped[str | None] = mapped_column(String(255), unique=True, default=None)

    @property
    def tenants(self) -> list[str]:
        """The tenants this account works for, as in the token's ``tenants`` claim
        (``["*"]`` for a global account)."""
        if self.all_tenants:
            return [ALL_TENANTS]
        return [grant.tenant for grant in self.tenant_grants]

    def can_see(self, tenant: str) -> bool:
        """True when this account may see data of ``tenant``."""
        return self.all_tenants or any(grant.tenant == tenant for grant in self.tenant_grants)


class StaffTenant(Base):
    """One tenant a (non-global) staff account works for."""

    __tablename__ = "staff_tenants"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True
    )
    tenant: Mapped[str] = mapped_column(String(63), primary_key=True)


class Escalation(Base):
    """A handoff to the service desk (reference like ``GB-2026-000123``)."""

    __tablename__ = "escalations"
    __table_args__ = (Index("ix_escalations_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str | None] = mapped_column(String(32), unique=True, default=None)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    tenant: Mapped[str] = mapped_column(String(63))
    source: Mapped[str] = mapped_column(String(20))  # "citizen" (asked) or "bot" (answer status)
    reason_redacted: Mapped[str | None] = mapped_column(Text, default=None)
    topic: Mapped[str | None] = mapped_column(String(200), default=None)
    candidate_doc_ids: Mapped[dict[str, Any]] = mapped_column()  # {"doc_ids": [...]}
    transcript_redacted: Mapped[dict[str, Any]] = mapped_column()  # {"messages": [...]}
    expected_response: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default=HandoffStatus.OPEN)
    assigned_to: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), default=None
    )
    outcome: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)

    assignee: Mapped[StaffUser | None] = relationship()
    conversation: Mapped[Conversation] = relationship()


class AuditEntry(Base):
    """Who did what, when (details hold ids and redacted text only)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column()
    # The tenant the entry concerns; None for entries of the whole installation (logins,
    # staff accounts, purges), which only global accounts see (issue 14, item 10).
    tenant: Mapped[str | None] = mapped_column(String(63), default=None, index=True)
