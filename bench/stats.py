"""Latency summaries: nearest-rank percentiles in milliseconds."""

from __future__ import annotations

import math
from collections.abc import Iterable


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of already sorted values; None when empty."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def summarise(seconds: Iterable[float]) -> dict[str, float | int | None]:
    """count, p50, p99 and max of latencies given in seconds, reported in milliseconds."""
    values = sorted(seconds)

    def ms(v: float | None) -> float | None:
        return None if v is None else round(v * 1000, 2)

    return {
        "count": len(values),
        "p50_ms": ms(percentile(values, 50)),
        "p99_ms": ms(percentile(values, 99)),
        "max_ms": ms(values[-1] if values else None),
    }


def rate(count: int, seconds: float) -> float:
    """Events per second, 0 for an empty window."""
    return round(count / seconds, 1) if seconds > 0 else 0.0


def ratio(a: float | None, b: float | None) -> float | None:
    """a / b rounded, None when either is missing or b is zero."""
    if a is None or not b:
        return None
    return round(a / b, 3)
