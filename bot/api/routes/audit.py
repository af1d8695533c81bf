"""Staff endpoints for the audit log (auditors): filtered pages and a CSV export.

An auditor sees the entries of their own tenants; entries of the whole installation
(logins, staff accounts, purges, exports) only global accounts see (issue 14, item 10).
The export itself is audited (``audit.exported`` with the filters used). Cells that a
spreadsheet would run as a formula (``= + - @`` at the start) are prefixed with an
apostrophe (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from bot.api.deps import AuditorDep, Offset, SessionDep
from bot.api.schemas import audit_entry_public, error_responses
from bot.api.staff_schemas import AuditPage, AuditVocabulary
from bot.api.validation import UtcTime
from bot.storage import crud, staff_crud
from bot.storage.models import AuditEntry, StaffUser
from bot.storage.tenancy import scope_of

router = APIRouter(prefix="/api/v1/staff/audit", tags=["audit"])

ERRORS = error_responses(401, 403, 422)
CSV_COLUMNS = ("id", "at", "actor", "action", "target_type", "target_id", "details")
EXPORT_LIMIT = 100_000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _filters(
    staff: StaffUser,
    actor: str | None,
    action: str | None,
    target_type: str | None,
    target_id: str | None,
    since: datetime | None,
    until: datetime | None,
) -> staff_crud.AuditFilter:
    return staff_crud.AuditFilter(
        actor=actor or None,
        action=action or None,
        target_type=target_type or None,
        target_id=target_id or None,
        since=since,
        until=until,
        scope=scope_of(staff),
    )


@router.get("/entries", responses=ERRORS)
def list_entries(
    session: SessionDep,
    staff: AuditorDep,
    actor: str | None = None,
    action: Annotated[str | None, Query(description="exact, or a prefix like 'handoff'")] = None,
    target_type: str | None = None,
    target_id: str | None = None,
    since: UtcTime = None,
    until: UtcTime = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Offset = 0,
) -> AuditPage:
    """Who did what when, newest first, filtered; ``total`` counts all matches."""
    filters = _filters(staff, actor, action, target_type, target_id, since, until)
    total, entries = staff_crud.query_audit(session, filters, limit=limit, offset=offset)
    return AuditPage(total=total, entries=[audit_entry_public(e) for e in entries])


@router.get("/vocabulary", responses=ERRORS)
def vocabulary(session: SessionDep, staff: AuditorDep) -> AuditVocabulary:
    """Actions, actors and target types present in the log (for filter menus)."""
    return AuditVocabulary.model_validate(
        staff_crud.audit_vocabulary(session, scope=scope_of(staff))
    )


@router.get(
    "/export.csv",
    responses={**ERRORS, 200: {"content": {"text/csv": {}}, "description": "CSV file"}},
    response_class=StreamingResponse,
)
def export_csv(
    session: SessionDep,
    staff: AuditorDep,
    actor: str | None = None,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    since: UtcTime = None,
    until: UtcTime = None,
) -> StreamingResponse:
    """The filtered audit log as CSV (UTF-8 with BOM, so spreadsheets show umlauts)."""
    filters = _filters(staff, actor, action, target_type, target_id, since, until)
    _, entries = staff_crud.query_audit(session, filters, limit=EXPORT_LIMIT)
    used = {k: str(v) for k, v in vars(filters).items() if v is not None and k != "scope"}
    crud.audit(
        session,
        actor=staff.username,
        action="audit.exported",
        target_type="audit_log",
        target_id="csv",
        details={"filters": used, "rows": len(entries)},
    )
    session.commit()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return StreamingResponse(
        _csv_rows(entries),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="govbot-audit-{stamp}.csv"'},
    )


def _cell(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_rows(entries: list[AuditEntry]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        writer.writerow(
            [
                _cell(entry.id),
                entry.at.isoformat(),
                _cell(entry.actor),
                _cell(entry.action),
                _cell(entry.target_type),
                _cell(entry.target_id),
                _cell(json.dumps(entry.details, ensure_ascii=False, sort_keys=True)),
            ]
        )
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
