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
from statistics import NormalDist

Q95 = 1.959964  # two-sided 95%
Q998 = 3.090232  # two-sided 99.8%

DEFAULT_TRANSFORM = {"proportion": "arcsine", "ratio": "log"}


def transform(kind: str, rate: float) -> float:
    if kind == "arcsine":
        return math.asin(math.sqrt(rate))
    if kind == "log":
        return math.log(rate)
    return math.sqrt(rate)


def back_transform(kind: str, y: float) -> float:
    """The original scale of a transformed value, clipped where the transform folds."""
    if kind == "arcsine":
        return math.sin(min(max(y, 0.0), math.pi / 2)) ** 2
    if kind == "log":
        return math.exp(y)
    return max(y, 0.0) ** 2


def standard_error(kind: str, denominator: float) -> float:
    if kind == "log":
        return 1 / math.sqrt(denominator)
    return 1 / (2 * math.sqrt(denominator))


def quantile7(sorted_values: Sequence[float], fraction: float) -> float:
    """Linear interpolation between order statistics (R type 7, numpy's default)."""
    position = (len(sorted_values) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def average_ranks(values: Sequence[float]) -> list[float]:
    """Ranks 1..k, ties sharing their average rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            ranks[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def trimmed(z: Sequence[float], trim: float, method: str) -> tuple[list[int], list[float]]:
    """The positions kept and their (possibly clamped) z-scores."""
    if method == "winsorise":
        ordered = sorted(z)
        low, high = quantile7(ordered, trim), quantile7(ordered, 1 - trim)
        return list(range(len(z))), [min(max(value, low), high) for value in z]
    groups = 1 / trim
    k = len(z)
    kept = [
        i for i, rank in enumerate(average_ranks(z)) if 0 < math.floor(rank * groups / (k + 1)) < groups - 1
    ]
    return kept, [z[i] for i in kept]


@dataclass(frozen=True)
class Dispersion:
    """What a population's z-scores say about its spread beyond chance."""

    n: int  # organisations used in the estimate, after trimming
    phi: float  # dispersion ratio
    tau2: float  # between-organisation variance on the transformed scale (additive)


def estimate(z: Sequence[float], s: Sequence[float], trim: float, method: str) -> Dispersion:
    kept, clamped = trimmed(z, trim, method)
    n = len(kept)
    if n == 0:
        return Dispersion(0, math.nan, math.nan)
    phi = sum(value * value for value in clamped) / n
    weights = [1 / (s[i] ** 2) for i in kept]
    total = sum(weights)
    spread = total - sum(w * w for w in weights) / total
    tau2 = 0.0 if phi <= 1 or spread <= 0 else max(0.0, (n * phi - (n - 1)) / spread)
    return Dispersion(n, phi, tau2)


def adjusted_z(y: float, t0: float, s: float, setting: str, phi: float, tau2: float) -> float:
    if setting == "additive":
        return (y - t0) / math.sqrt(s * s + tau2)
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
        "lower_998": back_transform(kind, t0 - Q998 * spread),
        "lower_95": back_transform(kind, t0 - Q95 * spread),
        "upper_95": back_transform(kind, t0 + Q95 * spread),
        "upper_998": back_transform(kind, t0 + Q998 * spread),
    }


def wilson(numerator: float, denominator: float, level: float) -> tuple[float, float]:
    """Wilson score interval of a proportion at a two-sided level such as 0.95."""
    z = NormalDist().inv_cdf((1 + level) / 2)
    p = numerator / denominator
    z2n = z * z / denominator
    centre = (p + z2n / 2) / (1 + z2n)
    half = z * math.sqrt(p * (1 - p) / denominator + z2n / (4 * denominator)) / (1 + z2n)
    return max(centre - half, 0.0), min(centre + half, 1.0)
