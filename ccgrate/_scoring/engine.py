"""The scoring engine: pure, no I/O, no printing. Works on a whole population at once.

Pipeline, for one population (one period's organisations under one framework):
1. band every indicator (the method sees the whole population);
2. points per band; weighted mean within each domain and area, then across domains;
3. the overall score against the scale's cut points gives the provisional rating;
4. the rules, in order, may cap, floor or set the rating;
5. the result holds every step, as arrays; `PopulationResult.assessment(i)` is the record of one
   organisation, made only when it is asked for.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from ccgrate._base.decimals import (
    decimal,
    over_common_denominator,
    rate_on_scale,
    rounded_weighted_means,
    settle_ties,
    share_below,
)
from ccgrate._base.errors import DataError
from ccgrate._framework.indicators import LookupIndicator
from ccgrate._scoring.banding import Bands, IndicatorColumn, lookup_bands, make_banding
from ccgrate._scoring.bind import OrgInput, Population
from ccgrate._scoring.dispersion import quantile7
from ccgrate._scoring.league import adjusted_positions, group_numbers, league_ranks, value_ranks
from ccgrate._scoring.rules import (
    PopulationContext,
    RuleFired,
    RuleOutcome,
    apply_rules_to_population,
)

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

    from ccgrate._framework.indicators import AnyIndicator
    from ccgrate._framework.model import Area, Framework

# Scores are defined to two decimals and compared at that precision, so a displayed score of
# 55.00 is always on the same side of a cut of 55 as the score the rating was made from.
SCORE_DECIMALS = 2


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    id: str
    name: str
    domain: str
    area: str | None
    method: str
    unit: str
    direction: str | None
    weight: float
    value: float | str | None
    numerator: float | None
    denominator: float | None
    reference: str
    band: str | None
    band_rank: int | None
    band_count: int
    points: float | None
    note: str | None = None
    detail: Mapping[str, float] | None = None
    compared: tuple[float, ...] = ()  # the cut points or standard the value was compared with, as shown
    counted: bool = True  # whether its points or score count in its domain's and the overall score
    rank: int | None = None  # its value's rank within the peer group (1 best), where it has a value
    measured: float | None = None  # a score indicator's value, that its score was given for
    published: float | None = None  # the publisher's own score of it, where the data holds one


@dataclass(frozen=True, slots=True)
class DomainResult:
    id: str
    name: str
    weight: float
    score: float | None
    scored: int
    total: int
    rating: str | None = None  # on the domain's own cut points, where it has a scale


@dataclass(frozen=True, slots=True)
class AreaBand:
    """An indicator as an area with its own method banded it (when that differs from its headline band)."""

    id: str
    band: str | None
    band_rank: int | None
    points: float | None
    reference: str
    note: str | None = None  # why it was not banded for the area, where it was not
    detail: Mapping[str, float] | None = None  # its statistics (z, adjusted z...), as an indicator's


@dataclass(frozen=True, slots=True)
class AreaResult:
    id: str
    name: str
    score: float | None
    rating: str | None
    scored: int
    total: int
    method: str | None = None  # the area's own rating method, in words, where it has one
    bands: tuple[AreaBand, ...] = ()


@dataclass(frozen=True)
class Assessment:
    org_code: str
    org_name: str
    period: str
    framework: str
    source: str
    score: float | None
    provisional_rating: str | None
    rating: str | None
    coverage: float
    judgements: Mapping[str, str]
    domains: list[DomainResult]
    areas: list[AreaResult]
    indicators: list[IndicatorResult]
    rules_fired: list[RuleFired]
    missing: list[str]
    warnings: list[str] = field(default_factory=list)
    peer_group: str | None = None
    rank: int | None = None  # within the peer group and period (1 best)
    adjusted_rating: str | None = None  # after the rules, before any rules-only rating
    # The publisher's own figures where the data holds them: score, provisional_rating,
    # adjusted_rating, rating, rank, domain_score:<id>, domain_rating:<id>.
    published: Mapping[str, float | int | str] = field(default_factory=dict)


def positions_against(
    scores: np.ndarray, cuts: np.ndarray, on_cut: str = "better", better: str = "higher"
) -> np.ndarray:
    """Rating positions (best first) of scores, organisations x k, against k sets of cuts, k x cuts.

    A score on a cut reaches the better rating (on_cut "better") or stays below it ("worse"); where
    a lower score is better, a score above a cut stays below it. NaN comes out as position 0:
    callers mask it. One byte per position, since Monte Carlo and calibration hold millions of them.
    """
    short: Callable[..., Any]
    if better == "higher":
        short = np.less if on_cut == "better" else np.less_equal
    else:
        short = np.greater if on_cut == "better" else np.greater_equal
    position = np.zeros(scores.shape, dtype=np.int8)
    with np.errstate(invalid="ignore"):
        for j in range(cuts.shape[1]):
            np.add(position, short(scores, cuts[:, j]), out=position, casting="unsafe")
    return position


def rating_positions(framework: Framework, scores: np.ndarray, cuts: Sequence[float] | None = None) -> np.ndarray:
    """The rating each score reaches (positions in the scale, best first); -1 for no score. `cuts`
    are a period's (PopulationResult.cuts); by default the framework's own."""
    if cuts is None:
        cuts = framework.cuts_for()
        assert cuts is not None, "a framework without fixed cut points is rated with its population's (result.cuts)"
    return positions_on(scores, cuts, framework.scale.on_cut, framework.scale.better)


def positions_on(scores: np.ndarray, cuts: Sequence[float], on_cut: str, better: str = "higher") -> np.ndarray:
    """The rating each score reaches against one set of cuts (best first); -1 for no score."""
    positions = positions_against(scores[:, None], np.array([list(cuts)]), on_cut, better)[:, 0].astype(np.int64)
    return np.where(np.isnan(scores), -1, positions)


def area_column(ind: AnyIndicator, column: IndicatorColumn) -> IndicatorColumn:
    """An indicator's inputs as an area's own banding of it reads them: where that banding uses the
    counts and the headline's does not, a blank value with counts is the rate the counts give (as
    the headline would have it, had it used them)."""
    if not ind.uses_counts or column.numerators is None or column.denominators is None:
        return column
    if column.values.dtype.kind != "f":
        return column
    both = ~np.isnan(column.numerators) & ~np.isnan(column.denominators)
    blank = np.isnan(column.values) & both
    if not blank.any():
        return column
    from_counts = settle_ties(
        rate_on_scale(column.numerators, column.denominators, ind.rate_scale),
        column.numerators,
        column.denominators,
        ind.rate_scale,
        ind.references,
    )
    return replace(column, values=np.where(blank, from_counts, column.values))


def with_cuts(fw: Framework, base: Sequence[float] | None, cuts: Mapping[str, float]) -> list[float]:
    """The cut points `base` (best rating first) with those `cuts` names set; refused where the
    result is out of order or a cut is missing."""
    ratings = fw.scored_ratings[:-1]
    spelled = {rating.casefold(): rating for rating in ratings}  # as typed on a command line, any case
    unknown = [r for r in cuts if " ".join(r.split()).casefold() not in spelled]
    if unknown:
        raise DataError(
            f'a cut point for "{unknown[0]}": {fw.id} has no such rating with a cut point below it',
            hint=f"set cut points for {', '.join(ratings)} (the worst rating, {fw.scored_ratings[-1]}, has none)",
        )
    cuts = {spelled[" ".join(r.split()).casefold()]: value for r, value in cuts.items()}
    if base is None:
        missing = [r for r in ratings if r not in cuts]
        if missing:
            raise DataError(
                f"too few scores to take quartiles of, and no cut point given for {', '.join(missing)}",
                hint="set every cut point (--cut RATING=SCORE for each)",
            )
        base = [cuts[r] for r in ratings]
    merged = [cuts.get(rating, cut) for rating, cut in zip(ratings, base)]
    step = -1 if fw.scale.better == "higher" else 1  # best first: falling scores when higher is better
    for (better, high), (worse, low) in zip(zip(ratings, merged), zip(ratings[1:], merged[1:])):
        if (low - high) * step <= 0:
            raise DataError(
                f"cut points out of order: {better} at {high:g} and {worse} at {low:g}",
                hint=f"a better rating needs a {'higher' if step == -1 else 'lower'} score than a worse one",
            )
    return merged


def quartile_cuts(framework: Framework, scores: np.ndarray) -> list[float] | None:
    """Cut points at the quantiles of the scores (quartiles for four ratings), best rating first,
    for a period the framework gives no cut points for; None with fewer than two scores."""
    present = np.sort(scores[~np.isnan(scores)]).tolist()
    count = len(framework.scored_ratings)
    if len(present) < 2:
        return None
    fractions = [k / count for k in range(1, count)]
    if framework.scale.better == "higher":
        fractions = [1 - f for f in fractions]
    return [quantile7(present, f) for f in fractions]


def area_positions(framework: Framework, area: Area, scores: np.ndarray, used: np.ndarray) -> np.ndarray:
    """An area's rating positions on its own scale: -1 where too few of its indicators are banded."""
    cuts, on_cut = framework.area_cuts(area)
    positions = positions_on(scores, cuts, on_cut, framework.scale.better)
    return np.where(used >= framework.scoring.area_min_indicators, positions, -1)


@dataclass
class PopulationResult:
    """Every step of the assessment of one population, as arrays over its organisations."""

    framework: Framework
    population: Population
    bands: dict[str, Bands]
    stats: dict[str, Any]
    domain_scores: np.ndarray  # organisations x domains
    domain_used: np.ndarray
    area_scores: np.ndarray  # organisations x areas
    area_used: np.ndarray
    area_ratings: np.ndarray  # rating positions on each area's scale, -1 none
    score: np.ndarray
    coverage: np.ndarray
    provisional: np.ndarray  # rating positions, -1 not rated
    rating: np.ndarray
    outcomes: list[RuleOutcome]
    context: PopulationContext  # what the rules saw
    # (area id, indicator id) -> bands, for indicators an area with its own method bands differently
    area_bands: dict[tuple[str, str], Bands] = field(default_factory=dict)
    # The overall score's cut points used for this period, best rating first, and where they came
    # from: "framework", "option" (--cut) or "quartiles" (the framework gives none for the period).
    cuts: list[float] = field(default_factory=list)
    cuts_from: str = "framework"
    adjusted: np.ndarray | None = None  # rating positions after the rules, before any rules-only rating
    domain_ratings: np.ndarray | None = None  # organisations x domains, -1 none (domains with a scale)
    domain_cuts: dict[str, tuple[list[float], str]] = field(default_factory=dict)  # domain id -> (cuts, from)
    league_rank: np.ndarray | None = None  # rank within peer group and period (1 best), 0 none
    indicator_ranks: dict[str, np.ndarray] = field(default_factory=dict)  # value rank within peer group, 0 none
    _cache: dict[int, Assessment] = field(default_factory=dict, repr=False)
    _columns: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _notes: dict[str, Any] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.population)

    def rating_name(self, position: int) -> str | None:
        return None if position < 0 else self.framework.scale.ratings[position]

    def counted_scores(self) -> tuple[list[AnyIndicator], np.ndarray]:
        """The indicators that count, and every organisation's score or points on each (NaN where
        it has none): what the overall score of a mean of metric scores averages."""
        counted = [ind for ind in self.framework.indicators if ind.counted]
        return counted, np.column_stack(
            [np.where(self.bands[ind.id].rank >= 0, self.bands[ind.id].points, np.nan) for ind in counted]
        )

    def missing(self) -> np.ndarray:
        """Organisations x indicators: True where there is no value."""
        if "missing" not in self._columns:
            population = self.population
            columns = []
            for ind in self.framework.indicators:
                if ind.method == "judgement":
                    levels = population.levels.get(ind.id)
                    columns.append(np.ones(len(population), bool) if levels is None else levels < 0)
                else:
                    numbers = population.numbers.get(ind.id)
                    columns.append(np.ones(len(population), bool) if numbers is None else np.isnan(numbers))
            self._columns["missing"] = side_by_side(columns, len(population), bool)
        return self._columns["missing"]

    def _unbanded(self) -> dict[int, dict[str, list[str]]]:
        """Organisation -> why -> ids of indicators with a value that could not be banded."""
        if "unbanded" not in self._notes:
            found: dict[int, dict[str, list[str]]] = {}
            for ind in self.framework.indicators:
                bands = self.bands[ind.id]
                for index, note in bands.notes.items():
                    if bands.rank[index] < 0:
                        found.setdefault(index, {}).setdefault(note, []).append(ind.id)
            self._notes["unbanded"] = found
        return self._notes["unbanded"]

    def warned(self) -> set[int]:
        """The organisations that have any warning."""
        flagged = set(self._unbanded())
        flagged.update(np.flatnonzero(self.provisional < 0).tolist())
        for outcome in self.outcomes:
            flagged.update(np.flatnonzero(outcome.skipped).tolist())
        return flagged

    def warnings(self, index: int) -> list[str]:
        """Why an organisation was not rated, rules not evaluated, indicators not banded."""
        fw = self.framework
        unbanded = self._unbanded().get(index, {})
        messages = [f"indicator{'s' if len(ids) > 1 else ''} {', '.join(ids)} {note}" for note, ids in unbanded.items()]
        if np.isnan(self.score[index]):
            messages.append("not rated: no indicator could be scored")
        elif self.provisional[index] < 0:
            messages.append(
                f"not rated: {self.coverage[index]:.0%} of the indicator weight has a value, "
                f"the framework needs {fw.scoring.min_coverage:.0%}"
            )
        messages.extend(o.skip_message() for o in self.outcomes if o.skipped[index])
        return messages

    def assessment(self, index: int) -> Assessment:
        """The full record of one organisation."""
        if index not in self._cache:
            self._cache[index] = self._assessment(index)
        return self._cache[index]

    def fresh_assessment(self, index: int) -> Assessment:
        """The full record of one organisation, not kept (unless it already was)."""
        return self._cache[index] if index in self._cache else self._assessment(index)

    def _per_indicator(self) -> list[tuple[AnyIndicator, Bands, list[str], tuple[float, ...], str | None]]:
        """What every organisation's record shares for an indicator, worked out once: a national
        batch builds a record per organisation, each with every indicator."""
        if "per_indicator" not in self._notes:
            fw = self.framework
            self._notes["per_indicator"] = [
                (
                    ind,
                    self.bands[ind.id],
                    fw.band_labels(ind),
                    tuple(self.bands[ind.id].compared),
                    getattr(ind, "direction", None),
                )
                for ind in fw.indicators
            ]
        return self._notes["per_indicator"]

    def _totals(self) -> tuple[dict[str, int], dict[str, int]]:
        """How many indicators each domain and each area has."""
        if "totals" not in self._notes:
            fw = self.framework
            self._notes["totals"] = (
                {d.id: sum(1 for i in fw.indicators if i.domain == d.id) for d in fw.domains},
                {a.id: sum(1 for i in fw.indicators if i.area == a.id) for a in fw.areas},
            )
        return self._notes["totals"]

    def _assessment(self, index: int) -> Assessment:
        fw, population = self.framework, self.population
        org = population.org(index)
        results = []
        for ind, bands, labels, compared, direction in self._per_indicator():
            obs = org.values.get(ind.id)
            rank = int(bands.rank[index])
            present = obs is not None
            detail = None
            if bands.detail is not None and rank >= 0:
                detail = {
                    key: float(values[index]) for key, values in bands.detail.items() if not np.isnan(values[index])
                }
            ranks = self.indicator_ranks.get(ind.id)
            value_rank = int(ranks[index]) if ranks is not None and ranks[index] > 0 else None
            shown = self.population.shown.get(ind.id)
            measured = float(shown[index]) if shown is not None and not np.isnan(shown[index]) else None
            published = self.population.published.get(f"indicator:{ind.id}")
            given = float(published[index]) if published is not None and not np.isnan(published[index]) else None
            results.append(
                IndicatorResult(
                    id=ind.id,
                    name=ind.name,
                    domain=ind.domain,
                    area=ind.area,
                    method=ind.method,
                    unit=ind.unit,
                    direction=direction,
                    weight=ind.weight,
                    value=obs.value if obs is not None else None,
                    numerator=obs.numerator if obs is not None else None,
                    denominator=obs.denominator if obs is not None else None,
                    reference=bands.reference_for(index) if present else "",
                    band=labels[rank] if rank >= 0 else None,
                    band_rank=rank if rank >= 0 else None,
                    band_count=len(labels),
                    points=bands.points_at(index),
                    note=bands.notes.get(index) if present or ind.method == "lookup" else None,
                    detail=detail or None,
                    compared=compared,
                    counted=ind.counted,
                    rank=value_rank,
                    measured=measured,
                    published=given,
                )
            )
        totals, area_totals = self._totals()
        domain_positions = self.domain_ratings
        domains = [
            DomainResult(
                d.id,
                d.name,
                d.weight,
                _maybe(self.domain_scores[index, k]),
                int(self.domain_used[index, k]),
                totals[d.id],
                self.rating_name(int(domain_positions[index, k])) if domain_positions is not None else None,
            )
            for k, d in enumerate(fw.domains)
        ]
        areas = []
        for k, a in enumerate(fw.areas):
            position = int(self.area_ratings[index, k])
            own = []
            for ind in fw.indicators:
                own_bands = self.area_bands.get((a.id, ind.id)) if ind.area == a.id else None
                if own_bands is None:
                    continue
                rank = int(own_bands.rank[index])
                # A value from the counts alone (the area's banding uses them) is there too.
                present = ind.id in org.values or rank >= 0 or index in own_bands.notes
                note = None
                if rank < 0:
                    note = own_bands.notes.get(index) or (None if present else "no value")
                detail = None
                if own_bands.detail is not None and rank >= 0:
                    detail = {
                        key: float(values[index])
                        for key, values in own_bands.detail.items()
                        if not np.isnan(values[index])
                    }
                own.append(
                    AreaBand(
                        ind.id,
                        fw.band_labels(fw.area_indicator(a, ind))[rank] if rank >= 0 else None,
                        rank if rank >= 0 else None,
                        own_bands.points_at(index),
                        own_bands.reference_for(index) if present else "",
                        note,
                        detail or None,
                    )
                )
            areas.append(
                AreaResult(
                    a.id,
                    a.name,
                    _maybe(self.area_scores[index, k]),
                    fw.area_ratings(a)[position] if position >= 0 else None,
                    int(self.area_used[index, k]),
                    area_totals[a.id],
                    a.method,
                    tuple(own),
                )
            )
        ratings = fw.scale.ratings
        fired = [
            RuleFired(
                o.rule.id,
                o.rule.effect[0],
                o.rule.effect[1],
                ratings[o.before[index]],
                ratings[o.after[index]],
                o.rule.reason,
            )
            for o in self.outcomes
            if o.fired[index]
        ]
        return Assessment(
            org_code=org.org_code,
            org_name=org.org_name,
            period=org.period,
            framework=fw.id,
            source=population.source,
            score=_maybe(self.score[index]),
            provisional_rating=self.rating_name(int(self.provisional[index])),
            rating=self.rating_name(int(self.rating[index])),
            coverage=float(self.coverage[index]),
            judgements=dict(org.judgements),
            domains=domains,
            areas=areas,
            indicators=results,
            rules_fired=fired,
            missing=[ind.id for ind in fw.indicators if ind.id not in org.values and ind.method != "lookup"],
            warnings=self.warnings(index),
            peer_group=population.peer_groups[index] if population.peer_groups is not None else None,
            rank=int(self.league_rank[index]) if self.league_rank is not None and self.league_rank[index] > 0 else None,
            adjusted_rating=self.rating_name(int(self.adjusted[index])) if self.adjusted is not None else None,
            published=self.published_figures(index),
        )

    def published_figures(self, index: int) -> dict[str, float | int | str]:
        """The publisher's own figures for one organisation, ratings by name (a number n in the data is
        the n-th rating)."""
        found: dict[str, float | str] = {}
        ratings = self.framework.scale.ratings
        for what, column in self.population.published.items():
            if what.startswith(("indicator:", "indicator_rank:")):
                continue
            value = float(column[index])
            if np.isnan(value):
                continue
            if what.endswith("rating") or what.startswith("domain_rating:"):
                position = int(value) - 1
                found[what] = ratings[position] if value.is_integer() and 0 <= position < len(ratings) else value
            else:
                found[what] = int(value) if what == "rank" and value.is_integer() else value
        return found


def _maybe(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def assess_population(
    framework: Framework, population: Population | Sequence[OrgInput], cuts: Mapping[str, float] | None = None
) -> PopulationResult:
    """Assess every organisation of one population under one framework; `cuts`, when given, set cut
    points of the overall score for this run (--cut): rating -> the score that reaches it, in place
    of the framework's (or of the quartiles, for a period it gives none for)."""
    if not isinstance(population, Population):
        population = Population.from_orgs(framework, population)
    fw = framework
    count = len(population)
    indicators = fw.indicators
    bands: dict[str, Bands] = {}
    stats: dict[str, Any] = {}
    columns: dict[str, IndicatorColumn] = {}
    groups = group_numbers(population)
    # Every indicator's band ranks, organisations x indicators, stored column by column so that a
    # domain's or an area's selection of columns is contiguous; each indicator's Bands then views its
    # own column, and the banding's arrays are let go (one copy, not two). Ranks are small (a
    # framework's bands, -1 for none): one byte each where they fit, an eighth of the memory of
    # int64 at a million organisations. Points are read from the ranks when a sum needs them; a
    # continuous method's scores are its Bands' own.
    band_counts = np.array([len(fw.band_labels(ind)) for ind in indicators])
    rank_type = np.int8 if band_counts.max(initial=0) <= np.iinfo(np.int8).max else np.int64
    ranks = np.empty((count, len(indicators)), dtype=rank_type, order="F")
    tables: list[np.ndarray] = []
    lookups = []
    for k, ind in enumerate(indicators):
        if isinstance(ind, LookupIndicator):
            lookups.append(k)
            tables.append(np.array([np.nan]))
            continue
        if ind.method == "judgement":
            column = IndicatorColumn(population.levels.get(ind.id, np.full(count, -1, dtype=np.int64)))
        else:
            values = population.numbers.get(ind.id, np.full(count, np.nan))
            column = IndicatorColumn(
                values, population.numerators.get(ind.id), population.denominators.get(ind.id), groups
            )
        columns[ind.id] = column
        result = make_banding(fw, ind).band(column)
        ranks[:, k] = result.rank
        tables.append(result.point_table)
        bands[ind.id] = replace(result, rank=ranks[:, k])
        if result.stats is not None:
            stats[ind.id] = result.stats
        del result
    for k in lookups:
        lookup = indicators[k]
        assert isinstance(lookup, LookupIndicator)
        result = lookup_bands(
            lookup, bands[lookup.of[0]], bands[lookup.of[1]], fw.best_score, population.codes, population.source
        )
        ranks[:, k] = result.rank
        bands[lookup.id] = replace(result, rank=ranks[:, k])
    weights = [ind.weight for ind in indicators]
    counted = [ind.counted for ind in indicators]
    continuous = [bands[ind.id].scores is not None for ind in indicators]
    # Every indicator's points as integers over one common denominator, for exact re-checks.
    integer_points, common = over_common_denominator([fw.exact_points(ind) for ind in indicators])

    def means_of(chosen: list[int]) -> tuple[np.ndarray, np.ndarray]:
        chosen = [c for c in chosen if counted[c]]
        if not any(continuous[c] for c in chosen):
            return banded_means(
                lambda j: tables[chosen[j]][ranks[:, chosen[j]]],
                ranks[:, chosen],
                [weights[c] for c in chosen],
                [integer_points[c] for c in chosen],
                common,
            )
        return scored_means(
            [bands[indicators[c].id] for c in chosen],
            [weights[c] for c in chosen],
            [None if continuous[c] else (integer_points[c], common) for c in chosen],
            count,
        )

    domain_scores = np.full((count, len(fw.domains)), np.nan)
    domain_used = np.zeros((count, len(fw.domains)), dtype=np.int64)
    for k, domain in enumerate(fw.domains):
        domain_scores[:, k], domain_used[:, k] = means_of(
            [c for c, ind in enumerate(indicators) if ind.domain == domain.id]
        )
    area_scores = np.full((count, len(fw.areas)), np.nan)
    area_used = np.zeros((count, len(fw.areas)), dtype=np.int64)
    area_ratings = np.full((count, len(fw.areas)), -1, dtype=np.int64)
    area_bands: dict[tuple[str, str], Bands] = {}
    for k, area in enumerate(fw.areas):
        members = [c for c, ind in enumerate(indicators) if ind.area == area.id]
        if not area.indicators:
            area_scores[:, k], area_used[:, k] = means_of(members)
        else:
            own = [fw.area_indicator(area, indicators[c]) for c in members]
            own_bands: list[Bands] = []
            for c, ind in zip(members, own):
                if ind is indicators[c]:
                    own_bands.append(bands[ind.id])
                else:
                    own_bands.append(make_banding(fw, ind).band(area_column(ind, columns[ind.id])))
                    area_bands[(area.id, ind.id)] = own_bands[-1]
            own_integers, own_common = over_common_denominator([fw.exact_points(ind) for ind in own])
            area_scores[:, k], area_used[:, k] = banded_means(
                _points_of(own_bands),
                np.column_stack([b.rank for b in own_bands]),
                [ind.weight for ind in own],
                own_integers,
                own_common,
            )
        area_ratings[:, k] = area_positions(fw, area, area_scores[:, k], area_used[:, k])

    if fw.scoring.aggregate == "indicators":
        # The mean of every counted indicator's score (NHS England's average metric score).
        score, _ = means_of(list(range(len(indicators))))
    else:
        # The overall score is the mean of the published (rounded) domain scores, as a person with
        # the domain table in front of them would compute it.
        def domain_hundredths(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
            taken = domain_scores[rows]
            present = ~np.isnan(taken)
            return np.rint(np.where(present, taken, 0.0) * 100).astype(np.int64), present, 100

        score, _ = rounded_weighted_means(domain_scores, [d.weight for d in fw.domains], domain_hundredths)
    banded = ranks >= 0
    weight_total = float(sum(w for w, c in zip(weights, counted) if c))
    scored_weight = np.zeros(count)
    for k, w in enumerate(weights):
        if counted[k]:
            scored_weight = scored_weight + np.where(banded[:, k], w, 0.0)
    # Frameworks count at least one indicator, and weights are above 0: the total is never 0.
    coverage = scored_weight / weight_total
    exact_weights = [decimal(w) for w in weights]
    short = share_below(
        scored_weight,
        weight_total,
        fw.scoring.min_coverage,
        lambda row: sum((w for w, b, c in zip(exact_weights, banded[row].tolist(), counted) if b and c), Fraction(0)),
        sum((w for w, c in zip(exact_weights, counted) if c), Fraction(0)),
    )
    period = population.period
    used_cuts: list[float] | None = fw.cuts_for(period)
    cuts_from = "framework"
    every = bool(cuts) and len(cuts or {}) >= len(fw.scored_ratings) - 1  # with_cuts refuses other names
    if used_cuts is None and not every:
        used_cuts = published_cuts(fw, population, "provisional_rating", "score", score)
        cuts_from = "published"
    if used_cuts is None and not every:
        used_cuts, cuts_from = quartile_cuts(fw, np.where(short, np.nan, score)), "quartiles"
    if cuts:
        merged = with_cuts(fw, used_cuts, cuts)
        used_cuts, cuts_from = merged, "option" if cuts_from == "framework" else f"{cuts_from} and option"
    if used_cuts is None:  # fewer than two scores: nothing to take quartiles of
        provisional = np.full(count, -1, dtype=np.int64)
        used_cuts = []
    else:
        provisional = np.where(short, -1, rating_positions(fw, score, used_cuts))
    domain_ratings, domain_cuts = _domain_ratings(fw, population, domain_scores)
    in_bands = banded.sum(axis=1)
    # Compared in the ranks' own type: against int64 every rank would be widened first (a million
    # organisations x 56 indicators, 450 MB for a moment).
    with np.errstate(invalid="ignore", divide="ignore"):
        best = np.where(in_bands > 0, (ranks == 0).sum(axis=1) / np.maximum(in_bands, 1), np.nan)
        last = (band_counts - 1).astype(ranks.dtype)
        worst = np.where(in_bands > 0, (ranks == last).sum(axis=1) / np.maximum(in_bands, 1), np.nan)
    context = PopulationContext(
        score=score,
        judgements=population.judgements,
        domain_scores={d.id: domain_scores[:, k] for k, d in enumerate(fw.domains)},
        area_ratings={a.id: area_ratings[:, k] for k, a in enumerate(fw.areas)},
        best_band_share=best,
        worst_band_share=worst,
    )
    rating, outcomes = apply_rules_to_population(fw, provisional, context)
    adjusted = adjusted_positions(fw, provisional, outcomes)
    league: np.ndarray | None = None
    indicator_ranks: dict[str, np.ndarray] = {}
    if fw.league is not None:
        league = league_ranks(fw, adjusted if fw.league.by == "adjusted_rating" else rating, score, groups)
        indicator_ranks = {ind.id: value_ranks(fw, ind, bands[ind.id], population, groups) for ind in indicators}
    return PopulationResult(
        fw,
        population,
        bands,
        stats,
        domain_scores,
        domain_used,
        area_scores,
        area_used,
        area_ratings,
        score,
        coverage,
        provisional,
        rating,
        outcomes,
        context,
        area_bands,
        cuts=used_cuts,
        cuts_from=cuts_from,
        adjusted=adjusted,
        domain_ratings=domain_ratings,
        domain_cuts=domain_cuts,
        league_rank=league,
        indicator_ranks=indicator_ranks,
    )


def published_cuts(
    fw: Framework, population: Population, rating_key: str, score_key: str, scores: np.ndarray
) -> list[float] | None:
    """Cut points from the publisher's ratings in the data (the middles of the gaps between its
    ratings' scores), for a period the framework gives none for; None where the data holds none."""
    from ccgrate._scoring.gaps import published_gap_cuts

    found = published_gap_cuts(fw, population, rating_key, score_key, scores)
    return None if found is None else [c.cut for c in found]


def _domain_ratings(
    fw: Framework, population: Population, domain_scores: np.ndarray
) -> tuple[np.ndarray | None, dict[str, tuple[list[float], str]]]:
    """Each domain's rating on its own cut points (from the publisher's domain ratings in the data,
    else the quartiles of its scores, where the period has none), for the domains with a scale."""
    if not any(d.scale is not None for d in fw.domains):
        return None, {}
    ratings = np.full(domain_scores.shape, -1, dtype=np.int64)
    used: dict[str, tuple[list[float], str]] = {}
    for k, domain in enumerate(fw.domains):
        if domain.scale is None:
            continue
        cuts, source = fw.domain_cuts_for(domain, population.period), "framework"
        if cuts is None:
            key = f"domain_rating:{domain.id}"
            cuts, source = (
                published_cuts(fw, population, key, f"domain_score:{domain.id}", domain_scores[:, k]),
                "published",
            )
        if cuts is None:
            cuts, source = quartile_cuts(fw, domain_scores[:, k]), "quartiles"
        if cuts is None:
            continue
        used[domain.id] = (cuts, source)
        ratings[:, k] = positions_on(domain_scores[:, k], cuts, fw.scale.on_cut, fw.scale.better)
    return ratings, used


def side_by_side(columns: Sequence[np.ndarray], count: int, dtype: DTypeLike) -> np.ndarray:
    """Columns as an organisations x columns matrix stored column by column (Fortran order): each is
    one contiguous copy, and the domains' and areas' selections of columns stay contiguous."""
    matrix = np.empty((count, len(columns)), dtype=dtype, order="F")
    for k, column in enumerate(columns):
        matrix[:, k] = column
    return matrix


def _points_of(bands: Sequence[Bands]) -> Callable[[int], np.ndarray]:
    """Column j of the points of these bandings, made when asked for."""
    return lambda j: bands[j].points


def scored_means(
    chosen: Sequence[Bands],
    weights: Sequence[float],
    integer_points: Sequence[tuple[np.ndarray, int] | None],
    rows: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted means of indicators' points or scores, half up to two decimals, re-checked exactly
    where a mean lies near a rounding boundary: a banded indicator's points from its integer table,
    a continuous one's scores from its Bands' exact fractions."""

    def exact(near: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        parts: list[list[Fraction | None]] = []
        for bands, table in zip(chosen, integer_points):
            if table is None:
                assert bands.exact is not None, "a continuous method gives its exact scores"
                parts.append(bands.exact(near))
            else:
                points, denominator = table
                taken = bands.rank[near]
                parts.append([Fraction(int(points[r]), denominator) if r >= 0 else None for r in taken.tolist()])
        denominators = [f.denominator for column in parts for f in column if f is not None]
        common = math.lcm(*denominators) if denominators else 1
        numerators = np.array(
            [[int(f * common) if f is not None else 0 for f in column] for column in parts], dtype=object
        ).T
        present = np.array([[f is not None for f in column] for column in parts], dtype=bool).T
        return numerators.reshape(len(near), len(parts)), present.reshape(len(near), len(parts)), common

    return rounded_weighted_means(lambda j: chosen[j].points, list(weights), exact, rows=rows)


def banded_means(
    points: Callable[[int], np.ndarray],
    ranks: np.ndarray,
    weights: Sequence[float],
    integer_points: Sequence[np.ndarray],
    common: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted means of band points (`points(k)` is indicator k's column), half up to two decimals,
    re-checked exactly from the band ranks (organisations x indicators) where a mean lies near a
    rounding boundary; and how many were banded."""

    def exact(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        taken = ranks[rows]
        numerators = np.column_stack([integer_points[k][taken[:, k]] for k in range(taken.shape[1])])
        return numerators, taken >= 0, common

    return rounded_weighted_means(points, list(weights), exact, rows=ranks.shape[0])


def assess(framework: Framework, orgs: Sequence[OrgInput]) -> list[Assessment]:
    """Assess every organisation of one population under one framework."""
    result = assess_population(framework, orgs)
    return [result.assessment(i) for i in range(len(result))]
