"""Staff accounts of the identity provider (single sign-on, issue 14, item 11).

An account signed in through the provider is a ``staff_users`` row like any other (handoffs
are assigned to it, the audit log names it, tokens carry its ``token_version``), marked by
``sso_subject``: the provider's stable ``sub``. Every login sets its role and tenants from
the provider's claims, so a change in the directory takes effect at the next login. It has
no usable password (``UNUSABLE_PASSWORD``; password logins skip such accounts), and it is
never merged with a local account of the same name: local accounts stay for small
installations and break-glass admins, and a provider user called "admin" must not become
the local admin.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import SsoRefusedError
from bot.storage.crud import audit, create_staff_user, get_staff_user
from bot.storage.models import StaffRole, StaffUser
from bot.storage.tenancy import grant_tenants

# Not a hash of anything: no password verifies against it (Unix' "!" in /etc/shadow).
UNUSABLE_PASSWORD = "!sso"


def get_by_subject(session: Session, subject: str) -> StaffUser | None:
    """The account the provider's ``sub`` signed in to before, or None."""
    statement = select(StaffUser).where(StaffUser.sso_subject == subject)
    return session.scalars(statement).one_or_none()


def sign_in(
    session: Session,
    *,
    subject: str,
    username: str,
    role: StaffRole,
    tenants: Sequence[str],
) -> StaffUser:
    """The account of ``subject``, created on first login, with role and tenants of now.

    SsoRefusedError when GovBot deactivated it or another account has the name.
    """
    user = get_by_subject(session, subject)
    named = get_staff_user(session, username)
    if named is not None and named is not user:
        kind = "local account" if named.sso_subject is None else "account of another sign-on"
        raise SsoRefusedError(
            "account_conflict",
            f"a {kind} named {username!r} exists already; GovBot never merges accounts: "
            "rename that one (`govbot users`) or choose another GOVBOT_OIDC__USERNAME_CLAIM",
        )
    if user is None:
        user = create_staff_user(
            session,
            username=username,
            password_hash=UNUSABLE_PASSWORD,
            role=role,
            tenants=tenants,
        )
        user.sso_subject = subject
        _audit_account(session, user, "staff.created", role, tenants)
        session.flush()
        return user
    if not user.active:
        raise SsoRefusedError(
            "account_deactivated",
            f"{username!r} is deactivated in GovBot; an admin reactivates it with "
            f"`govbot users activate {user.username}`",
        )
    changed = user.username != username or user.role != role or user.tenants != list(tenants)
    user.username = username
    user.role = role
    grant_tenants(user, tenants)
    if changed:
        _audit_account(session, user, "staff.updated", role, tenants)
    session.flush()
    return user


def _audit_account(
    session: Session, user: StaffUser, action: str, role: StaffRole, tenants: Sequence[str]
) -> None:
    """Audit what a sign-on did to ``user`` (the account acts on itself)."""
    audit(
        session,
        actor=user.username,
        action=action,
        target_type="staff",
        target_id=user.id,
        details={"method": "sso", "role": role.value, "tenants": list(tenants)},
    )


def is_sso_account(user: StaffUser) -> bool:
    """True for an account that signs in through the identity provider only."""
    return user.sso_subject is not None
