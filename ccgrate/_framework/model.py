"""The pydantic model of a framework file: what it is (Meta), its rating scale, judgements, domains,
clinical priority areas and rules, and the indicators of indicators.py; and what every part of
ccgrate asks of a whole framework (an area's words and cuts, an indicator's bands and points).

A framework is data, never code. It is validated once, when it is loaded (loader.py): first the
shape of every key (pydantic), then the references between parts (checks.py).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, PrivateAttr

from ccgrate._base.decimals import decimal
from ccgrate._framework.fields import (
    ON_CUT_DESCRIPTION,
    Direction,
    Identifier,
    OnCut,
    OneOrMore,
    Rating,
    Score,
    Share,
    Strict,
)
from ccgrate._framework.indicators import (
    CONTINUOUS,
    SIGNIFICANCE_LABELS,
    ZSCORE_LABELS,
    AnyIndicator,
    BandsIndicator,
    Indicator,
    JudgementIndicator,
    LookupIndicator,
    QuantileIndicator,
    ScoreIndicator,
    StandardIndicator,
    ZScoreIndicator,
    quantile_labels,
)


class Meta(Strict):
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
    quarterly: bool = Field(
        default=False,
        description="Whether organisations are rated each quarter: periods are then quarters (2025/26 Q1), each "
        "its own population. An annual framework reads a quarter as its year.",
    )
    peer_groups: list[str] | None = Field(
        default=None,
        description="The peer groups (trust types) the data's peer_group column may name; a value outside them is "
        "an error. Left out, any peer group is taken.",
    )
    chosen_by_period: bool = Field(
        default=True,
        description="Whether this built-in is the one chosen for data of its period when no --framework is given "
        "(one built-in per period is).",
    )


class Scale(Strict):
    """The rating scale, best first, and the cut points of the overall score between its ratings."""

    ratings: list[Rating] = Field(min_length=2)
    cuts: dict[str, Score] | None = Field(
        default=None,
        description="For each rating reached by score but the last: the least score that reaches it (or, where "
        "lower is better, the most). Required unless cuts_by_period gives every period's; a period without cuts "
        "is rated on the quartiles of its own scores, with a warning.",
    )
    cuts_by_period: dict[str, dict[str, Score]] = Field(
        default_factory=dict,
        description='Cut points that change with the period (a quarterly framework\'s, keyed "2025/26 Q1"), '
        "in place of cuts for those periods.",
    )
    on_cut: OnCut = Field(default="better", description="A score exactly on a cut: " + ON_CUT_DESCRIPTION)
    better: Direction = Field(
        default="higher", description="Which end of the score is better: higher (0-100 points) or lower (1.00 best)."
    )
    range: list[float] = Field(
        default_factory=lambda: [0.0, 100.0],
        min_length=2,
        max_length=2,
        description="The least and the greatest score: the ends of the scale that indicator scores and points lie on.",
    )
    rules_only: list[Rating] = Field(
        default_factory=list,
        description="Ratings that no score reaches, only a rule (NHS England's segment 5): the last of the ratings.",
    )


class Judgement(Strict):
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
    columns: list[Identifier] = Field(
        default_factory=list,
        description="Other names the data gives this judgement: a column header, or a long file's indicator id "
        "(NHS England's OF5004).",
    )

    def default_position(self) -> int:
        """The position of the default level, or -1 (missing) when there is none."""
        return -1 if self.default is None else self.levels.index(self.default)


class DomainScale(Strict):
    """A domain rated on its own (NHS England's domain segments): the framework's ratings reached by
    score, with the domain's own cut points."""

    cuts: dict[str, Score] | None = None
    cuts_by_period: dict[str, dict[str, Score]] = Field(default_factory=dict)


class Domain(Strict):
    id: Identifier
    name: str = Field(min_length=1)
    weight: float = Field(default=1.0, gt=0)
    description: str | None = None
    scale: DomainScale | None = Field(
        default=None, description="The domain's own cut points, where its score is rated on the framework's scale."
    )


class Scoring(Strict):
    min_coverage: Share = Field(
        default=0.0,
        description="Least share of the total indicator weight that must have a value for an overall rating.",
    )
    aggregate: Literal["domains", "indicators"] = Field(
        default="domains",
        description="domains: the overall score is the weighted mean of the domain scores (the CCG frameworks); "
        "indicators: the weighted mean of every counted indicator's score (NHS Oversight Framework 2025/26).",
    )
    area_min_indicators: int = Field(
        default=1, ge=1, description="Least number of banded indicators an area needs to be rated."
    )


class AreaScale(Strict):
    """An area's own rating scale: its words (as many as the framework's, best first) and cut points."""

    ratings: list[Rating] | None = Field(
        default=None,
        description="The area's rating words, best first, one for each of the framework's ratings "
        "(the 2015/16 baseline said Top performing ... Greatest need for improvement). Default: the framework's.",
    )
    cuts: dict[str, Score] = Field(
        description="The lowest area score (0-100) for each of the area's ratings but the last."
    )
    on_cut: OnCut | None = Field(
        default=None,
        description="An area score exactly on a cut: " + ON_CUT_DESCRIPTION + " Default: the framework scale's on_cut.",
    )


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


# Always the indicator's own: an area banding that writes one of these is refused.
AREA_INHERITED = ("name", "domain", "area", "unit", "evidence", "source_period", "counted", "published")


class Area(Strict):
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


class AreasRatedAtMost(Strict):
    rating: Rating
    count: int = Field(ge=1)


class Condition(Strict):
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


class Rule(Strict):
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


class Published(Strict):
    """Where the data may hold the publisher's own results, by the ids a long file gives them: read,
    compared with ccgrate's, never inputs."""

    score: Identifier | None = Field(default=None, description="The overall score (NHS England's OF5002).")
    provisional_rating: Identifier | None = Field(default=None, description="The rating by score alone (OF5003).")
    adjusted_rating: Identifier | None = Field(
        default=None, description="The rating after the rules, before any rule sets a rules-only rating (OF5000)."
    )
    rating: Identifier | None = Field(default=None, description="The final rating (OF5005).")
    rank: Identifier | None = Field(default=None, description="The id whose rank column is the league rank (OF5000).")
    domain_scores: dict[Identifier, Identifier] = Field(
        default_factory=dict, description="Each domain's published score: domain id = id in the data."
    )
    domain_ratings: dict[Identifier, Identifier] = Field(
        default_factory=dict, description="Each domain's published rating: domain id = id in the data."
    )

    def ids(self) -> dict[str, str]:
        """Every id the data may hold, lower case, and what it is the publisher's figure of."""
        found = {
            getattr(self, name).lower(): name
            for name in ("score", "provisional_rating", "adjusted_rating", "rating")
            if getattr(self, name) is not None
        }
        found.update({key.lower(): f"domain_score:{domain}" for domain, key in self.domain_scores.items()})
        found.update({key.lower(): f"domain_rating:{domain}" for domain, key in self.domain_ratings.items()})
        if self.rank is not None:
            found.setdefault(self.rank.lower(), "rank")
        return found


class League(Strict):
    """How organisations are ranked within their peer group and period."""

    by: Literal["rating", "adjusted_rating"] = Field(
        default="rating",
        description="rating: by final rating, then score; adjusted_rating: by the rating before any rules-only rating "
        "(NHS England ranks a trust in segment 5 by its adjusted segment).",
    )


class Framework(Strict):
    """A whole framework file."""

    framework: Meta
    scale: Scale
    scoring: Scoring = Field(default_factory=Scoring)
    judgements: dict[str, Judgement] = Field(default_factory=dict)
    domains: list[Domain] = Field(min_length=1)
    areas: list[Area] = Field(default_factory=list)
    indicators: list[Indicator] = Field(min_length=1)
    rules: list[Rule] = Field(default_factory=list)
    published: Published | None = Field(
        default=None, description="Where the data may hold the publisher's own results, to compare with ccgrate's."
    )
    league: League | None = Field(
        default=None,
        description="Rank organisations in league tables within peer group and period (and each indicator's values); "
        "absent: no ranks.",
    )

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

    @property
    def scored_ratings(self) -> list[str]:
        """The ratings a score reaches, best first (all but the rules-only ones)."""
        return [r for r in self.scale.ratings if r not in self.scale.rules_only]

    @property
    def best_score(self) -> float:
        low, high = self.scale.range
        return high if self.scale.better == "higher" else low

    @property
    def worst_score(self) -> float:
        low, high = self.scale.range
        return low if self.scale.better == "higher" else high

    def cuts_for(self, period: str | None = None) -> list[float] | None:
        """The overall score's cut points for a period, best rating first; None where the framework
        gives none for it (the period is then rated on the quartiles of its own scores)."""
        cuts = self.scale.cuts_by_period.get(period or "", self.scale.cuts)
        if cuts is None:
            return None
        return [cuts[r] for r in self.scored_ratings[:-1]]

    def domain_has_scale(self, domain_id: str) -> bool:
        return any(d.id == domain_id and d.scale is not None for d in self.domains)

    def domain_cuts_for(self, domain: Domain, period: str | None = None) -> list[float] | None:
        """A domain's own cut points for a period, best rating first; None where it has none."""
        if domain.scale is None:
            return None
        cuts = domain.scale.cuts_by_period.get(period or "", domain.scale.cuts)
        if cuts is None:
            return None
        return [cuts[r] for r in self.scored_ratings[:-1]]

    def area_ratings(self, area: Area) -> list[str]:
        """An area's rating words, best first: its own, or the framework's."""
        if area.scale is not None and area.scale.ratings is not None:
            return list(area.scale.ratings)
        return list(self.scale.ratings)

    def area_cuts(self, area: Area) -> tuple[list[float], OnCut]:
        """An area's cut points, best rating first, and which side a score on a cut falls."""
        if area.scale is None:
            cuts = self.cuts_for()
            assert cuts is not None, "checks require cuts of a framework with areas"
            return cuts, self.scale.on_cut
        on_cut = area.scale.on_cut if area.scale.on_cut is not None else self.scale.on_cut
        return [area.scale.cuts[r] for r in self.area_ratings(area)[:-1]], on_cut

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
            if isinstance(ind, (JudgementIndicator, ScoreIndicator, LookupIndicator)):
                continue  # an area's own banding is of a numeric indicator (its model allows no other)
            arrow = "↑" if ind.direction == "higher" else "↓"
            if ind.method == "standard":
                parts.append(f"{ind.id} against {ind.standard:g} {arrow}")
            elif isinstance(ind, (BandsIndicator, QuantileIndicator)) and ind.cuts is not None:
                parts.append(f"{ind.id} at {', '.join(f'{c:g}' for c in ind.cuts)} {arrow}")
            else:
                parts.append(f"{ind.id} by {ind.method} {arrow}")
        return "; ".join(parts)

    def direction_of(self, ind: AnyIndicator) -> Direction:
        """Which way an indicator's values are better: its own direction, or, for a score given or
        looked up (a value on the framework's scale), the scale's."""
        direction = getattr(ind, "direction", None)
        return direction if direction is not None else self.scale.better

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
        if ind.method in CONTINUOUS:
            return ["scored"]  # one "band": the score is its own
        # Read by method, not by class: the tests' independent engine passes its own objects.
        if ind.method == "quantile":
            return quantile_labels(ind.quantiles)
        count = len(ind.cuts) + 1  # type: ignore[union-attr]
        return [f"band {i + 1} of {count}" for i in range(count)]

    def band_points(self, ind: AnyIndicator) -> list[float]:
        """Points per band, best first, as doubles (the nearest to the exact points)."""
        return [float(points) for points in self.exact_points(ind)]

    def exact_points(self, ind: AnyIndicator) -> list[Fraction]:
        """Points per band, best first, exactly: the decimals written in the framework, or by default
        evenly from the scale's best score to its worst (on the default scale 100 x (n - 1 - i) / (n - 1)
        for n bands: 100, 66 2/3, 33 1/3, 0 for four; on a 1-4 scale where lower is better, 1, 2, 3, 4),
        never rounded. A continuous method's single "band" has the best score: its own scores are
        its Bands' (checks refuse its points)."""
        # Keyed by the object (kept alive beside its points): an area's banding of an indicator has its id.
        kept = self._exact_points.get(id(ind))
        cached = kept[1] if kept is not None and kept[0] is ind else None
        if cached is None:
            best, worst = decimal(self.best_score), decimal(self.worst_score)
            if ind.points is not None:
                cached = [decimal(points) for points in ind.points]
            elif ind.method in CONTINUOUS:
                cached = [best]
            else:
                count = len(self.band_labels(ind))
                cached = [best + (worst - best) * Fraction(i, count - 1) for i in range(count)]
            self._exact_points[id(ind)] = (ind, cached)
        return list(cached)
