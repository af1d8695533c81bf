"""Staff authentication: argon2 password hashes (pwdlib) and expiring JWT access tokens (PyJWT).

The access token's claims (the contract other sign-in paths, e.g. single sign-on, follow):
``sub`` user name, ``role`` a StaffRole, ``tenants`` the list of tenant ids the account works
for (``["*"]``: every tenant, see bot/storage/models.py ALL_TENANTS), ``ver`` the account's
token version, ``iat``/``exp``. The database stays authoritative: a request is refused when
the claim no longer matches the account (bot/api/deps.py), so a change of tenants takes
effect at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pydantic import BaseModel, ConfigDict

from bot.errors import AuthError, TokenExpiredError
from bot.settings import ApiSettings
from bot.storage.models import StaffRole
from knowledge.errors import ConfigurationError

ALGORITHM = "HS256"
MIN_PASSWORD_CHARS = 10

# OWASP Password Storage Cheat Sheet, argon2id minimum configuration (m=19 MiB, t=2, p=1):
# ~0.1 s on one core, so a login burst cannot starve a small server of CPU.
_hasher = PasswordHash((Argon2Hasher(memory_cost=19_456, time_cost=2, parallelism=1),))
# Verified against when the username is unknown, so that response time does not reveal
# which usernames exist.
_DUMMY_HASH = _hasher.hash("govbot-timing-equaliser")


class TokenClaims(BaseModel):
    """What a valid access token says about its bearer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    username: str
    role: StaffRole
    expires_at: datetime
    tenants: tuple[str, ...]  # tenant ids, or ("*",) for a global account
    version: int = 0  # the account's token_version when issued (older: revoked)


def hash_password(password: str) -> str:
    """Argon2 hash of ``password``; refuses passwords shorter than MIN_PASSWORD_CHARS."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValueError(
            f"password has {len(password)} characters; use at least {MIN_PASSWORD_CHARS}"
        )
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """True when ``password`` matches ``password_hash`` (None: unknown user, still hashed)."""
    if password_hash is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False
    return _hasher.verify(password, password_hash)


def create_access_token(
    username: str,
    *,
    role: StaffRole,
    tenants: Sequence[str],
    api: ApiSettings,
    version: int = 0,
    now: datetime | None = None,
) -> tuple[str, int]:
    """A signed token for ``username`` and its lifetime in seconds."""
    issued = now or datetime.now(UTC)
    lifetime = timedelta(minutes=api.token_ttl_minutes)
    claims = {
        "sub": username,
        "role": role.value,
        "tenants": list(tenants),
        "ver": version,
        "iat": int(issued.timestamp()),
        "exp": int((issued + lifetime).timestamp()),
    }
    token = jwt.encode(claims, _secret(api), algorithm=ALGORITHM)
    return token, int(lifetime.total_seconds())


def decode_access_token(token: str, *, api: ApiSettings) -> TokenClaims:
    """Validate signature and expiry; raise TokenExpiredError or AuthError with the reason."""
    try:
        claims = jwt.decode(
            token,
            _secret(api),
            algorithms=[ALGORITHM],
            options={"require": ["sub", "exp", "role", "tenants"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenExpiredError(
            "access token has expired; log in again via POST /api/v1/auth/token"
        ) from exc
    except jwt.InvalidTokenError as exc:
        raise AuthError(
            f"access token is invalid ({exc}); log in via POST /api/v1/auth/token"
        ) from exc
    try:
        role = StaffRole(claims["role"])
    except ValueError as exc:
        raise AuthError(f"access token names unknown role {claims['role']!r}") from exc
    tenants = claims["tenants"]
    if not isinstance(tenants, list) or not all(isinstance(t, str) for t in tenants):
        raise AuthError("access token's 'tenants' claim is not a list of tenant ids")
    return TokenClaims(
        username=str(claims["sub"]),
        role=role,
        tenants=tuple(tenants),
        expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
        version=int(claims.get("ver", 0)),
    )


def _secret(api: ApiSettings) -> str:
    if api.jwt_secret is None:
        raise ConfigurationError(
            "no token signing secret: build the app with create_app(), which fills it in "
            "from GOVBOT_API__JWT_SECRET or the data directory (bot/services/signing_key.py)"
        )
    return api.jwt_secret.get_secret_value()
