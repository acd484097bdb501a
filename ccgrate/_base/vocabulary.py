"""The words of a data file that a framework must not take for its own: the names under which
the reader knows a column's role, and the cells it reads as a missing value."""

from __future__ import annotations

import re

# Cells that mean "no value", read as missing without remark: blank, and the ways of writing "not
# available" that an export writes by itself.
PLAIN_MISSING = frozenset({"", "na", "n/a", "null", "none"})
# What statisticians put in place of a value they do not give, read as missing and counted in one
# note per file: the suppression and not-available signs of NHS Digital, NHS England and ONS
# tables (* .. - : x), and the Government Statistical Service's shorthand in square brackets:
# [c] confidential, [x] not available, [z] not applicable, [low] too small to show, [u] too
# unreliable to show, [w] none recorded, [k] a low figure that rounds to zero, [d] withheld to
# avoid disclosure. Bare letters other than x are not taken: low, c or u may be a level's name.
SHORTHAND = frozenset({"-", "*", "..", ":", "x"} | {f"[{code}]" for code in ("c", "x", "z", "low", "u", "w", "k", "d")})
# Excel's error values: a formula failed upstream, so the value is missing and the person must be
# told which cells, in a workbook or a CSV saved from one.
SPREADSHEET_ERRORS = frozenset(
    {
        "#n/a",
        "#div/0!",
        "#value!",
        "#ref!",
        "#name?",
        "#num!",
        "#null!",
        "#spill!",
        "#calc!",
        "#field!",
        "#blocked!",
        "#busy!",
        "#connect!",
        "#unknown!",
        "#python!",
        "#external!",
        "#getting_data",
    }
)
MISSING_MARKERS = PLAIN_MISSING | SHORTHAND | SPREADSHEET_ERRORS
# A number that carries the shorthand of a note beside it, as "56.2 [p]": provisional, revised,
# estimated, forecast, low reliability, break in series, or a numbered note. The number is what
# the cell gives.
ANNOTATED = re.compile(r"(?i)\s*(\[(?:p|r|e|f|u|b|note \d{1,3})\]\s*)+$")


# Header names as NHS England, NHS Digital and ONS publications write them, compared after
# `column_key` (lower case, spaces and dashes as _). Anything else can be named with --column.
ROLE_NAMES = {
    "org_code": (
        "org_code",
        "code",
        "ccg_code",
        "organisation_code",
        "organization_code",
        "ods_code",
        "org_ods_code",
        "ccg_ods_code",
        "commissioner_code",
        "commissioner_org_code",
        "org_id",
        # CCGs' successors since July 2022, under which NHS publications now list CCG-level data
        "sub_icb_location_code",
        "sub_icb_code",
        "sicbl_code",
        # NHS trusts, as NHS England's oversight framework data names them
        "trust_code",
        "provider_code",
    ),
    "org_name": (
        "org_name",
        "name",
        "ccg_name",
        "organisation_name",
        "organization_name",
        "commissioner_name",
        "organisation",
        "organization",
        "sub_icb_location_name",
        "sub_icb_name",
        "sicbl_name",
        "trust_name",
        "provider_name",
    ),
    "period": (
        "period",
        "year",
        "reporting_period",
        "financial_year",
        "time_period",
        "fin_year",
        "reporting_year",
        "quarter",
        "reporting_quarter",
    ),
    # The group an organisation is ranked within (NHS England's league tables are by trust type).
    "peer_group": ("peer_group", "trust_type", "provider_type", "organisation_type", "organization_type", "org_type"),
    "indicator": (
        "indicator",
        "indicator_id",
        "indicator_code",
        "indicator_ref",
        "metric_id",
        "metric_code",
        "measure_id",
    ),
    "value": ("value", "indicator_value", "metric_value", "measure_value"),
    "numerator": ("numerator", "indicator_numerator", "metric_numerator", "num"),
    "denominator": ("denominator", "indicator_denominator", "metric_denominator", "denom"),
}


COLUMN_ALIASES = {name: role for role, names in ROLE_NAMES.items() for name in names}


ROLES = tuple(ROLE_NAMES)


def column_key(header: str) -> str:
    """A header as the reader compares it with its aliases: lower case, spaces and dashes as _."""
    return re.sub(r"[\s-]+", "_", header.strip().lower())


def is_missing(text: str) -> bool:
    return text.strip().lower() in MISSING_MARKERS
