"""Framework definitions: the pydantic models of a framework file and their cross-checks.

A framework is data, never code. It is validated once, when it is loaded (see `loader.py`):
first the shape of every key (pydantic), then the references between parts (`cross_check`).
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from .exact import decimal

Direction = Literal["higher", "lower"]
# Which band a value exactly on a cut point (or standard) falls in: the better one (the value
# reaches the cut: >= for higher-better) or the worse one (the value must pass it: >).
OnCut = Literal["better", "worse"]
ON_CUT_DESCRIPTION = ("better (default): a value exactly on a cut point counts in the better band; worse: it must pass "
                      "the cut (strictly above for higher-better, strictly below for lower-better).")
# How far the code and name of an indicator are established by a public source:
# seen = code and name seen together; name-seen = the indicator was seen, its code is recalled;
# reconstructed = neither could be checked.
Evidence = Literal["seen", "name-seen", "reconstructed"]

IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
Identifier = Annotated[str, Field(pattern=IDENTIFIER_PATTERN, max_length=64)]
Score = Annotated[float, Field(ge=0, le=100)]
Share = Annotated[float, Field(ge=0, le=1)]
Rating = Annotated[str, Field(min_length=1)]
OneOrMore = Union[str, list[str]]

IDENTIFIER = re.compile(IDENTIFIER_PATTERN.strip("^$"))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class Meta(_Strict):
    """The `[framework]` table: what this framework is and how far it can be trusted."""

    id: Identifier = Field(description="Short stable identifier, e.g. iaf-2017-18.")
    name: str = Field(min_length=1)
    period: str = Field(pattern=r"^\d{4}/\d{2}$", description="Assessment year, e.g. 2017/18.")
    provenance: str = Field(
        min_length=1, description="Which parts are published and which are reconstructed, and from what."
    )
    sources: list[str] = Field(default_factory=list, description="Public sources the definition draws on.")
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
    description: str | None = None


class Domain(_Strict):
    id: Identifier
    name: str = Field(min_length=1)
    weight: float = Field(default=1.0, gt=0)
    description: str | None = None


class Area(_Strict):
    """A clinical priority area: rated on its own from the indicators that name it."""

    id: Identifier
    name: str = Field(min_length=1)
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
    evidence: Evidence | None = Field(
        default=None,
        description="seen | name-seen | reconstructed: how far code and name are sourced (required of the built-in "
        "frameworks; optional in your own).",
    )
    source: str | None = None
    note: str | None = None
    labels: list[str] | None = Field(default=None, description="Band names, best first.")
    points: list[Score] | None = Field(default=None, description="Points per band, best first (default: evenly 100 to 0).")


class _NumericIndicator(_IndicatorBase):
    direction: Direction


class BandsIndicator(_NumericIndicator):
    """Explicit cut points, in ascending order; a value on a cut point counts in the better band."""

    method: Literal["bands"]
    cuts: list[float] = Field(min_length=1)
    on_cut: OnCut = Field(default="better", description=ON_CUT_DESCRIPTION)


class StandardIndicator(_NumericIndicator):
    """Met or not met against a national standard; a value equal to the standard meets it.

    With `significance`, an organisation's counts give a Wilson interval: the standard is
    significantly exceeded or missed when the whole interval lies on one side of it.
    """

    method: Literal["standard"]
    standard: float
    on_cut: OnCut = Field(default="better", description="A value exactly on the standard: better (default) meets it, "
                          "worse does not (it must pass it).")
    significance: float | None = Field(
        default=None, gt=0.5, lt=1, description="Level of the Wilson interval, e.g. 0.95; needs counts."
    )


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
        default=None, ge=0, description="Fixed between-organisation variance (transformed scale) for smaller populations."
    )

    @property
    def transform_name(self) -> str:
        return self.transform or ("arcsine" if self.data == "proportion" else "log")

    @property
    def target_value(self) -> float | str:
        """"pooled", or the target as a rate (a proportion between 0 and 1, or a ratio)."""
        if self.target is None:
            return "pooled" if self.data == "proportion" else 1.0
        if self.target == "pooled":
            return "pooled"
        return self.target / 100 if self.data == "proportion" and self.unit == "%" else float(self.target)


class QuantileIndicator(_NumericIndicator):
    """Quantile bands: fixed cut points when `cuts` is given, else quantiles of the population scored."""

    method: Literal["quantile"]
    quantiles: int = Field(default=4, ge=2, le=10)
    on_cut: OnCut = Field(default="better", description=ON_CUT_DESCRIPTION)
    cuts: list[float] | None = Field(default=None, description="Fixed ascending cut points (quantiles - 1 of them).")
    min_population: int = Field(
        default=10, ge=2, description="Least number of organisations with a value for population quantiles."
    )


class JudgementIndicator(_IndicatorBase):
    """An ordered scale read from text: its own `levels`, or those of a named judgement."""

    method: Literal["judgement"]
    levels: list[str] | None = Field(default=None, description="The scale, best first.")
    judgement: Identifier | None = Field(default=None, description="Take the value and levels of this judgement.")
    aliases: dict[str, str] = Field(default_factory=dict)


Indicator = Annotated[
    Union[BandsIndicator, StandardIndicator, QuantileIndicator, ZScoreIndicator, JudgementIndicator],
    Field(discriminator="method"),
]
METHODS = ("bands", "standard", "quantile", "zscore", "judgement")
ZSCORE_LABELS = ["significantly better", "better", "as expected", "worse", "significantly worse"]
SIGNIFICANCE_LABELS = ["significantly met", "met", "not met", "significantly missed"]


class AreasRatedAtMost(_Strict):
    rating: Rating
    count: int = Field(ge=1)


class Condition(_Strict):
    """What must all hold for a rule to fire. Any other key names a judgement: level or list of levels."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True, allow_inf_nan=False)

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
    _sha256: str = PrivateAttr(default="")

    @property
    def id(self) -> str:
        return self.framework.id

    @property
    def origin(self) -> str:
        return self._origin

    @property
    def sha256(self) -> str:
        return self._sha256

    def indicator(self, indicator_id: str) -> Any:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    def levels_of(self, ind: JudgementIndicator) -> list[str]:
        if ind.judgement is not None:
            return list(self.judgements[ind.judgement].levels)
        return list(ind.levels or [])

    def band_labels(self, ind: Any) -> list[str]:
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

    def band_points(self, ind: Any) -> list[float]:
        """Points per band, best first, as doubles (the nearest to the exact points)."""
        return [float(points) for points in self.exact_points(ind)]

    def exact_points(self, ind: Any) -> list[Fraction]:
        """Points per band, best first, exactly: the decimals written in the framework, or by default
        100 x (n - 1 - i) / (n - 1) for n bands (100, 66 2/3, 33 1/3, 0 for four), never rounded."""
        if ind.points is not None:
            return [decimal(points) for points in ind.points]
        count = len(self.band_labels(ind))
        return [Fraction(100 * (count - 1 - i), count - 1) for i in range(count)]


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


def _dupes(ids: list[str]) -> list[int]:
    """Positions of names that repeat an earlier one but for case or surrounding spaces."""
    seen: set[str] = set()
    where = []
    for index, value in enumerate(ids):
        key = value.strip().casefold()
        if key in seen:
            where.append(index)
        seen.add(key)
    return where


def cross_check(fw: Framework) -> list[tuple[str, str]]:
    """Problems pydantic cannot see: references between parts, order of cut points, duplicates.

    Returns (dotted key path, message) pairs; empty when the framework is consistent.
    """
    problems: list[tuple[str, str]] = []
    add = problems.append
    ratings = fw.scale.ratings
    rating_keys = {r.lower(): r for r in ratings}

    period = fw.framework.period
    if int(period[5:7]) != (int(period[:4]) + 1) % 100:
        add(("framework.period", f'"{period}" is not two consecutive years; write the year as 2017/18'))
    for index, rating in enumerate(ratings):
        _check_name(problems, f"scale.ratings[{index}]", rating, "rating")
    for index in _dupes(ratings):
        add((f"scale.ratings[{index}]", f'duplicate rating "{ratings[index]}" (names differing only in case or spaces '
             "are the same name)"))
    expected = ratings[:-1]
    for name in fw.scale.cuts:
        if name not in ratings:
            add((f"scale.cuts.{name}", f'"{name}" is not a rating of scale.ratings ({", ".join(ratings)})'))
        elif name == ratings[-1]:
            add((f"scale.cuts.{name}", "the lowest rating takes every score below the others and has no cut"))
    missing = [r for r in expected if r not in fw.scale.cuts]
    if missing:
        add(("scale.cuts", f"no cut for {', '.join(repr(r) for r in missing)}; give the least score for each rating but the last"))
    else:
        values = [fw.scale.cuts[r] for r in expected]
        for better, worse, value, lower in zip(expected, expected[1:], values, values[1:]):
            if not value > lower:
                add((f"scale.cuts.{worse}", f'cuts out of order: "{worse}" ({lower:g}) must be below "{better}" ({value:g})'))

    if fw.framework.published_distribution:
        for name in fw.framework.published_distribution:
            if name not in ratings:
                add((f"framework.published_distribution.{name}", f'"{name}" is not a rating of scale.ratings'))

    judgement_ids = list(fw.judgements)
    for index in _dupes(judgement_ids):
        add((f"judgements.{judgement_ids[index]}", f'duplicate judgement id "{judgement_ids[index]}" (ids differing only '
             "in case or spaces are the same id)"))
    for jid, judgement in fw.judgements.items():
        path = f"judgements.{jid}"
        if not IDENTIFIER.fullmatch(jid):
            add((path, "a judgement id must be letters, digits, '.', '_' or '-', starting with a letter or digit"))
        elif is_reserved_column(jid) or jid in CONDITION_KEYS:
            add((path, f'"{jid}" is a column name a data file already uses or a condition; choose another judgement id'))
        add_levels(problems, path, judgement.levels, judgement.aliases)

    domain_ids = [d.id for d in fw.domains]
    area_ids = [a.id for a in fw.areas]
    for index in _dupes(domain_ids):
        add((f"domains[{index}].id", f'duplicate domain id "{domain_ids[index]}"'))
    for index in _dupes(area_ids):
        add((f"areas[{index}].id", f'duplicate area id "{area_ids[index]}"'))
    indicator_ids = [i.id for i in fw.indicators]
    for index in _dupes(indicator_ids):
        add((f"indicators[{index}].id", f'duplicate indicator id "{indicator_ids[index]}"'))

    lower_judgements = {j.lower() for j in judgement_ids}
    used_domains: set[str] = set()
    used_areas: set[str] = set()
    for index, ind in enumerate(fw.indicators):
        path = f"indicators[{index}]"
        if is_reserved_column(ind.id) or ind.id.lower() in lower_judgements:
            add((f"{path}.id", f'"{ind.id}" is a column name a data file already uses (or a judgement id); choose another '
                 "indicator id"))
        if ind.domain not in domain_ids:
            add((f"{path}.domain", f'unknown domain "{ind.domain}" (domains: {", ".join(domain_ids)})'))
        used_domains.add(ind.domain)
        if ind.area is not None:
            if ind.area not in area_ids:
                known = ", ".join(area_ids) if area_ids else "none defined"
                add((f"{path}.area", f'unknown area "{ind.area}" (areas: {known})'))
            used_areas.add(ind.area)
        problems.extend(_check_method(fw, ind, path))

    for index, domain in enumerate(fw.domains):
        if domain.id not in used_domains:
            add((f"domains[{index}]", f'domain "{domain.id}" has no indicators'))
    for index, area in enumerate(fw.areas):
        if area.id not in used_areas:
            add((f"areas[{index}]", f'area "{area.id}" has no indicators'))

    problems.extend(_check_weights(fw))

    rule_ids = [r.id for r in fw.rules]
    for index in _dupes(rule_ids):
        add((f"rules[{index}].id", f'duplicate rule id "{rule_ids[index]}"'))
    for index, rule in enumerate(fw.rules):
        problems.extend(_check_rule(fw, rule, f"rules[{index}]", rating_keys, domain_ids, area_ids))
    return problems


def is_reserved_column(name: str) -> bool:
    """Whether a data file would read a column of this name as something other than an indicator:
    any header alias the reader accepts (code, year, ccg_code, ...), or a counts column."""
    from .data import COLUMN_ALIASES, column_key

    key = column_key(name)
    return key in COLUMN_ALIASES or key.endswith(("_numerator", "_denominator"))


def _check_name(problems: list[tuple[str, str]], path: str, name: str, what: str) -> None:
    """A name a data file or option must spell: no surrounding spaces, and not a missing-value marker."""
    from .data import MISSING_MARKERS

    if name != name.strip():
        problems.append((path, f'{what} "{name}" has spaces at its start or end; remove them'))
    elif name.strip().lower() in MISSING_MARKERS:
        problems.append((path, f'{what} "{name}" would be read from data as a missing value; choose another name'))


# Weights are relative: a range this wide is enough, and keeps every weighted sum of points finite
# and every share of a total far from underflow.
WEIGHT_RANGE = (1e-9, 1e9)


def _check_weights(fw: Framework) -> list[tuple[str, str]]:
    problems = []
    low, high = WEIGHT_RANGE
    for kind, items in (("domains", fw.domains), ("indicators", fw.indicators)):
        for index, item in enumerate(items):
            if not low <= item.weight <= high:
                problems.append((f"{kind}[{index}].weight", f"{item.weight:g} is outside {low:g} to {high:g}; weights are "
                                 "relative, so scale them all into that range"))
    return problems


def add_levels(problems: list[tuple[str, str]], path: str, levels: list[str], aliases: dict[str, str]) -> None:
    for index, level in enumerate(levels):
        _check_name(problems, f"{path}.levels[{index}]", level, "level")
    for alias in aliases:
        _check_name(problems, f"{path}.aliases.{alias}", alias, "alias")
    for index in _dupes(levels):
        problems.append((f"{path}.levels[{index}]", f'duplicate level "{levels[index]}" (levels differing only in case or '
                         "spaces are the same level)"))
    lowered = {level.lower() for level in levels}
    for alias, target in aliases.items():
        if target.lower() not in lowered:
            problems.append((f"{path}.aliases.{alias}", f'"{target}" is not one of the levels ({", ".join(levels)})'))
        elif alias.lower() in lowered and alias.lower() != target.lower():
            problems.append((f"{path}.aliases.{alias}", f'"{alias}" is already a level and cannot stand for another'))


def _check_method(fw: Framework, ind: Any, path: str) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if ind.method in ("bands", "quantile") and ind.cuts is not None:
        cuts = ind.cuts
        if ind.method == "quantile" and len(cuts) != ind.quantiles - 1:
            problems.append((f"{path}.cuts", f"{ind.quantiles} quantiles need {ind.quantiles - 1} cut points, got {len(cuts)}"))
        for position, (low, high) in enumerate(zip(cuts, cuts[1:])):
            if not high > low:
                problems.append((f"{path}.cuts[{position + 1}]", f"cut points must increase: {high:g} follows {low:g}"))
                break
    if ind.method == "zscore":
        problems.extend(_check_zscore(ind, path))
    if ind.method == "standard" and ind.significance and ind.unit == "%" and not 0 <= ind.standard <= 100:
        problems.append((f"{path}.standard", f"a percentage standard must lie between 0 and 100, got {ind.standard:g}"))
    if ind.method == "judgement":
        if (ind.levels is None) == (ind.judgement is None):
            problems.append((path, 'a judgement indicator needs exactly one of "levels" and "judgement"'))
            return problems
        if ind.judgement is not None and ind.judgement not in fw.judgements:
            known = ", ".join(fw.judgements) or "none defined"
            problems.append((f"{path}.judgement", f'unknown judgement "{ind.judgement}" (judgements: {known})'))
            return problems
        if ind.levels is not None:
            if len(ind.levels) < 2:
                problems.append((f"{path}.levels", "a scale needs at least two levels"))
            add_levels(problems, path, ind.levels, ind.aliases)
    labels = fw.band_labels(ind)
    if ind.labels is not None and ind.method == "judgement":
        problems.append((f"{path}.labels", "a judgement indicator's bands are its levels; remove labels"))
    elif len(labels) != _band_count(fw, ind):
        problems.append((f"{path}.labels", f"{_band_count(fw, ind)} bands need {_band_count(fw, ind)} labels, got {len(labels)}"))
    if ind.points is not None:
        count = _band_count(fw, ind)
        if len(ind.points) != count:
            problems.append((f"{path}.points", f"{count} bands need {count} points (best band first), got {len(ind.points)}"))
        elif any(worse > better for better, worse in zip(ind.points, ind.points[1:])):
            problems.append((f"{path}.points", "points must not increase from the best band to the worst"))
    return problems


def _check_zscore(ind: ZScoreIndicator, path: str) -> list[tuple[str, str]]:
    problems = []
    allowed = {"proportion": ("arcsine",), "ratio": ("log", "sqrt")}[ind.data]
    if ind.transform is not None and ind.transform not in allowed:
        problems.append(
            (f"{path}.transform", f'"{ind.transform}" does not suit {ind.data} data (use {" or ".join(allowed)})')
        )
    if isinstance(ind.target, float):
        if ind.data == "proportion":
            top = 100 if ind.unit == "%" else 1
            if not 0 < ind.target < top:
                unit = "a percentage" if top == 100 else "a proportion"
                problems.append((f"{path}.target", f"{unit} target must lie strictly between 0 and {top}, got {ind.target:g}"))
        elif ind.target <= 0:
            problems.append((f"{path}.target", f"a ratio target must be greater than 0, got {ind.target:g}"))
    if ind.trim_method == "truncate" and not 0 < ind.trim <= 1 / 3:
        problems.append((f"{path}.trim", f"truncating needs a trim above 0 and at most 1/3, got {ind.trim:g}"))
    return problems


def _band_count(fw: Framework, ind: Any) -> int:
    if ind.method == "standard":
        return 4 if ind.significance else 2
    if ind.method == "zscore":
        return len(ZSCORE_LABELS)
    if ind.method == "judgement":
        return len(fw.levels_of(ind))
    if ind.method == "quantile":
        return ind.quantiles
    return len(ind.cuts) + 1


def _check_rule(
    fw: Framework,
    rule: Rule,
    path: str,
    rating_keys: dict[str, str],
    domain_ids: list[str],
    area_ids: list[str],
) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    ratings_text = ", ".join(fw.scale.ratings)
    effects = [kind for kind in ("cap", "floor", "set") if getattr(rule, kind) is not None]
    if len(effects) != 1:
        problems.append((path, f'a rule needs exactly one of "cap", "floor" and "set", got {len(effects) or "none"}'))
    for kind in effects:
        if getattr(rule, kind) not in fw.scale.ratings:
            problems.append((f"{path}.{kind}", f'unknown rating "{getattr(rule, kind)}" (ratings: {ratings_text})'))

    def check_ratings(key: str, value: OneOrMore) -> None:
        for item in [value] if isinstance(value, str) else value:
            if item not in fw.scale.ratings:
                problems.append((f"{path}.when.{key}", f'unknown rating "{item}" (ratings: {ratings_text})'))

    when = rule.when
    if when.rating is not None:
        check_ratings("rating", when.rating)
    for domain in when.domain_score_below or {}:
        if domain not in domain_ids:
            problems.append((f"{path}.when.domain_score_below.{domain}", f'unknown domain "{domain}"'))
    for area, value in (when.area_rating or {}).items():
        if area not in area_ids:
            problems.append((f"{path}.when.area_rating.{area}", f'unknown area "{area}"'))
        check_ratings(f"area_rating.{area}", value)
    if when.areas_rated_at_most is not None:
        check_ratings("areas_rated_at_most.rating", when.areas_rated_at_most.rating)
    for key, value in (when.model_extra or {}).items():
        if key not in fw.judgements:
            known = ", ".join(sorted(CONDITION_KEYS | set(fw.judgements)))
            problems.append((f"{path}.when.{key}", f'unknown condition "{key}": not a judgement or condition (known: {known})'))
            continue
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values) or not values:
            problems.append((f"{path}.when.{key}", "must be a level or a list of levels"))
            continue
        judgement = fw.judgements[key]
        known_levels = {level.lower() for level in judgement.levels} | {a.lower() for a in judgement.aliases}
        for level in values:
            if level.lower() not in known_levels:
                problems.append(
                    (f"{path}.when.{key}", f'unknown level "{level}" of judgement {key} ({", ".join(judgement.levels)})')
                )
    if not when.model_dump(exclude_none=True) and not when.model_extra:
        problems.append((f"{path}.when", "a rule needs at least one condition"))
    return problems
