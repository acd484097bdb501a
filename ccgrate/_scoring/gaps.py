"""Cut points from a publisher's own ratings: where a period's cut points are not known, but the data
holds the ratings by score the publisher gave (NHS England's unadjusted segments), each cut is the
middle of the gap between the worst score it put in a rating (or better) and the best it put
below; where no cut separates the two cleanly, the middle of the gap that misplaces fewest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ccgrate._framework.model import Framework
    from ccgrate._scoring.bind import Population


@dataclass(frozen=True)
class GapCut:
    rating: str  # the cut between this rating and the next worse one
    cut: float
    worst_in: float | None  # the worst score the publisher put in this rating or better
    best_below: float | None  # the best score it put below it
    misplaced: int  # organisations on the wrong side of the cut (0 where the gap is clean)


def published_gap_cuts(
    fw: Framework, population: Population, rating_key: str, score_key: str, scores: np.ndarray
) -> list[GapCut] | None:
    """The cuts of the publisher's ratings in the data (`rating_key` of `population.published`, a
    number n for the n-th rating), on its published scores (`score_key`) where given and else on
    `scores` as shown (2 dp); None where the data holds none."""
    published = population.published.get(rating_key)
    if published is None:
        return None
    shown = population.published.get(score_key)
    at = np.round(scores, 2) if shown is None else np.where(np.isnan(shown), np.round(scores, 2), shown)
    return gap_cuts(fw.scored_ratings, published - 1, at, fw.scale.better == "higher")


def gap_cuts(ratings: list[str], positions: np.ndarray, scores: np.ndarray, higher_better: bool) -> list[GapCut] | None:
    """One cut per rating but the last (`ratings` best first) from published rating positions (0
    best; NaN or out of range for none) and scores; None where no organisation has both."""
    known = ~np.isnan(positions) & ~np.isnan(scores) & (positions >= 0) & (positions < len(ratings))
    if not known.any():
        return None
    at = positions[known].astype(np.int64)
    # Compared as if higher were better, so that one rule serves both directions.
    signed = scores[known] if higher_better else -scores[known]
    return [_cut(rating, signed[at <= k], signed[at > k], higher_better) for k, rating in enumerate(ratings[:-1])]


def _cut(rating: str, better: np.ndarray, worse: np.ndarray, higher: bool) -> GapCut:
    def unsigned(value: float) -> float:
        return value if higher else -value

    worst_in = float(better.min()) if len(better) else None
    best_below = float(worse.max()) if len(worse) else None
    if worst_in is not None and best_below is not None and best_below < worst_in:
        cut, misplaced = (worst_in + best_below) / 2, 0
    else:
        every = np.unique(np.concatenate([better, worse]))
        middles = (every[:-1] + every[1:]) / 2 if len(every) > 1 else every
        wrong = [int(np.count_nonzero(better < m) + np.count_nonzero(worse > m)) for m in middles.tolist()]
        best = int(np.argmin(wrong))
        cut, misplaced = float(middles[best]), wrong[best]
    return GapCut(
        rating,
        round(unsigned(cut), 6),
        None if worst_in is None else unsigned(worst_in),
        None if best_below is None else unsigned(best_below),
        misplaced,
    )
