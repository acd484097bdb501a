"""The declarative rating rules: caps, floors and overrides, applied in order.

A rule's conditions all have to hold for it to fire. Each rule sees the rating that the rules
before it left, so the order in the framework file is the order of precedence. Rules run over a
whole population at once (`apply_rules_to_population`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ccgrate._scoring.bind import level_lookup

if TYPE_CHECKING:
    from ccgrate._framework.model import Condition, Framework, Judgement, Rule


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

    rule: Rule
    fired: np.ndarray  # bool
    before: np.ndarray  # rating positions
    after: np.ndarray
    skipped: np.ndarray  # bool: a judgement it needs is missing
    missing: tuple[str, ...]  # the judgements it needs

    def skip_message(self) -> str:
        return f"rule {self.rule.id} was not evaluated: no {', '.join(self.missing)} judgement in the data"


def apply_rules_to_population(
    framework: Framework, rating: np.ndarray, context: PopulationContext
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
        fired = conditions_hold(framework, rule.when, rating, context, start=rated & ~wanting & judged)
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


def judgements_hold(
    framework: Framework, when: Condition, judgements: Mapping[str, np.ndarray], count: int
) -> np.ndarray:
    """Where a rule's judgement conditions hold (they alone do not depend on the scoring)."""
    result = np.ones(count, dtype=bool)
    for jid, levels in when.judgement_conditions().items():
        judgement = framework.judgements[jid]
        wanted = [judgement.levels.index(level) for level in _canonical_levels(judgement, levels)]
        result &= np.isin(judgements[jid], wanted)
    return result


def may_fire(framework: Framework, judgements: Mapping[str, np.ndarray], count: int) -> np.ndarray:
    """Organisations for which some rule could fire, whatever their scores."""
    result = np.zeros(count, dtype=bool)
    for rule in framework.rules:
        result |= judgements_hold(framework, rule.when, judgements, count)
    return result


def conditions_hold(
    framework: Framework,
    when: Condition,
    rating: np.ndarray,
    context: PopulationContext,
    start: np.ndarray | None = None,
) -> np.ndarray:
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
        words = area_words(framework, area_id)
        result &= np.isin(context.area_ratings[area_id], [words.index(r) for r in _as_list(wanted)])
    if when.areas_rated_at_most is not None:
        # Each area's scale has as many ratings as the framework's: "at most" compares positions.
        limit = ratings.index(when.areas_rated_at_most.rating)
        count = sum(((r >= limit) & (r >= 0)).astype(int) for r in context.area_ratings.values())
        result &= np.asarray(count) >= when.areas_rated_at_most.count
    return result


def area_words(framework: Framework, area_id: str) -> list[str]:
    return framework.area_ratings(next(a for a in framework.areas if a.id == area_id))


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _canonical_levels(judgement: Judgement, levels: list[str]) -> set[str]:
    lookup = level_lookup(judgement.levels, judgement.aliases)
    return {lookup[level.lower()] for level in levels}


def describe_condition(when: Condition) -> str:
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
