"""Errors of the conversation service, below knowledge.errors.GovBotError.

    GovBotError (knowledge.errors)
    ├── NotFoundError               a conversation, message, handoff or user id that does not exist
    ├── StateConflictError          an action the current state forbids (claim a closed handoff)
    ├── ServiceUnavailableError     the answering pipeline is not ready (no index loaded yet)
    ├── RateLimitedError            a client used up its budget (engine time)
    └── AuthError                   staff authentication failed
        ├── TokenExpiredError           the bearer token's ``exp`` has passed
        ├── PermissionDeniedError       authenticated, but the role may not do this
        └── SsoRefusedError             a single sign-on was refused (``reason`` says why)

The HTTP layer (bot/api/errors.py) maps them to 404, 409, 503, 429, 401 and 403.
"""

from __future__ import annotations

from knowledge.errors import GovBotError


class NotFoundError(GovBotError):
    """An id that does not exist (conversation, message, handoff, staff user)."""

    def __init__(self, kind: str, ident: object, hint: str = "") -> None:
        self.kind = kind
        self.ident = ident
        message = f"{kind} {ident!r} does not exist"
        super().__init__(f"{message}; {hint}" if hint else message)


class StateConflictError(GovBotError):
    """The requested action does not fit the current state of the object."""


class ServiceUnavailableError(GovBotError):
    """The answering pipeline cannot answer right now (e.g. no index has been built)."""


class RateLimitedError(GovBotError):
    """A client used up its budget; it may try again after ``retry_after_s`` seconds."""

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class AuthError(GovBotError):
    """Staff authentication failed (missing, malformed or unknown credentials)."""


class TokenExpiredError(AuthError):
    """The access token has expired."""


class PermissionDeniedError(AuthError):
    """The authenticated staff user's role does not allow this action."""


class SsoRefusedError(AuthError):
    """A single sign-on through the identity provider was refused.

    ``reason`` is a short code (``state_mismatch``, ``nonce_mismatch``, ``id_token_invalid``,
    ``no_role``, …) that the console explains to the staff member; the message says what
    did not match, for the operator.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
