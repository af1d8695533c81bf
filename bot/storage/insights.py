"""Aggregate queries over the answer log, handoffs and feedback for the Insights page.

Aggregates only (issue #5): counts per day, status, topic and question — never per staff
member. Days are UTC calendar days, computed by the database.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Date, cast, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.storage.logs import answer_language
from bot.storage.models import AnswerRecord, Conversation, Escalation, Feedback
from bot.storage.tenancy import TenantScope, within

UNANSWERED = ("unanswerable", "clarify", "handoff", "error")


@dataclass(frozen=True)
class Window:
    """The time window and tenant of an aggregate (tenant None: every tenant in ``scope``,
    the tenants the staff member may see; scope None: every tenant)."""

    since: datetime
    until: datetime
    tenant: str | None = None
    scope: TenantScope = None

    def tenant_is(self, column: InstrumentedAttribute[str]) -> list[ColumnElement[bool]]:
        """Conditions keeping rows of the window's tenant and scope."""
        conditions = [within(column, self.scope)]
        if self.tenant:
            conditions.append(column == self.tenant)
        return conditions


def _day(session: Session, column: Any) -> ColumnElement[Any]:
    """The UTC calendar day of a timestamp column, on SQLite and PostgreSQL."""
    if session.get_bind().dialect.name == "sqlite":
        return func.date(column)
    return cast(func.timezone("UTC", column), Date)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _answers_in(window: Window) -> list[ColumnElement[bool]]:
    conditions = [AnswerRecord.created_at >= window.since, AnswerRecord.created_at < window.until]
    conditions.extend(window.tenant_is(AnswerRecord.tenant))
    return conditions


def per_day(session: Session, window: Window) -> list[dict[str, Any]]:
    """Per day: questions, answers by status, conversations, handoffs and the handoff rate."""
    day = _day(session, AnswerRecord.created_at)
    rows = session.execute(
        select(day, AnswerRecord.status, func.count(AnswerRecord.id))
        .where(*_answers_in(window))
        .group_by(day, AnswerRecord.status)
    ).all()
    days: dict[date, dict[str, Any]] = defaultdict(
        lambda: {"questions": 0, "statuses": {}, "conversations": 0, "handoffs": 0}
    )
    for raw_day, status, count in rows:
        entry = days[_as_date(raw_day)]
        entry["questions"] += count
        entry["statuses"][status] = count
    for model, key in ((Conversation, "conversations"), (Escalation, "handoffs")):
        model_day = _day(session, model.created_at)
        conditions = [model.created_at >= window.since, model.created_at < window.until]
        conditions.extend(window.tenant_is(model.tenant))
        for raw_day, count in session.execute(
            select(model_day, func.count(model.id)).where(*conditions).group_by(model_day)
        ).all():
            days[_as_date(raw_day)][key] = count
    result = []
    for when in sorted(days):
        entry = days[when]
        rate = entry["handoffs"] / entry["conversations"] if entry["conversations"] else None
        result.append({"day": when, **entry, "handoff_rate": rate})
    return result


def status_totals(session: Session, window: Window) -> dict[str, int]:
    """Answers per status in the window."""
    rows = session.execute(
        select(AnswerRecord.status, func.count(AnswerRecord.id))
        .where(*_answers_in(window))
        .group_by(AnswerRecord.status)
    ).all()
    return {status: count for status, count in rows}


def language_totals(session: Session, window: Window) -> dict[str, dict[str, int]]:
    """Answers per language and status in the window (issue 13 item 6); entries logged
    before answers had a language count under ``unknown``."""
    language = answer_language()
    rows = session.execute(
        select(language, AnswerRecord.status, func.count(AnswerRecord.id))
        .where(*_answers_in(window))
        .group_by(language, AnswerRecord.status)
    ).all()
    totals: dict[str, dict[str, int]] = defaultdict(dict)
    for code, status, count in rows:
        totals[code or "unknown"][status] = count
    return {code: dict(sorted(statuses.items())) for code, statuses in sorted(totals.items())}


def top_topics(session: Session, window: Window, *, limit: int = 15) -> list[dict[str, Any]]:
    """The most asked topics (answers with a detected topic)."""
    count = func.count(AnswerRecord.id)
    rows = session.execute(
        select(AnswerRecord.topic, count)
        .where(*_answers_in(window), AnswerRecord.topic.is_not(None))
        .group_by(AnswerRecord.topic)
        .order_by(count.desc(), AnswerRecord.topic)
        .limit(limit)
    ).all()
    return [{"topic": topic, "count": n} for topic, n in rows]


def content_gaps(
    session: Session, window: Window, *, min_confidence: float, limit: int = 30
) -> list[dict[str, Any]]:
    """Unanswered or low-confidence questions grouped by their (redacted) wording."""
    weak = (AnswerRecord.status.in_(UNANSWERED)) | (
        (AnswerRecord.status == "answered") & (AnswerRecord.confidence < min_confidence)
    )
    rows = session.execute(
        select(
            AnswerRecord.question_redacted,
            AnswerRecord.status,
            AnswerRecord.topic,
            AnswerRecord.confidence,
            AnswerRecord.created_at,
            AnswerRecord.tenant,
        )
        .where(*_answers_in(window), weak)
        .order_by(AnswerRecord.id.desc())
        .limit(5000)
    ).all()
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for question, status, topic, confidence, created_at, tenant in rows:
        key = (tenant, " ".join(question.casefold().split()).strip(" ?!."))
        group = groups.setdefault(
            key,
            {
                "question": question,
                "tenant": tenant,
                "count": 0,
                "statuses": {},
                "topic": topic,
                "confidence_sum": 0.0,
                "last_asked": created_at,
            },
        )
        group["count"] += 1
        group["statuses"][status] = group["statuses"].get(status, 0) + 1
        group["confidence_sum"] += confidence
        group["topic"] = group["topic"] or topic
    ranked = sorted(groups.values(), key=lambda g: (-g["count"], -g["last_asked"].timestamp()))
    return [
        {
            "question": g["question"],
            "tenant": g["tenant"],
            "count": g["count"],
            "statuses": g["statuses"],
            "topic": g["topic"],
            "mean_confidence": round(g["confidence_sum"] / g["count"], 3),
            "last_asked": g["last_asked"],
        }
        for g in ranked[:limit]
    ]


def feedback_summary(session: Session, window: Window, *, comments: int = 20) -> dict[str, Any]:
    """Helpful / unhelpful votes per day and the newest (redacted) comments."""
    conditions = [Feedback.created_at >= window.since, Feedback.created_at < window.until]
    joined = select(Feedback).join(AnswerRecord, AnswerRecord.id == Feedback.answer_id)
    conditions.extend(window.tenant_is(AnswerRecord.tenant))
    day = _day(session, Feedback.created_at)
    rows = session.execute(
        joined.with_only_columns(day, Feedback.helpful, func.count(Feedback.id))
        .where(*conditions)
        .group_by(day, Feedback.helpful)
    ).all()
    days: dict[date, dict[str, int]] = defaultdict(lambda: {"helpful": 0, "unhelpful": 0})
    for raw_day, helpful, count in rows:
        days[_as_date(raw_day)]["helpful" if helpful else "unhelpful"] += count
    recent = session.execute(
        joined.with_only_columns(
            Feedback.helpful, Feedback.comment_redacted, Feedback.created_at, AnswerRecord.status
        )
        .where(*conditions, Feedback.comment_redacted.is_not(None))
        .order_by(Feedback.id.desc())
        .limit(comments)
    ).all()
    return {
        "helpful": sum(d["helpful"] for d in days.values()),
        "unhelpful": sum(d["unhelpful"] for d in days.values()),
        "per_day": [{"day": d, **days[d]} for d in sorted(days)],
        "comments": [
            {"helpful": h, "comment": c, "created_at": at, "answer_status": s}
            for h, c, at, s in recent
        ],
    }
