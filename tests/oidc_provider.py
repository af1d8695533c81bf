"""A real OpenID Connect provider on loopback for the single sign-on tests.

``oidc-provider-mock`` (a test dependency) is a real provider built on authlib: discovery,
JWKS, authorization endpoint with a login page, token endpoint issuing RS256 ID tokens,
end-session endpoint. It signs in whoever is typed into its page, with the claims set
through ``set_user``. It does not enforce PKCE (it ignores ``code_challenge``), so the
tests check GovBot's S256 challenge themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import oidc_provider_mock


@dataclass(frozen=True)
class Provider:
    """The running provider: its issuer URL and what tests do with it."""

    issuer: str

    def set_user(self, sub: str, **claims: Any) -> None:
        """Create or replace the user ``sub`` with extra ID token claims."""
        response = httpx.put(f"{self.issuer}/users/{sub}", json=claims, timeout=10)
        assert response.status_code == 204, response.text

    def log_in(self, authorization_url: str, sub: str) -> str:
        """Submit the provider's login page as ``sub``; where it sends the browser."""
        response = httpx.post(authorization_url, data={"sub": sub}, timeout=10)
        assert response.status_code == 302, response.text
        return response.headers["location"]

    def deny(self, authorization_url: str) -> str:
        """Press "Deny" on the provider's page; where it sends the browser."""
        response = httpx.post(authorization_url, data={"action": "deny"}, timeout=10)
        assert response.status_code == 302, response.text
        return response.headers["location"]

    def id_token(self, sub: str, *, client_id: str, nonce: str) -> str:
        """A real ID token for ``sub`` issued to ``client_id`` (another application)."""
        discovery = httpx.get(f"{self.issuer}/.well-known/openid-configuration").json()
        redirect = "http://127.0.0.1:9/other-app"
        authorize = httpx.Request(
            "GET",
            discovery["authorization_endpoint"],
            params={
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": redirect,
                "scope": "openid profile",
                "state": "s",
                "nonce": nonce,
            },
        )
        code = query(self.log_in(str(authorize.url), sub))["code"]
        tokens = httpx.post(
            discovery["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect,
                "client_id": client_id,
                "client_secret": "other-secret",
            },
            timeout=10,
        ).json()
        token: str = tokens["id_token"]
        return token


def query(url: str) -> dict[str, str]:
    """The query parameters of ``url`` (first value each)."""
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


@contextmanager
def running_provider() -> Iterator[Provider]:
    """The provider on a free loopback port (issuer ``http://localhost:<port>``)."""
    with oidc_provider_mock.run_server_in_thread(port=0, require_nonce=True) as server:
        yield Provider(issuer=f"http://localhost:{server.server_port}")
