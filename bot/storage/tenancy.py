"""Which tenants' data a staff account may see (issue 14, item 10).

Every staff query filters with :func:`visible_to`, and every lookup by id goes through
:func:`ensure_visible`, which answers an id of another tenant exactly like an unknown id
(404, not 403: an agent of one town cannot even learn that another town's handoff exists).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, true
from sqlalchemy.orm import InstrumentedAttribute

from bot.errors import NotFoundError
from bot.storage.models import ALL_TENANTS, StaffTenant, StaffUser

TENANT_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"  # as IngestSourceSettings.tenant


def visible_to(
    staff: StaffUser, column: InstrumentedAttribute[str] | ColumnElement[str]
) -> ColumnElement[bool]:
    """A WHERE clause keeping rows whose ``column`` is a tenant ``staff`` may see."""
    if staff.all_tenants:
        return true()
    return column.in_(staff.tenants)


def ensure_visible(staff: StaffUser, tenant: str, kind: str, ident: object) -> None:
    """NotFoundError (as for an unknown id) unless ``staff`` may see ``tenant``."""
    if not staff.can_see(tenant):
        raise NotFoundError(kind, ident)


def grant_tenants(user: StaffUser, tenants: Iterable[str]) -> None:
    """Make ``user`` work for exactly ``tenants`` (``["*"]``: every tenant)."""
    wanted = sorted(set(tenants))
    if ALL_TENANTS in wanted:
        if wanted != [ALL_TENANTS]:
            raise ValueError(f"'*' (every tenant) cannot be combined with tenants {wanted}")
        user.all_tenants = True
        user.tenant_grants = []
        return
    user.all_tenants = False
    kept = {grant.tenant: grant for grant in user.tenant_grants}
    user.tenant_grants = [kept.get(t) or StaffTenant(tenant=t) for t in wanted]
