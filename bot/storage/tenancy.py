"""Which tenants' data a staff account may see (issue 14, item 10).

Routes turn the principal into a :data:`TenantScope` with :func:`scope_of` and pass it to
the storage queries, which filter with :func:`within`; every lookup by id goes through
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


# The tenants a query may return: a tuple of tenant ids, or None for every tenant.
TenantScope = tuple[str, ...] | None


def scope_of(staff: StaffUser) -> TenantScope:
    """The tenants ``staff`` may see (None: every tenant)."""
    return None if staff.all_tenants else tuple(staff.tenants)


def within(
    column: InstrumentedAttribute[str] | InstrumentedAttribute[str | None] | ColumnElement[str],
    scope: TenantScope,
) -> ColumnElement[bool]:
    """A WHERE clause keeping rows whose ``column`` lies in ``scope`` (NULL only for None)."""
    if scope is None:
        return true()
    return column.in_(scope)


def in_scope(tenant: str, scope: TenantScope) -> bool:
    """True when ``tenant`` lies in ``scope``."""
    return scope is None or tenant in scope


def ensure_visible(staff: StaffUser, tenant: str, kind: str, ident: object, hint: str = "") -> None:
    """NotFoundError (the same as for an unknown id) unless ``staff`` may see ``tenant``."""
    if not staff.can_see(tenant):
        raise NotFoundError(kind, ident, hint)


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


def not_yours(tenant: str, staff: StaffUser) -> str:
    """The message for a tenant ``staff`` does not work for (answered 404 like an unknown one)."""
    return (
        f"tenant {tenant!r} is not one of the tenants of {staff.username!r} "
        f"({', '.join(staff.tenants) or 'none'})"
    )
