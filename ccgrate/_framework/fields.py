"""The field types every part of a framework file shares: identifiers, scores, directions, and
the strictness of every model (unknown keys, wrong types and non-finite numbers refused)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

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


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False, defer_build=True)
