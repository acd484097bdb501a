"""Z-scores with over-dispersion (Spiegelhalter 2005), Wilson intervals and funnel limits.

The arithmetic of `../shared/docs/banding.md`, so that results agree with FunnelPlotR, SHMI and
CQC's method to rounding error:

- transform Y and standard error s: proportion `arcsine` asin(sqrt(p)), 1/(2 sqrt(D));
  ratio `log` ln(r), 1/sqrt(D); ratio `sqrt` sqrt(r), 1/(2 sqrt(D));
- naive z = (Y - t0) / s;
- phi = mean of the squared z after trimming (winsorising, or truncating as SHMI does), dividing
  by n, not n - 1, without re-centring;
- multiplicative: z / sqrt(phi) when phi > 1; additive: tau^2 from the DerSimonian-Laird style
  moment estimate, z = (Y - t0) / sqrt(s^2 + tau^2).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

Q95 = 1.959964  # two-sided 95%
Q998 = 3.090232  # two-sided 99.8%


def transform(kind: str, rate: ArrayLike) -> np.ndarray:
    """Y for a rate (a number or a numpy array)."""
    if kind == "arcsine":
        return np.arcsin(np.sqrt(rate))
    if kind == "log":
        return np.log(rate)
    return np.sqrt(rate)


def back_transform(kind: str, y: ArrayLike) -> np.ndarray:
    """The original scale of a transformed value, clipped where the transform folds."""
    if kind == "arcsine":
        return np.sin(np.clip(y, 0.0, math.pi / 2)) ** 2
    if kind == "log":
        return np.exp(y)
    return np.maximum(y, 0.0) ** 2


def standard_error(kind: str, denominator: ArrayLike) -> np.ndarray:
    if kind == "log":
        return 1 / np.sqrt(denominator)
    return 1 / (2 * np.sqrt(denominator))


def quantile7(sorted_values: Sequence[float], fraction: float) -> float:
    """Linear interpolation between order statistics (R type 7, numpy's default)."""
    position = (len(sorted_values) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def average_ranks(values: ArrayLike) -> np.ndarray:
    """Ranks 1..k, ties sharing their average rank."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], len(ordered)] - 1
    average = (starts + ends) / 2 + 1
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.repeat(average, ends - starts + 1)
    return ranks


def trimmed(z: ArrayLike, trim: float, method: str) -> tuple[np.ndarray, np.ndarray]:
    """The positions kept and their (possibly clamped) z-scores."""
    z = np.asarray(z, dtype=np.float64)
    if method == "winsorise":
        ordered = np.sort(z).tolist()
        low, high = quantile7(ordered, trim), quantile7(ordered, 1 - trim)
        return np.arange(len(z)), np.clip(z, low, high)
    groups = 1 / trim
    bands = np.floor(average_ranks(z) * groups / (len(z) + 1))
    kept = np.flatnonzero((bands > 0) & (bands < groups - 1))
    return kept, z[kept]


@dataclass(frozen=True)
class Dispersion:
    """What a population's z-scores say about its spread beyond chance."""

    n: int  # organisations used in the estimate, after trimming
    phi: float  # dispersion ratio
    tau2: float  # between-organisation variance on the transformed scale (additive)


def estimate(z: ArrayLike, s: ArrayLike, trim: float, method: str) -> Dispersion:
    s = np.asarray(s, dtype=np.float64)
    kept, clamped = trimmed(z, trim, method)
    n = len(kept)
    if n == 0:
        return Dispersion(0, math.nan, math.nan)
    phi = float(np.sum(clamped * clamped) / n)
    weights = 1 / (s[kept] ** 2)
    total = float(np.sum(weights))
    spread = total - float(np.sum(weights * weights)) / total
    tau2 = 0.0 if phi <= 1 or spread <= 0 else max(0.0, (n * phi - (n - 1)) / spread)
    return Dispersion(n, phi, tau2)


def adjusted_z(y: np.ndarray, t0: float, s: np.ndarray, setting: str, phi: float, tau2: float) -> np.ndarray:
    if setting == "additive":
        return (y - t0) / np.sqrt(s * s + tau2)
    if setting == "multiplicative" and phi > 1:
        return (y - t0) / s / math.sqrt(phi)
    return (y - t0) / s


def sigma(s: float, setting: str, phi: float, tau2: float) -> float:
    """The spread of a funnel at standard error s."""
    if setting == "additive":
        return math.sqrt(s * s + tau2)
    if setting == "multiplicative" and phi > 1:
        return math.sqrt(phi) * s
    return s


def funnel_limits(kind: str, t0: float, s: float, setting: str, phi: float, tau2: float) -> dict[str, float]:
    """Control limits on the original scale at one denominator."""
    spread = sigma(s, setting, phi, tau2)
    return {
        "lower_998": float(back_transform(kind, t0 - Q998 * spread)),
        "lower_95": float(back_transform(kind, t0 - Q95 * spread)),
        "upper_95": float(back_transform(kind, t0 + Q95 * spread)),
        "upper_998": float(back_transform(kind, t0 + Q998 * spread)),
    }


def wilson(numerator: np.ndarray, denominator: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion at a two-sided level such as 0.95 (numbers or arrays)."""
    from statistics import NormalDist  # only here: statistics is slow to import

    z = NormalDist().inv_cdf((1 + level) / 2)
    p = numerator / denominator
    z2n = z * z / denominator
    centre = (p + z2n / 2) / (1 + z2n)
    half = z * np.sqrt(p * (1 - p) / denominator + z2n / (4 * denominator)) / (1 + z2n)
    return np.maximum(centre - half, 0.0), np.minimum(centre + half, 1.0)


# Beyond this many terms (a standard deviation above about 40,000, counts above about 1.7e9),
# count_cdf uses the normal approximation.
EXACT_TERMS = 1_000_000


def count_cdf(x: float, count: float, denominator: float, binomial: bool) -> float:
    """P(X <= x) for a count X drawn again from its sampling distribution, exactly.

    Binomial(denominator, count / denominator) for a proportion, Poisson(count) otherwise. The
    probabilities are summed from 12 standard deviations (and 30 counts) below the mean, each term
    from the one before by the ratio of successive probabilities; what lies further out in either
    tail is below 1e-30.
    """
    x = math.floor(x)
    if x < 0:
        return 0.0
    if binomial:
        n = round(denominator)
        if x >= n:
            return 1.0
        p = count / denominator
        if p <= 0 or p >= 1:  # a certain count: all or nothing
            return 1.0 if p <= 0 else 0.0
        mean, spread = n * p, math.sqrt(n * p * (1 - p))
    else:
        if count <= 0:
            return 1.0
        mean, spread = count, math.sqrt(count)
    if x > mean + 12 * spread + 30:
        return 1.0
    start = max(0, math.floor(mean - 12 * spread - 30))
    if start > x:
        return 0.0
    if x - start > EXACT_TERMS:
        # Counts in the billions: the sum would hold millions of terms, and the normal
        # approximation (with continuity correction) is within about 1e-5 of it there.
        return 0.5 * math.erfc(-(x + 0.5 - mean) / (spread * math.sqrt(2)))
    k = np.arange(start, x, dtype=np.float64)  # each step goes from k to k + 1
    if binomial:
        first = (
            math.lgamma(n + 1)
            - math.lgamma(start + 1)
            - math.lgamma(n - start + 1)
            + start * math.log(p)
            + (n - start) * math.log1p(-p)
        )
        steps = np.log((n - k) / (k + 1)) + math.log(p / (1 - p))
    else:
        first = -count + start * math.log(count) - math.lgamma(start + 1)
        steps = np.log(count / (k + 1))
    logs = first + np.concatenate(([0.0], np.cumsum(steps)))
    return float(min(np.exp(logs).sum(), 1.0))
