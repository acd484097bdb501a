"""Read indicator data (CSV, wide or long) into a plain `Dataset` of raw cells.

Nothing here knows about frameworks: every value stays text with its line and column, so that a
later step can report a value it cannot use at the exact place it came from.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from dataclasses import dataclass, field

from .errors import DataError, location

# Cells that mean "no value" in real exports: blank, NA markers and the suppression signs used
# by NHS Digital (*) and ONS (x, ..).
MISSING_MARKERS = frozenset({"", "na", "n/a", "null", "none", "-", "*", "..", "x", ":"})

COLUMN_ALIASES = {
    "org_code": "org_code",
    "code": "org_code",
    "ccg_code": "org_code",
    "organisation_code": "org_code",
    "organization_code": "org_code",
    "org_name": "org_name",
    "name": "org_name",
    "ccg_name": "org_name",
    "organisation_name": "org_name",
    "organization_name": "org_name",
    "period": "period",
    "year": "period",
    "indicator": "indicator",
    "indicator_id": "indicator",
    "value": "value",
    "numerator": "numerator",
    "denominator": "denominator",
}
_SUFFIXES = ("_numerator", "_denominator")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_DOT_GROUPS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$")
_DOT_GROUPS_DECIMAL = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+,\d+$")
_PERIOD = re.compile(r"^(\d{4})\s*(?:/|-|_|\s)?\s*(\d{2}|\d{4})?$")


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    line: int
    column: int
    header: str
    # Semicolon-separated files come from spreadsheets set to a decimal comma (92,4).
    decimal_comma: bool = False


@dataclass(slots=True)
class Record:
    """One organisation in one period, with its raw cells keyed by lower-case column id."""

    org_code: str
    org_name: str
    period: str | None
    line: int
    values: dict[str, Cell] = field(default_factory=dict)
    numerators: dict[str, Cell] = field(default_factory=dict)
    denominators: dict[str, Cell] = field(default_factory=dict)


@dataclass(slots=True)
class Dataset:
    source: str
    sha256: str  # of the file's bytes, as sha256sum prints it
    content_sha256: str  # of its rows, whatever their order, line ends, byte-order mark or encoding
    shape: str
    records: list[Record]


def normalise_period(text: str) -> str | None:
    """`2017/18`, `2017-18`, `2017/2018`, `201718` and `2017` all mean the year 2017/18."""
    match = _PERIOD.match(text.strip())
    if not match:
        return None
    start = int(match.group(1))
    end = match.group(2)
    if end is not None:
        expected = start + 1
        if int(end) not in (expected, expected % 100):
            return None
    return f"{start}/{(start + 1) % 100:02d}"


def is_missing(text: str) -> bool:
    return text.strip().lower() in MISSING_MARKERS


def parse_number(cell: Cell, source: str) -> float | None:
    """A number from a cell as exports write it; None for a missing value."""
    text = cell.text.strip()
    if is_missing(text):
        return None
    cleaned = text
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
        value = float(cleaned)
    except ValueError:
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


def clip(text: str, limit: int = 40) -> str:
    """A cell for a one-line message: control characters escaped, long text cut."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def decode(raw: bytes, source: str, encoding: str = "utf-8-sig") -> str:
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") and not encoding.lower().replace("_", "-").startswith("utf-16"):
        raise DataError(
            "the file is UTF-16 text (as Excel's 'Unicode text' saves it)",
            where=source,
            hint="pass --encoding utf-16, or save it as CSV UTF-8",
        )
    if b"\x00" in raw[:65536] and not encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32")):
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise DataError(
            "contains NUL bytes, so it is not a CSV text file",
            where=location(source, line),
            hint="export the data as CSV (comma-separated values)",
        )
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        hint = (
            "if the file came from Excel on Windows, try --encoding cp1252 (or latin-1)"
            if encoding.lower().replace("_", "-") in ("utf-8", "utf-8-sig", "utf8")
            else "check the file's encoding and pass it with --encoding"
        )
        shown = "UTF-8" if encoding.lower().replace("_", "-") in ("utf-8", "utf-8-sig", "utf8") else encoding
        raise DataError(
            f"byte 0x{raw[error.start]:02x} is not valid {shown} text",
            where=location(source, line, column),
            hint=hint,
        ) from None
    except LookupError:
        raise DataError(f'unknown encoding "{encoding}"', hint="use an encoding name such as utf-8, cp1252 or latin-1") from None


def read_dataset(raw: bytes, source: str, encoding: str = "utf-8-sig") -> Dataset:
    """Parse a CSV file's bytes; raises DataError naming file, line and column."""
    text = decode(raw, source, encoding)
    if not text.strip():
        raise DataError("the file is empty", where=source, hint="give a CSV file with a header row and data rows")
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=lambda d: (first_line.count(d), d == ","))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    previous_end = 0
    try:
        for row in reader:
            rows.append((previous_end + 1, row))
            previous_end = reader.line_num
    except csv.Error as error:
        raise DataError(
            f"unreadable CSV: {error}", where=location(source, previous_end + 1), hint="check the quoting on this line"
        ) from None
    header_line, header = rows[0]
    names = _header_names(header, source, header_line)
    decimal_comma = delimiter == ";"
    body = [(line, row) for line, row in rows[1:] if any(cell.strip() for cell in row)]
    if not body:
        raise DataError("the file has a header but no data rows", where=source, hint="add one row per organisation")
    for line, row in body:
        if len(row) != len(header):
            raise DataError(
                f"this row has {len(row)} fields but the header has {len(header)}",
                where=location(source, line),
                hint="every row needs one field per header column (check for a stray or missing comma)",
            )
    sha256 = hashlib.sha256(raw).hexdigest()
    content = content_hash(header, [row for _, row in body])
    if "indicator" in names and "value" in names:
        return Dataset(source, sha256, content, "long", _read_long(names, header, body, source, decimal_comma))
    return Dataset(source, sha256, content, "wide", _read_wide(names, header, body, source, decimal_comma))


def content_hash(header: list[str], rows: list[list[str]]) -> str:
    """sha256 of the header and the sorted rows: the same for the same data in any row order."""
    unit, record = "\x1f", "\x1e"
    lines = sorted(unit.join(cell.strip() for cell in row) for row in rows)
    text = record.join([unit.join(cell.strip() for cell in header), *lines])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _header_names(header: list[str], source: str, line: int) -> list[str]:
    names = []
    seen: dict[str, int] = {}
    for index, text in enumerate(header, start=1):
        key = text.strip().lower()
        if not key:
            raise DataError(
                "a header cell is empty", where=location(source, line, index), hint="give every column a name"
            )
        # "Org Code" and "org-code" name the same column; indicator ids are kept as written.
        key = COLUMN_ALIASES.get(re.sub(r"[\s-]+", "_", key), key)
        if key in seen:
            raise DataError(
                f'column "{text.strip()}" appears twice (also column {seen[key]})',
                where=location(source, line, index),
                hint="remove or rename one of them",
            )
        seen[key] = index
        names.append(key)
    if "org_code" not in seen:
        raise DataError(
            "no org_code column",
            where=location(source, line),
            hint="name the column of organisation codes org_code (wide: org_code,org_name,period,<indicator ids>; "
            "long: org_code,org_name,period,indicator,value)",
        )
    return names


def _identity(row: list[str], names: list[str], header: list[str], line: int, source: str) -> tuple[str, str, str | None]:
    by_name = dict(zip(names, row))
    code = by_name["org_code"].strip()
    if not code:
        raise DataError(
            "org_code is blank",
            where=location(source, line, names.index("org_code") + 1),
            hint="every row needs an organisation code",
        )
    name = by_name.get("org_name", "").strip()
    period = None
    if "period" in by_name:
        text = by_name["period"].strip()
        period = normalise_period(text)
        if period is None:
            raise DataError(
                f'period "{clip(text)}" is not a year',
                where=location(source, line, names.index("period") + 1),
                hint="write periods as 2017/18 (or 2017-18, or 2017 for the year starting April 2017)",
            )
    return code, name, period


def _read_wide(names: list[str], header: list[str], body: list, source: str, decimal_comma: bool) -> list[Record]:
    records: list[Record] = []
    first_seen: dict[tuple[str, str | None], int] = {}
    identity_columns = {"org_code", "org_name", "period"}
    for line, row in body:
        code, name, period = _identity(row, names, header, line, source)
        key = (code, period)
        if key in first_seen:
            raise DataError(
                f"a second row for {code}{' ' + period if period else ''} (the first is on line {first_seen[key]})",
                where=location(source, line),
                hint="keep one row per organisation and period",
            )
        first_seen[key] = line
        record = Record(code, name, period, line)
        for index, (column, text) in enumerate(zip(names, row), start=1):
            if column in identity_columns:
                continue
            cell = Cell(text, line, index, header[index - 1].strip(), decimal_comma)
            if column.endswith(_SUFFIXES[0]):
                record.numerators[column[: -len(_SUFFIXES[0])]] = cell
            elif column.endswith(_SUFFIXES[1]):
                record.denominators[column[: -len(_SUFFIXES[1])]] = cell
            else:
                record.values[column] = cell
        records.append(record)
    return records


def _read_long(names: list[str], header: list[str], body: list, source: str, decimal_comma: bool) -> list[Record]:
    by_key: dict[tuple[str, str | None], Record] = {}
    first_seen: dict[tuple[str, str | None, str], int] = {}
    columns = {name: index for index, name in enumerate(names)}
    unexpected = [header[i].strip() for i, n in enumerate(names) if n not in COLUMN_ALIASES.values()]
    if unexpected:
        raise DataError(
            f"unexpected column{'s' if len(unexpected) > 1 else ''} in a long-shaped file: {', '.join(unexpected)}",
            where=source,
            hint="a long file has org_code,org_name,period,indicator,value and optionally numerator,denominator",
        )
    for line, row in body:
        code, name, period = _identity(row, names, header, line, source)
        indicator_column = columns["indicator"]
        indicator = row[indicator_column].strip()
        if not indicator:
            raise DataError(
                "indicator is blank", where=location(source, line, indicator_column + 1), hint="name the indicator id"
            )
        key = (code, period)
        id_key = indicator.lower()
        seen_key = (code, period, id_key)
        if seen_key in first_seen:
            raise DataError(
                f"a second value of {indicator} for {code}{' ' + period if period else ''} "
                f"(the first is on line {first_seen[seen_key]})",
                where=location(source, line),
                hint="keep one row per organisation, period and indicator",
            )
        first_seen[seen_key] = line
        record = by_key.get(key)
        if record is None:
            record = by_key[key] = Record(code, name, period, line)
        elif not record.org_name and name:
            record.org_name = name
        value_column = columns["value"]
        record.values[id_key] = Cell(row[value_column], line, value_column + 1, indicator, decimal_comma)
        for part, store in (("numerator", record.numerators), ("denominator", record.denominators)):
            if part in columns:
                position = columns[part]
                store[id_key] = Cell(row[position], line, position + 1, f"{indicator} {part}", decimal_comma)
    return list(by_key.values())
