"""The one percentile (eval/percentiles.py) behind every latency figure."""

from __future__ import annotations

import math
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eval.bench.latency import summarise
from eval.percentiles import percentile


def test_linear_between_the_closest_ranks() -> None:
    values = [40.0, 10.0, 30.0, 20.0]
    assert percentile(values, 50) == 25.0
    assert percentile(values, 95) == pytest.approx(38.5)
    assert percentile([7.0], 95) == 7.0
    assert percentile(values, 0) == 10.0
    assert percentile(values, 100) == 40.0


def test_undefined_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="percentile of no values is undefined"):
        percentile([], 50)
    with pytest.raises(ValueError, match=r"q must be between 0 and 100\. Currently, it is 101"):
        percentile([1.0], 101)


def _old_linear(values: list[float], q: float) -> float:
    """The helper eval/retrieval.py carried before issue 11: the reference kept identical."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


samples = st.lists(st.floats(0, 10_000, allow_nan=False), min_size=1, max_size=60)


@given(samples, st.floats(0, 100))
def test_same_figures_as_the_old_linear_helper(values: list[float], q: float) -> None:
    assert percentile(values, q) == pytest.approx(_old_linear(values, q), rel=1e-9, abs=1e-9)


@given(samples)
def test_p50_is_the_median(values: list[float]) -> None:
    assert percentile(values, 50) == pytest.approx(statistics.median(values), rel=1e-9, abs=1e-9)


def test_bench_summary_now_interpolates() -> None:
    # govbot bench used nearest rank: p95 of 1..20 was 19.0; interpolated it is 19.05.
    summary = summarise([float(i) for i in range(1, 21)])
    assert (summary.p50_ms, summary.p95_ms, summary.p99_ms) == (10.5, 19.05, 19.81)
    assert summarise([]).count == 0
