"""The OpenID Connect relying party: discovery, authorization code flow with PKCE, ID tokens.

``OidcClient`` speaks to the city's provider (Keycloak, ADFS, …) and nothing else: it
builds the authorization URL (state, nonce, S256 code challenge, RFC 7636; authlib's OAuth 2
parameters), exchanges the code over httpx and validates the ID token (joserfc: signature by
the provider's JWKS, ``iss``, ``aud``, ``azp``, ``exp``, ``iat``, ``nonce``; OpenID Connect
Core 1.0 section 3.1.3.7). Turning the claims into a GovBot account is bot/services/sso.py.

Every refusal is an ``SsoRefusedError`` with a short ``reason`` code the console explains
in German (console/views/login.py) and a message naming what did not match.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from bot.errors import SsoRefusedError
from bot.settings import OidcSettings

logger = logging.getLogger(__name__)

# Asymmetric algorithms only: "none" and HS* (keyed with the client secret) are refused.
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")
METADATA_TTL_S = 3600.0


@dataclass(frozen=True)
class ProviderMetadata:
    """The parts of the provider's discovery document GovBot uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None
    algorithms: tuple[str, ...]


@dataclass(frozen=True)
class LoginStart:
    """A started login: where to send the browser and what to check on its return."""

    authorization_url: str
    state: str
    nonce: str
    code_verifier: str


class OidcClient:
    """One provider, as configured in ``GOVBOT_OIDC__*``; discovery and keys are cached."""

    def __init__(
        self,
        settings: OidcSettings,
        *,
        redirect_uri: str,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if settings.issuer is None or settings.client_id is None:
            raise ValueError("OidcClient needs GOVBOT_OIDC__ISSUER and GOVBOT_OIDC__CLIENT_ID")
        self._settings = settings
        self._issuer = settings.issuer.rstrip("/")
        self._client_id = settings.client_id
        self._redirect_uri = redirect_uri
        self._transport = transport
        self._metadata: ProviderMetadata | None = None
        self._metadata_at = 0.0
        self._keys: KeySet | None = None

    # --- discovery ------------------------------------------------------------------

    def metadata(self) -> ProviderMetadata:
        """The discovery document (fetched at first use, then hourly)."""
        if self._metadata is None or time.monotonic() - self._metadata_at > METADATA_TTL_S:
            self._metadata = self._discover()
            self._metadata_at = time.monotonic()
            self._keys = None
        return self._metadata

    def _discover(self) -> ProviderMetadata:
        url = f"{self._issuer}/.well-known/openid-configuration"
        document = self._get_json(url, "discovery document")
        issuer = str(document.get("issuer", "")).rstrip("/")
        if issuer != self._issuer:
            # OpenID Connect Discovery 1.0 section 4.3: the issuer must be identical.
            raise SsoRefusedError(
                "provider_misconfigured",
                f"the discovery document at {url} names issuer {issuer!r}, not "
                f"GOVBOT_OIDC__ISSUER={self._issuer!r}",
            )
        missing = [
            key
            for key in ("authorization_endpoint", "token_endpoint", "jwks_uri")
            if not isinstance(document.get(key), str)
        ]
        if missing:
            raise SsoRefusedError(
                "provider_misconfigured", f"the discovery document at {url} lacks {missing}"
            )
        offered = document.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = tuple(a for a in SIGNING_ALGORITHMS if a in offered)
        if not algorithms:
            raise SsoRefusedError(
                "provider_misconfigured",
                f"the provider signs ID tokens only with {offered}; GovBot accepts "
                f"{list(SIGNING_ALGORITHMS)}",
            )
        end_session = document.get("end_session_endpoint")
        return ProviderMetadata(
            issuer=issuer,
            authorization_endpoint=document["authorization_endpoint"],
            token_endpoint=document["token_endpoint"],
            jwks_uri=document["jwks_uri"],
            end_session_endpoint=end_session if isinstance(end_session, str) else None,
            algorithms=algorithms,
        )

    def _key_set(self, *, refresh: bool = False) -> KeySet:
        if self._keys is None or refresh:
            document = self._get_json(self.metadata().jwks_uri, "signing keys (JWKS)")
            try:
                self._keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
            except (JoseError, ValueError, KeyError) as exc:
                raise SsoRefusedError(
                    "provider_misconfigured", f"the provider's JWKS cannot be read: {exc}"
                ) from exc
        return self._keys

    def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            with httpx.Client(timeout=self._settings.timeout_s, transport=self._transport) as http:
                response = http.get(url)
                response.raise_for_status()
                document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SsoRefusedError(
                "provider_unreachable", f"could not fetch the provider's {what} from {url}: {exc}"
            ) from exc
        if not isinstance(document, dict):
            raise SsoRefusedError("provider_misconfigured", f"{url} did not answer a JSON object")
        return document

    # --- the code flow --------------------------------------------------------------

    def start(self) -> LoginStart:
        """A fresh state, nonce and PKCE verifier, and the provider URL that uses them."""
        state = secrets.token_urlsafe(32)
        nonce = secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(64)  # 86 characters (RFC 7636: 43 to 128)
        url = prepare_grant_uri(
            self.metadata().authorization_endpoint,
            client_id=self._client_id,
            response_type="code",
            redirect_uri=self._redirect_uri,
            scope=self._settings.scopes,
            state=state,
            nonce=nonce,
            code_challenge=create_s256_code_challenge(verifier),
            code_challenge_method="S256",
        )
        return LoginStart(authorization_url=url, state=state, nonce=nonce, code_verifier=verifier)

    def exchange(self, code: str, *, code_verifier: str, nonce: str) -> dict[str, Any]:
        """Trade the authorization code for tokens; the validated ID token's claims."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self._redirect_uri,
            "code_verifier": code_verifier,
        }
        auth: httpx.BasicAuth | None = None
        secret = self._settings.client_secret
        if self._settings.token_auth_method == "client_secret_basic" and secret is not None:
            # RFC 6749 section 2.3.1: both parts form-urlencoded before Basic encoding.
            auth = httpx.BasicAuth(
                quote(self._client_id, safe=""), quote(secret.get_secret_value(), safe="")
            )
        else:
            form["client_id"] = self._client_id
            if self._settings.token_auth_method == "client_secret_post" and secret is not None:
                form["client_secret"] = secret.get_secret_value()
        endpoint = self.metadata().token_endpoint
        try:
            with httpx.Client(
                timeout=self._settings.timeout_s, transport=self._transport, auth=auth
            ) as http:
                response = http.post(endpoint, data=form, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise SsoRefusedError(
                "provider_unreachable", f"the provider's token endpoint {endpoint} failed: {exc}"
            ) from exc
        try:
            tokens = response.json()
        except ValueError:
            tokens = None
        if not isinstance(tokens, dict) or response.status_code != 200:
            error = tokens.get("error") if isinstance(tokens, dict) else None
            detail = tokens.get("error_description") if isinstance(tokens, dict) else None
            raise SsoRefusedError(
                "token_exchange_failed",
                f"the provider refused the authorization code (HTTP {response.status_code}"
                f"{', ' + str(error) if error else ''}{': ' + str(detail) if detail else ''})",
            )
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise SsoRefusedError(
                "token_exchange_failed",
                "the provider's token response has no ID token; is 'openid' among the scopes "
                "granted to the client?",
            )
        return self.validate_id_token(id_token, nonce=nonce)

    def validate_id_token(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        """The claims of ``id_token`` once signature, issuer, audience, times and nonce hold."""
        algorithms = list(self.metadata().algorithms)
        try:
            try:
                token = jwt.decode(id_token, self._key_set(), algorithms=algorithms)
            except JoseError:
                # The provider may have rotated its keys since they were fetched.
                token = jwt.decode(id_token, self._key_set(refresh=True), algorithms=algorithms)
        except (JoseError, ValueError) as exc:
            raise SsoRefusedError(
                "id_token_invalid", f"the ID token's signature does not verify ({exc})"
            ) from exc
        claims: dict[str, Any] = dict(token.claims)
        registry = jwt.JWTClaimsRegistry(
            leeway=self._settings.clock_skew_s,
            iss={"essential": True, "value": self._issuer},
            aud={"essential": True, "value": self._client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
        )
        try:
            registry.validate(claims)
        except JoseError as exc:
            raise SsoRefusedError(
                "id_token_invalid",
                f"the ID token was refused: {exc} (iss={claims.get('iss')!r}, "
                f"aud={claims.get('aud')!r}; expected {self._issuer!r} and {self._client_id!r})",
            ) from exc
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self._client_id:
            raise SsoRefusedError(
                "id_token_invalid",
                f"the ID token is for several audiences {audiences} but authorised party "
                f"(azp) {claims.get('azp')!r} is not {self._client_id!r}",
            )
        if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
            raise SsoRefusedError(
                "nonce_mismatch",
                "the ID token's nonce is not the one this login sent (a replayed or "
                "injected token)",
            )
        return claims

    def end_session_url(self, *, post_logout_redirect_uri: str) -> str | None:
        """The provider's RP-initiated logout URL, or None when it offers none."""
        try:
            endpoint = self.metadata().end_session_endpoint
        except SsoRefusedError as exc:
            logger.warning("no provider logout link: %s", exc)
            return None
        if endpoint is None:
            return None
        query = httpx.QueryParams(
            client_id=self._client_id, post_logout_redirect_uri=post_logout_redirect_uri
        )
        separator = "&" if "?" in endpoint else "?"
        return f"{endpoint}{separator}{query}"
