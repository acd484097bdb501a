"""An indicator of a framework: how it is banded, and every rule about it that binding, banding,
the analyses and the renderers read (what counts as a percentage, the sign of a standard, the
default target and transform of a z-score, how cut points are written), each defined once, here."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ccgrate._base.digits import written
from ccgrate._framework.fields import (
    EVIDENCE_DESCRIPTION,
    ON_CUT_DESCRIPTION,
    Direction,
    Evidence,
    Identifier,
    OnCut,
    Score,
    Strict,
)


class _IndicatorBase(Strict):
    id: Identifier
    name: str = Field(min_length=1)
    domain: Identifier
    area: Identifier | None = None
    unit: str = ""
    weight: float = Field(default=1.0, gt=0)
    evidence: Evidence | None = Field(default=None, description=EVIDENCE_DESCRIPTION)
    source: str | None = None
    source_period: str | None = Field(
        default=None, pattern=r"^\d{4}/\d{2}$", description="The assessment year the source documents, e.g. 2016/17."
    )
    note: str | None = None
    labels: list[str] | None = Field(default=None, description="Band names, best first.")
    points: list[Score] | None = Field(
        default=None,
        description="Points per band, best first, on the framework's score scale (default: evenly from its best "
        "score to its worst, 100 to 0 on the default scale).",
    )
    counted: bool = Field(
        default=True,
        description="Whether its score counts in its domain's and the overall score. false shows it, scored, "
        "without counting it: a part of a combined score (a lookup) that counts in its place.",
    )
    published: Identifier | None = Field(
        default=None,
        description="The id under which the data may hold the publisher's own score of this indicator (NHS "
        "England's OF1xxx): read, compared with ccgrate's score, never an input.",
    )

    # What every layer asks of an indicator is answered here, once: binding, banding, the analyses
    # and every renderer read these, so that no two places can decide it differently.

    @property
    def is_percent(self) -> bool:
        """A value in per cent: between 0 and 100, and 100 times the rate its counts give."""
        return self.unit == "%"

    @property
    def rate_scale(self) -> float:
        """What a rate from counts (numerator / denominator) is multiplied by to give the value."""
        return 100.0 if self.is_percent else 1.0

    @property
    def uses_counts(self) -> bool:
        """Banded from its numerator and denominator rather than its value."""
        return False

    @property
    def counts_are_proportion(self) -> bool:
        """Its counts are events out of cases (binomial; the numerator at most the denominator, both
        whole), rather than observed against expected (Poisson; the expected count may be fractional)."""
        return self.is_percent

    @property
    def is_share(self) -> bool:
        """A percentage of a whole, so between 0 and 100 (a ratio in per cent may pass 100)."""
        return self.is_percent and self.counts_are_proportion

    @property
    def references(self) -> list[float]:
        """The fixed numbers its values are compared with: a standard, or cut points."""
        return []


class _NumericIndicator(_IndicatorBase):
    direction: Direction

    @property
    def better(self) -> str:
        """Which end is better, in words: "higher better"."""
        return f"{self.direction} better"


def on_cut_words(on_cut: OnCut) -> str | None:
    """How a value exactly on a cut point is banded, in words, where that is not the default."""
    return None if on_cut == "better" else "on a cut, the worse band"


def cut_texts(cuts: list[float]) -> list[str]:
    """Cut points as their author wrote them (57.70 and 57.7 are the same number)."""
    return [written(cut) for cut in cuts]


def cut_rule(cuts: list[str], direction: Direction, on_cut: OnCut, population: int | None = None) -> str:
    """Cut points as shown, which end is better and, where it is not the default, how a value on a
    cut is banded: "8 | 10.7 | 13.4 (lower better)"; a population's cuts say how many organisations
    made them. The band's label says whether these are quartiles."""
    prefix = f"population n={population}: " if population is not None else ""
    note = on_cut_words(on_cut)
    return f"{prefix}{' | '.join(cuts)} ({direction} better{'; ' + note if note else ''})"


class BandsIndicator(_NumericIndicator):
    """Explicit cut points, in ascending order; a value on a cut point counts in the better band."""

    method: Literal["bands"]
    cuts: list[float] = Field(min_length=1)
    on_cut: OnCut = Field(default="better", description=ON_CUT_DESCRIPTION)

    @property
    def references(self) -> list[float]:
        return list(self.cuts)


class StandardIndicator(_NumericIndicator):
    """Met or not met against a national standard; a value equal to the standard meets it.

    With `significance`, an organisation's counts give a Wilson interval: the standard is
    significantly exceeded or missed when the whole interval lies on one side of it.
    """

    method: Literal["standard"]
    standard: float
    on_cut: OnCut = Field(
        default="better",
        description="A value exactly on the standard: better (default) meets it, worse does not (it must pass it).",
    )
    significance: float | None = Field(
        default=None, gt=0.5, lt=1, description="Level of the Wilson interval, e.g. 0.95; needs counts."
    )

    @property
    def sign(self) -> str:
        """What meeting the standard means: >= 57.7, or > 57.7 where a value on it must pass it."""
        if self.on_cut == "better":
            return ">=" if self.direction == "higher" else "<="
        return ">" if self.direction == "higher" else "<"

    @property
    def rule(self) -> str:
        """The standard as a condition on the value: ">= 85"."""
        return f"{self.sign} {written(self.standard)}"

    @property
    def uses_counts(self) -> bool:
        return self.significance is not None

    @property
    def counts_are_proportion(self) -> bool:
        return True

    @property
    def references(self) -> list[float]:
        return [self.standard]


class ZScoreIndicator(_NumericIndicator):
    """Z-scores against a target with an over-dispersion adjustment (Spiegelhalter 2005)."""

    method: Literal["zscore"]
    data: Literal["proportion", "ratio"] = Field(
        default="proportion", description="proportion: events out of cases; ratio: observed against expected."
    )
    transform: Literal["arcsine", "log", "sqrt"] | None = Field(
        default=None, description="arcsine for proportions; log (default) or sqrt for ratios."
    )
    target: float | Literal["pooled"] | None = Field(
        default=None,
        description="A number in the indicator's unit (a percentage when unit is %), or pooled = sum of "
        "numerators / sum of denominators. Default: pooled for proportions, 1 for ratios.",
    )
    overdispersion: Literal["additive", "multiplicative", "none"] = "additive"
    trim: float = Field(default=0.1, ge=0, lt=0.5, description="Share trimmed at each end to estimate phi.")
    trim_method: Literal["winsorise", "truncate"] = "winsorise"
    min_population: int = Field(
        default=20, ge=2, description="Least number of organisations with counts to estimate over-dispersion."
    )
    phi: float | None = Field(default=None, gt=0, description="Fixed dispersion ratio for smaller populations.")
    tau2: float | None = Field(
        default=None,
        ge=0,
        description="Fixed between-organisation variance (transformed scale) for smaller populations.",
    )

    @property
    def transform_name(self) -> str:
        """The transform used: the one given, or the first that suits the data (TRANSFORMS)."""
        return self.transform or TRANSFORMS[self.data][0]

    @property
    def target_value(self) -> float | str:
        """ "pooled", or the target as a rate (a proportion between 0 and 1, or a ratio)."""
        if self.target is None:
            return "pooled" if self.data == "proportion" else 1.0
        if self.target == "pooled":
            return "pooled"
        return float(self.target) / self.rate_scale

    @property
    def target_text(self) -> str:
        """The target as the framework gives it, in the indicator's unit: pooled, or a number."""
        if isinstance(self.target, float):
            return written(self.target)
        target = self.target_value
        return target if isinstance(target, str) else written(target * self.rate_scale)

    @property
    def uses_counts(self) -> bool:
        return True

    @property
    def counts_are_proportion(self) -> bool:
        return self.data == "proportion"


class QuantileIndicator(_NumericIndicator):
    """Quantile bands: fixed cut points when `cuts` is given, else quantiles of the population scored."""

    method: Literal["quantile"]
    quantiles: int = Field(default=4, ge=2, le=10)
    on_cut: OnCut = Field(default="better", description=ON_CUT_DESCRIPTION)
    cuts: list[float] | None = Field(default=None, description="Fixed ascending cut points (quantiles - 1 of them).")
    min_population: int = Field(
        default=10, ge=2, description="Least number of organisations with a value for population quantiles."
    )

    @property
    def references(self) -> list[float]:
        return list(self.cuts or [])


class RankIndicator(_NumericIndicator):
    """Scored continuously by rank: best + (worst - best) x (R - 1) / (N - 1), on the framework's
    score scale, R the organisation's rank among the N with a value (1 the best value; equal values
    share the best rank of their group), among every organisation of the period or of its peer
    group. With a `standard`, a value that does not meet it scores the worst, whatever its rank."""

    method: Literal["rank"]
    among: Literal["all", "peer-group"] = Field(
        default="all",
        description="all: every organisation of the period with a value; peer-group: those of its peer group.",
    )
    standard: float | None = Field(default=None, description="A value that does not meet this scores the worst.")
    on_cut: OnCut = Field(
        default="better",
        description="A value exactly on the standard: better (default) meets it, worse does not (it must pass it).",
    )

    @property
    def references(self) -> list[float]:
        return [] if self.standard is None else [self.standard]


class ScoreIndicator(_IndicatorBase):
    """The value is the score itself, on the framework's scale: a score the publisher gives (a
    metric score of NHS England, a CQC rating turned into a score)."""

    method: Literal["score"]
    value_id: Identifier | None = Field(
        default=None,
        description="The id under which the data holds the value this score was given for, shown beside the score "
        "(read for the record, never scored).",
    )


class LookupIndicator(_IndicatorBase):
    """A score looked up from the scores of two other indicators (NHS England's combined finance
    score from its two finance metrics). Its parts are usually `counted = false`."""

    method: Literal["lookup"]
    of: list[Identifier] = Field(
        min_length=2, max_length=2, description="The two indicators whose scores are looked up."
    )
    table: dict[str, Score] = Field(
        min_length=1,
        description='The score of each pair of the parts\' scores, keyed "first,second" (as "1,3"). A pair the table '
        "does not give is an error naming the pair.",
    )

    def key(self, first: float, second: float) -> str:
        """A pair of scores as the table writes it: 1 and 3 as "1,3"."""
        return f"{written(first)},{written(second)}"


class JudgementIndicator(_IndicatorBase):
    """An ordered scale read from text: its own `levels`, or those of a named judgement."""

    method: Literal["judgement"]
    levels: list[str] | None = Field(default=None, description="The scale, best first.")
    judgement: Identifier | None = Field(default=None, description="Take the value and levels of this judgement.")
    aliases: dict[str, str] = Field(default_factory=dict)


# Any indicator, as a type for signatures (an area's own banding of one is a subclass of these).
AnyIndicator = (
    BandsIndicator
    | StandardIndicator
    | QuantileIndicator
    | ZScoreIndicator
    | JudgementIndicator
    | RankIndicator
    | ScoreIndicator
    | LookupIndicator
)

# As a framework file gives one: the same, told apart by its method.
Indicator = Annotated[AnyIndicator, Field(discriminator="method")]


NumericIndicator = BandsIndicator | StandardIndicator | QuantileIndicator | ZScoreIndicator | RankIndicator


# Methods that give a score on the framework's scale rather than a band with points.
CONTINUOUS = frozenset({"rank", "score", "lookup"})


# The transforms that suit each kind of data, the default first.
TRANSFORMS = {"proportion": ("arcsine",), "ratio": ("log", "sqrt")}


METHODS = ("bands", "standard", "quantile", "zscore", "judgement", "rank", "score", "lookup")


ZSCORE_LABELS = ["significantly better", "better", "as expected", "worse", "significantly worse"]


SIGNIFICANCE_LABELS = ["significantly met", "met", "not met", "significantly missed"]


def quantile_labels(count: int) -> list[str]:
    names = {4: "quartile", 5: "quintile", 10: "decile", 3: "tertile", 2: "half"}
    if count in names:
        noun = names[count]
        if count == 2:
            return ["top half", "bottom half"]
        middle = [f"{_ordinal(i + 1)} {noun}" for i in range(1, count - 1)]
        return [f"top {noun}", *middle, f"bottom {noun}"]
    return [f"band {i + 1} of {count}" for i in range(count)]


def _ordinal(n: int) -> str:
    return {2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth", 7: "seventh", 8: "eighth", 9: "ninth"}[n]
