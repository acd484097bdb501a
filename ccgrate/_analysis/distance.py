"""How far is each organisation from a better rating, where the overall score is a plain mean of
metric scores (NHS Oversight Framework 2025/26: average metric score 1.00 best to 4.00)?

NHS England publishes, for each trust, "how much it will need to improve by to move into a higher
segment". Here that is answered exactly on the framework's own arithmetic, for every organisation
at once:

- the needed average: the worst average score, as shown (half up to 2 dp), that reaches the
  target rating's cut point (a score on the cut reaches the better rating where the scale's
  `on_cut` is "better");
- the improvement: the current average, as shown, less the needed one; and in metric score points
  in all, what the sum of the scores must lose (or gain) for the unrounded mean to round to it;
- the fewest metrics: the metrics with the most room to improve (current score less the best
  score), taken whole from the largest until the points needed are found; the last only as far as
  needed, rounded to the hundredth in the organisation's favour. No plan with fewer metrics exists,
  since any k metrics together can gain at most the k largest rooms.
- rules: the rating the rules would give had the score reached the target, with the organisation's
  own judgements (a financial override caps it, a support programme sets it); the rules that keep
  the target out of reach are named.

A metric's score in the published data is NHS England's; the value it would take to reach a new
score depends on every other trust's values (the score is a rank), so only scores are planned.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ccgrate._base.errors import DataError
from ccgrate._scoring.engine import PopulationResult
from ccgrate._scoring.rules import apply_rules_to_population

if TYPE_CHECKING:
    from ccgrate._framework.model import Framework

HUNDREDTH = 0.01
HALF = 0.005  # half a hundredth: where rounding half up to 2 dp turns
EPSILON = 1e-9


@dataclass(frozen=True)
class MetricStep:
    id: str
    name: str
    before: float
    after: float


@dataclass
class Distance:
    org_code: str
    org_name: str
    period: str
    framework: str
    rating: str | None
    provisional_rating: str | None
    score: float | None
    target: str | None  # None: already in the best rating a score reaches
    cut: float | None  # the average the target needs (at most this, where lower is better)
    improve_by: float  # in the average; 0 where the score already reaches the target
    points: float  # the same, in metric score points in all
    metrics: list[MetricStep] = field(default_factory=list)
    scored: int = 0  # metrics that count and have a score
    reachable: bool = True  # by metric scores alone, the rules aside
    blocked_by: list[tuple[str, str]] = field(default_factory=list)  # (rule, reason)
    rating_after: str | None = None  # the final rating, had the score reached the target

    @property
    def already(self) -> bool:
        return self.improve_by == 0 and self.target is not None


def continuous(fw: Framework) -> bool:
    """Whether the framework's score is a mean of metric scores (the distance is then a plan in scores)."""
    return fw.scoring.aggregate == "indicators"


def distances(result: PopulationResult, target: str | None, indices: list[int]) -> list[Distance]:
    """For each organisation of `indices`, the distance to `target` (None: the next better rating
    than its rating by score)."""
    fw = result.framework
    if not continuous(fw):
        raise DataError(f"{fw.id} is not rated on a mean of metric scores", hint="give --org for a search of bands")
    scored = fw.scored_ratings
    if target is not None and target not in scored:
        raise DataError(
            f'"{target}" is set only by rules in {fw.id}, never reached by a score',
            hint=f"choose one of {', '.join(scored)}",
        )
    if not result.cuts:
        raise DataError(f"{result.population.period}: no cut points to measure the distance to", hint="give --cut")
    counted, points = result.counted_scores()
    lower = fw.scale.better == "lower"
    best = fw.best_score
    room = np.where(np.isnan(points), 0.0, (points - best) if lower else (best - points))
    count = len(result.population)
    provisional = result.provisional
    wanted = np.full(count, -1, dtype=np.int64)
    for i in range(count):
        if provisional[i] < 0:
            continue
        wanted[i] = scored.index(target) if target is not None else max(int(provisional[i]) - 1, 0)
    # The rating each organisation would end with, had its score reached its target.
    reached = np.where(wanted >= 0, np.minimum(wanted, provisional), -1)
    after, outcomes = apply_rules_to_population(fw, reached, result.context)
    ratings = fw.scale.ratings
    found: list[Distance] = []
    population = result.population
    for i in indices:
        score = float(result.score[i]) if not np.isnan(result.score[i]) else None
        d = Distance(
            population.codes[i],
            population.names[i],
            population.period,
            fw.id,
            result.rating_name(int(result.rating[i])),
            result.rating_name(int(provisional[i])),
            score,
            None,
            None,
            0.0,
            0.0,
        )
        found.append(d)
        if score is None or wanted[i] < 0:
            d.reachable = False
            continue
        n = int(np.count_nonzero(~np.isnan(points[i])))
        d.scored = n
        if target is None and provisional[i] == 0:
            continue  # already in the best rating a score reaches
        k = int(wanted[i])
        d.target = scored[k]
        d.rating_after = ratings[int(after[i])] if after[i] >= 0 else None
        d.blocked_by = [
            (o.rule.id, o.rule.reason) for o in outcomes if o.fired[i] and o.after[i] != o.before[i] and o.after[i] > k
        ]
        if k >= provisional[i]:
            continue  # the score already reaches it
        # The score is the mean rounded half up to 2 dp, and it is the rounded score that meets the
        # cut: the target is the worst 2-dp score that reaches the rating, and the mean must round to it.
        shown = _reaching(result.cuts[k], lower, fw.scale.on_cut == "better")
        d.cut = shown
        d.improve_by = round(abs(score - shown), 2)
        total = float(np.nansum(points[i]))
        bound = (shown + HALF) * n if lower else (shown - HALF) * n  # the sum must stay beyond this
        needed = (total - bound) if lower else (bound - total)
        d.points = _up(needed)
        order = np.argsort(-room[i], kind="stable")
        left = needed
        steps: list[tuple[int, float]] = []
        for j in order.tolist():
            if left < -EPSILON:
                break
            if room[i, j] <= 0:
                break
            gain = min(float(room[i, j]), left + HUNDREDTH)  # strictly past the bound: a hundredth more
            steps.append((j, gain))
            left -= gain
        if left >= -EPSILON:
            d.reachable = False
        for j, gain in steps:
            ind = counted[j]
            before = float(points[i, j])
            after_score = before - gain if lower else before + gain
            # A score is published to 2 dp: round the new one towards better, so the plan surely reaches.
            after_score = (
                math.floor(after_score * 100 + EPSILON) / 100 if lower else math.ceil(after_score * 100 - EPSILON) / 100
            )
            after_score = max(after_score, best) if lower else min(after_score, best)
            d.metrics.append(MetricStep(ind.id, ind.name, before, after_score))
    return found


def _reaching(cut: float, lower: bool, on_cut_better: bool) -> float:
    """The worst score at 2 dp that reaches a rating whose cut point is `cut`."""
    hundredths = cut * 100
    if lower:
        whole = math.floor(hundredths + EPSILON)
        if not on_cut_better and abs(whole - hundredths) < EPSILON:
            whole -= 1
    else:
        whole = math.ceil(hundredths - EPSILON)
        if not on_cut_better and abs(whole - hundredths) < EPSILON:
            whole += 1
    return whole / 100


def _up(value: float) -> float:
    """A needed improvement to the hundredth, never below what is needed."""
    return math.ceil(value * 100 - EPSILON) / 100
