"""Honest statistics for small rooms: 95 % intervals that say how sure a share or a mean is.

A bar for three union members looks as solid as one for three hundred; an interval shows the
difference. Shares get Wilson score intervals (good at small n and near 0 % or 100 %, where the
textbook p ± 1.96·SE fails), scale means get Student's t intervals, scales also the median and
interquartile range. Exact formulas, no dependency: Student's t quantile is found by bisection
on its distribution function, written with the regularised incomplete beta function (the
continued fraction of Numerical Recipes, §6.4). Tests compare every figure with published
tables.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping

Z_95 = 1.959963984540054  # the standard normal's 97.5 % quantile
LEVEL = 0.95


def wilson(successes: int, n: int, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (None for n = 0: nothing to say)."""
    if n <= 0:
        return None
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return (max(0.0, centre - half), min(1.0, centre + half))


def _incomplete_beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the regularised incomplete beta function (Lentz's method)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        step = d * c
        h *= step
        if abs(step - 1.0) < 1e-15:
            break
    return h


def incomplete_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b), the regularised incomplete beta function."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _incomplete_beta_fraction(a, b, x) / a
    return 1.0 - front * _incomplete_beta_fraction(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """Student's t distribution function."""
    tail = 0.5 * incomplete_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The p quantile of Student's t with df degrees of freedom (0.5 < p < 1)."""
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        high *= 2.0
    for _ in range(200):
        mid = (low + high) / 2.0
        if t_cdf(mid, df) < p:
            low = mid
        else:
            high = mid
        if high - low < 1e-12:
            break
    return (low + high) / 2.0


def mean_interval(values: list[float], level: float = LEVEL) -> tuple[float, float] | None:
    """Student's t interval of the mean (None for fewer than 2 values: no spread to judge)."""
    n = len(values)
    if n < 2:
        return None
    mean = statistics.fmean(values)
    spread = statistics.stdev(values)
    half = t_quantile(0.5 + level / 2.0, n - 1) * spread / math.sqrt(n)
    return (mean - half, mean + half)


def expand(counts: Mapping[str | int, int]) -> list[float]:
    """Counts per scale value ({"1": 3, "2": 0, …}) as the list of answers they stand for."""
    return [float(value) for value, n in counts.items() for _ in range(int(n))]


def median_and_quartiles(values: list[float]) -> tuple[float, float, float] | None:
    """Median and the first and third quartiles (the 'inclusive' method, as spreadsheets'
    QUARTILE.INC), or None without values."""
    if not values:
        return None
    if len(values) == 1:
        return (values[0], values[0], values[0])
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return (median, q1, q3)


def overlap(first: tuple[float, float] | None, second: tuple[float, float] | None) -> bool:
    """True when two intervals overlap: the difference between them is within noise."""
    if first is None or second is None:
        return True  # nothing to tell them apart with
    return first[0] <= second[1] and second[0] <= first[1]
