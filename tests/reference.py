"""A second implementation of the rating, written from the README's "The arithmetic, exactly"
alone: plain Python and fractions, one organisation at a time, no numpy, nothing of ccgrate's but
the parsed framework (its definitions, not its arithmetic).

It bands the methods whose rule the README states in full (cut points, standards, fixed
quantiles, levels); for population-based bands (z-scores, population quantiles) it takes the band
ccgrate reports and recomputes everything after it.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any


def dec(number: float | str) -> Fraction:
    """The decimal as written (a double stands for its shortest decimal)."""
    return Fraction(number if isinstance(number, str) else repr(float(number)))


def half_up(value: Fraction) -> Fraction:
    return Fraction(math.floor(value * 100 + Fraction(1, 2)), 100)


def band_count(fw: Any, ind: Any) -> int:
    return len(fw.band_labels(ind))


def points_of(fw: Any, ind: Any) -> list[Fraction]:
    if ind.points is not None:
        return [dec(p) for p in ind.points]
    n = band_count(fw, ind)
    return [Fraction(100 * (n - 1 - i), n - 1) for i in range(n)]


def reaches(value: Fraction, cut: Fraction, direction: str, on_cut: str) -> bool:
    if direction == "higher":
        return value >= cut if on_cut == "better" else value > cut
    return value <= cut if on_cut == "better" else value < cut


def band_by_hand(ind: Any, value: str | None, levels: list[str] | None = None) -> int | None:
    """Band rank (0 best) of a value written as text, for the methods the README states in full."""
    if value is None or value.strip() == "":
        return None
    if ind.method == "judgement":
        return [level.lower() for level in levels].index(value.strip().lower())
    number = dec(value.strip().rstrip("%"))
    cuts = [dec(c) for c in (ind.cuts if ind.method in ("bands", "quantile") else [ind.standard])]
    return sum(not reaches(number, cut, ind.direction, ind.on_cut) for cut in cuts)


def rating_position(fw: Any, score: Fraction) -> int:
    cuts = [dec(fw.scale.cuts[r]) for r in fw.scale.ratings[:-1]]
    return sum(not reaches(score, cut, "higher", fw.scale.on_cut) for cut in cuts)


def area_words(fw: Any, area: Any) -> list[str]:
    return list(area.scale.ratings) if area.scale is not None and area.scale.ratings else list(fw.scale.ratings)


def area_position(fw: Any, area: Any, score: Fraction) -> int:
    """On the area's own cut points where it has a scale, else the framework's."""
    if area.scale is None:
        return rating_position(fw, score)
    cuts = [dec(area.scale.cuts[r]) for r in area_words(fw, area)[:-1]]
    # An area's own cuts without their own on_cut take the scale's (the method page says so).
    on_cut = area.scale.on_cut if area.scale.on_cut is not None else fw.scale.on_cut
    return sum(not reaches(score, cut, "higher", on_cut) for cut in cuts)


class AreaBanding:
    """An area's own banding of one of its indicators: what it says, and the rest from the indicator."""

    def __init__(self, own: Any, ind: Any):
        self.own, self.ind = own, ind

    INHERITED = ("name", "domain", "area", "direction", "weight", "evidence", "source_period")

    def __getattr__(self, name: str) -> Any:
        mine = getattr(self.own, name)
        if name == "unit":
            return mine or self.ind.unit
        if name in self.INHERITED and mine is None:
            return getattr(self.ind, name)
        return mine


def area_banding(area: Any, ind: Any) -> Any | None:
    own = next((o for o in area.indicators if o.id == ind.id), None)
    return None if own is None else AreaBanding(own, ind)


def canonical(judgement: Any, text: str) -> str:
    """A level as the judgement spells it: matched without regard to case, and through its aliases."""
    lookup = {level.lower(): level for level in judgement.levels}
    lookup.update({alias.lower(): lookup[target.lower()] for alias, target in judgement.aliases.items()})
    return lookup[text.lower()]


def mean(pairs: list[tuple[Fraction, Fraction]]) -> Fraction | None:
    total = sum((w for _, w in pairs), Fraction(0))
    if not pairs or total == 0:
        return None
    return half_up(sum((p * w for p, w in pairs), Fraction(0)) / total)


def rate(
    fw: Any,
    ranks: dict[str, int | None],
    judgements: dict[str, int],
    area_ranks: dict[tuple[str, str], int | None] | None = None,
) -> dict[str, Any]:
    """Scores, ratings and rules fired for one organisation, from its band ranks and judgement levels
    (and, for indicators an area bands its own way, their ranks in that banding)."""
    area_ranks = area_ranks or {}
    points = {ind.id: points_of(fw, ind)[ranks[ind.id]] for ind in fw.indicators if ranks.get(ind.id) is not None}
    weight = {ind.id: dec(ind.weight) for ind in fw.indicators}
    domains = {
        d.id: mean([(points[i.id], weight[i.id]) for i in fw.indicators if i.domain == d.id and i.id in points])
        for d in fw.domains
    }
    areas_scores, area_counts = {}, {}
    for a in fw.areas:
        pairs = []
        for i in fw.indicators:
            if i.area != a.id:
                continue
            own = area_banding(a, i)
            if own is None:
                if i.id in points:
                    pairs.append((points[i.id], weight[i.id]))
            elif area_ranks.get((a.id, i.id)) is not None:
                pairs.append((points_of(fw, own)[area_ranks[(a.id, i.id)]], dec(own.weight)))
        areas_scores[a.id], area_counts[a.id] = mean(pairs), len(pairs)
    by_id = {a.id: a for a in fw.areas}
    areas = {
        a: (
            area_position(fw, by_id[a], s)
            if s is not None and area_counts[a] >= fw.scoring.area_min_indicators
            else None
        )
        for a, s in areas_scores.items()
    }
    score = mean([(domains[d.id], dec(d.weight)) for d in fw.domains if domains[d.id] is not None])
    coverage = sum((weight[i] for i in points), Fraction(0)) / sum(weight.values(), Fraction(0))
    rated = score is not None and coverage >= dec(fw.scoring.min_coverage)
    provisional = rating_position(fw, score) if rated else None
    position, fired = provisional, []
    if rated:
        banded = [i for i in fw.indicators if i.id in points]
        best = Fraction(sum(1 for i in banded if ranks[i.id] == 0), len(banded)) if banded else None
        worst = (
            Fraction(sum(1 for i in banded if ranks[i.id] == band_count(fw, i) - 1), len(banded)) if banded else None
        )
        ratings = fw.scale.ratings
        for rule in fw.rules:
            when = rule.when
            needed = when.judgement_conditions()
            if any(judgements.get(j, -1) < 0 for j in needed):
                continue  # skipped, with a warning
            holds = all(
                fw.judgements[j].levels[judgements[j]] in {canonical(fw.judgements[j], w) for w in wanted}
                for j, wanted in needed.items()
            )
            if when.rating is not None:
                holds &= ratings[position] in ([when.rating] if isinstance(when.rating, str) else when.rating)
            if when.score_below is not None:
                holds &= score < dec(when.score_below)
            if when.score_at_least is not None:
                holds &= score >= dec(when.score_at_least)
            for d, limit in (when.domain_score_below or {}).items():
                holds &= domains[d] is not None and domains[d] < dec(limit)
            for a, wanted in (when.area_rating or {}).items():
                wanted = [wanted] if isinstance(wanted, str) else wanted
                holds &= areas[a] is not None and area_words(fw, by_id[a])[areas[a]] in wanted
            if when.areas_rated_at_most is not None:
                limit = ratings.index(when.areas_rated_at_most.rating)
                holds &= (
                    sum(1 for r in areas.values() if r is not None and r >= limit) >= when.areas_rated_at_most.count
                )
            if when.worst_band_share_at_least is not None:
                holds &= worst is not None and worst >= dec(when.worst_band_share_at_least)
            if when.best_band_share_at_least is not None:
                holds &= best is not None and best >= dec(when.best_band_share_at_least)
            if not holds:
                continue
            kind, target = rule.effect
            goal = ratings.index(target)
            position = max(position, goal) if kind == "cap" else min(position, goal) if kind == "floor" else goal
            fired.append(rule.id)
    name = lambda p: None if p is None else fw.scale.ratings[p]  # noqa: E731
    return {
        "score": None if score is None else float(score),
        "domains": {d: None if s is None else float(s) for d, s in domains.items()},
        "areas": {a: None if r is None else area_words(fw, by_id[a])[r] for a, r in areas.items()},
        "area_scores": {a: None if s is None else float(s) for a, s in areas_scores.items()},
        "provisional_rating": name(provisional),
        "rating": name(position),
        "rules_fired": fired,
    }
