"""The JSON Schema of `ccgrate score -f json` and `-f ndjson`, generated from these models.

The models describe what `render/machine.py` writes; they are never used to write it. The test
suite validates real output against the generated schema with an independent validator, so a
field added, renamed or retyped in one place and not the other fails there. Field meanings are
those of the README's "Output formats" tables.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SHA256 = Field(pattern="^[0-9a-f]{64}$")
# Statistics are full doubles; null where the arithmetic has no finite answer (JSON has no NaN).
Number = float | None


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FrameworkRecord(_Record):
    """A framework used by the run."""

    id: str
    name: str
    period: str
    sha256: str = SHA256
    origin: str = Field(description="builtin:<id>, or the path given.")
    reconstructed: bool = Field(
        description="The framework reconstructs a method from public sources: its ratings are not the official ones."
    )


class InputRecord(_Record):
    source: str = Field(description="The path given, <stdin>, or file:sheet for a workbook.")
    sha256: str = SHA256
    content_sha256: str = SHA256
    shape: Literal["wide", "long"]
    rows: int = Field(ge=0)


class IndicatorStats(_Record):
    """The population statistics of one population-based indicator of one file and period."""

    source: str
    period: str
    framework: str
    indicator: str
    method: Literal["quantile", "zscore", "rank"]
    n: int | None = Field(
        default=None, description="Organisations in the estimate (after trimming); for rank, those ranked."
    )
    cuts: list[float] | None = Field(default=None, description="Population quantile cut points.")
    data: str | None = None
    transform: str | None = None
    overdispersion: str | None = None
    trim: float | None = None
    trim_method: str | None = None
    k: int | None = Field(default=None, description="Organisations with usable counts.")
    excluded: int | None = None
    target: Number = None
    phi: Number = None
    tau2: Number = None
    fixed: bool | None = Field(default=None, description="phi and tau2 came from the framework.")


class AreaStats(IndicatorStats):
    """The population statistics of an area's own banding of one of its indicators (the same names
    and precision as the headline's)."""

    area: str


class IndicatorRecord(_Record):
    id: str
    domain: str
    area: str | None
    value: float | str | None = Field(description="A number, a judgement level, or null when missing.")
    numerator: Number
    denominator: Number
    reference: str | None = Field(description="What the value was compared with.")
    band: str | None
    band_rank: int | None = Field(ge=0, description="0 is the best band.")
    bands: int = Field(ge=1, description="How many bands.")
    points: Number
    weight: float = Field(ge=0)
    note: str | None = Field(default=None, description="Why the value was not banded; present only then.")
    y: Number = Field(default=None, description="z-score indicators: the transformed rate.")
    target: Number = Field(default=None, description="z-score indicators: the target on the transformed scale.")
    s: Number = Field(default=None, description="z-score indicators: the standard error.")
    z: Number = None
    z_adj: Number = Field(default=None, description="The z-score adjusted for over-dispersion.")
    lower: Number = Field(default=None, description="Standards with significance: the interval's lower end.")
    upper: Number = Field(default=None, description="Standards with significance: the interval's upper end.")
    counted: bool | None = Field(
        default=None,
        description="false for an indicator shown but not counted in any score (a part of a lookup); present only then.",
    )
    rank: int | None = Field(
        default=None, ge=1, description="Rank indicators: the value's rank within the peer group (1 best)."
    )
    measured: Number = Field(default=None, description="Score indicators: the value the score was given for.")
    score_rank: Number = Field(
        default=None, description="Rank indicators: the value's rank among those its score ranks it with (R)."
    )
    ranked: Number = Field(default=None, description="Rank indicators: how many were ranked (N).")
    published: Number = Field(
        default=None, description="The publisher's own score of the indicator, where the data holds one."
    )


class AreaBandRecord(_Record):
    id: str = Field(description="An indicator the area bands its own way (against an ambition, say).")
    band: str | None
    band_rank: int | None = Field(ge=0, description="0 is the best band.")
    points: Number
    reference: str | None = Field(description="What the value was compared with.")
    note: str | None = Field(
        default=None, description="Why the area could not band it (no value, no counts...); present only then."
    )
    y: Number = Field(default=None, description="z-score bandings: the transformed rate.")
    target: Number = Field(default=None, description="z-score bandings: the target on the transformed scale.")
    s: Number = Field(default=None, description="z-score bandings: the standard error.")
    z: Number = None
    z_adj: Number = Field(default=None, description="The z-score adjusted for over-dispersion.")
    lower: Number = Field(default=None, description="Standards with significance: the interval's lower end.")
    upper: Number = Field(default=None, description="Standards with significance: the interval's upper end.")


class RuleFired(_Record):
    rule: str
    effect: Literal["cap", "floor", "set"]
    rating: str = Field(description="The rule's target rating.")
    before: str | None
    after: str | None
    reason: str


class Assessment(_Record):
    """One organisation in one period."""

    org_code: str
    org_name: str
    period: str
    framework: str
    framework_sha256: str = SHA256
    framework_reconstructed: bool
    source: str
    input_sha256: str | None = Field(description="The input's content_sha256.")
    score: Number = Field(
        ge=0,
        le=100,
        description="Overall score on the framework's scale (0-100; NOF: average metric score 1-4, lower is better); "
        "null when nothing could be scored.",
    )
    provisional_rating: str | None = Field(description="The rating the score alone gives.")
    adjusted_rating: str | None = Field(
        description="The rating after the rules, before any rule that sets a rating only rules give (NOF segment 5)."
    )
    rating: str | None = Field(description="The final rating after the rules; null when not rated.")
    peer_group: str | None = Field(
        description="The organisation's peer group (NHS England's trust type), if the data names one."
    )
    rank: int | None = Field(
        ge=1,
        description="League rank within peer group and period (1 best; ties share the best), for frameworks that rank.",
    )
    coverage: float = Field(ge=0, le=1, description="Share of the total indicator weight that had a value.")
    judgements: dict[str, str]
    domains: dict[str, Number]
    domain_ratings: dict[str, str | None] = Field(description="Ratings of the domains that have their own cut points.")
    areas: dict[str, str | None]
    area_scores: dict[str, Number]
    area_bands: dict[str, list[AreaBandRecord]] = Field(
        description="For areas with their own rating method: how they banded those of their indicators they band "
        "differently from the headline rating."
    )
    indicators: list[IndicatorRecord]
    rules_fired: list[RuleFired]
    missing: list[str]
    warnings: list[str]
    published: dict[str, float | int | str] = Field(
        description="The publisher's own results for the organisation, where the data holds them: score, "
        "provisional_rating, adjusted_rating, rating, rank, domain_score:<id>, domain_rating:<id>."
    )
    agreement: dict[str, bool | float] = Field(
        description="Per published result, whether ccgrate's agrees (scores: rounds to the published 2 dp; domain "
        "scores: within 0.01); score_difference is ccgrate's unrounded score less the published one."
    )


class ScoreDocument(_Record):
    """The whole `ccgrate score -f json` document."""

    ccgrate_version: str
    schema_version: int
    framework: FrameworkRecord | None = Field(description="The framework used, or null when the run used several.")
    frameworks: list[FrameworkRecord]
    inputs: list[InputRecord]
    indicator_stats: list[IndicatorStats]
    area_stats: list[AreaStats] = Field(
        description="The statistics of the areas' own population-based bandings, one entry per area and indicator."
    )
    assessments: list[Assessment]
    warnings: list[str]
    caveat: str | None = Field(description="Set when a framework used is a reconstruction: the line that says so.")


class ScoreLine(Assessment):
    """One line of `ccgrate score -f ndjson`: an assessment with the program and format versions."""

    ccgrate_version: str
    schema_version: int


KINDS: dict[str, type[BaseModel]] = {"score": ScoreDocument, "score-line": ScoreLine}


def output_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of a machine output: `score` (-f json) or `score-line` (one -f ndjson line)."""
    from ccgrate._render.cells import SCHEMA_VERSION

    model = KINDS[kind]
    schema = model.model_json_schema()
    schema["properties"]["schema_version"] = {
        "const": SCHEMA_VERSION,
        "title": "Schema Version",
        "description": "The version of this format.",
    }
    title = "ccgrate score -f json" if kind == "score" else "ccgrate score -f ndjson (one line)"
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        **{key: value for key, value in schema.items() if key != "title"},
    }
