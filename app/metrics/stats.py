"""Small statistics shared by every metric: nearest-rank percentiles, means and rates.

Percentiles use the nearest-rank method (the value at rank ``ceil(p/100 * n)`` of the
sorted values), as the alert scan does: every reported percentile is a value that was
really observed, which is what a retro facilitator can point at on a scatterplot.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

__all__ = ["PERCENTILES", "mean", "percentile", "percentile_rank", "percentiles", "rate"]

PERCENTILES = (50, 85, 95)


def percentile(sorted_values: Sequence[float], p: float) -> float | None:
    """The nearest-rank ``p``-th percentile of already sorted values (None when empty)."""
    if not sorted_values:
        return None
    rank = max(math.ceil(p / 100 * len(sorted_values)), 1)
    return sorted_values[min(rank, len(sorted_values)) - 1]


def percentiles(
    values: Iterable[float], ps: Sequence[float] = PERCENTILES
) -> dict[str, float | None]:
    """``{"p50": …, "p85": …, "p95": …}`` of the values (None when there are none)."""
    ordered = sorted(values)
    return {f"p{p:g}": percentile(ordered, p) for p in ps}


def percentile_rank(sorted_values: Sequence[float], value: float) -> float | None:
    """The share (0-100) of the values at or below ``value``; None without history."""
    if not sorted_values:
        return None
    lo, hi = 0, len(sorted_values)
    while lo < hi:  # bisect_right, spelled out for floats and ints alike
        mid = (lo + hi) // 2
        if sorted_values[mid] <= value:
            lo = mid + 1
        else:
            hi = mid
    return round(100.0 * lo / len(sorted_values), 1)


def mean(values: Iterable[float]) -> float | None:
    items = list(values)
    return sum(items) / len(items) if items else None


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` rounded to 4 places; None when there is nothing to divide by."""
    return round(part / whole, 4) if whole else None
