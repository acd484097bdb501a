"""How sure is a rating? Monte Carlo over the judgement calls and the noise in the data.

Each draw perturbs, independently:

- weights: every indicator weight and every domain weight is multiplied by exp(sd * N(0, 1))
  (log-normal, median 1; sd 0.25 moves a weight by up to about a third either way in two draws
  of three);
- cut points: every cut of the rating scale moves by sd * N(0, 1) score points (2.5 by default),
  and the cuts are put back in order;
- values: where an organisation's indicator has a numerator and denominator, the numerator is
  drawn again from its sampling distribution: binomial(denominator, observed proportion) for
  proportions, Poisson(observed count) for rates and counts; the value moves in proportion to
  the numerator. The count itself is never drawn: only the band it would fall in matters, and
  the exact probability of each band is known (see `_Resampled`). What the population decided (quantile cut points, a pooled target,
  over-dispersion) is held where the observed data put it: the question is how sure each
  organisation's own result is, and those population figures rest on hundreds of organisations.

Coverage and judgements do not vary: they are facts about the data, not judgement calls. Each
draw is then scored as the engine scores (domain means, overall mean, both to two decimals, then
the scale and the rules, vectorised over draws), and organisations are ranked by score (1 is the
highest; ties share the best rank).

Everything is vectorised over draws in chunks; the work per draw is a few matrix products and
comparisons, so 10,000 draws of a national file cost about as much as scoring it once. Scores
are rounded as the engine rounds them; where weights are not perturbed (and no counts are
drawn) the engine's own scores are used, so that with nothing perturbed every draw is exactly
the engine's result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ccgrate._base.errors import DataError
from ccgrate._framework.indicators import JudgementIndicator, LookupIndicator, ScoreIndicator
from ccgrate._scoring import dispersion
from ccgrate._scoring.banding import Bands, FrozenRanks, make_banding
from ccgrate._scoring.bind import Population
from ccgrate._scoring.engine import (
    PopulationResult,
    assess_population,
    positions_against,
)
from ccgrate._scoring.rules import (
    PopulationContext,
    apply_rules_to_population,
    judgements_hold,
    may_fire,
)

if TYPE_CHECKING:
    from ccgrate._framework.indicators import AnyIndicator, NumericIndicator
    from ccgrate._framework.model import Framework

WEIGHT_SD = 0.25
CUT_SD = 2.5
CHUNK_CELLS = 25_000  # organisations x draws at once: arrays of ~200 KB, reused by the allocator
# rather than mapped afresh from the system each time (above ~256 KB a chunk runs twice as slow)
MAX_ORGANISATIONS = 5_000  # rank histograms are organisations x organisations


@dataclass(frozen=True)
class Perturbation:
    weights: float = WEIGHT_SD  # sd of the log weight multiplier; 0 for none
    cuts: float = CUT_SD  # sd of each cut's shift, in score points; 0 for none
    values: bool = True  # resample numerators where counts are given

    def describe(self) -> str:
        parts = []
        if self.weights:
            parts.append(f"weights x exp(N(0, {self.weights:g}^2))")
        if self.cuts:
            parts.append(f"scale cuts + N(0, {self.cuts:g}^2)")
        if self.values:
            parts.append("counts resampled")
        return ", ".join(parts) or "nothing perturbed"


@dataclass
class Sensitivity:
    framework: Framework
    population: Population
    draws: int
    seed: int
    perturbation: Perturbation
    resampled: list[str]  # indicators whose values were resampled
    base: PopulationResult
    counts: np.ndarray  # organisations x (ratings + 1): draws ending in each rating, then not rated
    rank_low: np.ndarray  # 5th percentile of rank (NaN when not ranked)
    rank_median: np.ndarray
    rank_high: np.ndarray  # 95th percentile
    # Per area: organisations x (ratings + 1), draws ending in each of the area's ratings, then not rated.
    area_counts: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.population)

    @property
    def probabilities(self) -> np.ndarray:
        return self.counts / self.draws

    def same_rating(self) -> np.ndarray:
        """The share of draws that give each organisation the rating it has (NaN when not rated)."""
        return _same(self.counts / self.draws, self.base.rating)

    def same_area_rating(self) -> dict[str, np.ndarray]:
        """Per area, the share of draws that give each organisation the area rating it has (NaN when not
        rated); empty unless the areas were tallied."""
        return {
            area.id: _same(self.area_counts[area.id] / self.draws, self.base.area_ratings[:, k])
            for k, area in enumerate(self.framework.areas)
            if area.id in self.area_counts
        }


def _same(probabilities: np.ndarray, rating: np.ndarray) -> np.ndarray:
    shares = np.full(len(rating), np.nan)
    rated = rating >= 0
    shares[rated] = probabilities[np.flatnonzero(rated), rating[rated]]
    return shares


@dataclass
class _Drawn:
    """One banding of a resampled indicator (the headline's, or an area's own): where each drawn count lands.

    A band changes only where the count crosses a threshold, so a draw needs no count: one uniform
    number per organisation and draw, read against the count distribution's cumulative
    probabilities at those thresholds, gives the band the count would have fallen in (inverse
    transform sampling). Every banding of an indicator reads the same uniform numbers, so they
    all see the same drawn count.
    """

    area: str | None  # None for the headline banding
    cutoffs: np.ndarray  # boundaries x rows: P(count below the boundary's threshold)
    higher: bool
    points: np.ndarray  # the band points, with NaN at position -1
    base_points: np.ndarray

    def ranks(self, uniform: np.ndarray) -> np.ndarray:
        """Band ranks, rows x draws."""
        # Single precision and small integers: the arithmetic per draw is what 10,000 draws cost.
        rank = np.zeros(uniform.shape, dtype=np.int8)
        for cutoff in self.cutoffs.astype(np.float32):
            passed = (uniform < cutoff[:, None]) if self.higher else (uniform >= cutoff[:, None])
            np.add(rank, passed, out=rank, casting="unsafe")
        return rank


@dataclass
class _Resampled:
    """One indicator whose counts vary: the organisations whose band can move, under each of its bandings."""

    column: int
    rows: np.ndarray
    bandings: list[_Drawn]  # the headline's first

    def ranks(self, rng: np.random.Generator, draws: int) -> list[np.ndarray]:
        uniform = rng.random((len(self.rows), draws), dtype=np.float32)
        return [banding.ranks(uniform) for banding in self.bandings]

    def banding(self, area: str | None) -> int | None:
        return next((k for k, b in enumerate(self.bandings) if b.area == area), None)


SURE = 1e-9  # a band this unlikely to change, in every direction, is treated as fixed


def _resamplers(result: PopulationResult) -> list[_Resampled]:
    fw, population = result.framework, result.population
    found = []
    for column, ind in enumerate(fw.indicators):
        numerators, denominators = population.numerators.get(ind.id), population.denominators.get(ind.id)
        if isinstance(ind, JudgementIndicator) or numerators is None or denominators is None:
            continue
        # The headline banding, then each area's own banding of this indicator (never of a judgement).
        bandings: list[tuple[str | None, AnyIndicator, Bands]] = [(None, ind, result.bands[ind.id])]
        bandings += [(area, own, result.area_bands[(area, ind.id)]) for area, own in _own_bandings(fw, ind)]
        frozen: list[tuple[str | None, NumericIndicator, Bands, FrozenRanks]] = []
        for area, own, own_bands in bandings:
            ranks_for = make_banding(fw, own).frozen(own_bands)
            if ranks_for is None and area is None:
                break  # values do not move the headline band: nothing to draw for this indicator
            if ranks_for is not None and not isinstance(own, (JudgementIndicator, ScoreIndicator, LookupIndicator)):
                frozen.append((area, own, own_bands, ranks_for))
        if not frozen or frozen[0][0] is not None:
            continue
        binomial = ind.counts_are_proportion
        bands = result.bands[ind.id]
        with np.errstate(invalid="ignore"):
            usable = (bands.rank >= 0) & (denominators > 0) & (numerators > 0)
            if binomial:  # a proportion of 0 or 1 cannot move
                usable &= numerators < denominators
        rows = np.flatnonzero(usable)
        if not len(rows):
            continue
        k, d = numerators[rows], denominators[rows]
        values = population.numbers[ind.id][rows]
        top = np.floor(d) if binomial else np.floor(k + 12 * np.sqrt(k) + 60)
        cutoffs = [_cutoffs(fw, own, ranks_for, k, d, values, top, binomial) for _, own, _, ranks_for in frozen]
        moving = np.zeros(len(rows), dtype=bool)
        for table in cutoffs:
            moving |= np.any((table > SURE) & (table < 1 - SURE), axis=0)
        if not moving.any():
            continue
        drawn = []
        for (area, own, own_bands, _), table in zip(frozen, cutoffs):
            points = np.append(np.asarray(fw.band_points(own), dtype=np.float64), np.nan)
            drawn.append(
                _Drawn(area, table[:, moving], own.direction == "higher", points, own_bands.points[rows[moving]])
            )
        found.append(_Resampled(column, rows[moving], drawn))
    return found


def _own_bandings(fw: Framework, ind: AnyIndicator) -> list[tuple[str, AnyIndicator]]:
    """The areas that band this indicator their own way, with that banding."""
    return [
        (area.id, own) for area in fw.areas if ind.area == area.id and (own := fw.area_indicator(area, ind)) is not ind
    ]


def _cutoffs(
    fw: Framework,
    ind: NumericIndicator,
    ranks_for: FrozenRanks,
    k: np.ndarray,
    d: np.ndarray,
    values: np.ndarray,
    top: np.ndarray,
    binomial: bool,
) -> np.ndarray:
    """boundaries x rows: the probability that the drawn count falls below each band boundary."""

    def rank_at(count: np.ndarray) -> np.ndarray:
        count = count.astype(np.float64)
        return ranks_for(values * count / k, count, d)

    higher = ind.direction == "higher"
    boundaries = len(fw.band_labels(ind)) - 1
    cutoffs = np.empty((boundaries, len(k)))
    for b in range(boundaries):
        # The least count at which "band <= b" (higher better) or "band > b" (lower better)
        # holds; each switches once as the count grows. Draws above `top` are vanishingly rare.
        # Whole counts in exact integer arithmetic: in floating point, past 2**53 a count plus one
        # is the same count, and the search would never end.
        low, high = np.zeros(len(k), dtype=np.int64), top.astype(np.int64) + 1
        while np.any(low < high):
            middle = low + (high - low) // 2
            holds = (rank_at(middle) <= b) if higher else (rank_at(middle) > b)
            searching = low < high
            high = np.where(searching & holds, middle, high)
            low = np.where(searching & ~holds, middle + 1, low)
        cutoffs[b] = [dispersion.count_cdf(int(t) - 1, n, m, binomial) for t, n, m in zip(high, k, d)]
    return cutoffs


def sensitivity(
    population: Population,
    draws: int,
    seed: int,
    perturbation: Perturbation = Perturbation(),
    progress: Callable[[int, int], None] | None = None,
    areas: bool = False,
) -> Sensitivity:
    """`progress`, if given, is told after each chunk how many of the draws are done; with `areas`,
    each clinical priority area's rating is tallied too (it costs about a third more time)."""
    fw = population.framework
    count = len(population)
    if count > MAX_ORGANISATIONS:
        raise DataError(
            f"{count:,} organisations: sensitivity ranks organisations against each other and handles "
            f"at most {MAX_ORGANISATIONS:,}",
            hint="run it on one national or regional file at a time",
        )
    if draws < 1:
        raise DataError("--draws must be at least 1", hint="use for example --draws 10000")
    base = assess_population(fw, population)
    resampled = _resamplers(base) if perturbation.values else []
    ratings = fw.scale.ratings
    chunk = max(1, min(draws, CHUNK_CELLS // max(count, 1)))
    sizes = [min(chunk, draws - start) for start in range(0, draws, chunk)]
    # One random stream per chunk: a chunk's draws do not depend on how many came before it.
    streams = np.random.SeedSequence(seed).spawn(len(sizes))
    scorer = _Scorer(base, resampled, areas)
    positions = len(ratings) + 1
    rating_bins = (np.arange(count) * positions)[:, None]

    ranked_count = int(np.count_nonzero(scorer.rated))

    def tally_of(final: np.ndarray) -> np.ndarray:
        # -1 (not rated) lands in the last column
        return np.bincount((rating_bins + final % positions).ravel(), minlength=count * positions)

    counts = np.zeros(count * positions, dtype=np.int64)
    area_counts = {area.id: np.zeros(count * positions, dtype=np.int64) for area in fw.areas} if areas else {}
    rank_histogram = np.zeros(count * count, dtype=np.int64)
    # Threads were tried: the many small array operations per chunk contend for the GIL, and two
    # threads ran slower than one.
    done = 0
    for size, stream in zip(sizes, streams):
        # Areas' own cut points move by a stream of their own, so that the headline's draws are the
        # same with or without them.
        own_cuts = np.random.default_rng(stream.spawn(1)[0]) if scorer.moves_own_cuts else None
        final, score, drawn_areas = scorer.draw(np.random.default_rng(stream), size, perturbation, own_cuts)
        counts += tally_of(final)
        for area_id in area_counts:
            area_counts[area_id] += tally_of(drawn_areas[area_id])
        rank_histogram += _rank_tally(score, ranked_count)
        done += size
        if progress is not None:
            progress(done, draws)
    low, median, high = _rank_quantiles(rank_histogram.reshape(count, count), (0.05, 0.5, 0.95))
    return Sensitivity(
        fw,
        population,
        draws,
        seed,
        perturbation,
        [fw.indicators[r.column].id for r in resampled],
        base,
        counts.reshape(count, positions),
        low,
        median,
        high,
        {a: c.reshape(count, positions) for a, c in area_counts.items()},
    )


class _Scorer:
    """The engine's arithmetic over organisations x draws, for one population."""

    def __init__(self, base: PopulationResult, resampled: list[_Resampled], areas: bool = False):
        fw = base.framework
        self.base, self.fw, self.resampled = base, fw, resampled
        indicators = fw.indicators
        points = np.column_stack([base.bands[i.id].points for i in indicators])
        self.present = (~np.isnan(points)).astype(np.float64)
        self.points = np.nan_to_num(points)
        self.weights = np.array([i.weight for i in indicators])
        self.domain_weights = np.array([d.weight for d in fw.domains])
        self.domain_columns = [[k for k, i in enumerate(indicators) if i.domain == d.id] for d in fw.domains]
        self.area_columns = [[k for k, i in enumerate(indicators) if i.area == a.id] for a in fw.areas]
        self.cuts = np.array(base.cuts)
        self.rated = base.provisional >= 0
        self.domain_present = (~np.isnan(base.domain_scores)).astype(np.float64)
        self.domain_gaps = [bool(np.isnan(base.domain_scores[:, k]).any()) for k in range(len(fw.domains))]
        self.stacked = {
            tuple(columns): np.vstack([self.points[:, columns], self.present[:, columns]])
            for columns in self.domain_columns
        }
        self.area_enough = base.area_used >= fw.scoring.area_min_indicators
        self.rule_rows = np.flatnonzero(may_fire(fw, base.population.judgements, len(base)) & self.rated)
        whens = [rule.when for rule in fw.rules]
        self.needs_areas = any(w.area_rating or w.areas_rated_at_most is not None for w in whens)
        self.draws_areas = areas or self.needs_areas
        # Each area's points (its own bands where it has them) and presence, its weights and own cuts.
        self.area_stacked, self.area_weights, self.area_cuts = [], [], []
        for k, area in enumerate(fw.areas if self.draws_areas else []):
            own = [fw.area_indicator(area, indicators[c]) for c in self.area_columns[k]]
            area_points = (
                np.column_stack(
                    [
                        base.area_bands[(area.id, ind.id)].points
                        if (area.id, ind.id) in base.area_bands
                        else points[:, c]
                        for c, ind in zip(self.area_columns[k], own)
                    ]
                )
                if own
                else np.zeros((len(base), 0))
            )
            self.area_stacked.append(
                np.vstack([np.nan_to_num(area_points), (~np.isnan(area_points)).astype(np.float64)])
            )
            self.area_weights.append(np.array([ind.weight for ind in own]))
            self.area_cuts.append(np.array(fw.area_cuts(area)[0]) if area.scale is not None else None)
        self.moves_own_cuts = self.draws_areas and any(cuts is not None for cuts in self.area_cuts)
        self.needs_domains = any(w.domain_score_below for w in whens)
        judgements = base.population.judgements
        self.rule_masks = {}
        for rule in fw.rules:
            wanting = np.zeros(len(base), dtype=bool)
            for jid in rule.when.judgement_conditions():
                wanting |= judgements[jid] < 0
            self.rule_masks[rule.id] = (
                wanting[self.rule_rows],
                judgements_hold(fw, rule.when, judgements, len(base))[self.rule_rows],
            )
        self.needs_shares = any(
            w.worst_band_share_at_least is not None or w.best_band_share_at_least is not None for w in whens
        )

    def draw(
        self,
        rng: np.random.Generator,
        size: int,
        perturbation: Perturbation,
        area_rng: np.random.Generator | None = None,
    ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """Final rating positions, scores and each area's rating positions, organisations x draws."""
        fw, count = self.fw, len(self.base)
        multipliers = (
            np.exp(perturbation.weights * rng.standard_normal((size, len(self.weights))))
            if perturbation.weights
            else np.ones((size, len(self.weights)))
        )
        weights = self.weights * multipliers
        domain_weights = self.domain_weights * (
            np.exp(perturbation.weights * rng.standard_normal((size, len(self.domain_weights))))
            if perturbation.weights
            else np.ones((size, len(self.domain_weights)))
        )
        cuts = self.cuts + (
            perturbation.cuts * rng.standard_normal((size, len(self.cuts)))
            if perturbation.cuts
            else np.zeros((size, len(self.cuts)))
        )
        cuts = -np.sort(-cuts, axis=1)  # best rating's cut first, in order again
        changes = [(item, item.ranks(rng, size)) for item in self.resampled]

        def means(columns: list[int]) -> np.ndarray:
            w = weights[:, columns].T
            stacked = self.stacked[tuple(columns)] @ w  # points and presence in one matrix product
            total, weight = stacked[:count], stacked[count:]
            for item, ranks in changes:
                if item.column in columns:
                    where = columns.index(item.column)
                    headline = item.bandings[0]
                    total[item.rows] += (headline.points[ranks[0]] - headline.base_points[:, None]) * w[where]
            with np.errstate(invalid="ignore", divide="ignore"):
                np.divide(total, weight, out=total)  # 0 / 0, no indicator, is NaN
            return half_up_hundredths(total)

        def area_scores(k: int) -> np.ndarray:
            """An area's scores with its own bands and weights; the same draws of weights and counts."""
            columns, area_id = self.area_columns[k], fw.areas[k].id
            w = (self.area_weights[k] * multipliers[:, columns]).T
            stacked = self.area_stacked[k] @ w
            total, weight = stacked[:count], stacked[count:]
            for item, ranks in changes:
                if item.column in columns:
                    where = columns.index(item.column)
                    which = item.banding(area_id)
                    which = 0 if which is None else which
                    drawn = item.bandings[which]
                    total[item.rows] += (drawn.points[ranks[which]] - drawn.base_points[:, None]) * w[where]
            with np.errstate(invalid="ignore", divide="ignore"):
                np.divide(total, weight, out=total)
            return half_up_hundredths(total)

        if not perturbation.weights and not changes:
            # Nothing moves the scores: the engine's, to the bit.
            domain_scores = [
                np.repeat(self.base.domain_scores[:, k, None], size, axis=1) for k in range(len(fw.domains))
            ]
            score = np.repeat(self.base.score[:, None], size, axis=1)
        else:
            domain_scores, score = self._scores(means, weights, domain_weights, count, size)
        provisional = positions_against(score, cuts, fw.scale.on_cut)
        provisional = np.where(self.rated[:, None] & ~np.isnan(score), provisional, np.int8(-1))
        areas = {}
        for k, area in enumerate(fw.areas if self.draws_areas else []):
            if not perturbation.weights and not changes:
                scores = np.repeat(self.base.area_scores[:, k, None], size, axis=1)
            else:
                scores = area_scores(k)
            own_cuts = self.area_cuts[k]
            if own_cuts is None or area.scale is None:  # on the framework's scale: its cuts as drawn
                area_cuts, on_cut = cuts, fw.scale.on_cut
            else:
                area_cuts, on_cut = own_cuts[None, :].repeat(size, axis=0), fw.area_cuts(area)[1]
                if perturbation.cuts:
                    area_cuts = area_cuts + perturbation.cuts * (area_rng or rng).standard_normal(area_cuts.shape)
                    area_cuts = -np.sort(-area_cuts, axis=1)
            areas[area.id] = np.where(
                self.area_enough[:, k, None] & ~np.isnan(scores),
                positions_against(scores, area_cuts, on_cut),
                np.int8(-1),
            )
        final = provisional
        rows = self.rule_rows
        if len(rows):
            context = self._context(rows, score, domain_scores, areas, changes)
            ruled, _ = apply_rules_to_population(fw, provisional[rows].ravel(), context)
            final = provisional.copy()
            final[rows] = ruled.reshape(len(rows), size)
        return final, np.where(self.rated[:, None], score, np.nan), areas

    def _scores(
        self,
        means: Callable[[list[int]], np.ndarray],
        weights: np.ndarray,
        domain_weights: np.ndarray,
        count: int,
        size: int,
    ) -> tuple[list[np.ndarray], np.ndarray]:
        """Domain scores and overall scores, organisations x draws."""
        domain_scores = [means(columns) for columns in self.domain_columns]
        # Whether a domain has a score does not depend on weights: it is fixed per organisation.
        total = np.zeros((count, size))
        part = np.empty((count, size))
        for k, scores in enumerate(domain_scores):
            np.multiply(scores, domain_weights[:, k], out=part)
            if self.domain_gaps[k]:
                np.nan_to_num(part, copy=False)
            total += part
        with np.errstate(invalid="ignore", divide="ignore"):
            total /= self.domain_present @ domain_weights.T
        return domain_scores, half_up_hundredths(total)

    def _context(
        self,
        rows: np.ndarray,
        score: np.ndarray,
        domain_scores: list[np.ndarray],
        areas: dict[str, np.ndarray],
        changes: list[tuple[_Resampled, list[np.ndarray]]],
    ) -> PopulationContext:
        """What the rules see, for organisations `rows` x draws, flattened."""
        fw, base, size = self.fw, self.base, score.shape[1]

        def flat(values: np.ndarray) -> np.ndarray:
            return np.repeat(values[rows], size) if values.ndim == 1 else values[rows].ravel()

        area_ratings = {area_id: flat(positions) for area_id, positions in areas.items()} if self.needs_areas else {}
        best = worst = np.zeros(len(rows) * size)
        if self.needs_shares:
            ranks = np.column_stack([base.bands[i.id].rank for i in fw.indicators])
            bottoms = np.array([len(fw.band_labels(i)) - 1 for i in fw.indicators])
            banded = (ranks >= 0).sum(axis=1)
            top = np.repeat((ranks == 0).sum(axis=1)[:, None], size, axis=1).astype(np.float64)
            bottom = np.repeat((ranks == bottoms).sum(axis=1)[:, None], size, axis=1).astype(np.float64)
            for item, drawn_ranks in changes:
                drawn = drawn_ranks[0]
                before = ranks[item.rows, item.column][:, None]
                top[item.rows] += (drawn == 0).astype(np.int8) - (before == 0)
                bottom[item.rows] += (drawn == bottoms[item.column]).astype(np.int8) - (before == bottoms[item.column])
            with np.errstate(invalid="ignore", divide="ignore"):
                best = flat(top / np.where(banded > 0, banded, np.nan)[:, None])
                worst = flat(bottom / np.where(banded > 0, banded, np.nan)[:, None])
        return PopulationContext(
            score=flat(score),
            judgements={},
            domain_scores={d.id: flat(domain_scores[k]) for k, d in enumerate(fw.domains)}
            if self.needs_domains
            else {},
            area_ratings=area_ratings,
            best_band_share=best,
            worst_band_share=worst,
            judgement_masks={
                rule: (np.repeat(wanting, size), np.repeat(holds, size))
                for rule, (wanting, holds) in self.rule_masks.items()
            },
        )


def half_up_hundredths(values: np.ndarray) -> np.ndarray:
    """Scores to two decimals, half up, as the engine rounds them (with weights drawn at random, a
    mean exactly on a half has probability zero, so the engine's exact re-check is not needed)."""
    return np.floor(values * 100 + 0.5) / 100


def _rank_tally(score: np.ndarray, ranked: int) -> np.ndarray:
    """How often each organisation took each rank: organisations x ranks, flattened.

    Rank 1 is the highest score; ties share the best rank. Scores have two decimals between 0
    and 100, so they sort as 16-bit integers (a radix sort). Organisations without a score sort
    last and are left out; which organisations have a score is the same in every draw.
    """
    count = score.shape[0]
    if ranked == 0:  # nobody has a score: nobody takes a rank
        return np.zeros(count * count, dtype=np.int64)
    keys = np.where(np.isnan(score), 32767, 10000 - np.rint(score * 100)).astype(np.int16).T  # draws x organisations
    order = np.argsort(keys, axis=1, kind="stable")[:, :ranked]
    ordered = np.take_along_axis(keys, order, axis=1)
    new = np.empty(ordered.shape, dtype=bool)
    new[:, 0] = True
    np.not_equal(ordered[:, 1:], ordered[:, :-1], out=new[:, 1:])
    best = np.maximum.accumulate(np.where(new, np.arange(ranked, dtype=np.int64), 0), axis=1)
    return np.bincount((order * count + best).ravel(), minlength=count * count)


def _rank_quantiles(histogram: np.ndarray, fractions: tuple[float, ...]) -> list[np.ndarray]:
    """Per organisation, the smallest rank whose cumulative share reaches each fraction (NaN if never ranked)."""
    cumulative = np.cumsum(histogram, axis=1)
    total = cumulative[:, -1] if histogram.shape[1] else np.zeros(len(histogram))
    results = []
    for fraction in fractions:
        needed = np.ceil(fraction * total - 1e-9)
        reached = cumulative >= np.maximum(needed, 1)[:, None]
        rank = np.argmax(reached, axis=1).astype(np.float64) + 1
        results.append(np.where(total > 0, rank, np.nan))
    return results
