"""Read indicator data (CSV, wide or long) into a plain, column-wise `Dataset` of raw text.

Nothing here knows about frameworks: every value stays text, and every cell can say its line
and column, so that a later step can report a value it cannot use at the exact place it came
from. Columns, not one object per cell, so that a file of 100,000 organisations reads quickly.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import math
import re
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

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
# One separator, or none: "2017/18", "2017 - 18", "201718", "2017". Written so that no input can
# make it backtrack (a cell of 12,000 spaces once took 8 s), and only tried on short cells.
_PERIOD = re.compile(r"(\d{4})(?:[ \t]*[/_-][ \t]*|[ \t]+)?(\d{2}|\d{4})?")
_PERIOD_LONGEST = 24


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    line: int
    column: int
    header: str
    # Semicolon-separated files come from spreadsheets set to a decimal comma (92,4).
    decimal_comma: bool = False


@dataclass(slots=True)
class Column:
    """One column's text for every record of a dataset ("" where a record has no cell)."""

    header: str
    texts: list[str]
    column: int  # 1-based position in the file
    lines: list[int] | None = None  # per record, when cells come from different lines (long shape)
    decimal_comma: bool = False

    def cell(self, index: int, record_lines: list[int]) -> Cell:
        line = self.lines[index] if self.lines is not None else record_lines[index]
        return Cell(self.texts[index], line, self.column, self.header, self.decimal_comma)


@dataclass(slots=True)
class Dataset:
    """A file's records (one organisation and period each), column by column."""

    source: str
    sha256: str  # of the file's bytes, as sha256sum prints it
    content_sha256: str  # of its rows, whatever their order, line ends, byte-order mark or encoding
    shape: str
    codes: list[str]
    names: list[str]
    periods: list[str | None]
    lines: list[int]  # where each record starts
    values: dict[str, Column] = field(default_factory=dict)  # keyed by lower-case column id
    numerators: dict[str, Column] = field(default_factory=dict)
    denominators: dict[str, Column] = field(default_factory=dict)
    plain_numbers: bool = False  # no cell holds "_" or a character beyond ASCII

    def __len__(self) -> int:
        return len(self.codes)

    def cell(self, column: Column, index: int) -> Cell:
        return column.cell(index, self.lines)


def column_key(header: str) -> str:
    """A header as the reader compares it with its aliases: lower case, spaces and dashes as _."""
    return re.sub(r"[\s-]+", "_", header.strip().lower())


def normalise_period(text: str) -> str | None:
    """`2017/18`, `2017-18`, `2017/2018`, `201718` and `2017` all mean the year 2017/18."""
    text = text.strip()
    if len(text) > _PERIOD_LONGEST:
        return None
    match = _PERIOD.fullmatch(text)
    if not match:
        return None
    start = int(match.group(1))
    end = match.group(2)
    if end is not None:
        expected = start + 1
        if int(end) not in (expected, expected % 100):
            return None
    return f"{start}/{(start + 1) % 100:02d}"


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
        # float() also takes 1_000 and digits of other scripts; numbers in a CSV file are neither.
        if "_" in cleaned or not cleaned.isascii():
            raise ValueError(cleaned)
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
    # Millions of cells are millions of new objects: the cyclic garbage collector would walk them
    # again and again while they are made, and none of them can be garbage yet.
    with _collector_paused():
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
    # Python reads 1_000 and digits of other scripts as numbers, and no export means them so: where
    # the file's cells hold neither, no column needs looking at again for them.
    body_text = text[len(first_line):]
    plain_numbers = body_text.isascii() and "_" not in body_text
    # A row of empty cells is no record (spreadsheets leave them); most rows start with a code.
    body = [(line, row) for line, row in rows[1:] if row and (row[0].strip() or "".join(row).strip())]
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
    content = content_hash(header, [row for _, row in body], "\x1e" in text or "\x1f" in text)
    if "indicator" in names and "value" in names:
        dataset = _read_long(names, header, body, source, sha256, content, decimal_comma)
    else:
        dataset = _read_wide(names, header, body, source, sha256, content, decimal_comma)
    dataset.plain_numbers = plain_numbers
    return dataset


def content_hash(header: list[str], records: list[list[str]], separators: bool | None = None) -> str:
    """sha256 of the parsed records: the header, then every non-blank record in sorted order. The
    same for the same data in any row order, with any line ends, quoting, byte-order mark,
    delimiter or encoding; different for any two files whose cells differ (a line break inside a
    cell included).

    Cells are joined with the ASCII unit separator and records with the record separator, which no
    cell holds; a file whose cells do hold one is written as CSV with every cell quoted instead.
    Each way is tagged, so the two can never give the same hash for different data. `separators`,
    when the caller knows (the file's text holds either character), saves looking cell by cell."""
    ordered = sorted(records)
    if separators is None:
        separators = any("\x1e" in cell or "\x1f" in cell for row in [header, *ordered] for cell in row)
    if not separators:
        stream = "ccgrate-records-1\x1e" + "\x1e".join(map("\x1f".join, [header, *ordered]))
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(ordered)
        stream = "ccgrate-records-csv-1\n" + buffer.getvalue()
    return hashlib.sha256(stream.encode("utf-8", "surrogatepass")).hexdigest()


@contextmanager
def _collector_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
        key = COLUMN_ALIASES.get(column_key(key), key)
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


def _identities(names: list[str], body: list, source: str) -> tuple[list[str], list[str], list[str | None]]:
    """Each row's organisation code, name and period, checked."""
    code_at = names.index("org_code")
    name_at = names.index("org_name") if "org_name" in names else None
    period_at = names.index("period") if "period" in names else None
    codes, org_names, periods = [], [], []
    known_periods: dict[str, str | None] = {}
    for line, row in body:
        raw = row[code_at]
        code = raw.strip().upper()
        if not code:
            raise DataError(
                "org_code is blank", where=location(source, line, code_at + 1), hint="every row needs an organisation code"
            )
        if not code.isprintable():
            code = read_code(raw, location(source, line, code_at + 1))
        codes.append(code)
        org_names.append(row[name_at].strip() if name_at is not None else "")
        if period_at is None:
            periods.append(None)
            continue
        text = row[period_at]
        if text not in known_periods:
            known_periods[text] = normalise_period(text)
        period = known_periods[text]
        if period is None:
            raise DataError(
                f'period "{clip(text.strip())}" is not a year',
                where=location(source, line, period_at + 1),
                hint="write periods as 2017/18 (or 2017-18, or 2017 for the year starting April 2017)",
            )
        periods.append(period)
    return codes, org_names, periods


IDENTITY = frozenset({"org_code", "org_name", "period"})


def _read_wide(names, header, body, source, sha256, content, decimal_comma) -> Dataset:
    codes, org_names, periods = _identities(names, body, source)
    first_seen: dict[tuple[str, str | None], int] = {}
    for (line, _), code, period in zip(body, codes, periods):
        key = (code, period)
        if key in first_seen:
            raise DataError(
                f"a second row for {code}{' ' + period if period else ''} (the first is on line {first_seen[key]})",
                where=location(source, line),
                hint="keep one row per organisation and period",
            )
        first_seen[key] = line
    lines = [line for line, _ in body]
    dataset = Dataset(source, sha256, content, "wide", codes, org_names, periods, lines)
    # One C-level pass turns the rows into a grid whose columns are then cheap to take.
    grid = np.array([row for _, row in body], dtype=object)
    for index, name in enumerate(names):
        if name in IDENTITY:
            continue
        column = Column(header[index].strip(), grid[:, index].tolist(), index + 1, None, decimal_comma)
        if name.endswith(_SUFFIXES[0]):
            dataset.numerators[name[: -len(_SUFFIXES[0])]] = column
        elif name.endswith(_SUFFIXES[1]):
            dataset.denominators[name[: -len(_SUFFIXES[1])]] = column
        else:
            dataset.values[name] = column
    return dataset


def _read_long(names, header, body, source, sha256, content, decimal_comma) -> Dataset:
    columns = {name: index for index, name in enumerate(names)}
    unexpected = [header[i].strip() for i, n in enumerate(names) if n not in COLUMN_ALIASES.values()]
    if unexpected:
        raise DataError(
            f"unexpected column{'s' if len(unexpected) > 1 else ''} in a long-shaped file: {', '.join(unexpected)}",
            where=source,
            hint="a long file has org_code,org_name,period,indicator,value and optionally numerator,denominator",
        )
    codes, org_names, periods = _identities(names, body, source)
    record_of: dict[tuple[str, str | None], int] = {}
    dataset = Dataset(source, sha256, content, "long", [], [], [], [])
    cells: dict[str, dict[str, dict[int, tuple[str, int]]]] = {"value": {}, "numerator": {}, "denominator": {}}
    headers: dict[str, str] = {}
    first_seen: dict[tuple[str, str | None, str], int] = {}
    indicator_at = columns["indicator"]
    for (line, row), code, name, period in zip(body, codes, org_names, periods):
        indicator = row[indicator_at].strip()
        if not indicator:
            raise DataError("indicator is blank", where=location(source, line, indicator_at + 1), hint="name the indicator id")
        key = indicator.lower()
        seen_key = (code, period, key)
        if seen_key in first_seen:
            raise DataError(
                f"a second value of {indicator} for {code}{' ' + period if period else ''} "
                f"(the first is on line {first_seen[seen_key]})",
                where=location(source, line),
                hint="keep one row per organisation, period and indicator",
            )
        first_seen[seen_key] = line
        record = record_of.get((code, period))
        if record is None:
            record = record_of[(code, period)] = len(dataset.codes)
            dataset.codes.append(code)
            dataset.names.append(name)
            dataset.periods.append(period)
            dataset.lines.append(line)
        elif not dataset.names[record] and name:
            dataset.names[record] = name
        headers.setdefault(key, indicator)
        for part in ("value", "numerator", "denominator"):
            if part in columns:
                cells[part].setdefault(key, {})[record] = (row[columns[part]], line)
    count = len(dataset.codes)
    for part, store in (("value", dataset.values), ("numerator", dataset.numerators), ("denominator", dataset.denominators)):
        for key, by_record in cells[part].items():
            texts = [""] * count
            lines = list(dataset.lines)
            for record, (text, line) in by_record.items():
                texts[record], lines[record] = text, line
            label = headers[key] if part == "value" else f"{headers[key]} {part}"
            store[key] = Column(label, texts, columns[part] + 1, lines, decimal_comma)
    return dataset
