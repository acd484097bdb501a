"""League tables inside the engine: peer groups as numbers, the adjusted rating (before any rating
only rules give), each organisation's rank within its peer group and period, and each indicator's
value rank (NHS England's aggregate and individual metric rankings)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ccgrate._scoring.banding import competition_ranks

if TYPE_CHECKING:
    from ccgrate._framework.indicators import AnyIndicator
    from ccgrate._framework.model import Framework
    from ccgrate._scoring.banding import Bands
    from ccgrate._scoring.bind import Population
    from ccgrate._scoring.rules import RuleOutcome


def group_numbers(population: Population) -> np.ndarray | None:
    """Each organisation's peer group as a number, or None where the data names none."""
    if population.peer_groups is None:
        return None
    names = sorted(set(population.peer_groups))
    number = {name: k for k, name in enumerate(names)}
    return np.array([number[group] for group in population.peer_groups], dtype=np.int64)


def adjusted_positions(fw: Framework, provisional: np.ndarray, outcomes: Sequence[RuleOutcome]) -> np.ndarray:
    """The rating after the rules, before any rule moves it to a rating no score reaches (NHS
    England's adjusted segment, before segment 5): the last rating on the way that a score reaches."""
    rules_only = [fw.scale.ratings.index(name) for name in fw.scale.rules_only]
    adjusted = provisional.copy()
    for outcome in outcomes:
        adjusted = np.where(np.isin(outcome.after, rules_only), adjusted, outcome.after)
    return adjusted


def league_ranks(fw: Framework, positions: np.ndarray, score: np.ndarray, groups: np.ndarray | None) -> np.ndarray:
    """Each organisation's rank within its peer group (1 best; 0 not rated): by rating, then by score
    as shown (two decimals), equal ones sharing the best rank."""
    rated = positions >= 0
    shown = np.round(score * 100)
    # One key per organisation: the rating, then the score, better first (lower keys).
    score_key = shown if fw.scale.better == "lower" else -shown
    spread = float(np.nanmax(np.abs(score_key), initial=0.0)) * 2 + 1
    keys = np.where(rated & ~np.isnan(score), positions * spread + score_key, np.nan)
    ranks, _ = competition_ranks(keys, groups)
    return ranks


def value_ranks(
    fw: Framework, ind: AnyIndicator, bands: Bands, population: Population, groups: np.ndarray | None
) -> np.ndarray:
    """Each organisation's rank on one indicator within its peer group (1 best; 0 none): by its
    value where it has a direction, by its score otherwise (NHS England's individual metric rank)."""
    direction = getattr(ind, "direction", None)
    if ind.method == "judgement":
        levels = population.levels.get(ind.id)
        keys = np.where(levels >= 0, levels, np.nan).astype(np.float64) if levels is not None else None
    elif direction is not None and ind.id in population.numbers:
        values = population.numbers[ind.id]
        keys = -values if direction == "higher" else values
    else:
        points = bands.points.astype(np.float64)
        keys = points if fw.scale.better == "lower" else -points
    if keys is None:
        return np.zeros(len(population), dtype=np.int64)
    ranks, _ = competition_ranks(keys, groups)
    return ranks
