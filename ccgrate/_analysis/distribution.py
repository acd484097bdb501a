"""Is a national run's distribution of ratings believable? A check against the framework's expectations.

The first national run of the CCG assessment, in 2015/16, rated about three in four CCGs
Inadequate and had to be redone. A run over a national population says what it produced and
warns when that is extreme: far from the distribution the framework says was published, or, where
none was, a third or more in the worst rating, or nine in ten in a single rating.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ccgrate._framework.model import Framework
    from ccgrate._scoring.engine import PopulationResult
    from ccgrate._scoring.run import ScoreRun

NATIONAL_SHARE = 0.5  # of the organisations the framework says were assessed
NATIONAL_WITHOUT_COUNT = 100  # organisations, when the framework does not say
SHARE_TOLERANCE = 0.10  # a published share missed by more than this is extreme
WORST_ALARM = 1 / 3
SINGLE_ALARM = 0.9


@dataclass
class DistributionCheck:
    framework: str
    period: str
    ratings: list[str]
    counts: dict[str, int]
    rated: int
    published: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def share(self, rating: str) -> float:
        return self.counts[rating] / self.rated if self.rated else 0.0

    def line(self) -> str:
        shares = ", ".join(f"{r} {self.counts[r]} ({self.share(r):.1%})" for r in self.ratings)
        text = f"{self.period} distribution under {self.framework}, {self.rated} rated: {shares}"
        if self.published:
            total = sum(self.published.values()) if set(self.published) == set(self.ratings) else None
            published = ", ".join(
                f"{r} {n}" + (f" ({n / total:.1%})" if total else "") for r, n in self.published.items()
            )
            text += f"; published: {published}"
        return text


def is_national(framework: Framework, organisations: int) -> bool:
    expected = framework.framework.organisations
    if expected:
        return organisations >= NATIONAL_SHARE * expected
    return organisations >= NATIONAL_WITHOUT_COUNT


def check(result: PopulationResult) -> DistributionCheck | None:
    """The check for one scored population, or None when it is not a national population."""
    fw = result.framework
    if not is_national(fw, len(result)):
        return None
    ratings = list(fw.scale.ratings)
    counts = {r: int(np.count_nonzero(result.rating == k)) for k, r in enumerate(ratings)}
    rated = sum(counts.values())
    published = dict(fw.framework.published_distribution or {})
    found = DistributionCheck(fw.id, result.population.period, ratings, counts, rated, published)
    if not rated:
        return found
    if published:
        expected_total = sum(published.values()) if set(published) == set(ratings) else fw.framework.organisations
        for rating, number in published.items():
            if rating in counts and expected_total:
                expected = number / expected_total
                if abs(found.share(rating) - expected) > SHARE_TOLERANCE:
                    found.problems.append(
                        f"{rating} is {found.share(rating):.1%} here against {expected:.1%} published"
                    )
    else:
        worst = ratings[-1]
        if found.share(worst) >= WORST_ALARM:
            found.problems.append(f"{found.share(worst):.0%} are rated {worst}")
        for rating in ratings:
            problem = f"{found.share(rating):.0%} are rated {rating}"
            if found.share(rating) >= SINGLE_ALARM and problem not in found.problems:
                found.problems.append(problem)
    return found


def national_checks(run: ScoreRun) -> list[DistributionCheck]:
    """The check of every whole national population a run scored (none where --org chose some of
    it: the run is then about them, not the population)."""
    found = []
    for result, chosen in zip(run.results, run.selected):
        if len(chosen) != len(result):
            continue
        checked = check(result)
        if checked is not None:
            found.append(checked)
    return found
