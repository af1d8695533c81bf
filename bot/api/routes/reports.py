"""Staff endpoint for the monthly usage report (issue 15): HTML or PDF to download.

Editors, auditors and admins. Aggregates only: no figure per employee, redacted text only.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from bot.api.deps import SessionDep, SettingsDep, require_role
from bot.api.schemas import error_responses
from bot.services.usage_report import build_report, render_html
from bot.services.usage_report_pdf import render_pdf
from bot.storage.models import StaffRole, StaffUser
from bot.storage.tenancy import not_yours
from knowledge.errors import UnknownTenantError

router = APIRouter(prefix="/api/v1/staff/reports", tags=["reports"])

ERRORS = error_responses(401, 403, 422)
ReaderDep = Annotated[StaffUser, Depends(require_role(StaffRole.EDITOR, StaffRole.AUDITOR))]


@router.get(
    "/usage",
    responses={**ERRORS, 200: {"content": {"text/html": {}, "application/pdf": {}}}},
    response_class=Response,
)
def usage_report(
    session: SessionDep,
    settings: SettingsDep,
    staff: ReaderDep,
    tenant: Annotated[str, Query(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")],
    month: Annotated[str, Query(pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$", examples=["2026-11"])],
    format: Literal["html", "pdf"] = "html",
) -> Response:
    """The month's usage report of ``tenant`` as a file (404 for a tenant not one's own)."""
    if not staff.can_see(tenant):
        raise UnknownTenantError(not_yours(tenant, staff))
    report = build_report(
        session, tenant=tenant, month=month, min_confidence=settings.dialogue.min_confidence
    )
    name = f"govbot-nutzung-{tenant}-{month}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if format == "pdf":
        return Response(render_pdf(report), media_type="application/pdf", headers=headers)
    return Response(render_html(report), media_type="text/html; charset=utf-8", headers=headers)
