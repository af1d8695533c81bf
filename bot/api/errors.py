"""Exception handlers: every error leaves the API as ``{"error": {"code", "message", "details"}}``.

GovBotError subclasses map to status codes here and only here (STYLE.md point 10):

    NotFoundError → 404 <kind>_not_found     UnknownTenantError → 404 unknown_tenant
    StateConflictError → 409 conflict        InvalidQueryError → 422 invalid_input
    AuthError → 401 not_authenticated        TokenExpiredError → 401 token_expired
    SsoRefusedError → 401 sso_refused (details.reason)
    PermissionDeniedError → 403 forbidden    ServiceUnavailableError → 503 (Retry-After)
    SearchIndexError → 503 index_unavailable StorageError / DB down → 503 database_unavailable
    RateLimitedError → 429 rate_limited (Retry-After)
    SourceError → 422 unreadable_file (an upload that cannot be read: scan, password, …)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.errors import (
    AuthError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServiceUnavailableError,
    SsoRefusedError,
    StateConflictError,
    TokenExpiredError,
)
from knowledge.errors import (
    ConfigurationError,
    GovBotError,
    InvalidQueryError,
    SearchIndexError,
    SourceError,
    StorageError,
    UnknownTenantError,
)

logger = logging.getLogger(__name__)

RETRY_AFTER_INDEX_S = 30
RETRY_AFTER_DATABASE_S = 5

HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}


class BodyRejected(StarletteHTTPException):
    """Raised while the body streams in (too large, not UTF-8); carries its error code."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(status_code, message)
        self.code = code


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """The one error shape."""
    body = {"error": {"code": code, "message": message, "details": details}}
    return JSONResponse(body, status_code=status, headers=headers)


def _govbot_error(request: Request, exc: Exception) -> JSONResponse:
    message = str(exc)
    if isinstance(exc, NotFoundError):
        return error_response(404, f"{exc.kind.replace(' ', '_')}_not_found", message)
    if isinstance(exc, UnknownTenantError):
        known = request.app.state.known_tenants()
        return error_response(404, "unknown_tenant", message, details={"known_tenants": known})
    if isinstance(exc, StateConflictError):
        return error_response(409, "conflict", message)
    if isinstance(exc, InvalidQueryError):
        return error_response(422, "invalid_input", message)
    if isinstance(exc, SourceError):
        return error_response(422, "unreadable_file", message)
    if isinstance(exc, PermissionDeniedError):
        return error_response(403, "forbidden", message)
    if isinstance(exc, SsoRefusedError):
        return error_response(
            401, "sso_refused", message, details={"reason": exc.reason}, headers=_bearer()
        )
    if isinstance(exc, TokenExpiredError):
        return error_response(401, "token_expired", message, headers=_bearer())
    if isinstance(exc, AuthError):
        return error_response(401, "not_authenticated", message, headers=_bearer())
    if isinstance(exc, RateLimitedError):
        return error_response(
            429,
            "rate_limited",
            message,
            details={"retry_after_s": exc.retry_after_s},
            headers=_retry(exc.retry_after_s),
        )
    if isinstance(exc, ServiceUnavailableError | SearchIndexError):
        logger.warning("answering unavailable: %s", message)
        return error_response(
            503, "index_unavailable", message, headers=_retry(RETRY_AFTER_INDEX_S)
        )
    if isinstance(exc, StorageError):
        logger.error("storage unavailable: %s", message)
        return error_response(
            503, "database_unavailable", message, headers=_retry(RETRY_AFTER_DATABASE_S)
        )
    if isinstance(exc, ConfigurationError):
        logger.error("configuration error: %s", message)
        return error_response(500, "configuration_error", message)
    logger.exception("unmapped GovBotError", exc_info=exc)
    return error_response(500, "internal_error", message)


def _database_down(request: Request, exc: Exception) -> JSONResponse:
    logger.error("database unavailable on %s: %s", request.url.path, type(exc).__name__)
    return error_response(
        503,
        "database_unavailable",
        "the database is not reachable; try again shortly",
        headers=_retry(RETRY_AFTER_DATABASE_S),
    )


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Only location, message and type: the rejected input may hold personal data.
    problems = [
        {
            "loc": [str(part) for part in e.get("loc", ())],
            "msg": e.get("msg"),
            "type": e.get("type"),
        }
        for e in exc.errors()
    ]
    if any(p["type"] == "json_invalid" for p in problems):
        return error_response(
            400,
            "invalid_json",
            "request body is not valid JSON; send a UTF-8 encoded JSON object",
            details=problems,
        )
    summary = "; ".join(f"{'.'.join(p['loc'])}: {p['msg']}" for p in problems)
    return error_response(422, "validation_error", f"invalid request: {summary}", details=problems)


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = exc.code if isinstance(exc, BodyRejected) else HTTP_CODES.get(exc.status_code, "error")
    message = str(exc.detail)
    if exc.status_code == 404 and message == "Not Found":
        message = f"no such endpoint: {request.method} {request.url.path}; see /docs"
    elif exc.status_code == 405:
        message = f"method {request.method} is not allowed on {request.url.path}; see /docs"
    headers = dict(exc.headers) if exc.headers else None
    return error_response(exc.status_code, code, message, headers=headers)


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "an unexpected error occurred; it has been logged")


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    handlers: dict[type[Exception], Callable[[Request, Exception], JSONResponse]] = {
        GovBotError: _govbot_error,
        OperationalError: _database_down,
        InterfaceError: _database_down,
        RequestValidationError: _validation_error,
        StarletteHTTPException: _http_error,
        Exception: _unexpected,
    }
    for exc_type, handler in handlers.items():
        app.add_exception_handler(exc_type, handler)


def _bearer() -> dict[str, str]:
    return {"WWW-Authenticate": "Bearer"}


def _retry(seconds: int) -> dict[str, str]:
    return {"Retry-After": str(seconds)}
