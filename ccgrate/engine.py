"""The scoring engine: `assess(framework, orgs) -> list[Assessment]`. Pure: no I/O, no printing.

Pipeline, per organisation of one population (one period under one framework):
1. band every indicator (the method sees the whole population);
2. points per band; weighted mean within each domain and area, then across domains;
3. the overall score against the scale's cut points gives the provisional rating;
4. the rules, in order, may cap, floor or set the rating;
5. the `Assessment` records every step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .banding import Band, make_banding
from .bind import Observation, OrgInput
from .rules import RuleContext, RuleFired, apply_rules

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


@dataclass(frozen=True, slots=True)
class DomainResult:
    id: str
    name: str
    weight: float
    score: float | None
    scored: int
    total: int


@dataclass(frozen=True, slots=True)
class AreaResult:
    id: str
    name: str
    score: float | None
    rating: str | None
    scored: int
    total: int


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


def weighted_mean(pairs: Sequence[tuple[float, float]]) -> float | None:
    """Mean of (value, weight) pairs; None when there are none."""
    total = sum(weight for _, weight in pairs)
    if not pairs or total <= 0:
        return None
    return round(sum(value * weight for value, weight in pairs) / total, SCORE_DECIMALS)


def rating_for(framework: Any, score: float) -> str:
    for rating in framework.scale.ratings[:-1]:
        if score >= framework.scale.cuts[rating]:
            return rating
    return framework.scale.ratings[-1]


def band_population(framework: Any, orgs: Sequence[OrgInput]) -> tuple[dict[str, dict[int, Band]], dict[str, Any]]:
    """Step 1 for every indicator: bands per organisation (by position in `orgs`) and population stats."""
    bands: dict[str, dict[int, Band]] = {}
    stats: dict[str, Any] = {}
    for ind in framework.indicators:
        observations: dict[int, Observation] = {}
        for position, org in enumerate(orgs):
            obs = org.values.get(ind.id)
            if obs is not None:
                observations[position] = obs
        result, population = make_banding(framework, ind).band(observations)
        bands[ind.id] = result
        if population is not None:
            stats[ind.id] = population
    return bands, stats


def assess(framework: Any, orgs: Sequence[OrgInput]) -> list[Assessment]:
    """Assess every organisation of one population under one framework."""
    return assess_population(framework, orgs)[0]


def assess_population(framework: Any, orgs: Sequence[OrgInput]) -> tuple[list[Assessment], dict[str, Any]]:
    """Like `assess`, with the population statistics each population-based method used, by indicator id."""
    bands, stats = band_population(framework, orgs)
    assessments = [
        _assess_one(framework, org, {ind_id: by_org.get(i) for ind_id, by_org in bands.items()})
        for i, org in enumerate(orgs)
    ]
    return assessments, stats


def _assess_one(framework: Any, org: OrgInput, bands: Mapping[str, Band | None]) -> Assessment:
    results: list[IndicatorResult] = []
    missing: list[str] = []
    warnings: list[str] = []
    domain_pairs: dict[str, list[tuple[float, float]]] = {d.id: [] for d in framework.domains}
    domain_totals: dict[str, int] = {d.id: 0 for d in framework.domains}
    area_pairs: dict[str, list[tuple[float, float]]] = {a.id: [] for a in framework.areas}
    area_totals: dict[str, int] = {a.id: 0 for a in framework.areas}
    unbanded: dict[str, list[str]] = {}  # why -> indicator ids with a value that could not be banded
    weight_total = weight_scored = 0.0
    best = worst = banded = 0
    for ind in framework.indicators:
        obs = org.values.get(ind.id)
        band = bands.get(ind.id)
        band_count = len(framework.band_labels(ind))
        domain_totals[ind.domain] += 1
        if ind.area is not None:
            area_totals[ind.area] += 1
        weight_total += ind.weight
        if obs is None:
            missing.append(ind.id)
        elif band is not None and band.note and band.rank is None:
            unbanded.setdefault(band.note, []).append(ind.id)
        results.append(
            IndicatorResult(
                id=ind.id,
                name=ind.name,
                domain=ind.domain,
                area=ind.area,
                method=ind.method,
                unit=ind.unit,
                direction=getattr(ind, "direction", None),
                weight=ind.weight,
                value=None if obs is None else obs.value,
                numerator=None if obs is None else obs.numerator,
                denominator=None if obs is None else obs.denominator,
                reference=band.reference if band is not None else "",
                band=band.label if band is not None else None,
                band_rank=band.rank if band is not None else None,
                band_count=band_count,
                points=band.points if band is not None else None,
                note=band.note if band is not None else None,
                detail=band.detail if band is not None else None,
            )
        )
        if band is None or band.points is None:
            continue
        weight_scored += ind.weight
        domain_pairs[ind.domain].append((band.points, ind.weight))
        if ind.area is not None:
            area_pairs[ind.area].append((band.points, ind.weight))
        banded += 1
        best += band.rank == 0
        worst += band.rank == band_count - 1

    for note, ids in unbanded.items():
        warnings.append(f"indicator{'s' if len(ids) > 1 else ''} {', '.join(ids)} {note}")
    domains = [
        DomainResult(d.id, d.name, d.weight, weighted_mean(domain_pairs[d.id]), len(domain_pairs[d.id]), domain_totals[d.id])
        for d in framework.domains
    ]
    areas = []
    for area in framework.areas:
        pairs = area_pairs[area.id]
        area_score = weighted_mean(pairs)
        area_rating = None
        if area_score is not None and len(pairs) >= framework.scoring.area_min_indicators:
            area_rating = rating_for(framework, area_score)
        areas.append(AreaResult(area.id, area.name, area_score, area_rating, len(pairs), area_totals[area.id]))

    score = weighted_mean([(d.score, d.weight) for d in domains if d.score is not None])
    coverage = round(weight_scored / weight_total, 4) if weight_total else 0.0
    provisional = rating = None
    fired: list[RuleFired] = []
    if score is None:
        warnings.append("not rated: no indicator could be scored")
    elif coverage < framework.scoring.min_coverage:
        warnings.append(
            f"not rated: {coverage:.0%} of the indicator weight has a value, "
            f"the framework needs {framework.scoring.min_coverage:.0%}"
        )
    else:
        provisional = rating_for(framework, score)
        context = RuleContext(
            score=score,
            judgements=org.judgements,
            domain_scores={d.id: d.score for d in domains},
            area_ratings={a.id: a.rating for a in areas},
            best_band_share=best / banded if banded else None,
            worst_band_share=worst / banded if banded else None,
        )
        rating, fired, skipped = apply_rules(framework, provisional, context)
        warnings.extend(skipped)
    return Assessment(
        org_code=org.org_code,
        org_name=org.org_name,
        period=org.period,
        framework=framework.id,
        source=org.source,
        score=score,
        provisional_rating=provisional,
        rating=rating,
        coverage=coverage,
        judgements=dict(org.judgements),
        domains=domains,
        areas=areas,
        indicators=results,
        rules_fired=fired,
        missing=missing,
        warnings=warnings,
    )
