"""Staff login: OAuth2 password flow returning an expiring bearer token."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from bot.api.deps import CurrentStaff, SessionDep, SettingsDep, refuse_demo_in_production
from bot.api.middleware import CLIENT_STATE_KEY
from bot.api.schemas import Token, error_responses
from bot.errors import AuthError, RateLimitedError
from bot.services.ratelimit import RateLimiter
from bot.services.security import verify_password
from bot.services.sso import SingleSignOn
from bot.services.staff_login import issue_login_token
from bot.storage import crud
from bot.storage.sso_accounts import is_sso_account
from govbot_client.sso import LogoutPublic

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

ERRORS = error_responses(401, 422, 429)


@router.post("/token", responses=ERRORS)
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
) -> Token:
    """Exchange username and password for a bearer token (form fields, OAuth2 password flow)."""
    _limit_attempts(request, form.username)
    user = crud.get_staff_user(session, form.username)
    # Accounts of the identity provider have no password (bot/storage/sso_accounts.py).
    local = user is not None and not is_sso_account(user)
    valid = verify_password(form.password, user.password_hash if user and local else None)
    if user is None or not valid or not user.active:
        logger.warning("failed staff login for username=%r", form.username[:64])
        raise AuthError("incorrect username or password")
    refuse_demo_in_production(user, settings)
    token, lifetime = issue_login_token(session, user, api=settings.api, method="password")
    session.commit()
    return Token(access_token=token, expires_in=lifetime, role=user.role, tenants=user.tenants)


@router.post("/logout", responses=error_responses(401))
def logout(staff: CurrentStaff, session: SessionDep, request: Request) -> LogoutPublic:
    """End the session: every token of this account stops working (also on other devices).

    For an account of the identity provider, ``logout_url`` is the provider's logout page
    (RP-initiated logout), where the browser ends the provider's session too.
    """
    staff.token_version += 1
    crud.audit(
        session, actor=staff.username, action="auth.logout", target_type="staff", target_id=staff.id
    )
    session.commit()
    sso: SingleSignOn | None = request.app.state.sso
    logout_url = sso.logout_url() if sso is not None and is_sso_account(staff) else None
    return LogoutPublic(revoked=True, logout_url=logout_url)


def _limit_attempts(request: Request, username: str) -> None:
    """Attempts per user name and per address, apart from the citizens' limit (finding 3)."""
    limiter: RateLimiter = request.app.state.limiter
    address = str(getattr(request.state, CLIENT_STATE_KEY, "unknown"))
    for limit, key, whom in (
        ("login_address", address, "this address"),
        ("login", username.strip().lower()[:64], "this user name"),
    ):
        decision = limiter.hit(key, limit=limit)  # type: ignore[arg-type]
        if not decision.allowed:
            logger.warning("staff login attempts limited (%s)", limit)
            raise RateLimitedError(
                f"too many login attempts for {whom}; retry in {decision.retry_after_s} s",
                retry_after_s=decision.retry_after_s,
            )
