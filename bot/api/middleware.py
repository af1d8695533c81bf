"""Pure ASGI middleware: metrics, security headers, per-client rate limit, body size and UTF-8.

Pure ASGI (not BaseHTTPMiddleware) keeps the per-request overhead to a few microseconds
and lets the body check see the bytes as they stream in.
"""

from __future__ import annotations

import codecs
import time
from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.api.errors import BodyRejected, error_response
from bot.services.metrics import Metrics
from bot.services.ratelimit import RateLimiter

# The demo page only loads its own script and talks to its own API (issue #3 part 8).
WIDGET_PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; "
    "form-action 'self'; object-src 'none'"
)
NO_FRAMING_PREFIXES = ("/api/v1/staff", "/api/v1/auth", "/docs", "/redoc", "/metrics")


class MetricsMiddleware:
    """Count requests and observe latency by route template and status."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("route")
            template = str(getattr(route, "path", "")) or "unmatched"
            method = str(scope.get("method", ""))
            self.metrics.requests.labels(method, template, str(status)).inc()
            self.metrics.latency.labels(method, template).observe(time.perf_counter() - started)


class SecurityHeadersMiddleware:
    """nosniff and Referrer-Policy everywhere, CSP on the widget page, no framing of staff."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self._headers(str(scope.get("path", "")))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                added = [(k, v) for k, v in extra if k not in present]
                message["headers"] = [*message.get("headers", []), *added]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    @staticmethod
    def _headers(path: str) -> Iterable[tuple[bytes, bytes]]:
        headers = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
        ]
        if path == "/":
            headers.append((b"content-security-policy", WIDGET_PAGE_CSP.encode()))
        if path.startswith(NO_FRAMING_PREFIXES):
            headers.append((b"x-frame-options", b"DENY"))
        if path.startswith("/api/"):
            # Conversations and staff data must not sit in shared caches.
            headers.append((b"cache-control", b"no-store"))
        return headers


class RateLimitMiddleware:
    """429 with Retry-After when a client exceeds the limit on citizen and login endpoints.

    Counted are writes (POST …): they start conversations, compute answers and try
    passwords. Reads are exempt, because the widget polls for agent replies every few
    seconds and citizens behind one NAT address (a library, a carrier's CGNAT) would
    otherwise use up the budget by waiting. Staff endpoints (bearer token required) are
    exempt too: a service desk behind one address would share a citizen-sized budget.
    """

    def __init__(self, app: ASGIApp, *, limiter: RateLimiter, metrics: Metrics) -> None:
        self.app = app
        self.limiter = limiter
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if (
            scope["type"] != "http"
            or not path.startswith("/api/")
            or path.startswith("/api/v1/staff")
            or scope.get("method") in ("GET", "HEAD", "OPTIONS")
        ):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        peer = client[0] if client else None
        key = self.limiter.client_key(peer, Headers(scope=scope).get("x-forwarded-for"))
        decision = self.limiter.hit(key)
        if decision.allowed:
            await self.app(scope, receive, send)
            return
        self.metrics.rate_limited.inc()
        response = error_response(
            429,
            "rate_limited",
            f"too many requests from this client; retry in {decision.retry_after_s} s",
            details={"retry_after_s": decision.retry_after_s},
            headers={"Retry-After": str(decision.retry_after_s)},
        )
        await response(scope, receive, send)


class BodyLimitMiddleware:
    """413 for bodies over ``max_bytes``; 400 for JSON bodies that are not valid UTF-8."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(int(declared))(scope, receive, send)
            return
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        # RFC 8259 section 8.1: JSON exchanged between systems must be UTF-8.
        decoder = (
            codecs.getincrementaldecoder("utf-8")()
            if content_type in ("", "application/json") or content_type.endswith("+json")
            else None
        )
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                chunk: bytes = message.get("body", b"")
                received += len(chunk)
                if received > self.max_bytes:
                    raise BodyRejected(413, "payload_too_large", self._too_large_text(received))
                if decoder is not None:
                    try:
                        decoder.decode(chunk, final=not message.get("more_body", False))
                    except UnicodeDecodeError as exc:
                        raise BodyRejected(
                            400,
                            "invalid_utf8",
                            f"request body is not valid UTF-8 (byte 0x{chunk[exc.start]:02x} "
                            f"at offset {received - len(chunk) + exc.start}); "
                            "send JSON encoded as UTF-8",
                        ) from exc
            return message

        await self.app(scope, limited_receive, send)

    def _too_large_text(self, size: int) -> str:
        return f"request body of {size} bytes is larger than the limit of {self.max_bytes} bytes"

    def _too_large(self, size: int) -> ASGIApp:
        return error_response(
            413, "payload_too_large", self._too_large_text(size), details={"limit": self.max_bytes}
        )
