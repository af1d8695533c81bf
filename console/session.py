"""The logged-in staff member, kept in Streamlit's per-browser-tab session state.

The session ends at the token's ``exp`` claim (read from the JWT payload; the API checks
the signature, the console only needs the time), on logout (which also revokes the token
at the API), or when the API answers 401. A login through the city's identity provider
(single sign-on) remembers the provider's logout page, offered after logout.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from govbot_client.staff import Token

STATE_KEY = "console.staff"
NOTICE_KEY = "console.notice"
PROVIDER_LOGOUT_KEY = "console.provider_logout"
EXPIRED_NOTICE = "Sitzung abgelaufen. Bitte melden Sie sich erneut an."
LOGGED_OUT_NOTICE = "Sie wurden abgemeldet."

ROLE_LABELS = {
    "agent": "Service-Team",
    "editor": "Redaktion",
    "auditor": "KI-Hub (Prüfung)",
    "admin": "Administration",
}


@dataclass(frozen=True)
class StaffSession:
    """A staff member's login: token, name, role, when the token expires (UTC) and the
    tenants the account works for (``("*",)``: every tenant)."""

    token: str
    username: str
    role: str
    expires_at: datetime
    tenants: tuple[str, ...] = ()
    logout_url: str | None = None  # the identity provider's logout page (single sign-on)

    def expired(self, now: datetime | None = None) -> bool:
        """True once the token's expiry has passed."""
        return (now or datetime.now(UTC)) >= self.expires_at

    @property
    def role_label(self) -> str:
        """The role in German."""
        return ROLE_LABELS.get(self.role, self.role)

    def own(self, tenants: list[str]) -> list[str]:
        """Those of ``tenants`` this account works for (the API shows no others' data)."""
        if "*" in self.tenants:
            return tenants
        return [t for t in tenants if t in self.tenants]

    @property
    def tenants_label(self) -> str:
        """The account's tenants in German, for the sidebar."""
        if "*" in self.tenants:
            return "alle Kommunen"
        return ", ".join(self.tenants) or "keine Kommune zugeordnet"


def token_expiry(token: str) -> datetime | None:
    """The ``exp`` claim of a JWT, or None if the token has none or is not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims: Any = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    if not isinstance(exp, int | float):
        return None
    return datetime.fromtimestamp(exp, UTC)


def start(
    state: MutableMapping[Any, Any],
    login: Token,
    username: str,
    *,
    logout_url: str | None = None,
    now: datetime | None = None,
) -> StaffSession:
    """Remember a successful login (``logout_url``: the identity provider's, after SSO)."""
    fallback = (now or datetime.now(UTC)) + timedelta(seconds=login.expires_in)
    session = StaffSession(
        token=login.access_token,
        username=username,
        role=login.role,
        expires_at=token_expiry(login.access_token) or fallback,
        tenants=tuple(login.tenants),
        logout_url=logout_url,
    )
    state[STATE_KEY] = session
    state.pop(NOTICE_KEY, None)
    return session


def current(state: MutableMapping[Any, Any], *, now: datetime | None = None) -> StaffSession | None:
    """The valid session, or None (an expired one is ended with the "abgelaufen" notice)."""
    session = state.get(STATE_KEY)
    if not isinstance(session, StaffSession):
        return None
    if session.expired(now):
        end(state, EXPIRED_NOTICE)
        return None
    return session


def end(
    state: MutableMapping[Any, Any],
    notice: str | None = None,
    *,
    provider_logout_url: str | None = None,
) -> None:
    """Forget the login and everything the pages kept (data must not outlive the login);
    ``provider_logout_url`` is offered on the login page (ending the provider's session)."""
    cached = state.get("console.client")
    if isinstance(cached, tuple) and hasattr(cached[1], "close"):
        cached[1].close()
    for key in list(state.keys()):
        if str(key).startswith(
            ("console.", "handoffs.", "review.", "knowledge.", "insights.", "eval.", "audit.")
        ):
            del state[key]
    if notice:
        state[NOTICE_KEY] = notice
    if provider_logout_url:
        state[PROVIDER_LOGOUT_KEY] = provider_logout_url


def provider_logout(state: MutableMapping[Any, Any]) -> str | None:
    """The identity provider's logout page to offer after logout (once)."""
    value = state.pop(PROVIDER_LOGOUT_KEY, None)
    return str(value) if value else None


def notice(state: MutableMapping[Any, Any]) -> str | None:
    """The message to show on the login page (once)."""
    value = state.pop(NOTICE_KEY, None)
    return str(value) if value else None
