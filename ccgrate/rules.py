"""The declarative rating rules: caps, floors and overrides, applied in order.

A rule's conditions all have to hold for it to fire. Each rule sees the rating that the rules
before it left, so the order in the framework file is the order of precedence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What rules may look at, for one organisation."""

    score: float | None
    judgements: Mapping[str, str]
    domain_scores: Mapping[str, float | None]
    area_ratings: Mapping[str, str | None]
    best_band_share: float | None
    worst_band_share: float | None


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


def apply_rules(framework: Any, rating: str, context: RuleContext) -> tuple[str, list[RuleFired], list[str]]:
    """The final rating, every rule that fired, and rules that could not be evaluated (and why)."""
    ratings = framework.scale.ratings
    fired: list[RuleFired] = []
    skipped: list[str] = []
    for rule in framework.rules:
        wanting = [jid for jid in rule.when.judgement_conditions() if jid not in context.judgements]
        if wanting:
            skipped.append(f"rule {rule.id} was not evaluated: no {', '.join(wanting)} judgement in the data")
            continue
        if not holds(framework, rule.when, rating, context):
            continue
        kind, target = rule.effect
        position, target_position = ratings.index(rating), ratings.index(target)
        if kind == "cap":
            after = ratings[max(position, target_position)]
        elif kind == "floor":
            after = ratings[min(position, target_position)]
        else:
            after = target
        fired.append(RuleFired(rule.id, kind, target, rating, after, rule.reason))
        rating = after
    return rating, fired, skipped


def holds(framework: Any, when: Any, rating: str, context: RuleContext) -> bool:
    ratings = framework.scale.ratings
    for jid, levels in when.judgement_conditions().items():
        wanted = _canonical_levels(framework.judgements[jid], levels)
        if context.judgements[jid] not in wanted:
            return False
    if when.rating is not None and rating not in _as_list(when.rating):
        return False
    if when.score_below is not None and not (context.score is not None and context.score < when.score_below):
        return False
    if when.score_at_least is not None and not (context.score is not None and context.score >= when.score_at_least):
        return False
    for domain, limit in (when.domain_score_below or {}).items():
        score = context.domain_scores.get(domain)
        if score is None or not score < limit:
            return False
    for area, wanted in (when.area_rating or {}).items():
        if context.area_ratings.get(area) not in _as_list(wanted):
            return False
    if when.areas_rated_at_most is not None:
        limit = ratings.index(when.areas_rated_at_most.rating)
        count = sum(1 for r in context.area_ratings.values() if r is not None and ratings.index(r) >= limit)
        if count < when.areas_rated_at_most.count:
            return False
    if when.worst_band_share_at_least is not None:
        if context.worst_band_share is None or context.worst_band_share < when.worst_band_share_at_least:
            return False
    if when.best_band_share_at_least is not None:
        if context.best_band_share is None or context.best_band_share < when.best_band_share_at_least:
            return False
    return True


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _canonical_levels(judgement: Any, levels: list[str]) -> set[str]:
    from .bind import level_lookup

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
