"""Aggregate queries for the monthly usage report (issue 15): per week, per language,
the most cited services, handoff times. Aggregates only: never per staff member, and
only redacted text (bot/storage/insights.py holds the queries shared with Insights).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from statistics import median
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.storage.insights import Window
from bot.storage.models import AnswerRecord, Conversation, Escalation, Message


def iso_week(moment: datetime | date) -> str:
    """``2026-W14`` for a timestamp or day."""
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def per_week(session: Session, window: Window) -> list[dict[str, Any]]:
    """Per ISO week: conversations started and citizens' messages."""
    weeks: dict[str, dict[str, int]] = {}
    conversations = select(Conversation.created_at).where(
        Conversation.created_at >= window.since, Conversation.created_at < window.until
    )
    messages = (
        select(Message.created_at)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Message.role == "citizen",
            Message.created_at >= window.since,
            Message.created_at < window.until,
        )
    )
    conversations = conversations.where(*window.tenant_is(Conversation.tenant))
    messages = messages.where(*window.tenant_is(Conversation.tenant))
    for key, statement in (("conversations", conversations), ("messages", messages)):
        for (moment,) in session.execute(statement.execution_options(yield_per=5000)):
            week = weeks.setdefault(iso_week(moment), {"conversations": 0, "messages": 0})
            week[key] += 1
    return [{"week": week, **weeks[week]} for week in sorted(weeks)]


def languages(session: Session, window: Window) -> dict[str, int]:
    """Conversations per language."""
    statement = (
        select(Conversation.language, func.count(Conversation.id))
        .where(Conversation.created_at >= window.since, Conversation.created_at < window.until)
        .group_by(Conversation.language)
    )
    statement = statement.where(*window.tenant_is(Conversation.tenant))
    return {language: count for language, count in session.execute(statement).tuples()}


def cited_services(session: Session, window: Window, *, limit: int = 10) -> list[dict[str, Any]]:
    """The services answers were taken from most often (first citation of answered ones)."""
    statement = select(AnswerRecord.public).where(
        AnswerRecord.created_at >= window.since,
        AnswerRecord.created_at < window.until,
        AnswerRecord.status == "answered",
    )
    statement = statement.where(*window.tenant_is(AnswerRecord.tenant))
    counts: Counter[tuple[str, str]] = Counter()
    for (public,) in session.execute(statement.execution_options(yield_per=5000)):
        citations = public.get("citations") or []
        if citations:
            first = citations[0]
            counts[(str(first.get("doc_id", "")), str(first.get("title", "")))] += 1
    return [
        {"doc_id": doc_id, "title": title, "count": count}
        for (doc_id, title), count in counts.most_common(limit)
    ]


def handoff_times(session: Session, window: Window) -> dict[str, Any]:
    """Handoffs, and the median and 90th-percentile minutes until claimed and until closed."""
    statement = select(Escalation.created_at, Escalation.claimed_at, Escalation.closed_at).where(
        Escalation.created_at >= window.since, Escalation.created_at < window.until
    )
    statement = statement.where(*window.tenant_is(Escalation.tenant))
    rows = session.execute(statement).all()
    waiting = [(c - a).total_seconds() / 60 for a, c, _ in rows if c is not None]
    closing = [(d - a).total_seconds() / 60 for a, _, d in rows if d is not None]
    return {
        "handoffs": len(rows),
        "claimed": len(waiting),
        "closed": len(closing),
        "waiting_median_min": _round(median(waiting)) if waiting else None,
        "waiting_p90_min": _round(_p90(waiting)) if waiting else None,
        "closing_median_min": _round(median(closing)) if closing else None,
    }


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]


def _round(value: float) -> float:
    return round(value, 1)
