"""Staff single sign-on through the city's OpenID Connect provider (issue 14, item 11).

The browser opens ``/login`` and comes back to ``/callback`` from the provider; both answer
with redirects (bot/services/sso.py describes the whole way). A refused login returns the
browser to the console with ``?sso_error=<reason>`` (the console explains it in German);
the response body carries the API's usual error JSON with the full message, and the
log a warning with it. ``POST /ticket`` is the console's: ticket in, access token out.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException

from bot.api.deps import SessionDep, SettingsDep
from bot.api.schemas import SsoTicketRedeem, error_responses
from bot.errors import SsoRefusedError
from bot.services.sso import FLOW_COOKIE, SingleSignOn, identity_from_claims
from bot.services.staff_login import issue_login_token
from bot.settings import SSO_CALLBACK_PATH
from bot.storage import crud, sso_accounts
from bot.storage.models import StaffUser
from govbot_client.sso import SsoConfigPublic, SsoToken

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1/auth/sso", tags=["auth"])

COOKIE_PATH = SSO_CALLBACK_PATH.rsplit("/", 1)[0]  # /api/v1/auth/sso
# Query values from the provider: bounded like every other input (issue 14, finding 4).
ProviderValue = Annotated[str | None, Query(max_length=4096)]


def _sso(request: Request) -> SingleSignOn:
    sso: SingleSignOn | None = request.app.state.sso
    if sso is None:
        raise HTTPException(
            404,
            "single sign-on is not configured on this server (GOVBOT_OIDC__ISSUER is unset); "
            "sign in with user name and password at POST /api/v1/auth/token",
        )
    return sso


@router.get("")
def sso_config(request: Request, settings: SettingsDep) -> SsoConfigPublic:
    """Whether staff can sign in through the identity provider (the console asks)."""
    if request.app.state.sso is None:
        return SsoConfigPublic(enabled=False)
    return SsoConfigPublic(
        enabled=True, login_url=settings.sso_login_url, provider_name=settings.oidc.provider_name
    )


@router.get("/login", status_code=303, responses=error_responses(404))
def sso_login(request: Request) -> Response:
    """Send the browser to the provider's login page (authorization code flow with PKCE)."""
    sso = _sso(request)
    try:
        authorization_url, flow = sso.begin()
    except SsoRefusedError as exc:
        return _refused(sso, exc)
    response = RedirectResponse(authorization_url, status_code=303)
    response.set_cookie(
        FLOW_COOKIE,
        flow,
        max_age=sso.flow_seconds,
        path=COOKIE_PATH,
        secure=sso.settings.sso_redirect_uri.startswith("https://"),
        httponly=True,
        samesite="lax",  # sent along when the provider sends the browser back (a GET)
    )
    return response


@router.get("/callback", status_code=303, responses=error_responses(404))
def sso_callback(
    request: Request,
    session: SessionDep,
    code: ProviderValue = None,
    state: ProviderValue = None,
    error: ProviderValue = None,
    error_description: ProviderValue = None,
) -> Response:
    """The provider's answer: check it, provision the account, return to the console."""
    sso = _sso(request)
    try:
        if error is not None or not code or not state:
            raise SsoRefusedError(
                "provider_error",
                f"the provider ended the login with error {error or 'missing code'!r}"
                f"{': ' + error_description[:200] if error_description else ''}",
            )
        claims = sso.finish(code=code, state=state, flow_cookie=request.cookies.get(FLOW_COOKIE))
        user = _provision(session, sso, claims)
        session.commit()
    except SsoRefusedError as exc:
        return _refused(sso, exc)
    ticket = sso.ticket_for(user.username)
    target = f"{sso.settings.sso_console_url}/?{urlencode({'sso_ticket': ticket})}"
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(FLOW_COOKIE, path=COOKIE_PATH)
    return response


@router.post("/ticket", responses=error_responses(401, 404, 422))
def sso_ticket(
    body: SsoTicketRedeem, request: Request, session: SessionDep, settings: SettingsDep
) -> SsoToken:
    """Trade a one-time sign-in ticket for an access token (the console does this)."""
    sso = _sso(request)
    username = sso.redeem(body.ticket)
    user = crud.get_staff_user(session, username)
    if user is None or not user.active or user.sso_subject is None:
        raise SsoRefusedError(
            "account_deactivated", f"{username!r} was deactivated after signing in"
        )
    token, lifetime = issue_login_token(session, user, api=settings.api, method="sso")
    session.commit()
    return SsoToken(
        access_token=token,
        expires_in=lifetime,
        role=user.role,
        tenants=user.tenants,
        username=user.username,
        logout_url=sso.logout_url(),
    )


def _provision(session: Session, sso: SingleSignOn, claims: dict[str, Any]) -> StaffUser:
    """The account for the validated claims; a refusal (no role, no tenant, a conflict, a
    deactivated account) is written to the audit log under the name the provider gave."""
    try:
        identity = identity_from_claims(claims, sso.settings.oidc)
        return sso_accounts.sign_in(
            session,
            subject=identity.subject,
            username=identity.username,
            role=identity.role,
            tenants=identity.tenants,
        )
    except SsoRefusedError as exc:
        session.rollback()
        crud.audit(
            session,
            actor=sso.claimed_name(claims),
            action="auth.sso_refused",
            target_type="staff",
            target_id=sso.claimed_name(claims),
            details={"reason": exc.reason},
        )
        session.commit()
        raise


def _refused(sso: SingleSignOn, exc: SsoRefusedError) -> Response:
    """Back to the console's login page with the reason; the full message in the body."""
    logger.warning("single sign-on refused (%s): %s", exc.reason, exc)
    target = f"{sso.settings.sso_console_url}/?{urlencode({'sso_error': exc.reason})}"
    body = {
        "error": {"code": "sso_refused", "message": str(exc), "details": {"reason": exc.reason}}
    }
    response = JSONResponse(body, status_code=303, headers={"Location": target})
    response.delete_cookie(FLOW_COOKIE, path=COOKIE_PATH)
    return response
