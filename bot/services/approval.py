"""The four-eyes approval shared by corrections (issue #5) and editors' documents (issue 15).

Both are written by one editor and go live only when a *second* editor approves them
(approver ≠ author); a pending one can be rejected (by another editor) or withdrawn,
and closing records who closed it, when and why (reason redacted).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.errors import PermissionDeniedError, StateConflictError
from bot.storage.models import StaffUser, utcnow
from bot.understanding.redaction import redact


def require_status(current: str, wanted: str, *, what: str, kind: str, verb: str) -> None:
    """StateConflictError unless ``what`` (e.g. "correction 7") has status ``wanted``."""
    if current != wanted:
        raise StateConflictError(f"{what} is {current}; only {wanted} {kind} can be {verb}")


def require_second_person(
    author: str, staff: StaffUser, *, what: str, written: str, verb: str
) -> None:
    """PermissionDeniedError when ``staff`` is the author (four-eyes principle)."""
    if author == staff.username:
        raise PermissionDeniedError(
            f"four-eyes principle: {what} was {written} by {author!r}; another editor must "
            f"{verb} it"
        )


@dataclass(frozen=True)
class Closing:
    """Who closed an item, when, and why (redacted)."""

    by: str
    at: datetime
    reason: str


def closing(staff: StaffUser, reason: str) -> Closing:
    """The record of ``staff`` closing an item now for ``reason``."""
    return Closing(by=staff.username, at=utcnow(), reason=redact(reason.strip()).text)
