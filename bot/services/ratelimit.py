"""Per-client rate limits and engine time budgets with the `limits` package (moving window).

The client is the peer IP address, or behind trusted reverse proxies the right-most
untrusted ``X-Forwarded-For`` hop (bot/services/client_address.py). Counters live in memory (per
process) or in Redis (``GOVBOT_API__RATE_LIMIT_STORAGE``, shared by all replicas).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from bot.services.client_address import ClientAddress, parse_networks
from bot.settings import ApiSettings
from knowledge.errors import ConfigurationError

LimitName = Literal["write", "read", "login", "login_address"]


@dataclass(frozen=True)
class Decision:
    """Whether a request may pass, and if not, after how many seconds to retry."""

    allowed: bool
    retry_after_s: int = 0


def _parse(value: str, variable: str) -> RateLimitItem:
    try:
        return parse(value)
    except ValueError as exc:
        raise ConfigurationError(
            f"{variable}={value!r} is not a rate limit; use e.g. '30/minute' or '5/second'"
        ) from exc


def open_storage(api: ApiSettings) -> Storage:
    """The counters' storage: per process (``memory://``) or shared (``redis://…``)."""
    try:
        storage = storage_from_string(api.rate_limit_storage)
    except Exception as exc:
        raise ConfigurationError(
            f"GOVBOT_API__RATE_LIMIT_STORAGE={api.rate_limit_storage!r} is not usable "
            f"({exc}); use 'memory://' or e.g. 'redis://host:6379'"
        ) from exc
    if not isinstance(storage, Storage):  # an "async+redis://" URI gives an asyncio storage
        raise ConfigurationError(
            f"GOVBOT_API__RATE_LIMIT_STORAGE={api.rate_limit_storage!r} is an asyncio storage; "
            "drop the 'async+' prefix"
        )
    return storage


class RateLimiter:
    """Moving-window limits per client address (and per user name for staff logins).

    ``write``: citizens' POSTs (start a conversation, send a message, ask for a person);
    ``read``: citizens' GETs (the widget polls every few seconds, so a generous limit);
    ``login``: attempts per user name, and ``login_address``: attempts per address, both
    apart from the citizens' budget (issue 14, finding 3: a service desk behind one
    address shared 30 logins a minute).
    """

    def __init__(self, api: ApiSettings, *, storage: Storage | None = None) -> None:
        self._items = {
            "write": _parse(api.rate_limit, "GOVBOT_API__RATE_LIMIT"),
            "read": _parse(api.read_rate_limit, "GOVBOT_API__READ_RATE_LIMIT"),
            "login": _parse(api.login_rate_limit, "GOVBOT_API__LOGIN_RATE_LIMIT"),
            "login_address": _parse(
                api.login_address_rate_limit, "GOVBOT_API__LOGIN_ADDRESS_RATE_LIMIT"
            ),
        }
        self._limiter = MovingWindowRateLimiter(storage or open_storage(api))
        self._addresses = ClientAddress(parse_networks(api.trusted_proxies))

    def client_key(self, peer: str | None, forwarded_for: Sequence[str]) -> str:
        """The address requests are counted under (bot/services/client_address.py)."""
        return self._addresses.of(peer, forwarded_for)

    def hit(self, key: str, *, limit: LimitName = "write") -> Decision:
        """Count one request for ``key`` against ``limit``."""
        item = self._items[limit]
        if self._limiter.hit(item, "govbot", limit, key):
            return Decision(allowed=True)
        stats = self._limiter.get_window_stats(item, "govbot", limit, key)
        return Decision(
            allowed=False, retry_after_s=max(1, math.ceil(stats.reset_time - time.time()))
        )


class EngineBudget:
    """Seconds of answering each client may use per window (``GOVBOT_API__ENGINE_TIME_LIMIT``).

    Counted in hundredths of a second after each answer; a client whose budget is used up
    is refused before it reaches the engine, so one client sending costly messages cannot
    hold the answering engine for everybody (issue 14, finding 5).
    """

    def __init__(self, api: ApiSettings, *, storage: Storage | None = None) -> None:
        seconds = _parse(api.engine_time_limit, "GOVBOT_API__ENGINE_TIME_LIMIT")
        self._item = type(seconds)(seconds.amount * 100, seconds.multiples)
        self._limiter = MovingWindowRateLimiter(storage or open_storage(api))

    def check(self, key: str) -> Decision:
        """Whether ``key`` has budget left."""
        if self._limiter.test(self._item, "engine", key):
            return Decision(allowed=True)
        stats = self._limiter.get_window_stats(self._item, "engine", key)
        return Decision(
            allowed=False, retry_after_s=max(1, math.ceil(stats.reset_time - time.time()))
        )

    def charge(self, key: str, seconds: float) -> None:
        """Count ``seconds`` of engine time against ``key`` (capped at what is left)."""
        remaining = self._limiter.get_window_stats(self._item, "engine", key).remaining
        cost = min(max(1, math.ceil(seconds * 100)), remaining)
        if cost > 0:
            self._limiter.hit(self._item, "engine", key, cost=cost)
