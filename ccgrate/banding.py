"""Banding: one indicator's values for a whole population, turned into bands with points.

Every method implements `Banding.band(observations)`, which sees the whole population at once
(quantile and statistical methods need it) and returns one `Band` per organisation plus the
population statistics it used. A new method is one new class and one line in `make_banding`.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Hashable, Protocol, TypeVar

from .bind import Observation

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Band:
    """Where one value fell. `rank` counts from 0 for the best band; None when not banded."""

    label: str | None
    rank: int | None
    points: float | None
    reference: str
    note: str | None = None
    detail: Mapping[str, float] | None = None


class Banding(Protocol):
    labels: Sequence[str]

    def band(self, observations: Mapping[K, Observation]) -> tuple[dict[K, Band], dict[str, Any] | None]:
        """Band every organisation of a population; also return the population statistics used."""
        ...


def quantile(sorted_values: Sequence[float], fraction: float) -> float:
    """Linear interpolation between order statistics (R type 7, numpy's default)."""
    position = (len(sorted_values) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    weight = position - low
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * weight


def _fmt(number: float) -> str:
    return f"{number:.4g}" if abs(number) < 1e6 else f"{number:.6g}"


class CutBanding:
    """Bands bounded by ascending cut points; a value on a cut point counts in the better band."""

    def __init__(self, cuts: Sequence[float], direction: str, labels: Sequence[str], points: Sequence[float], reference: str):
        self.cuts = list(cuts)
        self.direction = direction
        self.labels = list(labels)
        self.points = list(points)
        self.reference = reference

    def rank(self, value: float) -> int:
        if self.direction == "higher":
            passed = bisect.bisect_right(self.cuts, value)
        else:
            passed = len(self.cuts) - bisect.bisect_left(self.cuts, value)
        return len(self.cuts) - passed

    def band_value(self, value: float) -> Band:
        rank = self.rank(value)
        return Band(self.labels[rank], rank, self.points[rank], self.reference)

    def band(self, observations):
        return {key: self.band_value(float(obs.value)) for key, obs in observations.items()}, None


def cut_reference(cuts: Sequence[float], direction: str, population: int | None = None) -> str:
    """E.g. "8 | 10.7 | 13.4 (lower better)"; the band's label says whether these are quartiles."""
    prefix = f"population n={population}: " if population is not None else ""
    return f"{prefix}{' | '.join(_fmt(c) for c in cuts)} ({direction} better)"


class StandardBanding(CutBanding):
    def __init__(self, standard: float, direction: str, labels: Sequence[str], points: Sequence[float]):
        sign = ">=" if direction == "higher" else "<="
        super().__init__([standard], direction, labels, points, f"{sign} {_fmt(standard)}")


class PopulationQuantileBanding:
    """Quantiles of the population being scored, recomputed from the values present."""

    def __init__(self, quantiles: int, direction: str, labels: Sequence[str], points: Sequence[float], min_population: int):
        self.quantiles = quantiles
        self.direction = direction
        self.labels = list(labels)
        self.points = list(points)
        self.min_population = min_population

    def band(self, observations):
        values = sorted(float(obs.value) for obs in observations.values())
        if len(values) < self.min_population:
            note = (
                f"not banded: population quantiles need at least {self.min_population} organisations "
                f"with a value, this population has {len(values)}; give fixed cuts in the framework"
            )
            empty = Band(None, None, None, "population quantiles", note)
            return {key: empty for key in observations}, {"n": len(values), "cuts": None}
        cuts = [quantile(values, i / self.quantiles) for i in range(1, self.quantiles)]
        reference = cut_reference(cuts, self.direction, population=len(values))
        inner = CutBanding(cuts, self.direction, self.labels, self.points, reference)
        result, _ = inner.band(observations)
        return result, {"n": len(values), "cuts": cuts}


class LevelBanding:
    """An ordered scale of named levels, best first."""

    def __init__(self, levels: Sequence[str], points: Sequence[float]):
        self.labels = list(levels)
        self.points = list(points)
        self.index = {level: i for i, level in enumerate(levels)}
        self.reference = " > ".join(levels)

    def band(self, observations):
        result = {}
        for key, obs in observations.items():
            rank = self.index[str(obs.value)]
            result[key] = Band(self.labels[rank], rank, self.points[rank], self.reference)
        return result, None


def make_banding(framework: Any, ind: Any) -> Banding:
    labels = framework.band_labels(ind)
    points = framework.band_points(ind)
    if ind.method == "standard":
        return StandardBanding(ind.standard, ind.direction, labels, points)
    if ind.method == "bands":
        return CutBanding(ind.cuts, ind.direction, labels, points, cut_reference(ind.cuts, ind.direction))
    if ind.method == "quantile":
        if ind.cuts is not None:
            return CutBanding(ind.cuts, ind.direction, labels, points, cut_reference(ind.cuts, ind.direction))
        return PopulationQuantileBanding(ind.quantiles, ind.direction, labels, points, ind.min_population)
    if ind.method == "judgement":
        return LevelBanding(framework.levels_of(ind), points)
    raise ValueError(f"no banding for method {ind.method!r}")
