"""Logs kept for editors and auditors: the answer log (with feedback) and the audit log.

Everything here holds redacted text only (DESIGN.md section 5); the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from bot.storage.models import AnswerRecord, AuditEntry, Feedback, utcnow
from bot.storage.tenancy import TenantScope, within

# --- answer log -----------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerFilter:
    """Filters of the answer log (all optional; ``scope``: the tenants the reader may see)."""

    status: str | None = None
    tenant: str | None = None
    scope: TenantScope = None
    since: datetime | None = None
    until: datetime | None = None
    feedback: str | None = None  # "helpful", "unhelpful", "any", "none"
    min_confidence: float | None = None
    max_confidence: float | None = None
    language: str | None = None  # the answer's language (issue 13 item 6)


def answer_language() -> ColumnElement[str | None]:
    """The language an answer was written in, from what the citizen saw (``public``);
    NULL for entries logged before answers had a language."""
    language: ColumnElement[str | None] = AnswerRecord.public["language"].as_string()
    return language


def query_answers(
    session: Session, filters: AnswerFilter, *, limit: int = 100, offset: int = 0
) -> list[tuple[AnswerRecord, list[Feedback]]]:
    """Answer log entries newest first, each with its feedback."""
    statement = (
        select(AnswerRecord)
        .where(within(AnswerRecord.tenant, filters.scope))
        .order_by(AnswerRecord.id.desc())
    )
    if filters.status:
        statement = statement.where(AnswerRecord.status == filters.status)
    if filters.tenant:
        statement = statement.where(AnswerRecord.tenant == filters.tenant)
    if filters.language:
        statement = statement.where(answer_language() == filters.language)
    if filters.since:
        statement = statement.where(AnswerRecord.created_at >= filters.since)
    if filters.until:
        statement = statement.where(AnswerRecord.created_at < filters.until)
    if filters.min_confidence is not None:
        statement = statement.where(AnswerRecord.confidence >= filters.min_confidence)
    if filters.max_confidence is not None:
        statement = statement.where(AnswerRecord.confidence <= filters.max_confidence)
    has_feedback = exists().where(Feedback.answer_id == AnswerRecord.id)
    if filters.feedback == "helpful":
        statement = statement.where(has_feedback.where(Feedback.helpful.is_(True)))
    elif filters.feedback == "unhelpful":
        statement = statement.where(has_feedback.where(Feedback.helpful.is_(False)))
    elif filters.feedback == "any":
        statement = statement.where(has_feedback)
    elif filters.feedback == "none":
        statement = statement.where(~has_feedback)
    records = list(session.scalars(statement.limit(limit).offset(offset)))
    votes: dict[int, list[Feedback]] = {record.id: [] for record in records}
    if records:
        for vote in session.scalars(
            select(Feedback).where(Feedback.answer_id.in_(votes)).order_by(Feedback.id)
        ):
            votes[vote.answer_id].append(vote)
    return [(record, votes[record.id]) for record in records]


# --- audit log ----------------------------------------------------------


def audit(
    session: Session,
    *,
    actor: str,
    action: str,
    target_type: str,
    target_id: str | int,
    details: dict[str, Any] | None = None,
    tenant: str | None = None,
) -> AuditEntry:
    """Append an audit entry (details must already be redacted); ``tenant``: the tenant
    whose data it concerns (None: the whole installation)."""
    entry = AuditEntry(
        at=utcnow(),
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        details=details or {},
        tenant=tenant,
    )
    session.add(entry)
    return entry


def list_audit(
    session: Session,
    *,
    action: str | None = None,
    since: datetime | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[AuditEntry]:
    """Audit entries newest first."""
    statement = select(AuditEntry).order_by(AuditEntry.id.desc())
    if action:
        statement = statement.where(AuditEntry.action == action)
    if since:
        statement = statement.where(AuditEntry.at >= since)
    return list(session.scalars(statement.limit(limit).offset(offset)))
