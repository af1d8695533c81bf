"""Single sign-on's JSON (issue 14, item 11): shared by the API and the console."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from govbot_client.staff import Token


class SsoConfigPublic(BaseModel):
    """Whether staff may sign in through the city's identity provider, and where."""

    model_config = ConfigDict(frozen=True)

    enabled: bool
    login_url: str | None = None  # the browser opens it (the API's public URL)
    provider_name: str | None = None


class SsoToken(Token):
    """An access token traded for a sign-in ticket, plus the provider's logout page."""

    username: str
    logout_url: str | None = None


class LogoutPublic(BaseModel):
    """A finished logout: every token of the account is revoked; for accounts of the
    identity provider, where the browser ends the provider's session too."""

    model_config = ConfigDict(frozen=True)

    revoked: bool
    logout_url: str | None = None
