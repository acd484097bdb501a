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

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from . import dispersion
from .banding import make_banding
from .bind import Population, is_proportion
from .engine import PopulationResult, assess_population, positions_against
from .errors import DataError
from .rules import PopulationContext, apply_rules_to_population, judgements_hold, may_fire

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
    framework: Any
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

    def __len__(self) -> int:
        return len(self.population)

    @property
    def probabilities(self) -> np.ndarray:
        return self.counts / self.draws

    def same_rating(self) -> np.ndarray:
        """The share of draws that give each organisation the rating it has (NaN when not rated)."""
        rating = self.base.rating
        shares = np.full(len(rating), np.nan)
        rated = rating >= 0
        shares[rated] = self.probabilities[np.flatnonzero(rated), rating[rated]]
        return shares


@dataclass
class _Resampled:
    """One indicator whose counts vary: the organisations whose band can move, and how likely each band is.

    A band changes only where the count crosses a threshold, so a draw needs no count: one uniform
    number per organisation and draw, read against the count distribution's cumulative
    probabilities at those thresholds, gives the band the count would have fallen in (inverse
    transform sampling).
    """

    column: int
    rows: np.ndarray
    cutoffs: np.ndarray  # boundaries x rows: P(count below the boundary's threshold)
    higher: bool
    points: np.ndarray  # the band points, with NaN at position -1
    base_points: np.ndarray

    def ranks(self, rng: np.random.Generator, draws: int) -> np.ndarray:
        """Band ranks, rows x draws."""
        # Single precision and small integers: the arithmetic per draw is what 10,000 draws cost.
        uniform = rng.random((len(self.rows), draws), dtype=np.float32)
        rank = np.zeros(uniform.shape, dtype=np.int8)
        for cutoff in self.cutoffs.astype(np.float32):
            passed = (uniform < cutoff[:, None]) if self.higher else (uniform >= cutoff[:, None])
            np.add(rank, passed, out=rank, casting="unsafe")
        return rank


SURE = 1e-9  # a band this unlikely to change, in every direction, is treated as fixed


def _resamplers(result: PopulationResult) -> list[_Resampled]:
    fw, population = result.framework, result.population
    found = []
    for column, ind in enumerate(fw.indicators):
        numerators, denominators = population.numerators.get(ind.id), population.denominators.get(ind.id)
        if ind.method == "judgement" or numerators is None or denominators is None:
            continue
        bands = result.bands[ind.id]
        ranks_for = make_banding(fw, ind).frozen(bands)
        if ranks_for is None:
            continue
        binomial = is_proportion(ind) or ind.unit == "%"
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

        def rank_at(count: np.ndarray, k=k, d=d, values=values, ranks_for=ranks_for) -> np.ndarray:
            count = count.astype(np.float64)
            return ranks_for(values * count / k, count, d)

        higher = ind.direction == "higher"
        boundaries = len(fw.band_labels(ind)) - 1
        cutoffs = np.empty((boundaries, len(rows)))
        for b in range(boundaries):
            # The least count at which "band <= b" (higher better) or "band > b" (lower better)
            # holds; each switches once as the count grows. Draws above `top` are vanishingly rare.
            # Whole counts in exact integer arithmetic: in floating point, past 2**53 a count plus one
            # is the same count, and the search would never end.
            low, high = np.zeros(len(rows), dtype=np.int64), top.astype(np.int64) + 1
            while np.any(low < high):
                middle = low + (high - low) // 2
                holds = (rank_at(middle) <= b) if higher else (rank_at(middle) > b)
                searching = low < high
                high = np.where(searching & holds, middle, high)
                low = np.where(searching & ~holds, middle + 1, low)
            cutoffs[b] = [dispersion.count_cdf(int(t) - 1, n, m, binomial) for t, n, m in zip(high, k, d)]
        moving = np.any((cutoffs > SURE) & (cutoffs < 1 - SURE), axis=0)
        if not moving.any():
            continue
        points = np.append(np.asarray(fw.band_points(ind), dtype=np.float64), np.nan)
        found.append(_Resampled(column, rows[moving], cutoffs[:, moving], higher, points, bands.points[rows[moving]]))
    return found


def sensitivity(population: Population, draws: int, seed: int, perturbation: Perturbation = Perturbation(),
                progress: Callable[[int, int], None] | None = None) -> Sensitivity:
    """`progress`, if given, is told after each chunk how many of the draws are done."""
    fw = population.framework
    count = len(population)
    if count > MAX_ORGANISATIONS:
        raise DataError(f"{count:,} organisations: sensitivity ranks organisations against each other and handles "
                        f"at most {MAX_ORGANISATIONS:,}", hint="run it on one national or regional file at a time")
    if draws < 1:
        raise DataError("--draws must be at least 1", hint="use for example --draws 10000")
    base = assess_population(fw, population)
    resampled = _resamplers(base) if perturbation.values else []
    ratings = fw.scale.ratings
    chunk = max(1, min(draws, CHUNK_CELLS // max(count, 1)))
    sizes = [min(chunk, draws - start) for start in range(0, draws, chunk)]
    # One random stream per chunk: a chunk's draws do not depend on how many came before it.
    streams = np.random.SeedSequence(seed).spawn(len(sizes))
    scorer = _Scorer(base, resampled)
    positions = len(ratings) + 1
    rating_bins = (np.arange(count) * positions)[:, None]

    ranked_count = int(np.count_nonzero(scorer.rated))

    def run(size: int, stream: np.random.SeedSequence) -> tuple[np.ndarray, np.ndarray]:
        final, score = scorer.draw(np.random.default_rng(stream), size, perturbation)
        # -1 (not rated) lands in the last column
        tally = np.bincount((rating_bins + final % positions).ravel(), minlength=count * positions)
        return tally, _rank_tally(score, ranked_count)

    counts = np.zeros(count * positions, dtype=np.int64)
    rank_histogram = np.zeros(count * count, dtype=np.int64)
    # Threads were tried: the many small array operations per chunk contend for the GIL, and two
    # threads ran slower than one.
    done = 0
    for size, stream in zip(sizes, streams):
        tally, ranked = run(size, stream)
        counts += tally
        rank_histogram += ranked
        done += size
        if progress is not None:
            progress(done, draws)
    counts = counts.reshape(count, positions)
    low, median, high = _rank_quantiles(rank_histogram.reshape(count, count), (0.05, 0.5, 0.95))
    return Sensitivity(fw, population, draws, seed, perturbation, [fw.indicators[r.column].id for r in resampled], base,
                       counts, low, median, high)


class _Scorer:
    """The engine's arithmetic over organisations x draws, for one population."""

    def __init__(self, base: PopulationResult, resampled: list[_Resampled]):
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
        self.cuts = np.array([fw.scale.cuts[r] for r in fw.scale.ratings[:-1]])
        self.rated = base.provisional >= 0
        self.domain_present = (~np.isnan(base.domain_scores)).astype(np.float64)
        self.domain_gaps = [bool(np.isnan(base.domain_scores[:, k]).any()) for k in range(len(fw.domains))]
        self.stacked = {tuple(columns): np.vstack([self.points[:, columns], self.present[:, columns]])
                        for columns in self.domain_columns + self.area_columns}
        self.rule_rows = np.flatnonzero(may_fire(fw, base.population.judgements, len(base)) & self.rated)
        whens = [rule.when for rule in fw.rules]
        self.needs_areas = any(w.area_rating or w.areas_rated_at_most is not None for w in whens)
        self.needs_domains = any(w.domain_score_below for w in whens)
        judgements = base.population.judgements
        self.rule_masks = {}
        for rule in fw.rules:
            wanting = np.zeros(len(base), dtype=bool)
            for jid in rule.when.judgement_conditions():
                wanting |= judgements[jid] < 0
            self.rule_masks[rule.id] = (wanting[self.rule_rows],
                                        judgements_hold(fw, rule.when, judgements, len(base))[self.rule_rows])
        self.needs_shares = any(w.worst_band_share_at_least is not None or w.best_band_share_at_least is not None
                                for w in whens)

    def draw(self, rng: np.random.Generator, size: int, perturbation: Perturbation) -> tuple[np.ndarray, np.ndarray]:
        """Final rating positions and scores, organisations x draws."""
        fw, count = self.fw, len(self.base)
        weights = self.weights * (np.exp(perturbation.weights * rng.standard_normal((size, len(self.weights))))
                                  if perturbation.weights else np.ones((size, len(self.weights))))
        domain_weights = self.domain_weights * (
            np.exp(perturbation.weights * rng.standard_normal((size, len(self.domain_weights))))
            if perturbation.weights else np.ones((size, len(self.domain_weights))))
        cuts = self.cuts + (perturbation.cuts * rng.standard_normal((size, len(self.cuts))) if perturbation.cuts
                            else np.zeros((size, len(self.cuts))))
        cuts = -np.sort(-cuts, axis=1)  # best rating's cut first, in order again
        changes = [(item, item.ranks(rng, size)) for item in self.resampled]

        def means(columns: list[int]) -> np.ndarray:
            w = weights[:, columns].T
            stacked = self.stacked[tuple(columns)] @ w  # points and presence in one matrix product
            total, weight = stacked[:count], stacked[count:]
            for item, ranks in changes:
                if item.column in columns:
                    where = columns.index(item.column)
                    total[item.rows] += (item.points[ranks] - item.base_points[:, None]) * w[where]
            with np.errstate(invalid="ignore", divide="ignore"):
                np.divide(total, weight, out=total)  # 0 / 0, no indicator, is NaN
            return half_up_hundredths(total)

        if not perturbation.weights and not changes:
            # Nothing moves the scores: the engine's, to the bit.
            domain_scores = [np.repeat(self.base.domain_scores[:, k, None], size, axis=1) for k in range(len(fw.domains))]
            score = np.repeat(self.base.score[:, None], size, axis=1)
        else:
            domain_scores, score = self._scores(means, weights, domain_weights, count, size)
        provisional = positions_against(score, cuts, fw.scale.on_cut)
        provisional = np.where(self.rated[:, None] & ~np.isnan(score), provisional, np.int8(-1))
        final = provisional
        rows = self.rule_rows
        if len(rows):
            context = self._context(rows, score, domain_scores, cuts, changes, means)
            ruled, _ = apply_rules_to_population(fw, provisional[rows].ravel(), context)
            final = provisional.copy()
            final[rows] = ruled.reshape(len(rows), size)
        return final, np.where(self.rated[:, None], score, np.nan)

    def _scores(self, means, weights, domain_weights, count: int, size: int) -> tuple[list[np.ndarray], np.ndarray]:
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

    def _context(self, rows, score, domain_scores, cuts, changes, means) -> PopulationContext:
        """What the rules see, for organisations `rows` x draws, flattened."""
        fw, base, size = self.fw, self.base, score.shape[1]

        def flat(values: np.ndarray) -> np.ndarray:
            return np.repeat(values[rows], size) if values.ndim == 1 else values[rows].ravel()

        area_ratings = {}
        if self.needs_areas:
            for k, area in enumerate(fw.areas):
                scores = means(self.area_columns[k])
                enough = base.area_used[:, k] >= fw.scoring.area_min_indicators
                area_ratings[area.id] = flat(np.where(enough[:, None] & ~np.isnan(scores), positions_against(scores, cuts, fw.scale.on_cut), -1))
        best = worst = np.zeros(len(rows) * size)
        if self.needs_shares:
            ranks = np.column_stack([base.bands[i.id].rank for i in fw.indicators])
            bottoms = np.array([len(fw.band_labels(i)) - 1 for i in fw.indicators])
            banded = (ranks >= 0).sum(axis=1)
            top = np.repeat((ranks == 0).sum(axis=1)[:, None], size, axis=1).astype(np.float64)
            bottom = np.repeat((ranks == bottoms).sum(axis=1)[:, None], size, axis=1).astype(np.float64)
            for item, drawn in changes:
                before = ranks[item.rows, item.column][:, None]
                top[item.rows] += (drawn == 0).astype(np.int8) - (before == 0)
                bottom[item.rows] += (drawn == bottoms[item.column]).astype(np.int8) - (before == bottoms[item.column])
            with np.errstate(invalid="ignore", divide="ignore"):
                best = flat(top / np.where(banded > 0, banded, np.nan)[:, None])
                worst = flat(bottom / np.where(banded > 0, banded, np.nan)[:, None])
        return PopulationContext(
            score=flat(score),
            judgements={},
            domain_scores={d.id: flat(domain_scores[k]) for k, d in enumerate(fw.domains)} if self.needs_domains else {},
            area_ratings=area_ratings,
            best_band_share=best,
            worst_band_share=worst,
            judgement_masks={rule: (np.repeat(wanting, size), np.repeat(holds, size))
                             for rule, (wanting, holds) in self.rule_masks.items()},
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
