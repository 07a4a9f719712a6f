"""The intervals against published values: Wilson (Newcombe 1998, Table I; Brown, Cai &
DasGupta 2001), Student's t quantiles (any printed t table), a t interval worked by hand, and
quartiles as spreadsheets' QUARTILE.INC gives them."""

from __future__ import annotations

import pytest

from app.domain import stats


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),  # Newcombe 1998, example (a)
        (15, 148, 0.0624, 0.1605),  # Newcombe 1998, example (b)
        (0, 20, 0.0, 0.1611),  # Newcombe 1998, example (c)
        (1, 29, 0.0061, 0.1718),  # Newcombe 1998, example (d)
        (5, 10, 0.2366, 0.7634),
        (10, 10, 0.7225, 1.0),
    ],
)
def test_wilson_intervals_match_published_values(k: int, n: int, low: float, high: float) -> None:
    interval = stats.wilson(k, n)
    assert interval is not None
    assert interval == pytest.approx((low, high), abs=5e-5)


def test_no_interval_without_answers() -> None:
    assert stats.wilson(0, 0) is None
    assert stats.mean_interval([3.0]) is None
    assert stats.median_and_quartiles([]) is None


@pytest.mark.parametrize(
    ("df", "t"),
    [(1, 12.706), (2, 4.303), (4, 2.776), (5, 2.571), (10, 2.228), (30, 2.042), (100, 1.984)],
)
def test_t_quantiles_match_the_table(df: int, t: float) -> None:
    assert stats.t_quantile(0.975, df) == pytest.approx(t, abs=5e-4)


def test_a_scale_mean_interval_worked_by_hand() -> None:
    # 1..5: mean 3, s = 1.5811, SE = 0.7071, t(4) = 2.7764 → 3 ± 1.9632
    low, high = stats.mean_interval([1, 2, 3, 4, 5]) or (0, 0)
    assert (low, high) == pytest.approx((1.0368, 4.9632), abs=5e-4)


def test_median_and_quartiles_from_scale_counts() -> None:
    values = stats.expand({"1": 2, "2": 3, "3": 1, "4": 4, "5": 2})  # 12 answers
    # QUARTILE.INC of 1,1,2,2,2,3,4,4,4,4,5,5: Q1 2, median 3.5, Q3 4
    assert stats.median_and_quartiles(values) == (3.5, 2.0, 4.0)


def test_overlapping_intervals_mean_within_noise() -> None:
    three_of_five = stats.wilson(3, 5)
    thirty_of_sixty = stats.wilson(30, 60)
    assert stats.overlap(three_of_five, thirty_of_sixty)
    assert not stats.overlap(stats.wilson(5, 100), stats.wilson(60, 100))
