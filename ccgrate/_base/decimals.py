"""Decimal semantics at numpy speed: scores a person can recompute by hand, to the last digit.

Values, weights, cut points and standards are the decimals the user wrote; points are exact
rationals (100 x (n - 1 - i) / (n - 1) for the default points of n bands). Each published score is
the exact weighted mean rounded half up to two decimals. The arithmetic runs in floating point
over whole columns, and only where a result lies within rounding distance of a half (or of a
threshold) is it decided again in exact rational arithmetic, organisation by organisation. A
double carries 15 significant decimal digits exactly, so comparing two decimals of up to 15
digits as doubles already gives the exact answer; that is what makes the fast path safe.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# Floating point means of up to thousands of terms between 0 and 100 are within 1e-9 of the
# exact mean; anything closer than this to a rounding boundary is decided exactly.
NEAR = 1e-6
HALF = Fraction(1, 2)


def decimal(number: float) -> Fraction:
    """The decimal a number was written as: the shortest that reads back as the same double."""
    number = float(number)
    if number.is_integer():  # most weights and points: no need to parse a decimal
        return Fraction(int(number))
    return Fraction(repr(number))


def half_up(value: Fraction, decimals: int = 2) -> Fraction:
    scale = 10**decimals
    return Fraction(math.floor(value * scale + HALF), scale)


# Given the rows to decide exactly: their values as integers over a common denominator D (any
# ints; a missing value anywhere, masked out by `present`), which cells are present, and D.
ExactRows = Callable[["np.ndarray"], "tuple[np.ndarray, np.ndarray, int]"]


def integer_weights(weights: Sequence[float]) -> list[int]:
    """Weights as integers over a common power of ten (their ratios, which are all a mean needs)."""
    exact = [decimal(w) for w in weights]
    scale = math.lcm(*(w.denominator for w in exact)) if exact else 1
    return [int(w * scale) for w in exact]


def over_common_denominator(tables: Sequence[Sequence[Fraction]]) -> tuple[list[np.ndarray], int]:
    """Tables of exact fractions as integer tables over one common denominator D (each with a 0
    appended, which a missing rank of -1 reads), and D."""
    import numpy as np

    common = math.lcm(*(f.denominator for table in tables for f in table)) if tables else 1
    return [np.array([int(f * common) for f in table] + [0], dtype=object) for table in tables], common


def rounded_weighted_means(
    values: np.ndarray | Callable[[int], np.ndarray],
    weights: Sequence[float],
    exact_rows: ExactRows,
    rows: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise weighted means over columns, NaN ignored, rounded half up to two decimals.

    `values` is a rows x columns matrix, or a function giving column k of `rows` (so that a
    million organisations' columns are made one at a time, never held side by side).

    The means are computed in floating point; the rows within NEAR of a half hundredth are decided
    again exactly, all at once, in integer arithmetic: with values P / D and integer weights W,
    the mean rounded half up is (200 sum(W P) + D sum(W)) // (2 D sum(W)) hundredths. Returns the
    means (NaN where nothing was given) and how many columns each used.
    """
    import numpy as np

    if isinstance(values, np.ndarray):
        matrix, rows = values, values.shape[0]
        column_of: Callable[[int], np.ndarray] = lambda k: matrix[:, k]  # noqa: E731
    else:
        column_of = values
    assert rows is not None, "rows is given with a function of columns"
    total = np.zeros(rows)
    weight = np.zeros(rows)
    used = np.zeros(rows, dtype=np.int64)
    for column, w in enumerate(weights):
        taken = column_of(column)
        present = ~np.isnan(taken)
        total += np.where(present, taken * w, 0.0)
        weight += np.where(present, w, 0.0)
        used += present
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = np.where(weight > 0, total / np.where(weight > 0, weight, 1.0), np.nan) * 100
    result: np.ndarray = np.floor(scaled + 0.5)
    near = np.flatnonzero(np.abs(scaled - np.floor(scaled) - 0.5) < NEAR)
    if len(near):
        numerators, present, denominator = exact_rows(near)
        whole = integer_weights(weights)
        # int64 where nothing can overflow, Python integers (object arrays) otherwise.
        largest = (
            200 * max(whole, default=1) * max(int(np.abs(numerators).max(initial=0)), denominator) * max(len(whole), 1)
        )
        kind = np.int64 if largest < 2**62 else object
        p = np.where(present, numerators, 0).astype(kind)
        integer_w = np.array(whole, dtype=kind)
        weight_sum = (present.astype(kind) * integer_w).sum(axis=1)
        weighted = (p * integer_w).sum(axis=1)
        result[near] = ((200 * weighted + denominator * weight_sum) // (2 * denominator * weight_sum)).astype(
            np.float64
        )
    return result / 100, used


def share_below(
    part: np.ndarray, total: float, least: float, part_exact: Callable[[int], Fraction], total_exact: Fraction
) -> np.ndarray:
    """part / total < least, per row, exactly (decided again in fractions where it is close)."""
    import numpy as np

    share = part / total
    below = share < least
    close = np.flatnonzero(np.abs(share - least) < NEAR)
    exact_least = decimal(least)
    for row in close.tolist():
        below[row] = part_exact(row) / total_exact < exact_least
    return below


def rate_on_scale(numerators: np.ndarray, denominators: np.ndarray, scale: float) -> np.ndarray:
    """numerator x scale / denominator, correctly rounded: 577 of 1000 as a percentage is 57.7
    exactly as a double (dividing first would give 57.699999999999996)."""
    import numpy as np

    with np.errstate(invalid="ignore", divide="ignore"):
        rates: np.ndarray = numerators * scale / denominators
    return rates


def settle_ties(
    values: np.ndarray, numerators: np.ndarray, denominators: np.ndarray, scale: float, references: Sequence[float]
) -> np.ndarray:
    """Rates from counts that came out equal, as doubles, to a cut point or standard they are not
    exactly equal to, moved one double towards their true side, so that every comparison with a
    reference is exact."""
    import numpy as np

    if not references:
        return values
    values = values.copy()
    for reference in references:
        tied = np.flatnonzero(values == reference)
        if not len(tied):
            continue
        exact_reference = decimal(reference)
        for row in tied.tolist():
            exact = decimal(numerators[row]) * decimal(scale) / decimal(denominators[row])
            if exact > exact_reference:
                values[row] = np.nextafter(values[row], math.inf)
            elif exact < exact_reference:
                values[row] = np.nextafter(values[row], -math.inf)
    return values
