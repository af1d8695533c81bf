"""Latency samples and their summary (nearest-rank percentiles, no interpolation)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict


class LatencySummary(BaseModel):
    """Percentiles of a set of latencies in milliseconds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    count: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``share`` of values at or below."""
    if not values:
        raise ValueError("percentile of no values; measure at least one request")
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1]; got {share}")
    ordered = sorted(values)
    rank = math.ceil(share * len(ordered))
    return ordered[max(rank, 1) - 1]


def summarise(values_ms: Sequence[float]) -> LatencySummary:
    """Summary of ``values_ms`` (empty → all zeros and count 0)."""
    if not values_ms:
        return LatencySummary(count=0, p50_ms=0, p95_ms=0, p99_ms=0, mean_ms=0, max_ms=0)
    return LatencySummary(
        count=len(values_ms),
        p50_ms=round(percentile(values_ms, 0.50), 2),
        p95_ms=round(percentile(values_ms, 0.95), 2),
        p99_ms=round(percentile(values_ms, 0.99), 2),
        mean_ms=round(statistics.fmean(values_ms), 2),
        max_ms=round(max(values_ms), 2),
    )
