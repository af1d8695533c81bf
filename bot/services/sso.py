"""Single sign-on for staff (issue 14, item 11): the login's state, claims → role and tenants.

The browser's way through a login (bot/api/routes/sso.py):

1. ``GET /api/v1/auth/sso/login``: ``begin()`` makes state, nonce and PKCE verifier
   (bot/services/oidc.py) and keeps them in a signed, HttpOnly cookie of the API's own
   origin, so the login is bound to this browser and no server keeps half-done logins.
2. The provider's page; then ``GET /api/v1/auth/sso/callback?code&state``: ``finish()``
   checks state against the cookie, trades the code (with the verifier), validates the
   ID token (with the nonce) and maps its claims (``identity_from_claims``).
3. The API provisions the account (bot/storage/sso_accounts.py) and sends the browser to
   the console with a **ticket**: signed, valid ``TICKET_SECONDS``, usable once.
4. The console trades the ticket (``POST /api/v1/auth/sso/ticket``) for GovBot's own access
   token, the same kind a password login gets: every role and tenant check of the API
   stays one code path, and no access token ever appears in a URL.
"""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
from limits import RateLimitItemPerMinute
from limits.storage import Storage
from limits.strategies import MovingWindowRateLimiter

from bot.errors import SsoRefusedError
from bot.services.oidc import OidcClient
from bot.settings import OidcSettings, Settings
from bot.storage.models import ALL_TENANTS, StaffRole
from bot.storage.tenancy import TENANT_PATTERN
from knowledge.errors import ConfigurationError

logger = logging.getLogger(__name__)

FLOW_COOKIE = "govbot_sso_flow"
TICKET_SECONDS = 60
ALGORITHM = "HS256"
_FLOW_AUDIENCE = "govbot:sso-flow"  # audiences keep the three kinds of GovBot token apart
_TICKET_AUDIENCE = "govbot:sso-ticket"
MAX_USERNAME_CHARS = 64  # staff_users.username


@dataclass(frozen=True)
class SsoIdentity:
    """Who signed in, as GovBot sees them: subject, user name, role and tenants."""

    subject: str
    username: str
    role: StaffRole
    tenants: tuple[str, ...]  # tenant ids, or ("*",) for every tenant


def claim_values(claims: dict[str, Any], name: str) -> list[str]:
    """The values of claim ``name`` as strings: a claim of that exact name (ADFS uses URIs
    with dots as names), else a dotted path into nested claims (Keycloak's
    ``realm_access.roles``). A single string counts as one value."""
    value: Any = claims.get(name)
    if value is None and "." in name:
        value = claims
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(item) for item in value if isinstance(item, str | int)]
    return []


def identity_from_claims(claims: dict[str, Any], oidc: OidcSettings) -> SsoIdentity:
    """Map validated ID token claims to a GovBot identity; SsoRefusedError when no role or
    tenant maps, or the user name is missing."""
    names = claim_values(claims, oidc.username_claim)
    username = names[0].strip() if names else ""
    if not username or len(username) > MAX_USERNAME_CHARS:
        raise SsoRefusedError(
            "no_username",
            f"the ID token's claim {oidc.username_claim!r} (GOVBOT_OIDC__USERNAME_CLAIM) "
            f"is missing or longer than {MAX_USERNAME_CHARS} characters",
        )
    granted = claim_values(claims, oidc.roles_claim)
    role = next(
        (StaffRole(role) for value, role in oidc.role_map.items() if value in granted), None
    )
    if role is None:
        raise SsoRefusedError(
            "no_role",
            f"{username!r} has no GovBot role: claim {oidc.roles_claim!r} holds {granted}, "
            f"GOVBOT_OIDC__ROLE_MAP maps {sorted(oidc.role_map)}",
        )
    return SsoIdentity(
        subject=str(claims["sub"]),
        username=username,
        role=role,
        tenants=_tenants(claims, oidc, username),
    )


def _tenants(claims: dict[str, Any], oidc: OidcSettings, username: str) -> tuple[str, ...]:
    values = claim_values(claims, oidc.tenants_claim)
    if oidc.tenant_map:
        tenants = {oidc.tenant_map[value] for value in values if value in oidc.tenant_map}
    else:
        tenants = {value for value in values if _is_tenant(value)}
    if not tenants:
        tenants = set(oidc.default_tenants)
    if ALL_TENANTS in tenants:
        return (ALL_TENANTS,)
    if not tenants:
        raise SsoRefusedError(
            "no_tenant",
            f"{username!r} works for no tenant: claim {oidc.tenants_claim!r} holds {values} "
            "(GOVBOT_OIDC__TENANTS_CLAIM, GOVBOT_OIDC__TENANT_MAP) and "
            "GOVBOT_OIDC__DEFAULT_TENANTS is empty",
        )
    return tuple(sorted(tenants))


def _is_tenant(value: str) -> bool:
    return value == ALL_TENANTS or re.fullmatch(TENANT_PATTERN, value) is not None


class SingleSignOn:
    """The API's side of a staff login through the identity provider."""

    def __init__(
        self,
        settings: Settings,
        *,
        storage: Storage,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if settings.api.jwt_secret is None:
            raise ConfigurationError("SingleSignOn needs the token signing secret (create_app)")
        self.settings = settings
        self.provider = OidcClient(
            settings.oidc, redirect_uri=settings.sso_redirect_uri, transport=transport
        )
        self._secret = settings.api.jwt_secret.get_secret_value()
        self._used_tickets = MovingWindowRateLimiter(storage)
        self._ticket_window = RateLimitItemPerMinute(1, 2)  # longer than a ticket lives

    @property
    def flow_seconds(self) -> int:
        """How long a started login may take at the provider's page."""
        return self.settings.oidc.login_minutes * 60

    def begin(self) -> tuple[str, str]:
        """The provider URL to send the browser to, and the flow cookie's value."""
        start = self.provider.start()
        flow = {
            "state": start.state,
            "nonce": start.nonce,
            "verifier": start.code_verifier,
        }
        return start.authorization_url, self._sign(flow, _FLOW_AUDIENCE, self.flow_seconds)

    def finish(self, *, code: str, state: str, flow_cookie: str | None) -> dict[str, Any]:
        """Check the provider's answer against this browser's login; the ID token's claims."""
        if not flow_cookie:
            raise SsoRefusedError(
                "flow_missing",
                "no login was started in this browser, or it took longer than "
                f"{self.settings.oidc.login_minutes} minutes (GOVBOT_OIDC__LOGIN_MINUTES); "
                "start again",
            )
        flow = self._verify(flow_cookie, _FLOW_AUDIENCE, "flow_missing", "login")
        if not secrets.compare_digest(str(flow.get("state", "")), state):
            # RFC 6749 section 10.12: an answer to another login (cross-site request forgery).
            raise SsoRefusedError(
                "state_mismatch",
                "the provider's answer belongs to another login (state does not match)",
            )
        return self.provider.exchange(
            code, code_verifier=str(flow["verifier"]), nonce=str(flow["nonce"])
        )

    def claimed_name(self, claims: dict[str, Any]) -> str:
        """The user name the claims give (for the audit log of a refused login)."""
        names = claim_values(claims, self.settings.oidc.username_claim)
        return names[0][:MAX_USERNAME_CHARS] if names else f"sub:{str(claims['sub'])[:60]}"

    def ticket_for(self, username: str) -> str:
        """A one-time ticket the console trades for ``username``'s access token."""
        return self._sign({"sub": username}, _TICKET_AUDIENCE, TICKET_SECONDS)

    def redeem(self, ticket: str) -> str:
        """The user name of ``ticket``; SsoRefusedError if it is forged, expired or used."""
        claims = self._verify(ticket, _TICKET_AUDIENCE, "ticket_invalid", "sign-in ticket")
        if not self._used_tickets.hit(self._ticket_window, "sso-ticket", str(claims["jti"])):
            raise SsoRefusedError("ticket_invalid", "this sign-in ticket was already used")
        return str(claims["sub"])

    def logout_url(self) -> str | None:
        """The provider's logout page for the browser, back to the console afterwards."""
        return self.provider.end_session_url(post_logout_redirect_uri=self.settings.sso_console_url)

    def _sign(self, claims: dict[str, Any], audience: str, seconds: int) -> str:
        now = datetime.now(UTC)
        payload = {
            **claims,
            "aud": audience,
            "jti": uuid.uuid4().hex,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(seconds=seconds)).timestamp()),
        }
        return jwt.encode(payload, self._secret, algorithm=ALGORITHM)

    def _verify(self, token: str, audience: str, reason: str, what: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=audience,
                options={"require": ["aud", "exp", "jti"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise SsoRefusedError(reason, f"the {what} has expired; sign in again") from exc
        except jwt.InvalidTokenError as exc:
            raise SsoRefusedError(reason, f"the {what} is not valid ({exc})") from exc
        return claims
