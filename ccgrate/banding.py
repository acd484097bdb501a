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

from . import dispersion
from .bind import Observation
from .dispersion import quantile7 as quantile

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
            return {key: empty for key in observations}, {"method": "quantile", "n": len(values), "cuts": None}
        cuts = [quantile(values, i / self.quantiles) for i in range(1, self.quantiles)]
        reference = cut_reference(cuts, self.direction, population=len(values))
        inner = CutBanding(cuts, self.direction, self.labels, self.points, reference)
        result, _ = inner.band(observations)
        return result, {"method": "quantile", "n": len(values), "cuts": cuts}


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


class SignificantStandardBanding:
    """A standard judged on a Wilson interval from counts; the point estimate where the interval straddles it."""

    def __init__(self, ind: Any, labels: Sequence[str], points: Sequence[float]):
        self.labels = list(labels)
        self.points = list(points)
        self.direction = ind.direction
        self.level = ind.significance
        self.scale = 100.0 if ind.unit == "%" else 1.0
        self.standard = ind.standard
        self.sign = ">=" if ind.direction == "higher" else "<="

    def band(self, observations):
        result = {}
        standard = self.standard / self.scale
        for key, obs in observations.items():
            if obs.numerator is None or obs.denominator is None:
                met = self._met(float(obs.value), self.standard)
                rank = 1 if met else 2
                note = "no numerator and denominator: judged on the value alone"
                result[key] = Band(self.labels[rank], rank, self.points[rank], f"{self.sign} {_fmt(self.standard)}", note)
                continue
            low, high = dispersion.wilson(obs.numerator, obs.denominator, self.level)
            good, bad = (low, high) if self.direction == "higher" else (high, low)
            if self._met(good, standard) and good != standard:
                rank = 0
            elif not self._met(bad, standard):
                rank = 3
            else:
                rank = 1 if self._met(obs.numerator / obs.denominator, standard) else 2
            interval = f"{_fmt(low * self.scale)}-{_fmt(high * self.scale)}"
            reference = f"{self.sign} {_fmt(self.standard)} ({self.level:.0%} interval {interval})"
            detail = {"lower": low * self.scale, "upper": high * self.scale}
            result[key] = Band(self.labels[rank], rank, self.points[rank], reference, detail=detail)
        return result, None

    def _met(self, value: float, standard: float) -> bool:
        return value >= standard if self.direction == "higher" else value <= standard


def zscore_rank(good: float) -> int:
    """0 significantly better ... 4 significantly worse, for a z-score signed so that up is good."""
    if good > dispersion.Q998:
        return 0
    if good > dispersion.Q95:
        return 1
    if good < -dispersion.Q998:
        return 4
    if good < -dispersion.Q95:
        return 3
    return 2


class ZScoreBanding:
    """Bands from over-dispersion-adjusted z-scores, signed by the indicator's good direction."""

    def __init__(self, ind: Any, labels: Sequence[str], points: Sequence[float]):
        self.ind = ind
        self.labels = list(labels)
        self.points = list(points)
        self.kind = ind.transform_name
        self.scale = 100.0 if ind.data == "proportion" and ind.unit == "%" else 1.0

    def band(self, observations):
        ind = self.ind
        usable: dict[Any, tuple[float, float]] = {}
        result: dict[Any, Band] = {}
        for key, obs in observations.items():
            problem = self._unusable(obs)
            if problem:
                result[key] = Band(None, None, None, "", f"not banded: {problem}")
            else:
                usable[key] = (obs.numerator, obs.denominator)
        target = ind.target_value
        if target == "pooled":
            denominators = sum(d for _, d in usable.values())
            target = sum(o for o, _ in usable.values()) / denominators if denominators else math.nan
        stats: dict[str, Any] = {
            "method": "zscore", "data": ind.data, "transform": self.kind, "overdispersion": ind.overdispersion,
            "trim": ind.trim, "trim_method": ind.trim_method, "k": len(usable), "excluded": len(result),
            "target": None if math.isnan(target) else target * self.scale,
        }
        small = len(usable) < ind.min_population
        fixed = ind.tau2 if ind.overdispersion == "additive" else ind.phi
        if not usable or (small and (ind.target_value == "pooled" or (fixed is None and ind.overdispersion != "none"))):
            note = (
                f"not banded: z-scores need at least {ind.min_population} organisations with counts to estimate "
                f"{'the target and ' if ind.target_value == 'pooled' else ''}over-dispersion, this population has "
                f"{len(usable)}; give a numeric target and a fixed {'tau2' if ind.overdispersion == 'additive' else 'phi'} "
                "in the framework, or score the whole population"
            )
            for key in usable:
                result[key] = Band(None, None, None, "", note)
            stats.update(n=0, phi=None, tau2=None)
            return result, stats
        t0 = dispersion.transform(self.kind, target)
        ys = {key: dispersion.transform(self.kind, o / d) for key, (o, d) in usable.items()}
        ss = {key: dispersion.standard_error(self.kind, d) for key, (_, d) in usable.items()}
        zs = {key: (ys[key] - t0) / ss[key] for key in usable}
        if small:
            phi = ind.phi if ind.phi is not None else 1.0
            tau2 = ind.tau2 if ind.tau2 is not None else 0.0
            stats.update(n=0, phi=phi, tau2=tau2, fixed=True)
        else:
            keys = list(usable)
            estimate = dispersion.estimate([zs[k] for k in keys], [ss[k] for k in keys], ind.trim, ind.trim_method)
            phi, tau2 = estimate.phi, estimate.tau2
            stats.update(n=estimate.n, phi=phi, tau2=tau2, fixed=False)
        sign = 1 if ind.direction == "higher" else -1
        for key in usable:
            z_adj = dispersion.adjusted_z(ys[key], t0, ss[key], ind.overdispersion, phi, tau2)
            rank = zscore_rank(sign * z_adj)
            detail = {"y": ys[key], "target": target * self.scale, "s": ss[key], "z": zs[key], "z_adj": z_adj}
            reference = f"target {_fmt(target * self.scale)}, z {zs[key]:.2f}, adjusted {z_adj:.2f}"
            result[key] = Band(self.labels[rank], rank, self.points[rank], reference, detail=detail)
        return result, stats

    def _unusable(self, obs: Observation) -> str | None:
        if obs.numerator is None or obs.denominator is None:
            return "no numerator and denominator"
        if self.kind == "log" and obs.numerator == 0:
            return "a zero count has no log z-score"
        return None


def make_banding(framework: Any, ind: Any) -> Banding:
    labels = framework.band_labels(ind)
    points = framework.band_points(ind)
    if ind.method == "zscore":
        return ZScoreBanding(ind, labels, points)
    if ind.method == "standard":
        if ind.significance:
            return SignificantStandardBanding(ind, labels, points)
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
