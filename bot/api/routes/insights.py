"""Staff endpoints with aggregates over the answer log (auditors, admins; gaps also editors).

Aggregates only: questions per day, statuses, handoff rate, topics, content gaps and
feedback. Nothing here is broken down by staff member (issue #5). Every figure covers the
tenants of the staff member only (issue 14, item 10).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from bot.api.deps import AnswerReaderDep, AuditorDep, SessionDep, SettingsDep
from bot.api.schemas import error_responses
from bot.api.staff_schemas import (
    ContentGap,
    DayInsight,
    FeedbackInsight,
    InsightsPublic,
    InsightTotals,
    TopicCount,
)
from bot.api.validation import UtcTime
from bot.storage import insights
from bot.storage.models import StaffUser
from bot.storage.tenancy import scope_of
from knowledge.errors import InvalidQueryError

router = APIRouter(prefix="/api/v1/staff/insights", tags=["insights"])

ERRORS = error_responses(401, 403, 422)
Days = Annotated[int, Query(ge=1, le=366, description="window length when since is omitted")]


def _window(
    staff: StaffUser,
    tenant: str | None,
    days: int,
    since: datetime | None,
    until: datetime | None,
) -> insights.Window:
    end = until or datetime.now(UTC)
    start = since or end - timedelta(days=days)
    if start >= end:
        raise InvalidQueryError(f"since {start.isoformat()} is not before until {end.isoformat()}")
    return insights.Window(since=start, until=end, tenant=tenant or None, scope=scope_of(staff))


@router.get("", responses=ERRORS)
def get_insights(
    session: SessionDep,
    settings: SettingsDep,
    staff: AuditorDep,
    tenant: str | None = None,
    days: Days = 30,
    since: UtcTime = None,
    until: UtcTime = None,
) -> InsightsPublic:
    """Everything the Insights page shows, for one window (default: the last 30 days)."""
    window = _window(staff, tenant, days, since, until)
    per_day = insights.per_day(session, window)
    statuses = insights.status_totals(session, window)
    questions = sum(statuses.values())
    conversations = sum(d["conversations"] for d in per_day)
    handoffs = sum(d["handoffs"] for d in per_day)
    return InsightsPublic(
        since=window.since,
        until=window.until,
        tenant=window.tenant,
        totals=InsightTotals(
            questions=questions,
            conversations=conversations,
            handoffs=handoffs,
            handoff_rate=handoffs / conversations if conversations else None,
            answered_rate=statuses.get("answered", 0) / questions if questions else None,
        ),
        per_day=[DayInsight.model_validate(d) for d in per_day],
        statuses=statuses,
        topics=[TopicCount.model_validate(t) for t in insights.top_topics(session, window)],
        gaps=[
            ContentGap.model_validate(g)
            for g in insights.content_gaps(
                session, window, min_confidence=settings.dialogue.min_confidence
            )
        ],
        feedback=FeedbackInsight.model_validate(insights.feedback_summary(session, window)),
        languages=insights.language_totals(session, window),
    )


@router.get("/gaps", responses=ERRORS)
def get_gaps(
    session: SessionDep,
    settings: SettingsDep,
    staff: AnswerReaderDep,
    tenant: str | None = None,
    days: Days = 30,
    since: UtcTime = None,
    until: UtcTime = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 30,
) -> list[ContentGap]:
    """Unanswered and low-confidence questions grouped by wording: the content gaps."""
    window = _window(staff, tenant, days, since, until)
    gaps = insights.content_gaps(
        session, window, min_confidence=settings.dialogue.min_confidence, limit=limit
    )
    return [ContentGap.model_validate(g) for g in gaps]
