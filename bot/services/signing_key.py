"""The secret that signs staff access tokens: configured, or random per data directory.

Earlier versions signed with a constant published in the repository, so anybody could
mint admin tokens for a default install reachable from the network (issue 14, finding 2).
Now, when ``GOVBOT_API__JWT_SECRET`` is not set, the first start writes 32 random bytes
(hex) to ``<data_dir>/jwt-secret`` with mode 0600 and every later start (and every worker
of ``govbot serve --workers N``) reads the same file, so tokens survive restarts. Several
replicas on different machines must share one configured secret instead.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
import time
from pathlib import Path

from pydantic import SecretStr

from bot.settings import MIN_JWT_SECRET_CHARS, Settings
from knowledge.errors import ConfigurationError

logger = logging.getLogger(__name__)

FILE_NAME = "jwt-secret"


def secret_path(settings: Settings) -> Path:
    """Where the generated secret of ``settings.data_dir`` lives."""
    return settings.data_dir / FILE_NAME


def with_signing_key(settings: Settings) -> Settings:
    """``settings`` with ``api.jwt_secret`` filled from the data directory when it is unset."""
    if settings.api.jwt_secret is not None:
        return settings
    secret = load_or_create(secret_path(settings))
    api = settings.api.model_copy(update={"jwt_secret": secret})
    return settings.model_copy(update={"api": api})


def load_or_create(path: Path) -> SecretStr:
    """The secret in ``path``; made (0600, atomically: concurrent workers agree) if missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    value = secrets.token_hex(32)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(value + "\n")
    logger.warning(
        "GOVBOT_API__JWT_SECRET is not set: created a random token signing secret in %s "
        "(mode 0600); set GOVBOT_API__JWT_SECRET when API replicas do not share this "
        "data directory",
        path,
    )
    return SecretStr(value)


def _read(path: Path) -> SecretStr:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigurationError(
            f"{path} is readable by other users (mode {mode:o}); anybody who reads it can "
            f"sign staff tokens: run `chmod 600 {path}`"
        )
    # A worker may read while the first one is still writing: wait for the whole value.
    value = ""
    for _ in range(50):
        value = path.read_text(encoding="ascii").strip()
        if len(value) >= MIN_JWT_SECRET_CHARS:
            break
        time.sleep(0.02)
    if len(value) < MIN_JWT_SECRET_CHARS:
        raise ConfigurationError(
            f"{path} holds no usable secret ({len(value)} characters); delete it to have a "
            "new one made (staff must log in again) or set GOVBOT_API__JWT_SECRET"
        )
    logger.warning(
        "GOVBOT_API__JWT_SECRET is not set: signing staff tokens with the random secret "
        "in %s; set GOVBOT_API__JWT_SECRET when API replicas do not share this data directory",
        path,
    )
    return SecretStr(value)
