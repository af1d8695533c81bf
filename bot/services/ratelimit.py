"""Per-client rate limiting with the `limits` package (moving window).

The client is the peer IP address; ``X-Forwarded-For`` is used only when
``settings.api.trust_proxy_headers`` is set (otherwise anybody could pick their own key).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from bot.settings import ApiSettings
from knowledge.errors import ConfigurationError


@dataclass(frozen=True)
class Decision:
    """Whether a request may pass, and if not, after how many seconds to retry."""

    allowed: bool
    retry_after_s: int = 0


class RateLimiter:
    """Moving-window limiter keyed by client address."""

    def __init__(self, api: ApiSettings) -> None:
        try:
            self._item: RateLimitItem = parse(api.rate_limit)
        except ValueError as exc:
            raise ConfigurationError(
                f"GOVBOT_API__RATE_LIMIT={api.rate_limit!r} is not a rate limit; "
                "use e.g. '30/minute' or '5/second;100/hour'"
            ) from exc
        try:
            storage = storage_from_string(api.rate_limit_storage)
        except Exception as exc:
            raise ConfigurationError(
                f"GOVBOT_API__RATE_LIMIT_STORAGE={api.rate_limit_storage!r} is not usable "
                f"({exc}); use 'memory://' or e.g. 'redis://host:6379'"
            ) from exc
        self._limiter = MovingWindowRateLimiter(storage)
        self._trust_proxy = api.trust_proxy_headers

    def client_key(self, peer: str | None, forwarded_for: str | None) -> str:
        """The address requests are counted under."""
        if self._trust_proxy and forwarded_for:
            # The left-most entry is the original client (RFC 7239 section 5.2 semantics).
            return forwarded_for.split(",")[0].strip() or (peer or "unknown")
        return peer or "unknown"

    def hit(self, key: str) -> Decision:
        """Count one request for ``key``."""
        if self._limiter.hit(self._item, "govbot", key):
            return Decision(allowed=True)
        stats = self._limiter.get_window_stats(self._item, "govbot", key)
        return Decision(
            allowed=False, retry_after_s=max(1, math.ceil(stats.reset_time - time.time()))
        )
