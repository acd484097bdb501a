"""The declarative rating rules: caps, floors and overrides, applied in order.

A rule's conditions all have to hold for it to fire. Each rule sees the rating that the rules
before it left, so the order in the framework file is the order of precedence. Rules run over a
whole population at once (`apply_rules_to_population`); `apply_rules` is the same for one
organisation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ccgrate._scoring.bind import level_lookup


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What rules may look at, for one organisation."""

    score: float | None
    judgements: Mapping[str, str]
    domain_scores: Mapping[str, float | None]
    area_ratings: Mapping[str, str | None]
    best_band_share: float | None
    worst_band_share: float | None


@dataclass(frozen=True)
class PopulationContext:
    """What rules may look at, for every organisation of a population (positions; -1 or NaN for none)."""

    score: np.ndarray
    judgements: Mapping[str, np.ndarray]  # level positions
    domain_scores: Mapping[str, np.ndarray]
    area_ratings: Mapping[str, np.ndarray]  # rating positions
    best_band_share: np.ndarray
    worst_band_share: np.ndarray
    # Per rule id, (a judgement it needs is missing, its judgement conditions hold), when the
    # caller has them already (they depend on nothing that the scoring changes).
    judgement_masks: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None


@dataclass(frozen=True, slots=True)
class RuleFired:
    rule: str
    effect: str  # cap | floor | set
    target: str
    before: str
    after: str
    reason: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class RuleOutcome:
    """One rule over a population: where it fired, and the ratings before and after it."""

    rule: Any
    fired: np.ndarray  # bool
    before: np.ndarray  # rating positions
    after: np.ndarray
    skipped: np.ndarray  # bool: a judgement it needs is missing
    missing: tuple[str, ...]  # the judgements it needs

    def skip_message(self) -> str:
        return f"rule {self.rule.id} was not evaluated: no {', '.join(self.missing)} judgement in the data"


def apply_rules_to_population(
    framework: Any, rating: np.ndarray, context: PopulationContext
) -> tuple[np.ndarray, list[RuleOutcome]]:
    """Final rating positions for every organisation (-1, not rated, stays -1) and each rule's outcome."""
    ratings = framework.scale.ratings
    rated = rating >= 0
    outcomes = []
    for rule in framework.rules:
        needed = tuple(rule.when.judgement_conditions())
        if context.judgement_masks is not None:
            wanting, judged = context.judgement_masks[rule.id]
        else:
            wanting = np.zeros(len(rating), dtype=bool)
            for jid in needed:
                wanting |= context.judgements[jid] < 0
            judged = judgements_hold(framework, rule.when, context.judgements, len(rating))
        wanting = wanting & rated
        fired = _holds(framework, rule.when, rating, context, start=rated & ~wanting & judged)
        kind, target = rule.effect
        position = ratings.index(target)
        before = rating  # never changed in place: each rule makes a new array
        if kind == "cap":
            after = np.maximum(rating, position)
        elif kind == "floor":
            after = np.minimum(rating, position)
        else:
            after = position
        rating = np.where(fired, after, rating)
        outcomes.append(RuleOutcome(rule, fired, before, rating, wanting, needed))
    return rating, outcomes


def judgements_hold(framework: Any, when: Any, judgements: Mapping[str, np.ndarray], count: int) -> np.ndarray:
    """Where a rule's judgement conditions hold (they alone do not depend on the scoring)."""
    result = np.ones(count, dtype=bool)
    for jid, levels in when.judgement_conditions().items():
        judgement = framework.judgements[jid]
        wanted = [judgement.levels.index(level) for level in _canonical_levels(judgement, levels)]
        result &= np.isin(judgements[jid], wanted)
    return result


def may_fire(framework: Any, judgements: Mapping[str, np.ndarray], count: int) -> np.ndarray:
    """Organisations for which some rule could fire, whatever their scores."""
    result = np.zeros(count, dtype=bool)
    for rule in framework.rules:
        result |= judgements_hold(framework, rule.when, judgements, count)
    return result


def _holds(framework: Any, when: Any, rating: np.ndarray, context: PopulationContext,
           start: np.ndarray | None = None) -> np.ndarray:
    """Where a rule's conditions hold; given `start`, where they and `start` hold, judgements taken as read."""
    ratings = framework.scale.ratings
    result = judgements_hold(framework, when, context.judgements, len(rating)) if start is None else start
    if when.rating is not None:
        result &= np.isin(rating, [ratings.index(r) for r in _as_list(when.rating)])
    with np.errstate(invalid="ignore"):
        if when.score_below is not None:
            result &= context.score < when.score_below
        if when.score_at_least is not None:
            result &= context.score >= when.score_at_least
        for domain, limit in (when.domain_score_below or {}).items():
            result &= context.domain_scores[domain] < limit
        if when.worst_band_share_at_least is not None:
            result &= context.worst_band_share >= when.worst_band_share_at_least
        if when.best_band_share_at_least is not None:
            result &= context.best_band_share >= when.best_band_share_at_least
    for area_id, wanted in (when.area_rating or {}).items():
        words = _area_words(framework, area_id)
        result &= np.isin(context.area_ratings[area_id], [words.index(r) for r in _as_list(wanted)])
    if when.areas_rated_at_most is not None:
        # Each area's scale has as many ratings as the framework's: "at most" compares positions.
        limit = ratings.index(when.areas_rated_at_most.rating)
        count = sum(((r >= limit) & (r >= 0)).astype(int) for r in context.area_ratings.values())
        result &= np.asarray(count) >= when.areas_rated_at_most.count
    return result


def _one(framework: Any, context: RuleContext) -> PopulationContext:
    """A population of one organisation."""
    ratings = framework.scale.ratings

    def level(jid: str, judgement: Any) -> int:
        if jid not in context.judgements:
            return -1
        return judgement.levels.index(level_lookup(judgement.levels, judgement.aliases)[context.judgements[jid].lower()])

    def number(value: float | None) -> np.ndarray:
        return np.array([np.nan if value is None else value])

    return PopulationContext(
        score=number(context.score),
        judgements={jid: np.array([level(jid, j)]) for jid, j in framework.judgements.items()},
        domain_scores={d: number(s) for d, s in context.domain_scores.items()},
        area_ratings={a: np.array([-1 if r is None else _area_words(framework, a).index(r)])
                      for a, r in context.area_ratings.items()},
        best_band_share=number(context.best_band_share),
        worst_band_share=number(context.worst_band_share),
    )


def apply_rules(framework: Any, rating: str, context: RuleContext) -> tuple[str, list[RuleFired], list[str]]:
    """For one organisation: the final rating, every rule that fired, and rules not evaluated (and why)."""
    ratings = framework.scale.ratings
    final, outcomes = apply_rules_to_population(framework, np.array([ratings.index(rating)]), _one(framework, context))
    fired = [
        RuleFired(o.rule.id, o.rule.effect[0], o.rule.effect[1], ratings[o.before[0]], ratings[o.after[0]], o.rule.reason)
        for o in outcomes
        if o.fired[0]
    ]
    return ratings[final[0]], fired, [o.skip_message() for o in outcomes if o.skipped[0]]


def holds(framework: Any, when: Any, rating: str, context: RuleContext) -> bool:
    """Whether a rule's conditions hold for one organisation."""
    position = np.array([framework.scale.ratings.index(rating)])
    return bool(_holds(framework, when, position, _one(framework, context))[0])


def _area_words(framework: Any, area_id: str) -> list[str]:
    return framework.area_ratings(next(a for a in framework.areas if a.id == area_id))


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _canonical_levels(judgement: Any, levels: list[str]) -> set[str]:
    lookup = level_lookup(judgement.levels, judgement.aliases)
    return {lookup[level.lower()] for level in levels}


def describe_condition(when: Any) -> str:
    """A rule's conditions in words, for `framework show` and explanations."""
    parts = []
    for jid, levels in when.judgement_conditions().items():
        parts.append(f"{jid} is {' or '.join(levels)}")
    if when.rating is not None:
        parts.append(f"rating so far is {' or '.join(_as_list(when.rating))}")
    if when.score_below is not None:
        parts.append(f"score < {when.score_below:g}")
    if when.score_at_least is not None:
        parts.append(f"score >= {when.score_at_least:g}")
    for domain, limit in (when.domain_score_below or {}).items():
        parts.append(f"{domain} score < {limit:g}")
    for area, wanted in (when.area_rating or {}).items():
        parts.append(f"{area} rated {' or '.join(_as_list(wanted))}")
    if when.areas_rated_at_most is not None:
        parts.append(f"{when.areas_rated_at_most.count}+ areas rated {when.areas_rated_at_most.rating} or worse")
    if when.worst_band_share_at_least is not None:
        parts.append(f"{when.worst_band_share_at_least:.0%}+ of indicators in their worst band")
    if when.best_band_share_at_least is not None:
        parts.append(f"{when.best_band_share_at_least:.0%}+ of indicators in their best band")
    return " and ".join(parts)
