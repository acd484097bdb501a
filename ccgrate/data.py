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
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from .errors import DataError, NotIndicatorData, listed, location

# Cells that mean "no value" in real exports: blank, NA markers and the suppression signs used
# by NHS Digital (*) and ONS (x, ..).
# Excel's error values (#N/A, #DIV/0!) are missing values too, in a workbook or a CSV saved from one.
MISSING_MARKERS = frozenset({"", "na", "n/a", "null", "none", "-", "*", "..", "x", ":",
                             "#n/a", "#div/0!", "#value!", "#ref!", "#name?", "#num!", "#null!"})

# Header names as NHS England, NHS Digital and ONS publications write them, compared after
# `column_key` (lower case, spaces and dashes as _). Anything else can be named with --column.
ROLE_NAMES = {
    "org_code": ("org_code", "code", "ccg_code", "organisation_code", "organization_code", "ods_code",
                 "org_ods_code", "ccg_ods_code", "commissioner_code", "commissioner_org_code", "org_id",
                 # CCGs' successors since July 2022, under which NHS publications now list CCG-level data
                 "sub_icb_location_code", "sub_icb_code", "sicbl_code"),
    "org_name": ("org_name", "name", "ccg_name", "organisation_name", "organization_name", "commissioner_name",
                 "organisation", "organization", "sub_icb_location_name", "sub_icb_name", "sicbl_name"),
    "period": ("period", "year", "reporting_period", "financial_year", "time_period", "fin_year", "reporting_year"),
    "indicator": ("indicator", "indicator_id", "indicator_code", "indicator_ref", "metric_id", "metric_code",
                  "measure_id"),
    "value": ("value", "indicator_value", "metric_value", "measure_value"),
    "numerator": ("numerator", "indicator_numerator", "metric_numerator", "num"),
    "denominator": ("denominator", "indicator_denominator", "metric_denominator", "denom"),
}
COLUMN_ALIASES = {name: role for role, names in ROLE_NAMES.items() for name in names}
ROLES = tuple(ROLE_NAMES)
# Columns that publications carry beside the data and that no framework rates: set aside with a
# note rather than read as indicators of a wide file.
DESCRIPTIVE = frozenset({
    "region", "region_code", "region_name", "nhs_region", "commissioning_region", "stp", "stp_code", "stp_name",
    "ics", "ics_code", "ics_name", "icb", "icb_code", "icb_name", "indicator_name", "metric_name", "measure_name",
    "indicator_description", "unit", "units", "lower_ci", "upper_ci", "lower_confidence_limit",
    "upper_confidence_limit", "lci", "uci", "ci_lower", "ci_upper", "domain", "clinical_priority_area", "area",
    "ons_code", "ccg_ons_code", "la_code", "publication_date", "date", "notes", "note", "comment", "comments",
    "source", "polarity", "england_value", "national_value", "rag", "rank",
})
_SUFFIXES = ("_numerator", "_denominator")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_DOT_GROUPS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$")
_DOT_GROUPS_DECIMAL = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+,\d+$")
# One separator, or none: "2017/18", "2017 - 18", "201718", "2017". Written so that no input can
# make it backtrack (a cell of 12,000 spaces once took 8 s), and only tried on short cells.
_PERIOD = re.compile(r"(\d{4})(?:[ \t]*[/_-][ \t]*|[ \t]+)?(\d{2}|\d{4})?")
_PERIOD_LONGEST = 24
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$|\d{1,2}/\d{1,2}/\d{2,4}$")
_QUARTER = re.compile(r"(?i)(?:q[1-4]|quarter[ \t]*[1-4])[ \t,]+([^ \t].{3,23})|(.{4,24}?)[ \t,]+(?:q[1-4]|quarter[ \t]*[1-4])")


@dataclass(frozen=True)
class Reading:
    """How to read a data file beyond its bytes: the text encoding of a CSV file, the sheet of a
    workbook, and headers named by the user for roles (or indicator ids) the reader does not know."""

    encoding: str = "utf-8-sig"
    sheet: str | None = None
    columns: tuple[tuple[str, str], ...] = ()  # (role or indicator id, header as the file writes it)


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
    """One column of a dataset: the text of every record's cell ("" where a record has none), or,
    from the fast reader (`columnar.py`), the numbers every cell held, with a way back to any one
    cell's text for messages."""

    header: str
    texts: list[str] | None
    column: int  # 1-based position in the file
    lines: list[int] | None = None  # per record, when cells come from different lines (long shape)
    decimal_comma: bool = False
    numbers: np.ndarray | None = None  # every cell a plain finite number or blank (NaN)
    text_of: Callable[[int], str] | None = None  # a record's cell text, when `texts` is None

    def text(self, index: int) -> str:
        return self.texts[index] if self.texts is not None else self.text_of(index)

    def all_texts(self) -> list[str]:
        if self.texts is None:
            self.texts = [self.text_of(i) for i in range(len(self.numbers))]
        return self.texts

    def cell(self, index: int, record_lines: Sequence[int]) -> Cell:
        line = self.lines[index] if self.lines is not None else record_lines[index]
        return Cell(self.text(index), line, self.column, self.header, self.decimal_comma)


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
    lines: Sequence[int]  # where each record starts (a range when the records are the file's lines)
    values: dict[str, Column] = field(default_factory=dict)  # keyed by lower-case column id
    numerators: dict[str, Column] = field(default_factory=dict)
    denominators: dict[str, Column] = field(default_factory=dict)
    plain_numbers: bool = False  # no cell holds "_" or a character beyond ASCII
    notes: list[str] = field(default_factory=list)  # what the reader set aside or read generously

    def __len__(self) -> int:
        return len(self.codes)

    def cell(self, column: Column, index: int) -> Cell:
        return column.cell(index, self.lines)


def column_key(header: str) -> str:
    """A header as the reader compares it with its aliases: lower case, spaces and dashes as _."""
    return re.sub(r"[\s-]+", "_", header.strip().lower())


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


def read_period(text: str) -> tuple[str | None, bool]:
    """A period cell as its financial year, and whether it named a quarter of it (`2017/18 Q4`,
    `Q4 2017-18`): quarterly publications are read as the year they belong to."""
    period = normalise_period(text)
    if period is not None or len(text) > _PERIOD_LONGEST + 12:
        return period, False
    match = _QUARTER.fullmatch(text.strip())
    if match is None:
        return None, False
    year = (match.group(1) or match.group(2)).strip()
    if year[:2].upper() == "FY":
        year = year[2:].lstrip()
    # "Q4 2017" could be a calendar quarter or the last quarter of 2016/17: only a financial year
    # written with both its years says which.
    whole = _PERIOD.fullmatch(year)
    if whole is None or whole.group(2) is None:
        return None, False
    return normalise_period(year), True


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


@dataclass
class Table:
    """A file's cells as text, from its header row on: what the CSV and spreadsheet readers share."""

    source: str  # the file, or a `SheetSource` naming file and sheet
    sha256: str
    header_line: int
    header: list[str]
    body: list[tuple[int, list[str]]]  # (line or sheet row, cells) of every row below the header
    separators: bool  # some cell holds the ASCII unit or record separator
    plain_numbers: bool
    decimal_comma: bool = False
    notes: list[str] = field(default_factory=list)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # sheet ranges, 1-based and inclusive


def read_dataset(raw: bytes, source: str, reading: Reading | str = Reading(), *, fast: bool = True) -> Dataset:
    """Parse a data file's bytes (CSV text, or a workbook); raises DataError naming file and cell.

    A plain wide CSV file is read by the fast reader (`columnar.py`) unless `fast` is False; the
    result is the same either way, and the tests hold the two readers to that."""
    if isinstance(reading, str):
        reading = Reading(encoding=reading)
    from .sheets import is_spreadsheet, read_sheet

    if is_spreadsheet(raw, source):
        table = read_sheet(raw, source, reading)
    else:
        if reading.sheet is not None:
            raise DataError("--sheet applies to spreadsheets, and this is a CSV file", where=source,
                            hint="leave out --sheet")
        if fast:
            from .columnar import read_fast

            dataset = read_fast(raw, source, reading)
            if dataset is not None:
                return dataset
        table = read_csv_table(raw, source, reading)
    return dataset_from_table(table, reading)


def read_csv_table(raw: bytes, source: str, reading: Reading) -> Table:
    text = decode(raw, source, reading.encoding)
    if not text.strip():
        raise DataError("the file is empty", where=source, hint="give a CSV file with a header row and data rows")
    header_index, delimiter = _csv_header(text, reading)
    skipped = 0
    if header_index:
        lines = text.split("\n", header_index)
        skipped = len(text) - len(lines[-1])
    reader = csv.reader(io.StringIO(text[skipped:], newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    previous_end = 0
    # Millions of cells are millions of new objects: the cyclic garbage collector would walk them
    # again and again while they are made, and none of them can be garbage yet.
    with _collector_paused():
        try:
            for row in reader:
                rows.append((header_index + previous_end + 1, row))
                previous_end = reader.line_num
        except csv.Error as error:
            raise DataError(
                f"unreadable CSV: {error}", where=location(source, header_index + previous_end + 1),
                hint="check the quoting on this line"
            ) from None
    header_line, header = rows[0]
    # Python reads 1_000 and digits of other scripts as numbers, and no export means them so: where
    # the file's cells hold neither, no column needs looking at again for them.
    body_text = text[skipped:].split("\n", 1)[1] if "\n" in text[skipped:] else ""
    table = Table(source, hashlib.sha256(raw).hexdigest(), header_line, header, rows[1:],
                  "\x1e" in text or "\x1f" in text, body_text.isascii() and "_" not in body_text, delimiter == ";")
    if header_index:
        table.notes.append(f"{source}: the header is on line {header_line}; the "
                           f"{'line' if header_index == 1 else f'{header_index} lines'} above it skipped")
    for line, row in table.body:
        if len(row) != len(header) and (row and (row[0].strip() or "".join(row).strip())):
            raise DataError(
                f"this row has {len(row)} fields but the header has {len(header)}",
                where=location(source, line),
                hint="every row needs one field per header column (check for a stray or missing comma)",
            )
    return table


HEADER_SEARCH_ROWS = 50  # title and notes rows a publication may put above its header


def is_header(cells: list[str], reading: Reading) -> bool:
    """Whether a row names an organisation code column (by any of its names, or by --column)."""
    named = {header.strip().casefold() for role, header in reading.columns if role == "org_code"}
    return any(COLUMN_ALIASES.get(column_key(cell)) == "org_code" or cell.strip().casefold() in named for cell in cells)


def _csv_header(text: str, reading: Reading) -> tuple[int, str]:
    """The line of the header (0-based) and the delimiter: the first of the first lines that names
    an organisation code column when split by comma, semicolon or tab. Failing that, the first line
    and the delimiter it holds most of (and the reader then says what is missing)."""
    lines = text.split("\n", HEADER_SEARCH_ROWS)[:HEADER_SEARCH_ROWS]
    for index, line in enumerate(lines):
        found = [(len(cells), delimiter) for delimiter in (",", ";", "\t")
                 if is_header(cells := [c.strip().strip('"') for c in line.rstrip("\r").split(delimiter)], reading)]
        if found:
            return index, max(found)[1]
    first = lines[0]
    return 0, max((",", ";", "\t"), key=lambda d: (first.count(d), d == ","))


def dataset_from_table(table: Table, reading: Reading = Reading()) -> Dataset:
    source, header = table.source, table.header
    names = _header_names(table, reading)
    # A row of empty cells is no record (spreadsheets leave them); most rows start with a code.
    body = [(line, row) for line, row in table.body if row and (row[0].strip() or "".join(row).strip())]
    if not body:
        raise DataError("the file has a header but no data rows", where=source, hint="add one row per organisation")
    body = _without_totals(names, body, table)
    content = content_hash(header, [row for _, row in body], table.separators)
    if "indicator" in names:
        if "value" not in names:
            raise DataError(
                "the file has an indicator column, so it is long-shaped, but no value column",
                where=location(source, table.header_line),
                hint="name the column of values Value (or pass --column value=HEADER)",
            )
        dataset = _read_long(names, header, body, source, table.sha256, content, table.decimal_comma)
    else:
        dataset = _read_wide(names, header, body, source, table.sha256, content, table.decimal_comma)
    dataset.plain_numbers = table.plain_numbers
    period_texts = [row[names.index("period")] for _, row in body] if "period" in names else None
    dataset.notes = [*table.notes, *_period_notes(period_texts, source), *dataset.notes]
    return dataset


# Rows that publications add for the country or a region: ccgrate rates organisations, not sums.
_TOTAL_CODES = re.compile(r"(?i)england|eng|national|total|all|e92000001|e40\d{6}|e54\d{6}|y\d{2}|q\d{2}")
_TOTAL_NAMES = frozenset({"england", "national", "total", "england total", "all ccgs", "all", "national total"})
# Any of them, somewhere among the codes or names joined by line ends: a first look that passes over
# most files in one C-level search (a superset of the rule in `total_rows`, never fewer).
_TOTAL_ANYWHERE = re.compile(rf"(?im)^[^\S\n]*(?:{_TOTAL_CODES.pattern.split(')', 1)[1]}|"
                             rf"{'|'.join(map(re.escape, sorted(_TOTAL_NAMES)))})[^\S\n]*$")
_TOTAL_NAME_ANYWHERE = re.compile(rf"(?im)^[^\S\n]*(?:{'|'.join(map(re.escape, sorted(_TOTAL_NAMES)))})[^\S\n]*$")


def total_rows(codes: Sequence[str], names: Sequence[str] | None) -> tuple[list[int], list[int]] | None:
    """Rows that are national or regional totals, and the rows kept; None when there are none
    (most files: one C-level search over all codes and names tells)."""
    if not _TOTAL_ANYWHERE.search("\n".join(codes)) and (
            names is None or not _TOTAL_NAME_ANYWHERE.search("\n".join(names))):
        return None
    totals, kept = [], []
    for index, code in enumerate(codes):
        code = code.strip()
        name = names[index].strip() if names is not None else ""
        if _TOTAL_CODES.fullmatch(code) or name.casefold() in _TOTAL_NAMES or code.casefold() in _TOTAL_NAMES:
            totals.append(index)
        else:
            kept.append(index)
    if not totals or not kept:
        return None  # a file of totals only is someone's data, not a totals row to skip
    return totals, kept


def totals_note(source: str, totals: list[tuple[int, str]]) -> str:
    """What was said about skipped totals: (line, code or name) of each."""
    codes = listed([clip(c) for c in dict.fromkeys(code for _, code in totals)], 3)
    where = listed([str(line) for line, _ in totals], 5)
    word = _lines_word(source)
    return (f"{source}: skipped {len(totals)} row{'s' if len(totals) > 1 else ''} of national or regional totals "
            f"({codes}, on {word}{'s' if len(totals) > 1 else ''} {where}): ccgrate rates organisations, not totals")


def _without_totals(names: list[str], body: list, table: Table) -> list:
    code_at = names.index("org_code")
    name_at = names.index("org_name") if "org_name" in names else None
    found = total_rows([row[code_at] for _, row in body],
                       [row[name_at] for _, row in body] if name_at is not None else None)
    if found is None:
        return body
    totals, kept = found
    table.notes.append(totals_note(table.source, [
        (body[i][0], body[i][1][code_at].strip() or (body[i][1][name_at].strip() if name_at is not None else ""))
        for i in totals]))
    return [body[i] for i in kept]


def _lines_word(source: str) -> str:
    return "row" if getattr(source, "sheet", None) is not None else "line"


def _period_notes(period_texts: list[str] | None, source: str) -> list[str]:
    if period_texts is None:
        return []
    quarters = sorted({text.strip() for text in set(period_texts) if read_period(text)[1]})
    if not quarters:
        return []
    return [f"{source}: quarterly periods read as their financial year "
            f"({listed([f'{clip(q)} as {read_period(q)[0]}' for q in quarters], 3)})"]


def content_hash(header: list[str], records: list[list[str]], separators: bool | None = None) -> str:
    """sha256 of the parsed records, whatever their order: the same for the same data in any row
    order, with any line ends, quoting, byte-order mark, delimiter or encoding; different for any
    two files whose cells differ (a line break inside a cell included).

    Each record (the header first) is hashed on its own: its cells joined with the ASCII unit
    separator, as UTF-8. The content hash is the sha256 of the tag `ccgrate-records-2`, the
    header's digest and the records' digests in ascending byte order: no record is compared with
    another, so it costs one pass however large the file, and the fast reader computes the same from
    the file's bytes. A file whose cells hold the unit or record separator has each record written
    as a CSV line with every cell quoted instead, tagged `ccgrate-records-csv-2`, so the two ways can
    never give the same hash for different data. `separators`, when the caller knows (the file's
    text holds either character), saves looking cell by cell."""
    if separators is None:
        separators = any("\x1e" in cell or "\x1f" in cell for row in [header, *records] for cell in row)
    if separators:
        def encoded(row: list[str]) -> bytes:
            buffer = io.StringIO()
            csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n").writerow(row)
            return buffer.getvalue().encode("utf-8", "surrogatepass")
    else:
        def encoded(row: list[str]) -> bytes:
            return "\x1f".join(row).encode("utf-8", "surrogatepass")
    sha256 = hashlib.sha256
    digests = b"".join([sha256(encoded(row)).digest() for row in records])
    return combine_digests(sha256(encoded(header)).digest(), digests, separators)


def combine_digests(header: bytes, records: bytes, separators: bool) -> str:
    """The content hash from the header's digest and the records' 32-byte digests (any order)."""
    words = np.frombuffer(records, dtype=">u8").reshape(-1, 4)
    # Ascending byte order is ascending order of the four big-endian words, the first most significant.
    ordered = words[np.lexsort(words.T[::-1])].tobytes()
    tag = b"ccgrate-records-csv-2" if separators else b"ccgrate-records-2"
    return hashlib.sha256(tag + header + ordered).hexdigest()


def check_unique_records(codes: Sequence[str], periods: Sequence[str | None], lines: Sequence[int],
                         source: str) -> None:
    """One row per organisation and period (one set operation when they are, as they nearly always are)."""
    if len(set(zip(codes, periods))) == len(codes):
        return
    first_seen: dict[tuple[str, str | None], int] = {}
    for line, code, period in zip(lines, codes, periods):
        key = (code, period)
        if key in first_seen:
            raise DataError(
                f"a second row for {code}{' ' + period if period else ''} "
                f"(the first is on {_lines_word(source)} {first_seen[key]})",
                where=location(source, line),
                hint="keep one row per organisation and period",
            )
        first_seen[key] = line


@contextmanager
def _collector_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _header_names(table: Table, reading: Reading) -> list[str]:
    """Each header cell's role (org_code, indicator, ...), or its lower-case text for an indicator
    or descriptive column, or "" for a nameless column that holds nothing."""
    source, line, header = table.source, table.header_line, table.header
    mapped = {text.strip().casefold(): role for role, text in reading.columns}
    explicit = set(mapped.values())
    found_mapped: set[str] = set()
    names: list[str] = []
    seen: dict[str, int] = {}
    for index, text in enumerate(header, start=1):
        key = text.strip().casefold()
        if key in mapped:
            name = mapped[key]
            found_mapped.add(key)
        elif not key:
            if any(index <= len(row) and row[index - 1].strip() for _, row in table.body):
                raise _nameless_column(table, index)
            names.append("")
            continue
        else:
            role = COLUMN_ALIASES.get(column_key(key))
            # A role the user gave to another column leaves this one as a column of its own.
            name = role if role is not None and role not in explicit else text.strip().lower()
        if name in seen and name in ROLES:
            raise DataError(
                f'columns "{clip(header[seen[name] - 1].strip())}" (column {seen[name]}) and "{clip(text.strip())}" '
                f"both name the {name} column",
                where=location(source, line, index),
                hint=f"remove or rename one of them, or pass --column {name}=HEADER to say which to use",
            )
        if name in seen:
            raise DataError(
                f'column "{clip(text.strip())}" appears twice (also column {seen[name]})',
                where=location(source, line, index),
                hint="remove or rename one of them",
            )
        seen[name] = index
        names.append(name)
    for text, role in mapped.items():
        if text not in found_mapped:
            shown = [clip(h.strip()) for h in header if h.strip()]
            raise DataError(
                f'--column {role}={clip(text)}: the header has no such column',
                where=location(source, line),
                hint=f"the header holds {listed(shown, 8)}",
            )
    if "org_code" not in seen:
        raise NotIndicatorData(
            "no org_code column",
            where=location(source, line),
            hint="name the column of organisation codes org_code (or Org Code, ODS Code, CCG Code), or pass "
            "--column org_code=HEADER (wide: org_code,org_name,period,<indicator ids>; "
            "long: org_code,org_name,period,indicator,value)",
        )
    return names


def _nameless_column(table: Table, index: int) -> DataError:
    line = table.header_line
    for top, left, bottom, right in table.merged:
        if top <= line <= bottom and left <= index <= right:
            return DataError(
                f"header cells {location(table.source, line, left).rsplit('!', 1)[-1]}:"
                f"{location(table.source, line, right).rsplit('!', 1)[-1]} are merged, so only the first names a column",
                where=location(table.source, line, index),
                hint="unmerge them in the spreadsheet and give every column a header of its own",
            )
    return DataError("a header cell is empty", where=location(table.source, line, index),
                     hint="give every column a name")


def _identities(names: list[str], body: list, source: str) -> tuple[list[str], list[str], list[str | None]]:
    """Each row's organisation code, name and period, checked."""
    columns = {name: (index, [row[index] for _, row in body]) for index, name in enumerate(names) if name in IDENTITY}
    return identity_columns(columns, [line for line, _ in body], source)


def identity_columns(columns: dict[str, tuple[int, list[str]]], lines: Sequence[int],
                     source: str) -> tuple[list[str], list[str], list[str | None]]:
    """The codes, names and periods of a file's rows from its identity columns (role -> the column's
    position in the file from 0, and its cells), checked a column at a time. A file with several
    faults reports the first in row order, the code before the period within a row."""
    code_at, raw_codes = columns["org_code"]
    codes = [text.strip().upper() for text in raw_codes]
    count = len(codes)
    first_blank = next((i for i, code in enumerate(codes) if not code), count) if not all(codes) else count
    period_at, period_texts = columns.get("period", (None, None))
    periods: list[str | None]
    first_bad_period = count
    if period_texts is None:
        periods = [None] * count
    else:
        known = {text: read_period(text)[0] for text in set(period_texts)}
        periods = [known[text] for text in period_texts]
        if None in known.values():
            first_bad_period = periods.index(None)
    first_fault = min(first_blank, first_bad_period)
    if not "".join(codes[:first_fault + 1]).isprintable():
        for i in range(min(first_fault + 1, count)):
            if not codes[i].isprintable():
                codes[i] = read_code(raw_codes[i], location(source, lines[i], code_at + 1))
    if first_blank < count and first_blank <= first_bad_period:
        raise DataError("org_code is blank", where=location(source, lines[first_blank], code_at + 1),
                        hint="every row needs an organisation code")
    if first_bad_period < count:
        assert period_texts is not None and period_at is not None
        raise DataError(
            f'period "{clip(period_texts[first_bad_period].strip())}" is not a year',
            where=location(source, lines[first_bad_period], period_at + 1),
            hint="write periods as 2017/18 (or 2017-18, 2017/18 Q4, or 2017 for the year starting April 2017)",
        )
    if "org_name" in columns:
        org_names = [text.strip() for text in columns["org_name"][1]]
    else:
        org_names = [""] * count
    return codes, org_names, periods


IDENTITY = frozenset({"org_code", "org_name", "period"})


def _read_wide(names, header, body, source, sha256, content, decimal_comma) -> Dataset:
    codes, org_names, periods = _identities(names, body, source)
    check_unique_records(codes, periods, [line for line, _ in body], source)
    lines = [line for line, _ in body]
    dataset = Dataset(source, sha256, content, "wide", codes, org_names, periods, lines)
    # One C-level pass turns the rows into a grid whose columns are then cheap to take.
    grid = np.array([row for _, row in body], dtype=object)
    for index, name in enumerate(names):
        if name in IDENTITY or not name:
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
    # Publications put names, units, confidence limits and regions beside each value.
    set_aside = [clip(header[i].strip()) for i, n in enumerate(names) if n and n not in ROLES]
    codes, org_names, periods = _identities(names, body, source)
    record_of: dict[tuple[str, str | None], int] = {}
    dataset = Dataset(source, sha256, content, "long", [], [], [], [])
    if set_aside:
        dataset.notes.append(f"{source}: column{'s' if len(set_aside) > 1 else ''} not used: {listed(set_aside, 12)}")
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
                f"(the first is on {_lines_word(source)} {first_seen[seen_key]})",
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
