"""One cell's text as a number, a period or an organisation code, as real exports write them."""

from __future__ import annotations

import math
import re

from ccgrate._base.errors import DataError, clip, location
from ccgrate._base.vocabulary import ANNOTATED, is_missing
from ccgrate._read.dataset import Cell

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


_DOT_GROUPS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$")


_DOT_GROUPS_DECIMAL = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+,\d+$")


# One separator, or none: "2017/18", "2017 - 18", "201718", "2017". Written so that no input can
# make it backtrack (a cell of 12,000 spaces once took 8 s), and only tried on short cells.
_PERIOD = re.compile(r"(\d{4})(?:[ \t]*[/_-][ \t]*|[ \t]+)?(\d{2}|\d{4})?")


_PERIOD_LONGEST = 24


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$|\d{1,2}/\d{1,2}/\d{2,4}$")


_QUARTER = re.compile(
    r"(?i)(?:q([1-4])|quarter[ \t]*([1-4]))[ \t,]+([^ \t].{3,23})|(.{4,24}?)[ \t,]+(?:q([1-4])|quarter[ \t]*([1-4]))"
)


def normalise_period(text: str) -> str | None:
    """`2017/18`, `2017-18`, `2017/2018`, `201718`, `FY2017/18` and `2017` all mean the year 2017/18."""
    text = text.strip()
    if len(text) > _PERIOD_LONGEST:
        return None
    fiscal = text[:2].upper() == "FY"
    match = _PERIOD.fullmatch(text[2:].lstrip() if fiscal else text)
    # FY2017 alone could end in 2017 or begin in it; FY2017/18 cannot.
    if not match or (fiscal and match.group(2) is None):
        return None
    start = int(match.group(1))
    end = match.group(2)
    if end is not None:
        expected = start + 1
        if int(end) not in (expected, expected % 100):
            return None
    return f"{start}/{(start + 1) % 100:02d}"


def read_period(text: str) -> tuple[str | None, int | None]:
    """A period cell as its financial year and, where it names one (`2017/18 Q4`, `Q4 2017-18`),
    its quarter: a quarterly framework rates each quarter, an annual one reads it as its year."""
    period = normalise_period(text)
    if period is not None or len(text) > _PERIOD_LONGEST + 12:
        return period, None
    match = _QUARTER.fullmatch(text.strip())
    if match is None:
        return None, None
    year = (match.group(3) or match.group(4)).strip()
    quarter = next(int(group) for group in (match.group(1), match.group(2), match.group(5), match.group(6)) if group)
    if year[:2].upper() == "FY":
        year = year[2:].lstrip()
    # "Q4 2017" could be a calendar quarter or the last quarter of 2016/17: only a financial year
    # written with both its years says which.
    whole = _PERIOD.fullmatch(year)
    if whole is None or whole.group(2) is None:
        return None, None
    return normalise_period(year), quarter


def period_text(text: str) -> str | None:
    """A period cell as ccgrate writes a period: `2017/18`, or `2025/26 Q1` for a quarter."""
    year, quarter = read_period(text)
    if year is None:
        return None
    return f"{year} Q{quarter}" if quarter else year


def year_of(period: str) -> str:
    """The financial year of a period as ccgrate writes it (`2025/26 Q1` is in 2025/26)."""
    return period.split(" ", 1)[0]


def read_code(text: str, where: str, what: str = "org_code") -> str:
    """An organisation code as ccgrate keeps it: without surrounding spaces and in upper case (ODS
    codes are upper case, so 07q and 07Q are one organisation). A code holding a control, format
    or zero-width character is refused: two codes that look the same must be the same code."""
    code = text.strip().upper()
    if not code.isprintable():
        hidden = next(c for c in code if not c.isprintable())
        raise DataError(
            f'{what} "{clip(code)}" holds an invisible or control character (U+{ord(hidden):04X})',
            where=where,
            hint="retype the code: it may have been pasted from a web page or a word processor",
        )
    return code


def parse_number(cell: Cell, source: str) -> float | None:
    """A number from a cell as exports write it; None for a missing value."""
    text = cell.text.strip()
    if is_missing(text):
        return None
    cleaned = ANNOTATED.sub("", text) if text.endswith("]") else text
    if cleaned.endswith("%"):
        cleaned = cleaned[:-1].strip()
    if cell.decimal_comma:
        if _DOT_GROUPS.match(cleaned):
            raise DataError(
                f'column "{cell.header}": "{clip(text)}" is ambiguous in a semicolon-separated file: '
                "a decimal point or a thousands separator",
                where=location(source, cell.line, cell.column),
                hint="write it without the dot (2160) or with a decimal comma (2,16)",
            )
        if _DOT_GROUPS_DECIMAL.match(cleaned):
            cleaned = cleaned.replace(".", "")
        cleaned = cleaned.replace(",", ".", 1) if cleaned.count(",") == 1 and "." not in cleaned else cleaned
    elif _THOUSANDS.match(cleaned):
        cleaned = cleaned.replace(",", "")
    try:
        # float() also takes 1_000 and digits of other scripts; numbers in a CSV file are neither.
        if "_" in cleaned or not cleaned.isascii():
            raise ValueError(cleaned)
        value = float(cleaned)
    except ValueError:
        if _DATE.match(text):
            raise DataError(
                f'column "{cell.header}": "{clip(text)}" is a date, not a number',
                where=location(source, cell.line, cell.column),
                hint="the spreadsheet formatted the cell as a date: format the column as Number and save it again",
            ) from None
        raise DataError(
            f'column "{cell.header}": "{clip(text)}" is not a number',
            where=location(source, cell.line, cell.column),
            hint="write a number such as 66.7 (a % sign and thousands separators are allowed) or leave the cell blank",
        ) from None
    if not math.isfinite(value):
        raise DataError(
            f'column "{cell.header}": "{clip(text)}" is not a finite number',
            where=location(source, cell.line, cell.column),
            hint="leave the cell blank for a missing value",
        )
    return value
