"""Staff authentication: argon2 password hashes (pwdlib) and expiring JWT access tokens (PyJWT)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pydantic import BaseModel, ConfigDict

from bot.errors import AuthError, TokenExpiredError
from bot.settings import ApiSettings
from bot.storage.models import StaffRole

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
    username: str, *, role: StaffRole, api: ApiSettings, now: datetime | None = None
) -> tuple[str, int]:
    """A signed token for ``username`` and its lifetime in seconds."""
    issued = now or datetime.now(UTC)
    lifetime = timedelta(minutes=api.token_ttl_minutes)
    claims = {
        "sub": username,
        "role": role.value,
        "iat": int(issued.timestamp()),
        "exp": int((issued + lifetime).timestamp()),
    }
    token = jwt.encode(claims, api.jwt_secret.get_secret_value(), algorithm=ALGORITHM)
    return token, int(lifetime.total_seconds())


def decode_access_token(token: str, *, api: ApiSettings) -> TokenClaims:
    """Validate signature and expiry; raise TokenExpiredError or AuthError with the reason."""
    try:
        claims = jwt.decode(
            token,
            api.jwt_secret.get_secret_value(),
            algorithms=[ALGORITHM],
            options={"require": ["sub", "exp", "role"]},
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
    return TokenClaims(
        username=str(claims["sub"]),
        role=role,
        expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
    )
