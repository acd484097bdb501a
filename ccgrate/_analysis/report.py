"""What a report shows, worked out from the engine's results (never by parsing another output).

Pure: the scoring run (and, if given, the previous year's run and a sensitivity analysis) in,
plain data out; `render/report.py` turns it into one self-contained HTML file.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ccgrate._analysis.agreement import in_words

if TYPE_CHECKING:
    from ccgrate._analysis.sensitivity import Sensitivity
    from ccgrate._scoring.bind import Population
    from ccgrate._scoring.engine import Assessment, PopulationResult
    from ccgrate._scoring.run import ScoreRun

# Beyond this many sections, `whatif` (about half a second an organisation) is left to the
# command the section names, so that a national report is written in seconds.
WHATIF_LIMIT = 12
STRIP_WIDTH = 560.0


@dataclass
class Spread:
    """Five numbers of a national distribution, for a box plot and its text alternative."""

    low: float
    q1: float
    median: float
    q3: float
    high: float
    count: int
    scale: tuple[float, float] = (0.0, 100.0)  # the framework's score range, drawn whole

    @classmethod
    def of(cls, values: np.ndarray, scale: tuple[float, float] = (0.0, 100.0)) -> Spread | None:
        present = values[~np.isnan(values)]
        if not len(present):
            return None
        low, q1, median, q3, high = np.percentile(present, [0, 25, 50, 75, 100]).tolist()
        return cls(low, q1, median, q3, high, len(present), scale)


@dataclass
class Strip:
    """One indicator across every organisation: dot positions (0..STRIP_WIDTH), cut lines, words."""

    id: str
    name: str
    unit: str
    direction: str | None
    dots: list[tuple[float, int, str]]  # x, band rank (-1 none), tooltip
    cuts: list[tuple[float, str]]  # x, the value
    low: float
    high: float
    summary: str


@dataclass
class Section:
    anchor: str
    code: str
    name: str
    period: str
    framework: str
    rating: str | None
    provisional: str | None
    score: float | None
    coverage: float
    sentence: str
    rules: list[dict[str, Any]]
    domains: list[dict[str, Any]]
    areas: list[dict[str, Any]]
    indicators: list[dict[str, Any]]
    whatif: dict[str, Any] | None
    whatif_command: str | None
    probabilities: list[tuple[str, float]] | None
    warnings: list[str]
    framework_sha256: str
    input_sha256: str
    scored: bool = False  # metric scores (NOF): the indicator table shows scores and ranks, not bands
    agreement: str | None = None  # against the publisher's own results, where the data holds them


@dataclass
class Overview:
    anchor: str
    period: str
    framework_id: str
    framework_name: str
    source: str
    ratings: list[str]
    distribution: list[dict[str, Any]]
    published_total: int | None
    columns: list[str]  # domain and area headings of the table
    domain_count: int
    rows: list[dict[str, Any]]
    strips: list[Strip]
    transitions: dict[str, Any] | None = None
    movers: list[dict[str, Any]] = field(default_factory=list)
    draws: int | None = None
    ranked: bool = False  # rows carry league ranks (and are ordered by them)
    agreement: str | None = None  # one line: how far the run agrees with the published results


@dataclass
class Report:
    title: str
    version: str
    caveat: str | None
    overviews: list[Overview]
    sections: list[Section]
    inputs: list[dict[str, Any]]
    frameworks: list[dict[str, Any]]


def build_report(
    run: ScoreRun,
    *,
    previous: ScoreRun | None = None,
    sensitivities: Sequence[Sensitivity | None] = (),
    whatif: bool | None = None,
    version: str = "",
    caveat: str | None = None,
    previous_source: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """The report of a scoring run. `sensitivities` has one result (or None) per population;
    `whatif` None means: for the sections when there are few of them."""
    inputs = {f.source: f.content_sha256 for f in run.inputs}
    overviews: list[Overview] = []
    sections: list[Section] = []
    total_sections = sum(len(chosen) for chosen in run.selected)
    search = whatif if whatif is not None else total_sections <= WHATIF_LIMIT
    for number, (result, chosen) in enumerate(zip(run.results, run.selected)):
        sensitivity = sensitivities[number] if number < len(sensitivities) else None
        overview = _overview(result, number, sensitivity, previous, previous_source)
        overviews.append(overview)
        spreads = _spreads(result)
        for index in chosen:
            if progress is not None:
                progress(f"section {len(sections) + 1:,} of {total_sections:,}")
            sections.append(
                _section(result, index, spreads, inputs.get(result.population.source, ""), search, sensitivity)
            )
    title = (
        ("ccgrate report: " + ", ".join(dict.fromkeys(o.period for o in overviews))) if overviews else "ccgrate report"
    )
    return Report(
        title=title,
        version=version,
        caveat=caveat,
        overviews=overviews,
        sections=sections,
        inputs=[
            {"source": f.source, "sha256": f.sha256, "content_sha256": f.content_sha256, "rows": f.rows}
            for f in run.inputs
        ],
        frameworks=[
            {"id": fw.id, "name": fw.framework.name, "sha256": fw.sha256, "reconstructed": fw.reconstructed}
            for fw in run.frameworks
        ],
    )


def _label(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text).strip("-").lower()


def _overview(
    result: PopulationResult,
    number: int,
    sensitivity: Sensitivity | None,
    previous: ScoreRun | None,
    previous_source: str | None,
) -> Overview:
    from ccgrate._analysis.distribution import check

    fw, population = result.framework, result.population
    ratings = list(fw.scale.ratings)
    counts = {r: int(np.count_nonzero(result.rating == k)) for k, r in enumerate(ratings)}
    rated = sum(counts.values())
    found = check(result)
    published = dict(fw.framework.published_distribution or {}) if found is not None else {}
    in_data = population.published.get("rating")
    if in_data is not None and not np.isnan(in_data).all():
        # The publisher's own ratings of these very organisations, from the data.
        published = {r: int(np.count_nonzero(in_data == k + 1)) for k, r in enumerate(ratings)}
    published_total = sum(published.values()) if published else None
    distribution = [
        {
            "rating": r,
            "count": counts[r],
            "share": counts[r] / rated if rated else 0.0,
            "published": published.get(r),
            "published_share": (published[r] / published_total) if published_total and r in published else None,
        }
        for r in ratings
    ]
    unrated = len(population) - rated
    if unrated:
        distribution.append(
            {"rating": "not rated", "count": unrated, "share": None, "published": None, "published_share": None}
        )
    columns = [d.name for d in fw.domains] + [a.name for a in fw.areas]
    probabilities = sensitivity.probabilities if sensitivity is not None else None
    rows = []
    for index in range(len(population)):
        rating = result.rating[index]
        row = {
            "code": population.codes[index],
            "name": population.names[index],
            "anchor": _anchor(population.codes[index], population.period),
            "rating": ratings[rating] if rating >= 0 else None,
            "rank": int(rating) if rating >= 0 else len(ratings),
            "score": _finite(result.score[index]),
            "cells": [_finite(v) for v in result.domain_scores[index].tolist()]
            + [
                fw.area_ratings(area)[int(r)] if r >= 0 else None
                for area, r in zip(fw.areas, result.area_ratings[index])
            ],
            "area_ranks": [int(r) for r in result.area_ratings[index]],
            "rules": [o.rule.id for o in result.outcomes if o.fired[index]],
        }
        if result.league_rank is not None:
            row["league_rank"] = int(result.league_rank[index]) or None
        if population.published:
            row["agrees"] = in_words(result.assessment(index))
        if probabilities is not None:
            row["p_same"] = float(probabilities[index, rating]) if rating >= 0 else None
        rows.append(row)
    overview = Overview(
        _anchor("overview", population.period, str(number)),
        population.period,
        fw.id,
        fw.framework.name,
        population.source,
        ratings,
        distribution,
        published_total,
        columns,
        len(fw.domains),
        rows,
        _strips(result),
        draws=sensitivity.draws if sensitivity is not None else None,
        ranked=result.league_rank is not None,
        agreement=_agreement_line(result),
    )
    if overview.ranked:
        overview.rows.sort(key=lambda row: (row.get("league_rank") is None, row.get("league_rank") or 0, row["code"]))
    if previous is not None:
        _compare(overview, result, previous, previous_source)
    return overview


def _agreement_line(result: PopulationResult) -> str | None:
    from ccgrate._analysis.agreement import population_agreement

    found = population_agreement(result)
    return None if found is None else found.line()


def _anchor(*parts: str) -> str:
    return "-".join(_label(p) for p in parts if p)


def _finite(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def _strips(result: PopulationResult) -> list[Strip]:
    fw, population = result.framework, result.population
    strips = []
    for ind in fw.indicators:
        values = population.numbers.get(ind.id)
        if values is None or ind.method == "judgement":
            continue
        present = ~np.isnan(values)
        if not present.any():
            continue
        bands = result.bands[ind.id]
        compared = [c for c in bands.compared if math.isfinite(c)]
        low = float(min(values[present].min(), *compared)) if compared else float(values[present].min())
        high = float(max(values[present].max(), *compared)) if compared else float(values[present].max())
        x = _strip_position(low, (high - low) or 1.0)

        labels = fw.band_labels(ind)
        dots = []
        for index in np.flatnonzero(present).tolist():
            rank = int(bands.rank[index])
            band = labels[rank] if 0 <= rank < len(labels) else "not banded"
            dots.append(
                (x(float(values[index])), rank, f"{population.codes[index]}: {_number(values[index])} ({band})")
            )
        median = float(np.median(values[present]))
        summary = (
            f"{counted(int(present.sum()), 'organisation')} from {_number(values[present].min())} to "
            f"{_number(values[present].max())} (median {_number(median)})"
            + (f"; bands divided at {', '.join(_number(c) for c in compared)}" if compared else "")
        )
        strips.append(
            Strip(
                ind.id,
                ind.name,
                ind.unit,
                getattr(ind, "direction", None),
                dots,
                [(x(c), _number(c)) for c in compared],
                low,
                high,
                summary,
            )
        )
    return strips


def _strip_position(low: float, span: float) -> Callable[[float], float]:
    """Where a value sits across a strip whose values run from `low` over `span`."""
    return lambda value: round(8 + (value - low) / span * (STRIP_WIDTH - 16), 1)


def counted(count: int, noun: str) -> str:
    """'1 organisation', '2 organisations'."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _number(value: float) -> str:
    value = float(value)
    return f"{value:.4g}" if abs(value) < 1e4 else f"{value:,.0f}"


def _spreads(result: PopulationResult) -> dict[str, Spread | None]:
    fw = result.framework
    scale = (float(fw.scale.range[0]), float(fw.scale.range[1]))
    spreads: dict[str, Spread | None] = {"score": Spread.of(result.score, scale)}
    for k, domain in enumerate(fw.domains):
        spreads[f"domain:{domain.id}"] = Spread.of(result.domain_scores[:, k], scale)
    for k, area in enumerate(fw.areas):
        spreads[f"area:{area.id}"] = Spread.of(result.area_scores[:, k], scale)
    return spreads


def _section(
    result: PopulationResult,
    index: int,
    spreads: dict[str, Spread | None],
    input_sha256: str,
    search: bool,
    sensitivity: Sensitivity | None,
) -> Section:
    fw, population = result.framework, result.population
    a = result.assessment(index)
    ratings = list(fw.scale.ratings)
    sentence = _sentence(a)
    rules = [
        {
            "rule": r.rule,
            "effect": r.effect,
            "target": r.target,
            "before": r.before,
            "after": r.after,
            "reason": r.reason,
            "changed": r.before != r.after,
        }
        for r in a.rules_fired
    ]
    domains = [
        {
            "name": d.name,
            "rating": d.rating,
            "score": d.score,
            "weight": d.weight,
            "spread": spreads.get(f"domain:{d.id}"),
            "scored": d.scored,
            "total": d.total,
        }
        for d in a.domains
    ]
    areas = [
        {
            "name": ar.name,
            "score": ar.score,
            "rating": ar.rating,
            "method": ar.method,
            "spread": spreads.get(f"area:{ar.id}"),
        }
        for ar in a.areas
    ]
    indicators = []
    for i in a.indicators:
        position = None
        values = population.numbers.get(i.id)
        if isinstance(i.value, float) and values is not None:
            present = values[~np.isnan(values)]
            better = (present < i.value) if i.direction != "lower" else (present > i.value)
            position = f"{int(better.sum())} of {len(present) - 1}" if len(present) > 1 else None
        indicators.append(
            {
                "id": i.id,
                "name": i.name,
                "domain": i.domain,
                "value": _shown_value(i.value, i.unit),
                "band": i.band,
                "band_rank": i.band_rank,
                "bands": i.band_count,
                "reference": i.reference,
                "position": position,
                "points": i.points,
                "counted": i.counted,
                "rank": i.rank,
                "measured": _shown_value(i.measured, i.unit) if i.measured is not None else None,
                "published": i.published,
            }
        )
    whatif, command = None, None
    rating = result.rating[index]
    scored = fw.scoring.aggregate == "indicators"
    if scored:
        whatif = _distance(result, index)
    elif rating > 0:
        target = ratings[rating - 1]
        command = (
            f"ccgrate whatif {shlex.quote(population.source)} --org {shlex.quote(a.org_code)} "
            f"--period {a.period} --target {shlex.quote(target)}"
        )
        if search:
            whatif = _whatif(population, index, target)
    probabilities = None
    if sensitivity is not None:
        shares = sensitivity.probabilities[index].tolist()
        probabilities = [(r, shares[k]) for k, r in enumerate(ratings)] + [("not rated", shares[-1])]
    return Section(
        _anchor(a.org_code, a.period),
        a.org_code,
        a.org_name,
        a.period,
        fw.id,
        a.rating,
        a.provisional_rating,
        a.score,
        a.coverage,
        sentence,
        rules,
        domains,
        areas,
        indicators,
        whatif,
        command,
        probabilities,
        list(a.warnings),
        fw.sha256,
        input_sha256,
        scored,
        in_words(a),
    )


def _distance(result: PopulationResult, index: int) -> dict[str, Any] | None:
    """The distance to the next better rating by score, in the shape of a whatif answer."""
    from ccgrate._analysis.distance import distances

    (d,) = distances(result, None, [index])
    if d.target is None or d.score is None:
        return None
    return {
        "target": d.target,
        "reachable": d.reachable,
        "note": (
            f"{d.target} needs an average score of {d.cut:g} or better: {d.improve_by:.2f} better than now, "
            f"{d.points:.2f} metric score points in all."
            if d.cut is not None
            else f"The score already reaches {d.target}."
        ),
        "rating_after": d.rating_after,
        "score_after": d.cut,
        "changes": [
            {
                "kind": "indicator",
                "id": m.id,
                "name": m.name,
                "before": f"score {m.before:.2f}",
                "after": f"{m.after:.2f}",
                "band_before": None,
                "band_after": None,
            }
            for m in d.metrics
        ],
        "blocking": [f"{rule}: {reason}" for rule, reason in d.blocked_by],
    }


def _shown_value(value: float | str | None, unit: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    text = f"{value:,.10g}" if abs(value) >= 1e4 else f"{value:.10g}"
    return text + ("%" if unit == "%" else "")


def _sentence(a: Assessment) -> str:
    if a.rating is None:
        return "Not rated: " + "; ".join(w.removeprefix("not rated: ") for w in a.warnings if w.startswith("not rated"))
    text = f"Rated {a.rating}"
    if a.score is not None:
        text += f" with a score of {a.score:.2f}"
    if a.rules_fired and a.provisional_rating != a.rating:
        reasons = "; ".join(r.reason for r in a.rules_fired if r.before != r.after) or a.rules_fired[-1].reason
        text += f". The score alone gives {a.provisional_rating}; a rule changed it: {reasons}"
    return text + "."


def _whatif(population: Population, index: int, target: str) -> dict[str, Any]:
    from ccgrate._analysis.whatif import what_if

    answer = what_if(population, index, target)
    return {
        "target": target,
        "reachable": answer.reachable,
        "note": answer.note,
        "rating_after": answer.rating_after,
        "score_after": answer.score_after,
        "changes": [
            {
                "kind": c.kind,
                "id": c.id,
                "name": c.name,
                "before": c.before,
                "after": c.after,
                "band_before": c.band_before,
                "band_after": c.band_after,
            }
            for c in answer.changes
        ],
        "blocking": [f"{rule}: {reason}" for rule, reason in answer.blocking],
    }


def _compare(overview: Overview, result: PopulationResult, previous: ScoreRun, previous_source: str | None) -> None:
    """The transition matrix and the largest movers against the previous year's run."""
    before: dict[str, tuple[str | None, float | None]] = {}
    for old in previous.results:
        old_ratings = list(old.framework.scale.ratings)
        for index, code in enumerate(old.population.codes):
            rank = old.rating[index]
            before[code] = (old_ratings[rank] if rank >= 0 else None, _finite(old.score[index]))
    ratings = overview.ratings
    labels = ratings + ["not rated"]
    matrix = {row: dict.fromkeys(labels, 0) for row in labels}
    movers = []
    for row in overview.rows:
        if row["code"] not in before:
            continue
        old_rating, old_score = before[row["code"]]
        matrix[old_rating if old_rating in ratings else "not rated"][row["rating"] or "not rated"] += 1
        if old_score is not None and row["score"] is not None:
            movers.append(
                {
                    "code": row["code"],
                    "name": row["name"],
                    "anchor": row["anchor"],
                    "before": old_rating,
                    "after": row["rating"],
                    "score_before": old_score,
                    "score_after": row["score"],
                    "change": row["score"] - old_score,
                }
            )
    movers.sort(key=lambda m: (-abs(m["change"]), m["code"]))
    matched = sum(sum(r.values()) for r in matrix.values())
    overview.transitions = {
        "labels": labels,
        "matrix": matrix,
        "matched": matched,
        "source": previous_source,
        "unmatched": len(overview.rows) - matched,
    }
    overview.movers = movers[:10]
