"""Nearest-rank percentiles, percentile ranks, means and rates, by hand."""

from __future__ import annotations

import pytest

from app.metrics.stats import mean, percentile, percentile_rank, percentiles, rate


@pytest.mark.parametrize(
    ("p", "expected"),
    [
        # The textbook example: 15, 20, 35, 40, 50. Rank ceil(p/100 * 5).
        (0, 15),  # rank 0 is taken as 1: the smallest value
        (5, 15),  # ceil(0.25) = 1
        (30, 20),  # ceil(1.5) = 2
        (40, 20),  # ceil(2.0) = 2: exactly on a rank, no rounding up
        (50, 35),  # ceil(2.5) = 3
        (85, 50),  # ceil(4.25) = 5
        (100, 50),
    ],
)
def test_nearest_rank_is_a_value_that_was_observed(p: float, expected: float) -> None:
    assert percentile([15, 20, 35, 40, 50], p) == expected


def test_percentiles_of_twenty_values_separate_p85_from_p95() -> None:
    # 1..20: p50 rank 10, p85 rank ceil(17.0) = 17, p95 rank ceil(19.0) = 19.
    assert percentiles(range(20, 0, -1)) == {"p50": 10, "p85": 17, "p95": 19}


def test_percentiles_of_nothing_are_none_not_zero() -> None:
    assert percentiles([]) == {"p50": None, "p85": None, "p95": None}
    assert percentile([], 50) is None
    assert percentile([7.5], 95) == 7.5


def test_percentile_rank_counts_values_at_or_below() -> None:
    cycle = [0.0, 12.0, 54.0, 108.0]
    assert percentile_rank(cycle, 12.0) == 50.0  # 0 and 12: ties count as "at or below"
    assert percentile_rank(cycle, 11.9) == 25.0
    assert percentile_rank(cycle, -1.0) == 0.0
    assert percentile_rank(cycle, 500.0) == 100.0
    assert percentile_rank([1, 2, 3], 1) == 33.3  # one decimal
    assert percentile_rank([], 3.0) is None


def test_mean_and_rate() -> None:
    assert mean([1, 2, 6]) == 3.0
    assert mean([]) is None
    assert rate(1, 3) == 0.3333
    assert rate(0, 5) == 0.0
    assert rate(3, 0) is None
