"""How far ccgrate agrees with the publisher's own results, where the data holds them (NHS England
publishes every trust's average score, segments and rank beside the metric values).

An organisation's ratings and rank agree when they are the same; its score agrees when ccgrate's,
rounded to the publisher's 2 decimal places, equals the published one. NHS England averages
metric scores it holds unrounded and publishes them rounded to 2 dp, so an average recomputed from
the published 2-dp scores can land 0.01 away: such a score is counted as within 0.01, and said.
Domain scores agree when within 0.01 for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ccgrate._base.errors import listed

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ccgrate._framework.model import Framework
    from ccgrate._scoring.engine import Assessment, PopulationResult
    from ccgrate._scoring.run import ScoreRun

NEAR = 0.01 + 1e-9  # one unit of the published rounding, with room for binary fractions
SAME = 0.005 + 1e-9  # a score this close rounds to the published one (a tie either way)

# The figures compared, in the order they are reported.
RATINGS = ("provisional_rating", "adjusted_rating", "rating")


def agreement(a: Assessment) -> dict[str, bool | float]:
    """Per published figure, whether ccgrate's agrees; `score_difference` is ccgrate's unrounded
    score less the published one. Empty where nothing was published for the organisation."""
    published = a.published
    found: dict[str, bool | float] = {}
    for what in RATINGS:
        if what in published:
            found[what] = getattr(a, what) == published[what]
    score = published.get("score")
    if isinstance(score, float):
        if a.score is None:
            found["score"] = False
        else:
            found["score"] = abs(a.score - score) <= SAME
            found["score_difference"] = round(a.score - score, 6)
    if isinstance(published.get("rank"), (int, float)):
        found["rank"] = a.rank == published["rank"]
    domain_scores = {d.id: d.score for d in a.domains}
    compared = [
        (domain_scores.get(key.split(":", 1)[1]), value)
        for key, value in published.items()
        if key.startswith("domain_score:") and isinstance(value, float)
    ]
    if compared:
        found["domain_scores"] = all(ours is not None and abs(ours - theirs) <= NEAR for ours, theirs in compared)
    domain_ratings = {d.id: d.rating for d in a.domains}
    rated = [
        (domain_ratings.get(key.split(":", 1)[1]), value)
        for key, value in published.items()
        if key.startswith("domain_rating:")
    ]
    if rated:
        found["domain_ratings"] = all(ours == theirs for ours, theirs in rated)
    return found


def differences(a: Assessment) -> list[str]:
    """What of an organisation's published results ccgrate does not reproduce, in a few words each:
    the published figure beside ccgrate's."""
    found = agreement(a)
    said: list[str] = []
    names = {"provisional_rating": "provisional", "adjusted_rating": "adjusted", "rating": "rating"}
    for what, name in names.items():
        if found.get(what) is False:
            said.append(f"{name} {a.published[what]}")
    if found.get("score") is False:
        said.append(f"score {a.published['score']:.2f}")
    if found.get("rank") is False:
        said.append(f"rank {a.published['rank']:g}")
    if found.get("domain_scores") is False:
        said.append("domain scores")
    if found.get("domain_ratings") is False:
        said.append("domain ratings")
    return said


def in_words(a: Assessment) -> str | None:
    """An organisation's agreement in a cell: "agrees", or "differs: " and what differs, as
    published; None where nothing was published for it."""
    if not a.published:
        return None
    found = differences(a)
    return "agrees" if not found else "differs: " + "; ".join(found)


@dataclass
class PeriodAgreement:
    """Agreement over every organisation of one source and period with published results."""

    source: str
    period: str
    framework: Framework
    organisations: int = 0
    agree: dict[str, int] = field(default_factory=dict)
    compared: dict[str, int] = field(default_factory=dict)
    differ: dict[str, list[str]] = field(default_factory=dict)  # what -> organisation codes
    largest_difference: float = 0.0

    def add(self, a: Assessment) -> None:
        found = agreement(a)
        if not found:
            return
        self.organisations += 1
        for what, value in found.items():
            if what == "score_difference":
                self.largest_difference = max(self.largest_difference, abs(float(value)))
                continue
            self.compared[what] = self.compared.get(what, 0) + 1
            if value:
                self.agree[what] = self.agree.get(what, 0) + 1
            else:
                self.differ.setdefault(what, []).append(a.org_code)

    def line(self) -> str:
        """One line: what agrees for how many, and who differs."""
        fw = self.framework
        plural = _ratings_word(fw)
        score_word = "average score" if fw.scoring.aggregate == "indicators" else "score"
        parts: list[str] = []
        ratings = [what for what in RATINGS if what in self.compared]
        if ratings:
            final = "rating" if "rating" in ratings else ratings[-1]
            head = f"{plural} agree for {self.agree.get(final, 0)} of {self.compared[final]} organisations"
            others = [f"{_words(what)} {self.agree.get(what, 0)}" for what in ratings if what != final]
            parts.append(head + (f" ({', '.join(others)})" if others else ""))
        if "score" in self.compared:
            text = f"{score_word} for {self.agree.get('score', 0)} of {self.compared['score']}"
            if self.largest_difference <= NEAR and self.agree.get("score", 0) < self.compared["score"]:
                text += ", all within 0.01"
            parts.append(text)
        for what, words in (("rank", "rank"), ("domain_scores", "domain scores (within 0.01)")):
            if what in self.compared:
                parts.append(f"{words} for {self.agree.get(what, 0)} of {self.compared[what]}")
        if "domain_ratings" in self.compared:
            parts.append(
                f"domain {plural} for {self.agree.get('domain_ratings', 0)} of {self.compared['domain_ratings']}"
            )
        differ = [f"{_words(what)} {listed(codes, 5)}" for what, codes in self.differ.items()]
        text = f"{self.period} against the published results: " + "; ".join(parts)
        if differ:
            text += ". Differ: " + "; ".join(differ)
        return text


def _words(what: str) -> str:
    return {
        "provisional_rating": "unadjusted",
        "adjusted_rating": "adjusted",
        "rating": "final",
        "score": "score",
        "rank": "rank",
        "domain_scores": "domain scores",
        "domain_ratings": "domain ratings",
    }[what]


def _ratings_word(fw: Framework) -> str:
    """What the framework calls its ratings, plural: "segments" for Segment 1 ... Segment 5."""
    firsts = {rating.split()[0] for rating in fw.scale.ratings if " " in rating}
    if len(firsts) == 1 and all(" " in r for r in fw.scale.ratings):
        return firsts.pop().lower() + "s"
    return "ratings"


def population_agreement(result: PopulationResult, selected: Sequence[int] | None = None) -> PeriodAgreement | None:
    """Agreement over the organisations of one population (`selected`, default all) with the
    published results the data holds; None without any."""
    population = result.population
    if not population.published:
        return None
    period = PeriodAgreement(population.source, population.period, result.framework)
    for index in range(len(population)) if selected is None else selected:
        period.add(result.assessment(index))
    return period if period.organisations else None


def run_agreement(run: ScoreRun) -> list[PeriodAgreement]:
    """Per source and period, agreement with the published results the data holds (none without)."""
    found = [population_agreement(result, selected) for result, selected in zip(run.results, run.selected)]
    return [period for period in found if period is not None]
