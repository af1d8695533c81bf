"""Old staff paths kept for one release as aliases of the endpoints that replaced them.

Issue 11 (item 5) merged two pairs of overlapping staff endpoints:

- ``GET /api/v1/staff/answers`` → ``GET /api/v1/staff/review/answers`` (the same answer
  log, with verdicts and corrections; the one the console reads);
- ``GET /api/v1/staff/audit`` → ``GET /api/v1/staff/audit/entries`` (more filters and
  ``total`` for paging).

The old paths answer as before (same JSON shape, computed by the new endpoints) and
say they are deprecated: ``deprecated`` in the OpenAPI schema, a ``Deprecation``
header (RFC 9745) with the date, and a ``Link`` to the successor (RFC 8288). Remove
this module in the release after 0.2.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from bot.api.deps import AnswerReaderDep, AuditorDep, Limit, Offset, SessionDep
from bot.api.routes import audit, review
from bot.api.schemas import AnswerLogEntry, AuditEntryPublic, error_responses
from bot.api.validation import UtcTime

router = APIRouter(prefix="/api/v1/staff", tags=["staff"])

ERRORS = error_responses(401, 403, 422)
DEPRECATED_SINCE = datetime(2026, 12, 6, tzinfo=UTC)


def mark_deprecated(response: Response, successor: str) -> None:
    """Set the headers that tell a client to move to ``successor``."""
    response.headers["Deprecation"] = f"@{int(DEPRECATED_SINCE.timestamp())}"
    response.headers["Link"] = f'<{successor}>; rel="successor-version"'


@router.get("/answers", responses=ERRORS, deprecated=True)
def list_answers(
    response: Response,
    session: SessionDep,
    staff: AnswerReaderDep,
    status: str | None = None,
    tenant: str | None = None,
    since: UtcTime = None,
    until: UtcTime = None,
    feedback: Literal["helpful", "unhelpful", "any", "none"] | None = None,
    min_confidence: Annotated[float | None, Query(ge=0, le=1)] = None,
    max_confidence: Annotated[float | None, Query(ge=0, le=1)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[AnswerLogEntry]:
    """Deprecated: use ``GET /api/v1/staff/review/answers`` (same log, with verdicts)."""
    mark_deprecated(response, "/api/v1/staff/review/answers")
    reviewed = review.list_answers(
        session,
        staff,
        status=status,
        tenant=tenant,
        since=since,
        until=until,
        feedback=feedback,
        min_confidence=min_confidence,
        max_confidence=max_confidence,
        limit=limit,
        offset=offset,
    )
    fields = set(AnswerLogEntry.model_fields)
    return [AnswerLogEntry.model_validate(a.model_dump(include=fields)) for a in reviewed]


@router.get("/audit", responses=ERRORS, deprecated=True)
def list_audit(
    response: Response,
    session: SessionDep,
    staff: AuditorDep,
    action: str | None = None,
    since: UtcTime = None,
    limit: Limit = 200,
    offset: Offset = 0,
) -> list[AuditEntryPublic]:
    """Deprecated: use ``GET /api/v1/staff/audit/entries`` (more filters, a ``total``)."""
    mark_deprecated(response, "/api/v1/staff/audit/entries")
    page = audit.list_entries(
        session, staff, action=action, since=since, limit=limit, offset=offset
    )
    return page.entries
