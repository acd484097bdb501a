"""Banding: one indicator's values for a whole population, turned into bands with points.

Every method implements `Banding.band(column)`: it sees the whole population at once (quantile
and statistical methods need it) as numpy arrays, and returns every organisation's band rank
(0 is the best band, -1 none), points (NaN none), the reference the value was compared with, a
note for each organisation it could not band, and the population statistics it used. A new
method is one new class and one line in `make_banding`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ccgrate._base import digits as shown
from ccgrate._base.decimals import decimal, rate_on_scale, settle_ties
from ccgrate._base.digits import written
from ccgrate._base.errors import DataError
from ccgrate._framework.fields import Direction, OnCut
from ccgrate._framework.indicators import (
    JudgementIndicator,
    LookupIndicator,
    RankIndicator,
    ScoreIndicator,
    StandardIndicator,
    ZScoreIndicator,
    cut_rule,
    cut_texts,
)
from ccgrate._scoring import dispersion

if TYPE_CHECKING:
    from ccgrate._framework.indicators import AnyIndicator
    from ccgrate._framework.model import Framework

NONE = -1


@dataclass
class IndicatorColumn:
    """One indicator's inputs for a population: values (or level positions) and counts."""

    values: np.ndarray  # float64 with NaN, or int64 level positions with -1
    numerators: np.ndarray | None = None
    denominators: np.ndarray | None = None
    groups: np.ndarray | None = None  # each organisation's peer group, as a number, where ranks are by group

    @property
    def present(self) -> np.ndarray:
        if self.values.dtype.kind == "f":
            return ~np.isnan(self.values)
        return self.values >= 0


@dataclass
class Bands:
    """Where every organisation fell, for one indicator."""

    rank: np.ndarray  # integers (int8 in an assessment, where they fit); 0 is the best band, -1 not banded
    # Points by band rank, NaN last so that rank -1 reads NaN: a population's points are worked out
    # from its ranks when asked, not kept (a million organisations x 56 indicators would be 450 MB).
    point_table: np.ndarray
    reference: str | list[str]  # the same for everyone, or one per organisation
    notes: dict[int, str] = field(default_factory=dict)  # why an organisation with a value was not banded
    detail: dict[str, np.ndarray] | None = None  # per organisation statistics (NaN where none)
    stats: dict[str, Any] | None = None  # the population statistics used
    held: dict[str, float] | None = None  # what `frozen` holds fixed, unrounded
    # The numbers the values were compared with, as the reference shows them (cut points, a
    # standard): an explanation shows each value with enough digits to sit visibly on its side.
    compared: list[float] = field(default_factory=list)
    # A continuous method's score of every organisation (NaN where none), in place of points by
    # band, and the exact score of any rows, as fractions (None where none), for exact re-checks.
    scores: np.ndarray | None = None
    exact: Callable[[np.ndarray], list[Fraction | None]] | None = None

    @property
    def points(self) -> np.ndarray:
        """Every organisation's points or score (float64; NaN when not banded or scored)."""
        if self.scores is not None:
            return self.scores
        return self.point_table[self.rank]

    def points_at(self, index: int) -> float | None:
        if self.scores is not None:
            score = float(self.scores[index])
            return None if math.isnan(score) else score
        rank = int(self.rank[index])
        return float(self.point_table[rank]) if rank >= 0 else None

    def reference_for(self, index: int) -> str:
        return self.reference if isinstance(self.reference, str) else self.reference[index]


# A band rank as a function of (values, numerators, denominators), elementwise, with whatever the
# population decided (quantile cuts, target, over-dispersion) held where it is.
FrozenRanks = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


class Banding(Protocol):
    @property
    def labels(self) -> Sequence[str]:
        """The band names, best first."""
        ...

    def band(self, column: IndicatorColumn) -> Bands:
        """Band every organisation of a population."""
        ...

    def frozen(self, bands: Bands) -> FrozenRanks | None:
        """Ranks for other values against the references `bands` used; None when values do not matter."""
        ...


def quantile(sorted_values: Sequence[float], fraction: float) -> float:
    """Linear interpolation between order statistics (R type 7, numpy's default)."""
    return dispersion.quantile7(sorted_values, fraction)


def _fmt(number: float) -> str:
    return f"{number:.4g}" if abs(number) < 1e6 else f"{number:.6g}"


def cut_ranks(cuts: Sequence[float], direction: str, values: np.ndarray, on_cut: str = "better") -> np.ndarray:
    """Band ranks against ascending cut points. A value exactly on a cut point counts in the better
    band (on_cut "better") or in the worse one ("worse": it must pass the cut)."""
    edges = np.asarray(cuts, dtype=np.float64)
    reach = on_cut == "better"
    if direction == "higher":
        passed = np.searchsorted(edges, values, side="right" if reach else "left")
    else:
        passed = len(edges) - np.searchsorted(edges, values, side="left" if reach else "right")
    return (len(edges) - passed).astype(np.int64)


def _result(
    rank: np.ndarray, present: np.ndarray, points: Sequence[float], reference: str | list[str], **more: Any
) -> Bands:
    rank = np.where(present, rank, NONE)
    table = np.append(np.asarray(points, dtype=np.float64), np.nan)  # position -1 reads NaN
    return Bands(rank, table, reference, **more)


class CutBanding:
    """Bands bounded by ascending cut points; a value on a cut point counts in the band `on_cut` says."""

    def __init__(
        self,
        cuts: Sequence[float],
        direction: Direction,
        labels: Sequence[str],
        points: Sequence[float],
        reference: str,
        on_cut: OnCut = "better",
    ):
        self.cuts = list(cuts)
        self.on_cut = on_cut
        self.direction = direction
        self.labels = list(labels)
        self.points = list(points)
        self.reference = reference

    def band(self, column: IndicatorColumn) -> Bands:
        present = column.present
        rank = cut_ranks(self.cuts, self.direction, np.where(present, column.values, 0.0), self.on_cut)
        return _result(rank, present, self.points, self.reference, compared=list(self.cuts))

    def frozen(self, bands: Bands) -> FrozenRanks:
        return lambda values, numerators, denominators: cut_ranks(self.cuts, self.direction, values, self.on_cut)


class StandardBanding(CutBanding):
    def __init__(self, ind: StandardIndicator, labels: Sequence[str], points: Sequence[float]):
        super().__init__([ind.standard], ind.direction, labels, points, ind.rule, ind.on_cut)


class PopulationQuantileBanding:
    """Quantiles of the population being scored, recomputed from the values present."""

    def __init__(
        self,
        quantiles: int,
        direction: Direction,
        labels: Sequence[str],
        points: Sequence[float],
        min_population: int,
        on_cut: OnCut = "better",
    ):
        self.on_cut = on_cut
        self.quantiles = quantiles
        self.direction = direction
        self.labels = list(labels)
        self.points = list(points)
        self.min_population = min_population

    def band(self, column: IndicatorColumn) -> Bands:
        present = column.present
        values = np.sort(column.values[present])
        if len(values) < self.min_population:
            note = (
                f"not banded: population quantiles need at least {self.min_population} organisations "
                f"with a value, this population has {len(values)}; give fixed cuts in the framework"
            )
            nothing = np.zeros(len(present), dtype=bool)
            return _result(
                np.zeros(len(present), dtype=np.int64),
                nothing,
                self.points,
                "population quantiles",
                notes={int(i): note for i in np.flatnonzero(present)},
                stats={"method": "quantile", "n": len(values), "cuts": None},
            )
        ordered = values.tolist()
        cuts = [quantile(ordered, i / self.quantiles) for i in range(1, self.quantiles)]
        rank = cut_ranks(cuts, self.direction, np.where(present, column.values, 0.0), self.on_cut)
        texts = [shown.computed_cut(c, values) for c in cuts]
        reference = cut_rule(texts, self.direction, self.on_cut, population=len(values))
        return _result(
            rank,
            present,
            self.points,
            reference,
            stats={"method": "quantile", "n": len(values), "cuts": cuts},
            compared=[float(t) for t in texts],
        )

    def frozen(self, bands: Bands) -> FrozenRanks | None:
        cuts = (bands.stats or {}).get("cuts")
        if cuts is None:
            return None
        return lambda values, numerators, denominators: cut_ranks(cuts, self.direction, values, self.on_cut)


class LevelBanding:
    """An ordered scale of named levels, best first."""

    def __init__(self, levels: Sequence[str], points: Sequence[float]):
        self.labels = list(levels)
        self.points = list(points)
        self.reference = " > ".join(levels)

    def band(self, column: IndicatorColumn) -> Bands:
        present = column.present
        return _result(np.where(present, column.values, 0), present, self.points, self.reference)

    def frozen(self, bands: Bands) -> None:
        return None


class SignificantStandardBanding:
    """A standard judged on a Wilson interval from counts; the point estimate where the interval straddles it."""

    def __init__(self, ind: StandardIndicator, labels: Sequence[str], points: Sequence[float]):
        self.labels = list(labels)
        self.points = list(points)
        assert ind.significance is not None, "make_banding gives a standard without significance a StandardBanding"
        self.direction = ind.direction
        self.level: float = ind.significance
        self.scale = ind.rate_scale
        self.standard = ind.standard
        self.on_cut = ind.on_cut
        self.rule = ind.rule

    def band(self, column: IndicatorColumn) -> Bands:
        present = column.present
        count = len(present)
        numerators = column.numerators if column.numerators is not None else np.full(count, np.nan)
        denominators = column.denominators if column.denominators is not None else np.full(count, np.nan)
        counted = present & ~np.isnan(numerators) & ~np.isnan(denominators)
        value_met = cut_ranks([self.standard], self.direction, column.values, self.on_cut) == 0
        rank = np.where(value_met, 1, 2)
        safe_n = np.where(counted, numerators, 0.0)
        safe_d = np.where(counted, denominators, 1.0)
        low, high = dispersion.wilson(safe_n, safe_d, self.level)
        rank = np.where(counted, self._counted_ranks(safe_n, safe_d, low, high), rank)
        references = []
        for i in range(count):
            if counted[i]:
                interval = f"{_fmt(low[i] * self.scale)}-{_fmt(high[i] * self.scale)}"
                references.append(f"{self.rule} ({self.level:.0%} interval {interval})")
            else:
                references.append(self.rule)
        notes = {
            int(i): "no numerator and denominator: judged on the value alone"
            for i in np.flatnonzero(present & ~counted)
        }
        detail = {
            "lower": np.where(counted, low * self.scale, np.nan),
            "upper": np.where(counted, high * self.scale, np.nan),
        }
        return _result(rank, present, self.points, references, notes=notes, detail=detail, compared=[self.standard])

    def _counted_ranks(
        self, numerators: np.ndarray, denominators: np.ndarray, low: np.ndarray, high: np.ndarray
    ) -> np.ndarray:
        """0 met with confidence, 1 met, 2 not met, 3 missed with confidence."""
        standard = self.standard / self.scale
        higher = self.direction == "higher"
        good, bad = (low, high) if higher else (high, low)
        good_met = (good > standard) if higher else (good < standard)
        bad_missed = (bad < standard) if higher else (bad > standard)
        # The point estimate on the indicator's own scale, exactly: 577 of 1000 meets 57.7%.
        value = settle_ties(
            rate_on_scale(numerators, denominators, self.scale), numerators, denominators, self.scale, [self.standard]
        )
        point_met = cut_ranks([self.standard], self.direction, value, self.on_cut) == 0
        return np.where(good_met, 0, np.where(bad_missed, 3, np.where(point_met, 1, 2))).astype(np.int64)

    def frozen(self, bands: Bands) -> FrozenRanks:
        def ranks(values: np.ndarray, numerators: np.ndarray, denominators: np.ndarray) -> np.ndarray:
            low, high = dispersion.wilson(numerators, denominators, self.level)
            return self._counted_ranks(numerators, denominators, low, high)

        return ranks


def shown_z(z_adj: float) -> str:
    """An adjusted z-score with enough digits to sit visibly on its side of the limits (1.96, 3.09)."""
    limits = [dispersion.Q95, dispersion.Q998, -dispersion.Q95, -dispersion.Q998, 1.96, 3.09, -1.96, -3.09]
    return shown.shown_value(float(z_adj), limits, least=2, thousands=False)


def zscore_rank(good: np.ndarray) -> np.ndarray:
    """0 significantly better ... 4 significantly worse, for z-scores signed so that up is good."""
    return np.select(
        [good > dispersion.Q998, good > dispersion.Q95, good < -dispersion.Q998, good < -dispersion.Q95],
        [0, 1, 4, 3],
        default=2,
    ).astype(np.int64)


class ZScoreBanding:
    """Bands from over-dispersion-adjusted z-scores, signed by the indicator's good direction."""

    def __init__(self, ind: ZScoreIndicator, labels: Sequence[str], points: Sequence[float]):
        self.ind = ind
        self.labels = list(labels)
        self.points = list(points)
        self.kind = ind.transform_name
        self.scale = ind.rate_scale

    def band(self, column: IndicatorColumn) -> Bands:
        ind = self.ind
        present = column.present
        count = len(present)
        numerators = column.numerators if column.numerators is not None else np.full(count, np.nan)
        denominators = column.denominators if column.denominators is not None else np.full(count, np.nan)
        counted = present & ~np.isnan(numerators) & ~np.isnan(denominators)
        notes = {int(i): "not banded: no numerator and denominator" for i in np.flatnonzero(present & ~counted)}
        # The pooled target counts every organisation with counts, zero counts too; a zero count
        # has no log z-score, so under the log transform it is then left out of the rest.
        with_counts = np.flatnonzero(counted)
        given = ind.target_value
        if isinstance(given, str):  # pooled
            total = float(np.sum(denominators[with_counts])) if len(with_counts) else 0.0
            target = float(np.sum(numerators[with_counts])) / total if total else math.nan
        else:
            target = given
        if self.kind == "log":
            zero = counted & (numerators == 0)
            notes.update({int(i): "not banded: a zero count has no log z-score" for i in np.flatnonzero(zero)})
            counted = counted & ~zero
        usable = np.flatnonzero(counted)
        stats: dict[str, Any] = {
            "method": "zscore",
            "data": ind.data,
            "transform": self.kind,
            "overdispersion": ind.overdispersion,
            "trim": ind.trim,
            "trim_method": ind.trim_method,
            "k": len(usable),
            "excluded": len(notes),
            "target": None if math.isnan(target) else target * self.scale,
        }
        nothing = np.zeros(count, dtype=bool)
        small = len(usable) < ind.min_population
        fixed = ind.tau2 if ind.overdispersion == "additive" else ind.phi
        if not len(usable) or (
            small and (ind.target_value == "pooled" or (fixed is None and ind.overdispersion != "none"))
        ):
            note = (
                f"not banded: z-scores need at least {ind.min_population} organisations with counts to estimate "
                f"{'the target and ' if ind.target_value == 'pooled' else ''}over-dispersion, this population has "
                f"{len(usable)}; give a numeric target and a fixed {'tau2' if ind.overdispersion == 'additive' else 'phi'} "
                "in the framework, or score the whole population"
            )
            notes.update({int(i): note for i in usable})
            stats.update(n=0, phi=None, tau2=None)
            return _result(np.zeros(count, dtype=np.int64), nothing, self.points, "", notes=notes, stats=stats)
        t0 = float(dispersion.transform(self.kind, target))
        safe_d = np.where(counted, denominators, 1.0)
        # Organisations without usable counts get a harmless stand-in rate; their results are masked.
        y = dispersion.transform(self.kind, np.where(counted, np.where(counted, numerators, 1.0) / safe_d, 1.0))
        s = dispersion.standard_error(self.kind, safe_d)
        z = (y - t0) / s
        if small:
            phi = ind.phi if ind.phi is not None else 1.0
            tau2 = ind.tau2 if ind.tau2 is not None else 0.0
            stats.update(n=0, phi=phi, tau2=tau2, fixed=True)
        else:
            estimate = dispersion.estimate(z[usable], s[usable], ind.trim, ind.trim_method)
            phi, tau2 = estimate.phi, estimate.tau2
            stats.update(n=estimate.n, phi=phi, tau2=tau2, fixed=False)
        z_adj = dispersion.adjusted_z(y, t0, s, ind.overdispersion, phi, tau2)
        sign = 1 if ind.direction == "higher" else -1
        rank = zscore_rank(sign * z_adj)
        shown_target = _fmt(target * self.scale) if ind.target_value == "pooled" else ind.target_text
        references = [
            f"target {shown_target}, z {z[i]:.2f}, adjusted {shown_z(z_adj[i])}" if counted[i] else ""
            for i in range(count)
        ]
        blank = np.full(count, np.nan)
        detail = {
            "y": np.where(counted, y, blank),
            "target": np.where(counted, target * self.scale, blank),
            "s": np.where(counted, s, blank),
            "z": np.where(counted, z, blank),
            "z_adj": np.where(counted, z_adj, blank),
        }
        return _result(
            rank,
            counted,
            self.points,
            references,
            notes=notes,
            detail=detail,
            stats=stats,
            held={"t0": t0, "phi": phi, "tau2": tau2},
        )

    def frozen(self, bands: Bands) -> FrozenRanks | None:
        if bands.held is None:
            return None
        t0, phi, tau2 = bands.held["t0"], bands.held["phi"], bands.held["tau2"]
        sign = 1 if self.ind.direction == "higher" else -1
        kind, setting = self.kind, self.ind.overdispersion

        def ranks(values: np.ndarray, numerators: np.ndarray, denominators: np.ndarray) -> np.ndarray:
            with np.errstate(divide="ignore", invalid="ignore"):
                y = dispersion.transform(kind, numerators / denominators)
                z_adj = dispersion.adjusted_z(y, t0, dispersion.standard_error(kind, denominators), setting, phi, tau2)
            return zscore_rank(sign * z_adj)

        return ranks


def competition_ranks(keys: np.ndarray, groups: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Each entry's rank (1 the least key; equal keys share the best rank of their group, as in
    1, 2, 2, 4) and the number ranked, within its group where groups are given. NaN keys are not
    ranked (rank 0, count 0)."""
    count = len(keys)
    ranks = np.zeros(count, dtype=np.int64)
    sizes = np.zeros(count, dtype=np.int64)
    present = ~np.isnan(keys)
    labels = groups if groups is not None else np.zeros(count, dtype=np.int64)
    for group in np.unique(labels[present]):
        members = np.flatnonzero(present & (labels == group))
        ordered = np.sort(keys[members])
        ranks[members] = np.searchsorted(ordered, keys[members], side="left") + 1
        sizes[members] = len(members)
    return ranks, sizes


class RankBanding:
    """A score by rank, best + (worst - best) x (R - 1) / (N - 1), on the framework's scale."""

    labels = ["scored"]

    def __init__(self, ind: RankIndicator, best: float, worst: float):
        self.ind = ind
        self.best, self.worst = best, worst

    def band(self, column: IndicatorColumn) -> Bands:
        ind = self.ind
        present = column.present
        values = np.where(present, column.values, np.nan)
        keys = -values if ind.direction == "higher" else values
        groups = column.groups if ind.among == "peer-group" else None
        ranks, sizes = competition_ranks(keys, groups)
        span = self.worst - self.best
        with np.errstate(invalid="ignore", divide="ignore"):
            scores = np.where(sizes > 1, self.best + span * (ranks - 1) / np.maximum(sizes - 1, 1), self.best)
        missed = np.zeros(len(present), dtype=bool)
        if ind.standard is not None:
            missed = present & (
                cut_ranks([ind.standard], ind.direction, np.where(present, values, 0.0), ind.on_cut) > 0
            )
            scores = np.where(missed, self.worst, scores)
        scores = np.where(present, scores, np.nan)
        where = "in its peer group" if groups is not None else "of all"
        standard = (
            ""
            if ind.standard is None
            else f"; {'>=' if ind.direction == 'higher' else '<='} {written(ind.standard)} or the worst score"
        )
        references = [
            (f"rank {ranks[i]} {where} {sizes[i]} ({ind.better}){standard}" if present[i] else "")
            for i in range(len(present))
        ]
        best, span_exact = decimal(self.best), decimal(self.worst) - decimal(self.best)
        worst = decimal(self.worst)

        def exact(rows: np.ndarray) -> list[Fraction | None]:
            found: list[Fraction | None] = []
            for row in rows.tolist():
                if not present[row]:
                    found.append(None)
                elif missed[row]:
                    found.append(worst)
                elif sizes[row] <= 1:
                    found.append(best)
                else:
                    found.append(best + span_exact * Fraction(int(ranks[row]) - 1, int(sizes[row]) - 1))
            return found

        return Bands(
            np.where(present, 0, NONE),
            np.array([self.best, np.nan]),
            references,
            # The rank the score was given for, among all that report it (or the peer group): not
            # the league's rank of the value within the peer group, which an indicator carries as `rank`.
            detail={"score_rank": np.where(present, ranks, np.nan), "ranked": np.where(present, sizes, np.nan)},
            stats={"method": "rank", "n": int(present.sum())},
            compared=[] if ind.standard is None else [ind.standard],
            scores=scores,
            exact=exact,
        )

    def frozen(self, bands: Bands) -> None:
        return None


class ScoreBanding:
    """The value is the score."""

    labels = ["scored"]

    def __init__(self, best: float):
        self.best = best

    def band(self, column: IndicatorColumn) -> Bands:
        present = column.present
        scores = np.where(present, column.values, np.nan)

        def exact(rows: np.ndarray) -> list[Fraction | None]:
            return [decimal(scores[row]) if present[row] else None for row in rows.tolist()]

        return Bands(
            np.where(present, 0, NONE), np.array([self.best, np.nan]), "the score given", scores=scores, exact=exact
        )

    def frozen(self, bands: Bands) -> None:
        return None


def lookup_bands(
    ind: LookupIndicator, first: Bands, second: Bands, best: float, codes: Sequence[str], source: str
) -> Bands:
    """A score looked up from two other indicators' scores; none where either part has none."""
    a, b = first.points, second.points
    present = ~np.isnan(a) & ~np.isnan(b)
    scores = np.full(len(a), np.nan)
    keys: list[str] = []
    for row in np.flatnonzero(present).tolist():
        key = ind.key(float(a[row]), float(b[row]))
        if key not in ind.table:
            raise DataError(
                f"indicator {ind.id}: the framework's lookup has no score for {ind.of[0]} = {written(float(a[row]))} "
                f"and {ind.of[1]} = {written(float(b[row]))} (organisation {codes[row]})",
                where=source,
                hint=f'add the pair "{key}" to the table of {ind.id}, or use a framework that gives it',
            )
        scores[row] = ind.table[key]
        keys.append(key)
    references = [
        f"{ind.of[0]} {written(float(a[i]))}, {ind.of[1]} {written(float(b[i]))}" if present[i] else ""
        for i in range(len(a))
    ]
    missing_part = (~np.isnan(a)) ^ (~np.isnan(b))
    notes = {
        int(i): f"not scored: {ind.of[0] if np.isnan(a[i]) else ind.of[1]} has no score"
        for i in np.flatnonzero(missing_part)
    }

    def exact(rows: np.ndarray) -> list[Fraction | None]:
        return [decimal(scores[row]) if present[row] else None for row in rows.tolist()]

    return Bands(
        np.where(present, 0, NONE), np.array([best, np.nan]), references, notes=notes, scores=scores, exact=exact
    )


def make_banding(framework: Framework, ind: AnyIndicator) -> Banding:
    if isinstance(ind, RankIndicator):
        return RankBanding(ind, framework.best_score, framework.worst_score)
    if isinstance(ind, ScoreIndicator):
        return ScoreBanding(framework.best_score)
    assert not isinstance(ind, LookupIndicator), "a lookup is scored from its parts' bands (lookup_bands)"
    labels = framework.band_labels(ind)
    points = framework.band_points(ind)
    if isinstance(ind, ZScoreIndicator):
        return ZScoreBanding(ind, labels, points)
    if isinstance(ind, StandardIndicator):
        if ind.significance:
            return SignificantStandardBanding(ind, labels, points)
        return StandardBanding(ind, labels, points)
    if isinstance(ind, JudgementIndicator):
        return LevelBanding(framework.levels_of(ind), points)
    if ind.cuts is not None:  # bands, or quantiles with fixed cut points
        return CutBanding(
            ind.cuts,
            ind.direction,
            labels,
            points,
            cut_rule(cut_texts(ind.cuts), ind.direction, ind.on_cut),
            ind.on_cut,
        )
    return PopulationQuantileBanding(ind.quantiles, ind.direction, labels, points, ind.min_population, ind.on_cut)
