"""What changed between two years (or quarters): both sides scored, mergers restated, each side
scored again under the other's framework so that a change of score splits into a part from the
data and a part from the framework, and every organisation's ratings, domains, areas and
indicators set side by side, with the significance of a change in a proportion."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from ccgrate._base.errors import DataError, FrameworkError
from ccgrate._framework.indicators import JudgementIndicator
from ccgrate._read.dataset import Reading
from ccgrate._scoring.bind import OrgInput, Population
from ccgrate._scoring.dispersion import Q95
from ccgrate._scoring.engine import Assessment, assess, assess_population
from ccgrate._scoring.run import Prepared, assess_prepared, prepare

if TYPE_CHECKING:
    from ccgrate._analysis.mergers import MergerMap
    from ccgrate._framework.indicators import AnyIndicator
    from ccgrate._framework.model import Framework
    from ccgrate._scoring.engine import IndicatorResult


@dataclass(frozen=True)
class Side:
    label: str  # the period, e.g. 2017/18
    source: str
    framework: Framework
    input_sha256: str = ""  # of the file's rows, whatever their order (see data.content_hash)


@dataclass(frozen=True)
class IndicatorChange:
    id: str
    name: str
    unit: str
    value_a: float | str | None
    value_b: float | str | None
    band_a: str | None
    band_b: str | None
    movement: str  # improved, worsened, unchanged, missing, redefined, only in A, only in B
    band_change: int | None  # bands moved towards the best (negative: towards the worst)
    z: float | None = None  # two-proportion test of the change, where both years have counts
    significant: bool | None = None


@dataclass(frozen=True)
class OrgChange:
    org_code: str
    org_name: str
    predecessors: list[str]
    rating_a: str | None
    rating_b: str | None
    movement: str  # up, down, same, not rated
    score_a: float | None
    score_b: float | None
    score_change: float | None
    data_part: float | None
    framework_part: float | None
    domains: list[tuple[str, str, float | None, float | None, float | None]]
    areas: list[tuple[str, str, str | None, str | None]]
    indicators: list[IndicatorChange]
    rules_a: list[str]
    rules_b: list[str]

    def counts(self) -> dict[str, int]:
        tally = {"improved": 0, "worsened": 0, "unchanged": 0, "significantly improved": 0, "significantly worsened": 0}
        for change in self.indicators:
            if change.movement in ("improved", "worsened", "unchanged"):
                tally[change.movement] += 1
            if change.significant and change.movement in ("improved", "worsened"):
                tally[f"significantly {change.movement}"] += 1
        return tally


@dataclass
class Comparison:
    a: Side
    b: Side
    ratings: list[str]
    orgs: list[OrgChange]
    only_a: list[tuple[str, str]]
    only_b: list[tuple[str, str]]
    merged: dict[str, list[str]]
    distribution_a: dict[str, int]
    distribution_b: dict[str, int]
    attribution: bool
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def matrix(self) -> dict[str, dict[str, int]]:
        """Ratings in A (rows) by ratings in B (columns), over matched organisations rated in both."""
        table = {ra: dict.fromkeys(self.ratings, 0) for ra in self.ratings}
        for change in self.orgs:
            if change.rating_a in table and change.rating_b in table:
                table[change.rating_a][change.rating_b] += 1
        return table

    def movements(self) -> dict[str, int]:
        tally = {"up": 0, "down": 0, "same": 0, "not rated": 0}
        for change in self.orgs:
            tally[change.movement] += 1
        return tally

    def fell(self) -> list[OrgChange]:
        """The matched organisations whose rating fell."""
        return [change for change in self.orgs if change.movement == "down"]

    def keep_orgs(self, specs: Sequence[str]) -> None:
        """Keep only the organisations `specs` name (by code or name, as --org does); one that is in
        one year only cannot be compared, and says so."""
        from ccgrate._read.organisations import match_orgs

        typed = {spec.strip().upper() for spec in specs}
        for label, only in ((self.a.label, self.only_a), (self.b.label, self.only_b)):
            lonely = [code for code, _ in only if code.upper() in typed]
            if lonely:
                raise DataError(
                    f"{lonely[0]} is in {label} only, so it cannot be compared",
                    hint="organisations in one year only are listed without --org (--map pairs merged "
                    "organisations with their successors)",
                )
        wanted = set(
            match_orgs(
                specs,
                {c.org_code: c.org_name for c in self.orgs},
                "both years",
                hint="check the code; organisations in one year only are listed without --org",
            )
        )
        self.orgs = [c for c in self.orgs if c.org_code in wanted]

    def keep_indicators(self, ids: Sequence[str]) -> None:
        """Keep only these indicators in each organisation's detail (scores still used them all)."""
        chosen = {i.strip().lower() for i in ids}
        known = {i.id.lower() for c in self.orgs for i in c.indicators}
        absent = sorted(chosen - known)
        if absent:
            raise DataError(
                f"no indicator {', '.join(absent)} in either year's framework", hint="check the indicator ids"
            )
        self.orgs = [replace(c, indicators=[i for i in c.indicators if i.id.lower() in chosen]) for c in self.orgs]


def distribution(assessments: Sequence[Assessment], ratings: Sequence[str]) -> dict[str, int]:
    counts = dict.fromkeys(ratings, 0)
    counts["not rated"] = 0
    for a in assessments:
        counts[a.rating if a.rating in counts else "not rated"] += 1
    return counts


def comparable(fa: Framework, fb: Framework) -> set[str]:
    """Indicator ids that mean the same in both frameworks: same id and the same name."""
    names_b = {i.id: _normal(i.name) for i in fb.indicators}
    return {i.id for i in fa.indicators if names_b.get(i.id) == _normal(i.name)}


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


def compare(
    side_a: Side,
    side_b: Side,
    assessed_a: Sequence[Assessment],
    assessed_b: Sequence[Assessment],
    *,
    distribution_a: dict[str, int],
    distribution_b: dict[str, int],
    merged: dict[str, list[str]] | None = None,
    cross_a: Mapping[str, float | None] | None = None,
    cross_b: Mapping[str, float | None] | None = None,
) -> Comparison:
    """Match by code and describe every change.

    `cross_a` holds each organisation's score for A's data under B's framework, `cross_b` B's data
    under A's; with both, each score change splits into a data part and a framework part, each the
    average over the two orders, so that the parts add up to the change exactly.
    """
    merged = merged or {}
    fa, fb = side_a.framework, side_b.framework
    ratings = list(dict.fromkeys([*fa.scale.ratings, *fb.scale.ratings]))
    by_a = {a.org_code: a for a in assessed_a}
    by_b = {b.org_code: b for b in assessed_b}
    same_meaning = comparable(fa, fb)
    changes = []
    for code in sorted(by_a.keys() & by_b.keys()):
        a, b = by_a[code], by_b[code]
        change = None if a.score is None or b.score is None else round(b.score - a.score, 2)
        data_part = framework_part = None
        if cross_a is not None and cross_b is not None and a.score is not None and b.score is not None:
            a_under_b, b_under_a = cross_a.get(code), cross_b.get(code)
            if a_under_b is not None and b_under_a is not None:
                data_part = round(((b_under_a - a.score) + (b.score - a_under_b)) / 2, 2)
                framework_part = round(round(b.score - a.score, 2) - data_part, 2)
        changes.append(
            OrgChange(
                org_code=code,
                org_name=b.org_name or a.org_name,
                predecessors=merged.get(code, []),
                rating_a=a.rating,
                rating_b=b.rating,
                movement=_movement(ratings, a.rating, b.rating),
                score_a=a.score,
                score_b=b.score,
                score_change=change,
                data_part=data_part,
                framework_part=framework_part,
                domains=_domains(a, b),
                areas=_areas(a, b),
                indicators=_indicators(fa, fb, a, b, same_meaning),
                rules_a=[r.rule for r in a.rules_fired],
                rules_b=[r.rule for r in b.rules_fired],
            )
        )
    return Comparison(
        a=side_a,
        b=side_b,
        ratings=ratings,
        orgs=changes,
        only_a=[(code, by_a[code].org_name) for code in sorted(by_a.keys() - by_b.keys())],
        only_b=[(code, by_b[code].org_name) for code in sorted(by_b.keys() - by_a.keys())],
        merged=merged,
        distribution_a=distribution_a,
        distribution_b=distribution_b,
        attribution=cross_a is not None and cross_b is not None,
    )


def _movement(ratings: list[str], a: str | None, b: str | None) -> str:
    if a is None or b is None:
        return "not rated"
    step = ratings.index(a) - ratings.index(b)
    return "up" if step > 0 else "down" if step < 0 else "same"


def _domains(a: Assessment, b: Assessment) -> list[tuple[str, str, float | None, float | None, float | None]]:
    """Every domain of either year; one that only one year has shows None for the other."""
    domains_a = {d.id: d for d in a.domains}
    domains_b = {d.id: d for d in b.domains}
    rows = []
    for d_id in [*domains_a, *(d for d in domains_b if d not in domains_a)]:
        before = domains_a[d_id].score if d_id in domains_a else None
        after = domains_b[d_id].score if d_id in domains_b else None
        name = (domains_b.get(d_id) or domains_a[d_id]).name
        rows.append((d_id, name, before, after, None if before is None or after is None else round(after - before, 2)))
    return rows


def _areas(a: Assessment, b: Assessment) -> list[tuple[str, str, str | None, str | None]]:
    ratings_a = {ar.id: ar.rating for ar in a.areas}
    return [(ar.id, ar.name, ratings_a[ar.id], ar.rating) for ar in b.areas if ar.id in ratings_a]


def _indicators(
    fa: Framework, fb: Framework, a: Assessment, b: Assessment, same_meaning: set[str]
) -> list[IndicatorChange]:
    results_a = {i.id: i for i in a.indicators}
    results_b = {i.id: i for i in b.indicators}
    order = [i.id for i in fa.indicators] + [i.id for i in fb.indicators if i.id not in results_a]
    changes = []
    for ind_id in order:
        ra, rb = results_a.get(ind_id), results_b.get(ind_id)
        some = rb or ra
        assert some is not None
        if ra is None or rb is None:
            movement = "only in A" if rb is None else "only in B"
            changes.append(
                IndicatorChange(
                    ind_id,
                    some.name,
                    some.unit,
                    ra.value if ra else None,
                    rb.value if rb else None,
                    ra.band if ra else None,
                    rb.band if rb else None,
                    movement,
                    None,
                )
            )
            continue
        if ind_id not in same_meaning:
            changes.append(
                IndicatorChange(ind_id, rb.name, rb.unit, ra.value, rb.value, ra.band, rb.band, "redefined", None)
            )
            continue
        movement = _value_movement(fb.indicator(ind_id), ra.value, rb.value, fb)
        same_bands = fa.band_labels(fa.indicator(ind_id)) == fb.band_labels(fb.indicator(ind_id))
        band_change = (
            ra.band_rank - rb.band_rank
            if same_bands and ra.band_rank is not None and rb.band_rank is not None
            else None
        )
        z = _two_proportion_z(fb.indicator(ind_id), ra, rb)
        changes.append(
            IndicatorChange(
                ind_id,
                rb.name,
                rb.unit,
                ra.value,
                rb.value,
                ra.band,
                rb.band,
                movement,
                band_change,
                z,
                None if z is None else abs(z) > Q95,
            )
        )
    return changes


def _value_movement(ind: AnyIndicator, before: float | str | None, after: float | str | None, fw: Framework) -> str:
    if before is None or after is None:
        return "missing"
    if isinstance(ind, JudgementIndicator) or isinstance(before, str) or isinstance(after, str):
        levels = fw.levels_of(ind) if isinstance(ind, JudgementIndicator) else []
        if before not in levels or after not in levels:
            return "redefined"
        step: float = levels.index(str(before)) - levels.index(str(after))
    else:
        step = (after - before) * (1 if fw.direction_of(ind) == "higher" else -1)
    return "improved" if step > 0 else "worsened" if step < 0 else "unchanged"


def _two_proportion_z(ind: AnyIndicator, ra: IndicatorResult, rb: IndicatorResult) -> float | None:
    """z of the change in a proportion between two years (pooled standard error), or None."""
    if getattr(ind, "data", "proportion") != "proportion" or isinstance(ind, JudgementIndicator):
        return None
    o1, d1, o2, d2 = ra.numerator, ra.denominator, rb.numerator, rb.denominator
    if o1 is None or d1 is None or o2 is None or d2 is None:
        return None
    if o1 > d1 or o2 > d2:
        return None
    pooled = (o1 + o2) / (d1 + d2)
    spread = pooled * (1 - pooled) * (1 / d1 + 1 / d2)
    if spread <= 0:
        return None
    z = (o2 / d2 - o1 / d1) / math.sqrt(spread)
    return z if getattr(ind, "direction", "higher") == "higher" else -z


@dataclass(frozen=True)
class SideInput:
    """One side of a comparison: a file's name and bytes, and the period to take from it (if several)."""

    name: str
    raw: bytes
    period: str | None


def compare_sides(
    side_a: SideInput,
    side_b: SideInput,
    *,
    framework_a: str | None = None,
    framework_b: str | None = None,
    mapping: MergerMap | None = None,
    combine: str = "auto",
    reading: Reading = Reading(),
) -> Comparison:
    """Score both sides, restate mergers, score each side under the other's framework, compare."""
    from ccgrate._analysis.mergers import final_code, restate

    prepared_a = prepare([(side_a.name, side_a.raw)], framework=framework_a, periods=_wanted(side_a), reading=reading)
    prepared_b = prepare([(side_b.name, side_b.raw)], framework=framework_b, periods=_wanted(side_b), reading=reading)
    population_a, population_b = _single(prepared_a, side_a.name), _single(prepared_b, side_b.name)
    fa, fb = population_a.framework, population_b.framework
    if [r.casefold() for r in fa.scale.ratings] != [r.casefold() for r in fb.scale.ratings]:
        raise FrameworkError(
            f"{fa.id} rates on {', '.join(fa.scale.ratings)} and {fb.id} on {', '.join(fb.scale.ratings)}: ratings on "
            "different scales cannot be compared",
            hint="compare years scored under frameworks with the same rating scale",
        )
    run_a, run_b = assess_prepared(prepared_a), assess_prepared(prepared_b)
    warnings = prepared_a.warnings + prepared_b.warnings
    orgs_a = [population_a.org(i) for i in range(len(population_a))]
    orgs_b = [population_b.org(i) for i in range(len(population_b))]
    names_a = {o.org_code: o.org_name for o in orgs_a}
    names_b = {o.org_code: o.org_name for o in orgs_b}
    restated = None  # "a" or "b": the side whose predecessors are combined
    if mapping is not None:
        if any(final_code(c, mapping.successor, set(names_b)) != c for c in names_a):
            restated = "a"
        elif any(final_code(c, mapping.successor, set(names_a)) != c for c in names_b):
            restated = "b"
        else:
            warnings.append(f"{mapping.source}: no organisation of one side merged into one of the other")
    how = combine if combine != "auto" else ("weighted" if mapping is not None and mapping.weights else "mean")

    def on_other_boundaries(
        side: str, framework: Framework, orgs: list[OrgInput]
    ) -> tuple[list[OrgInput], dict[str, list[str]]]:
        if restated != side:
            return list(orgs), {}
        targets, names = (set(names_b), names_b) if side == "a" else (set(names_a), names_a)
        assert mapping is not None, "a side is restated only through a merger map"
        return restate(framework, orgs, mapping, targets, names, how)

    orgs_a, merged_a = on_other_boundaries("a", fa, orgs_a)
    orgs_b, merged_b = on_other_boundaries("b", fb, orgs_b)
    assessed_a = assess(fa, orgs_a) if merged_a else run_a.assessments
    assessed_b = assess(fb, orgs_b) if merged_b else run_b.assessments

    cross_a = cross_b = None
    if (fa.id, fa.sha256) != (fb.id, fb.sha256):
        keep = (
            {i.lower() for i in comparable(fa, fb)}
            | {j.lower() for j in fa.judgements}
            | {j.lower() for j in fb.judgements}
        )
        try:
            cross_a = _cross_scores(side_a, fb, keep, reading, lambda orgs: on_other_boundaries("a", fb, orgs)[0])
            cross_b = _cross_scores(side_b, fa, keep, reading, lambda orgs: on_other_boundaries("b", fa, orgs)[0])
        except DataError as error:
            warnings.append(f"the score change is not split into data and framework parts: {error}")
            cross_a = cross_b = None
    comparison = compare(
        Side(population_a.period, side_a.name, fa, prepared_a.inputs[0].content_sha256),
        Side(population_b.period, side_b.name, fb, prepared_b.inputs[0].content_sha256),
        assessed_a,
        assessed_b,
        distribution_a=distribution(run_a.assessments, fa.scale.ratings),
        distribution_b=distribution(run_b.assessments, fb.scale.ratings),
        merged=merged_a or merged_b,
        cross_a=cross_a,
        cross_b=cross_b,
    )
    comparison.warnings = warnings
    comparison.notes = list(dict.fromkeys(prepared_a.notes + prepared_b.notes))
    return comparison


def _wanted(side: SideInput) -> list[str]:
    return [side.period] if side.period else []


def _single(prepared: Prepared, name: str) -> Population:
    if len(prepared.populations) != 1:
        periods = ", ".join(p.period for p in prepared.populations)
        raise DataError(f"holds several periods ({periods})", where=name, hint="give a year instead, with --data FILE")
    return prepared.populations[0]


def _cross_scores(
    side: SideInput,
    framework: Framework,
    keep: set[str],
    reading: Reading,
    boundaries: Callable[[list[OrgInput]], list[OrgInput]],
) -> dict[str, float | None]:
    """Each organisation's score for this side's data under another framework."""
    prepared = prepare(
        [(side.name, side.raw)], framework=framework, periods=_wanted(side), reading=reading, only=lambda fw: keep
    )
    population = _single(prepared, side.name)
    result = assess_population(framework, boundaries([population.org(i) for i in range(len(population))]))
    return {
        code: (None if np.isnan(score) else float(score)) for code, score in zip(result.population.codes, result.score)
    }
