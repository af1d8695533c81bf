"""A staff account that has proved who it is gets GovBot's access token (one code path).

Password logins (bot/api/routes/auth.py) and single sign-on (bot/api/routes/sso.py) end
here, so the token's role, tenants and version and the audited login are the same
whichever way the account signed in.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy.orm import Session

from bot.services.security import create_access_token
from bot.settings import ApiSettings
from bot.storage import crud
from bot.storage.models import StaffRole, StaffUser

LoginMethod = Literal["password", "sso"]


def issue_login_token(
    session: Session, user: StaffUser, *, api: ApiSettings, method: LoginMethod
) -> tuple[str, int]:
    """The access token and its lifetime in seconds; the login is written to the audit log
    (the caller commits)."""
    token, lifetime = create_access_token(
        user.username,
        role=StaffRole(user.role),
        tenants=user.tenants,
        api=api,
        version=user.token_version,
    )
    crud.audit(
        session,
        actor=user.username,
        action="auth.login",
        target_type="staff",
        target_id=user.id,
        details={"method": method, "role": user.role, "tenants": user.tenants},
    )
    return token, lifetime
