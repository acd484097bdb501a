"""How sure is an average metric score, and the rank it gives? A bootstrap over each organisation's
own metrics, for frameworks whose score is a plain mean of metric scores (NOF 2025/26).

NHS England publishes no uncertainty for its segments or league ranks. The question a board asks
("would we still be 23rd if one metric had gone the other way?") is one of how much the average
depends on the particular metrics it happens to be made of. So each draw replaces every
organisation's scored metrics by as many drawn from them with replacement (the metric bootstrap),
averages them, rates the average on the period's cut points, applies the rules (an override caps
the segment as it would), and ranks every organisation within its peer group exactly as the
league table does. Reported per organisation: the 5-95% interval and median of the average and
of the rank, and the share of draws ending in each rating. Every organisation is drawn
independently; the seed makes a run repeatable.

What it does not cover: error in the metric values themselves (NHS England publishes no counts
for them) and the cut points, which NHS England sets over every trust nationally.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ccgrate._scoring.engine import PopulationResult, positions_on
from ccgrate._scoring.league import adjusted_positions, group_numbers, league_ranks
from ccgrate._scoring.rules import PopulationContext, apply_rules_to_population

LOW, HIGH = 5, 95  # percentiles of the intervals


@dataclass
class OrgSpread:
    org_code: str
    org_name: str
    score: float | None
    rating: str | None
    rank: int | None
    score_interval: tuple[float, float, float] | None  # 5%, median, 95%
    rank_interval: tuple[int, int, int] | None
    shares: dict[str, float] = field(default_factory=dict)  # rating -> share of draws


@dataclass
class Spread:
    framework: str
    period: str
    draws: int
    seed: int
    ratings: list[str]
    orgs: list[OrgSpread]
    reconstructed: bool = False


def metric_spread(result: PopulationResult, draws: int, seed: int, selected: list[int]) -> Spread:
    fw, population = result.framework, result.population
    count = len(population)
    _, points = result.counted_scores()
    rng = np.random.default_rng(seed)
    averages = np.full((draws, count), np.nan)
    for i in range(count):
        own = points[i][~np.isnan(points[i])]
        if not len(own) or result.provisional[i] < 0:
            continue
        picks = rng.integers(0, len(own), size=(draws, len(own)))
        averages[:, i] = own[picks].mean(axis=1)
    flat = averages.reshape(-1)
    positions = (
        positions_on(flat, result.cuts, fw.scale.on_cut, fw.scale.better) if result.cuts else np.full(len(flat), -1)
    )
    context = result.context

    def tiled(values: np.ndarray) -> np.ndarray:
        return np.tile(values, draws)

    drawn = PopulationContext(
        score=flat,
        judgements={k: tiled(v) for k, v in context.judgements.items()},
        domain_scores={k: tiled(v) for k, v in context.domain_scores.items()},
        area_ratings={k: tiled(v) for k, v in context.area_ratings.items()},
        best_band_share=tiled(context.best_band_share),
        worst_band_share=tiled(context.worst_band_share),
    )
    final, outcomes = apply_rules_to_population(fw, positions.astype(np.int64), drawn)
    numbered = group_numbers(population)
    groups = numbered if numbered is not None else np.zeros(count, dtype=np.int64)
    # Each draw is a league of its own: its peer groups numbered apart from every other draw's.
    group_ids = (np.arange(draws)[:, None] * (int(groups.max(initial=0)) + 1) + groups[None, :]).reshape(-1)
    by_adjusted = fw.league is not None and fw.league.by == "adjusted_rating"
    ordered = adjusted_positions(fw, positions.astype(np.int64), outcomes) if by_adjusted else final
    ranks = league_ranks(fw, ordered, flat, group_ids)
    ranks = ranks.reshape(draws, count)
    final = final.reshape(draws, count)
    ratings = list(fw.scale.ratings)
    found: list[OrgSpread] = []
    for i in selected:
        score = float(result.score[i]) if not np.isnan(result.score[i]) else None
        rank = int(result.league_rank[i]) if result.league_rank is not None and result.league_rank[i] > 0 else None
        org = OrgSpread(
            population.codes[i],
            population.names[i],
            score,
            result.rating_name(int(result.rating[i])),
            rank,
            None,
            None,
        )
        found.append(org)
        column = averages[:, i]
        if np.isnan(column).all():
            continue
        low, mid, high = np.percentile(column, [LOW, 50, HIGH])
        org.score_interval = (float(low), float(mid), float(high))
        own_ranks = ranks[:, i]
        if (own_ranks > 0).any():
            low_r, mid_r, high_r = np.percentile(own_ranks[own_ranks > 0], [LOW, 50, HIGH], method="nearest")
            org.rank_interval = (int(low_r), int(mid_r), int(high_r))
        org.shares = {r: float(np.mean(final[:, i] == k)) for k, r in enumerate(ratings)}
    return Spread(fw.id, population.period, draws, seed, ratings, found, fw.reconstructed)
