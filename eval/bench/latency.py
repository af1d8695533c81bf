"""Latency samples and their summary (eval/percentiles.py: linear between the closest ranks)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from eval.percentiles import percentile


class LatencySummary(BaseModel):
    """Percentiles of a set of latencies in milliseconds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    count: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float


def summarise(values_ms: Sequence[float]) -> LatencySummary:
    """Summary of ``values_ms`` (empty → all zeros and count 0)."""
    if not values_ms:
        return LatencySummary(count=0, p50_ms=0, p95_ms=0, p99_ms=0, mean_ms=0, max_ms=0)
    return LatencySummary(
        count=len(values_ms),
        p50_ms=round(percentile(values_ms, 50), 2),
        p95_ms=round(percentile(values_ms, 95), 2),
        p99_ms=round(percentile(values_ms, 99), 2),
        mean_ms=round(statistics.fmean(values_ms), 2),
        max_ms=round(max(values_ms), 2),
    )
