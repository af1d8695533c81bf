"""Prometheus metrics of one app instance (own registry, so several apps can coexist in tests).

With several uvicorn workers each process counts for itself; scrape each worker or run
replicas with one worker each (DESIGN.md section 6).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """Request counts and latency by route and status, answers by status, handoffs."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "govbot_http_requests",
            "HTTP requests by method, route template and status code",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "govbot_http_request_duration_seconds",
            "HTTP request latency by method and route template",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.answers = Counter(
            "govbot_answers", "Bot answers by status", ["status"], registry=self.registry
        )
        self.handoffs = Counter(
            "govbot_handoffs",
            "Escalations to the service desk by source (citizen request or bot answer)",
            ["source"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "govbot_rate_limited_requests",
            "Requests refused with 429",
            registry=self.registry,
        )

    def render(self) -> bytes:
        """The registry in Prometheus text exposition format."""
        return generate_latest(self.registry)
