"""Input bounds every endpoint shares, so that no input reaches storage it cannot hold.

Found by a security review (issue 14, finding 4), each a 500 before:

- text with a lone surrogate (``"\\ud800"`` is valid JSON, but not encodable as UTF-8: the
  embedder and the database fail) or a NUL character (PostgreSQL text cannot hold it);
- integers beyond what an INTEGER column holds (ids, ``after``, offsets: 32 bits on
  PostgreSQL, SQLite overflows at 64 bits);
- times without a zone (a date-only ``since=2026-01-01``): taken as UTC; times that leave
  the calendar when converted to UTC (``9999-12-31T23:59:59-14:00``): 422.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Path, Query, Request
from pydantic import AfterValidator

from govbot_client.inputs import MAX_ID, InputModel, check_text
from knowledge.errors import InvalidQueryError

__all__ = ["MAX_ID", "InputModel", "RecordId", "UtcTime", "as_utc", "check_text"]


def as_utc(value: datetime | None) -> datetime | None:
    """``value`` in UTC; a time without a zone is taken as UTC."""
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError(
            f"{value.isoformat()} is out of range once converted to UTC; use a nearer date"
        ) from exc


UtcTime = Annotated[
    datetime | None,
    AfterValidator(as_utc),
    Query(description="ISO 8601 date or time; without a zone it is taken as UTC"),
]
RecordId = Annotated[int, Path(ge=1, le=MAX_ID)]


def storable_parameters(request: Request) -> None:
    """Refuse query and path parameters that storage could not hold (an app-wide dependency)."""
    for name, value in [*request.query_params.multi_items(), *request.path_params.items()]:
        try:
            check_text(str(value))
        except ValueError as exc:
            raise InvalidQueryError(f"parameter {name!r}: {exc}") from exc
