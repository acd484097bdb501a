"""Framework definitions: the pydantic models of a framework file and their cross-checks.

A framework is data, never code. It is validated once, when it is loaded (see `loader.py`):
first the shape of every key (pydantic), then the references between parts (`cross_check`).
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from ccgrate._base.decimals import decimal
from ccgrate._base.digits import written

Direction = Literal["higher", "lower"]
# Which band a value exactly on a cut point (or standard) falls in: the better one (the value
# reaches the cut: >= for higher-better) or the worse one (the value must pass it: >).
OnCut = Literal["better", "worse"]
ON_CUT_DESCRIPTION = (
    "better (default): a value exactly on a cut point counts in the better band; worse: it must pass "
    "the cut (strictly above for higher-better, strictly below for lower-better)."
)
# How far the code and name of an indicator are established by a public source for the
# framework's own year (see EVIDENCE_DESCRIPTION).
Evidence = Literal["seen", "name-seen", "carried-forward", "reconstructed"]
EVIDENCE_DESCRIPTION = (
    "How far the indicator is established by a public source: seen = its code and name seen together in a source "
    "for this framework's year (source_period must be that year); name-seen = the indicator named in a source for "
    "this year, its code not seen; carried-forward = seen or named only in an earlier year's source (source_period "
    "says which) and assumed to continue; reconstructed = not found in any source. Required of the built-in "
    "frameworks; optional in your own."
)

IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
Identifier = Annotated[str, Field(pattern=IDENTIFIER_PATTERN, max_length=64)]
Score = Annotated[float, Field(ge=0, le=100)]
Share = Annotated[float, Field(ge=0, le=1)]
Rating = Annotated[str, Field(min_length=1)]
OneOrMore = str | list[str]

IDENTIFIER = re.compile(IDENTIFIER_PATTERN.strip("^$"))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False, defer_build=True)


class Meta(_Strict):
    """The `[framework]` table: what this framework is and how far it can be trusted."""

    id: Identifier = Field(description="Short stable identifier, e.g. iaf-2017-18.")
    name: str = Field(min_length=1)
    period: str = Field(pattern=r"^\d{4}/\d{2}$", description="Assessment year, e.g. 2017/18.")
    provenance: str = Field(
        min_length=1, description="Which parts are published and which are reconstructed, and from what."
    )
    sources: list[str] = Field(default_factory=list, description="Public sources the definition draws on.")
    reconstructed: bool | None = Field(
        default=None,
        description="Whether the definition reconstructs a method that was not published in full, so that its "
        "ratings are not the official ones. Left out, it is read from the provenance: one that speaks of "
        "reconstruction (reconstructed, a reconstruction) makes it true. Every output then ends with a line "
        "saying so, and machine formats carry framework_reconstructed.",
    )
    organisations: int | None = Field(
        default=None, ge=1, description="Number of organisations assessed nationally that period, where published."
    )
    published_distribution: dict[str, int] | None = Field(
        default=None,
        description="Published number of organisations per rating for this period, where known.",
    )


class Scale(_Strict):
    """The rating scale, best first, and the lowest overall score (0-100) for each rating but the last."""

    ratings: list[Rating] = Field(min_length=2)
    cuts: dict[str, Score]
    on_cut: OnCut = Field(default="better", description="A score exactly on a cut: " + ON_CUT_DESCRIPTION)


class Judgement(_Strict):
    """An ordered judgement given as data (leadership, finance), best level first."""

    name: str = Field(min_length=1)
    levels: list[str] = Field(min_length=2)
    aliases: dict[str, str] = Field(default_factory=dict, description="Other spellings, mapped to a level.")
    default: str | None = Field(
        default=None,
        description="The level that applies when the data has no column for this judgement, or leaves its cell blank "
        "(for example no for legal directions); without a default such an organisation has no level, and rules "
        "that need it are not evaluated, with a warning.",
    )
    description: str | None = None

    def default_position(self) -> int:
        """The position of the default level, or -1 (missing) when there is none."""
        return -1 if self.default is None else self.levels.index(self.default)


class Domain(_Strict):
    id: Identifier
    name: str = Field(min_length=1)
    weight: float = Field(default=1.0, gt=0)
    description: str | None = None


class Scoring(_Strict):
    min_coverage: Share = Field(
        default=0.0,
        description="Least share of the total indicator weight that must have a value for an overall rating.",
    )
    area_min_indicators: int = Field(
        default=1, ge=1, description="Least number of banded indicators an area needs to be rated."
    )


class _IndicatorBase(_Strict):
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
        default=None, description="Points per band, best first (default: evenly 100 to 0)."
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


class JudgementIndicator(_IndicatorBase):
    """An ordered scale read from text: its own `levels`, or those of a named judgement."""

    method: Literal["judgement"]
    levels: list[str] | None = Field(default=None, description="The scale, best first.")
    judgement: Identifier | None = Field(default=None, description="Take the value and levels of this judgement.")
    aliases: dict[str, str] = Field(default_factory=dict)


Indicator = Annotated[
    BandsIndicator | StandardIndicator | QuantileIndicator | ZScoreIndicator | JudgementIndicator,
    Field(discriminator="method"),
]
# Any indicator, as a type for signatures (an area's own banding of one is a subclass of these).
AnyIndicator = BandsIndicator | StandardIndicator | QuantileIndicator | ZScoreIndicator | JudgementIndicator
NumericIndicator = BandsIndicator | StandardIndicator | QuantileIndicator | ZScoreIndicator
# The transforms that suit each kind of data, the default first.
TRANSFORMS = {"proportion": ("arcsine",), "ratio": ("log", "sqrt")}
METHODS = ("bands", "standard", "quantile", "zscore", "judgement")
ZSCORE_LABELS = ["significantly better", "better", "as expected", "worse", "significantly worse"]
SIGNIFICANCE_LABELS = ["significantly met", "met", "not met", "significantly missed"]


class AreaScale(_Strict):
    """An area's own rating scale: its words (as many as the framework's, best first) and cut points."""

    ratings: list[Rating] | None = Field(
        default=None,
        description="The area's rating words, best first, one for each of the framework's ratings "
        "(the 2015/16 baseline said Top performing ... Greatest need for improvement). Default: the framework's.",
    )
    cuts: dict[str, Score] = Field(
        description="The lowest area score (0-100) for each of the area's ratings but the last."
    )
    on_cut: OnCut = Field(default="better", description="An area score exactly on a cut: " + ON_CUT_DESCRIPTION)


# How an area bands one of its indicators when that differs from the headline banding (against an
# ambition or a standard, say). Name, domain, area and unit come from the indicator; direction and
# weight too unless given.
class AreaBands(BandsIndicator):
    name: str | None = None  # type: ignore[assignment]
    domain: Identifier | None = None  # type: ignore[assignment]
    direction: Direction | None = None  # type: ignore[assignment]
    weight: float | None = Field(default=None, gt=0)  # type: ignore[assignment]


class AreaStandard(StandardIndicator):
    name: str | None = None  # type: ignore[assignment]
    domain: Identifier | None = None  # type: ignore[assignment]
    direction: Direction | None = None  # type: ignore[assignment]
    weight: float | None = Field(default=None, gt=0)  # type: ignore[assignment]


class AreaQuantile(QuantileIndicator):
    name: str | None = None  # type: ignore[assignment]
    domain: Identifier | None = None  # type: ignore[assignment]
    direction: Direction | None = None  # type: ignore[assignment]
    weight: float | None = Field(default=None, gt=0)  # type: ignore[assignment]


class AreaZScore(ZScoreIndicator):
    name: str | None = None  # type: ignore[assignment]
    domain: Identifier | None = None  # type: ignore[assignment]
    direction: Direction | None = None  # type: ignore[assignment]
    weight: float | None = Field(default=None, gt=0)  # type: ignore[assignment]


AreaIndicator = Annotated[
    AreaBands | AreaStandard | AreaQuantile | AreaZScore,
    Field(discriminator="method"),
]
AREA_INHERITED = ("name", "domain", "area", "evidence", "source_period")  # always the indicator's own


class Area(_Strict):
    """A clinical priority area: rated on its own from the indicators that name it.

    By default its indicators are banded as for the headline rating and its score is rated on the
    framework's scale. An area may instead have its own rating method: `indicators` bands some of
    them differently (against an ambition or a standard), `scale` gives its own cut points and
    words. Area ratings never change the headline score; rules may look at them.
    """

    id: Identifier
    name: str = Field(min_length=1)
    description: str | None = None
    method: str | None = Field(default=None, description="How the area was rated, in words (shown with its rating).")
    scale: AreaScale | None = Field(
        default=None, description="The area's own cut points (and words); default: the framework's scale."
    )
    indicators: list[AreaIndicator] = Field(
        default_factory=list,
        description="Indicators of this area banded differently for the area rating, each by its id.",
    )
    published_distribution: dict[str, int] | None = Field(
        default=None, description="Published number of organisations per area rating for this period, where known."
    )


class AreasRatedAtMost(_Strict):
    rating: Rating
    count: int = Field(ge=1)


class Condition(_Strict):
    """What must all hold for a rule to fire. Any other key names a judgement: level or list of levels."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True, allow_inf_nan=False, defer_build=True)

    rating: OneOrMore | None = Field(default=None, description="The rating reached so far is one of these.")
    score_below: Score | None = None
    score_at_least: Score | None = None
    domain_score_below: dict[str, Score] | None = None
    area_rating: dict[str, OneOrMore] | None = None
    areas_rated_at_most: AreasRatedAtMost | None = Field(
        default=None, description="At least `count` areas are rated `rating` or worse."
    )
    worst_band_share_at_least: Share | None = Field(
        default=None, description="Share of banded indicators in their worst band."
    )
    best_band_share_at_least: Share | None = Field(
        default=None, description="Share of banded indicators in their best band."
    )

    def judgement_conditions(self) -> dict[str, list[str]]:
        extra = self.model_extra or {}
        return {key: [value] if isinstance(value, str) else list(value) for key, value in extra.items()}


CONDITION_KEYS = frozenset(Condition.model_fields)


class Rule(_Strict):
    """Applied in order after the score-based rating; exactly one of cap, floor and set."""

    id: Identifier
    when: Condition
    cap: Rating | None = Field(default=None, description="The rating can be no better than this.")
    floor: Rating | None = Field(default=None, description="The rating can be no worse than this.")
    set: Rating | None = Field(default=None, description="The rating becomes this.")
    reason: str = Field(min_length=1)

    @property
    def effect(self) -> tuple[str, str]:
        for kind in ("cap", "floor", "set"):
            target = getattr(self, kind)
            if target is not None:
                return kind, target
        raise AssertionError("cross_check guarantees one effect per rule")


class Framework(_Strict):
    """A whole framework file."""

    framework: Meta
    scale: Scale
    scoring: Scoring = Field(default_factory=Scoring)
    judgements: dict[str, Judgement] = Field(default_factory=dict)
    domains: list[Domain] = Field(min_length=1)
    areas: list[Area] = Field(default_factory=list)
    indicators: list[Indicator] = Field(min_length=1)
    rules: list[Rule] = Field(default_factory=list)

    # Where the definition came from, set by the loader: a path or "builtin:<id>", and its sha256.
    _origin: str = PrivateAttr(default="<memory>")
    # Points per band, made when first asked for, keyed by the banding's object (kept alive beside them).
    _exact_points: dict[int, tuple[AnyIndicator, list[Fraction]]] = PrivateAttr(default_factory=dict)
    _sha256: str = PrivateAttr(default="")
    _area_indicators: dict[tuple[str, str], AnyIndicator] = PrivateAttr(default_factory=dict)

    @property
    def id(self) -> str:
        return self.framework.id

    @property
    def origin(self) -> str:
        return self._origin

    @property
    def sha256(self) -> str:
        return self._sha256

    @property
    def reconstructed(self) -> bool:
        """Whether ratings under this framework are a reconstruction rather than official results."""
        if self.framework.reconstructed is not None:
            return self.framework.reconstructed
        return "reconstruct" in self.framework.provenance.casefold()

    def area_ratings(self, area: Area) -> list[str]:
        """An area's rating words, best first: its own, or the framework's."""
        if area.scale is not None and area.scale.ratings is not None:
            return list(area.scale.ratings)
        return list(self.scale.ratings)

    def area_cuts(self, area: Area) -> tuple[list[float], OnCut]:
        """An area's cut points, best rating first, and which side a score on a cut falls."""
        if area.scale is None:
            return [self.scale.cuts[r] for r in self.scale.ratings[:-1]], self.scale.on_cut
        return [area.scale.cuts[r] for r in self.area_ratings(area)[:-1]], area.scale.on_cut

    def has_own_method(self, area: Area) -> bool:
        return area.scale is not None or bool(area.indicators)

    def area_indicator(self, area: Area, ind: AnyIndicator) -> AnyIndicator:
        """How the area bands one of its indicators: its own banding, completed from the indicator, or the indicator."""
        key = (area.id, ind.id)
        if key not in self._area_indicators:
            own = next((o for o in area.indicators if o.id == ind.id), None)
            if own is None:
                self._area_indicators[key] = ind
            else:
                inherited = {name: getattr(ind, name) for name in AREA_INHERITED}
                inherited["unit"] = own.unit or ind.unit
                inherited["direction"] = own.direction or getattr(ind, "direction", None)
                inherited["weight"] = own.weight if own.weight is not None else ind.weight
                self._area_indicators[key] = own.model_copy(update=inherited)
        return self._area_indicators[key]

    def describe_area_method(self, area: Area) -> str:
        """An area's own rating method in a line: its cut points and the indicators it bands its own way."""
        if not self.has_own_method(area):
            return ""
        parts = []
        if area.scale is not None:
            cuts, _ = self.area_cuts(area)
            words = self.area_ratings(area)
            if area.scale.ratings is None:
                parts.append("cuts " + " / ".join(f"{c:g}" for c in cuts))
            else:
                parts.append("cuts " + ", ".join(f"{w} {c:g}" for w, c in zip(words, cuts)))
        for own in area.indicators:
            ind = self.area_indicator(area, self.indicator(own.id))
            if isinstance(ind, JudgementIndicator):
                continue  # checks refuse an area's own banding of a judgement indicator
            arrow = "↑" if ind.direction == "higher" else "↓"
            if ind.method == "standard":
                parts.append(f"{ind.id} against {ind.standard:g} {arrow}")
            elif ind.method in ("bands", "quantile") and ind.cuts is not None:
                parts.append(f"{ind.id} at {', '.join(f'{c:g}' for c in ind.cuts)} {arrow}")
            else:
                parts.append(f"{ind.id} by {ind.method} {arrow}")
        return "; ".join(parts)

    def indicator(self, indicator_id: str) -> AnyIndicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    def levels_of(self, ind: JudgementIndicator) -> list[str]:
        if ind.judgement is not None:
            return list(self.judgements[ind.judgement].levels)
        return list(ind.levels or [])

    def band_labels(self, ind: AnyIndicator) -> list[str]:
        """The names of an indicator's bands, best first."""
        if ind.labels:
            return list(ind.labels)
        if ind.method == "standard":
            return list(SIGNIFICANCE_LABELS) if ind.significance else ["met", "not met"]
        if ind.method == "zscore":
            return list(ZSCORE_LABELS)
        if ind.method == "judgement":
            return self.levels_of(ind)
        count = ind.quantiles if ind.method == "quantile" else len(ind.cuts) + 1
        if ind.method == "quantile":
            return quantile_labels(count)
        return [f"band {i + 1} of {count}" for i in range(count)]

    def band_points(self, ind: AnyIndicator) -> list[float]:
        """Points per band, best first, as doubles (the nearest to the exact points)."""
        return [float(points) for points in self.exact_points(ind)]

    def exact_points(self, ind: AnyIndicator) -> list[Fraction]:
        """Points per band, best first, exactly: the decimals written in the framework, or by default
        100 x (n - 1 - i) / (n - 1) for n bands (100, 66 2/3, 33 1/3, 0 for four), never rounded."""
        # Keyed by the object (kept alive beside its points): an area's banding of an indicator has its id.
        kept = self._exact_points.get(id(ind))
        cached = kept[1] if kept is not None and kept[0] is ind else None
        if cached is None:
            if ind.points is not None:
                cached = [decimal(points) for points in ind.points]
            else:
                count = len(self.band_labels(ind))
                cached = [Fraction(100 * (count - 1 - i), count - 1) for i in range(count)]
            self._exact_points[id(ind)] = (ind, cached)
        return list(cached)


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
