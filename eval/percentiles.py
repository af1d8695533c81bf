"""The one percentile every latency figure of GovBot is reported with (issue 11, item 5).

``percentile(values, q)`` is numpy's default method: linear interpolation between
the two closest ranks (Hyndman & Fan type 7), so p50 is the ordinary median. The
retrieval evaluation, the answer evaluation, ``govbot bench`` and
scripts/api_latency.py used to carry one helper each, three of them nearest-rank;
they now all call this one, so a p95 means the same thing in every report.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values``, linear between the closest ranks."""
    if not values:
        raise ValueError("percentile of no values is undefined; measure at least one")
    if not 0 <= q <= 100:
        raise ValueError(f"q must be between 0 and 100. Currently, it is {q}")
    return float(np.percentile(np.asarray(values, dtype=float), q))
