"""A table's layout: which row is the header and what each column is, which rows are totals to set
aside, and the identity of every record (organisation, period) checked."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ccgrate._base.errors import DataError, NotIndicatorData, clip, listed, location
from ccgrate._base.vocabulary import COLUMN_ALIASES, ROLES, column_key, is_missing
from ccgrate._read.cells import period_text, read_code
from ccgrate._read.dataset import Reading, Row, Table

# Columns that publications carry beside the data and that no framework rates: set aside with a
# note rather than read as indicators of a wide file.
DESCRIPTIVE = frozenset(
    {
        "region",
        "region_code",
        "region_name",
        "nhs_region",
        "commissioning_region",
        "stp",
        "stp_code",
        "stp_name",
        "ics",
        "ics_code",
        "ics_name",
        "icb",
        "icb_code",
        "icb_name",
        "indicator_name",
        "metric_name",
        "measure_name",
        "indicator_description",
        "unit",
        "units",
        "lower_ci",
        "upper_ci",
        "lower_confidence_limit",
        "upper_confidence_limit",
        "lci",
        "uci",
        "ci_lower",
        "ci_upper",
        "domain",
        "clinical_priority_area",
        "area",
        "ons_code",
        "ccg_ons_code",
        "la_code",
        "publication_date",
        "date",
        "notes",
        "note",
        "comment",
        "comments",
        "source",
        "polarity",
        "england_value",
        "national_value",
        "rag",
        "rank",
        # beside NHS England's oversight framework data
        "trust_subtype",
        "sub_domain",
        "metric_description",
        "reporting_date",
        "median_value",
        "lower_quartile",
        "upper_quartile",
        "likely_range_of_average_score",
        "likely_range_of_rank",
        "trust_in_financial_deficit",
    }
)


COUNT_SUFFIXES = ("_numerator", "_denominator")


HEADER_SEARCH_ROWS = 50  # title and notes rows a publication may put above its header


def is_header(cells: list[str], reading: Reading) -> bool:
    """Whether a row names an organisation code column (by any of its names, or by --column)."""
    named = {header.strip().casefold() for role, header in reading.columns if role == "org_code"}
    return any(COLUMN_ALIASES.get(column_key(cell)) == "org_code" or cell.strip().casefold() in named for cell in cells)


def code_column(header: list[str], reading: Reading) -> int | None:
    """The position (from 0) of the organisation code column, as `is_header` finds it; None if none."""
    named = {text.strip().casefold() for role, text in reading.columns if role == "org_code"}
    return next(
        (
            index
            for index, cell in enumerate(header)
            if cell.strip().casefold() in named or (not named and COLUMN_ALIASES.get(column_key(cell)) == "org_code")
        ),
        None,
    )


# An organisation code as NHS data writes them (07Q, RXT, E38000001, Y56): letters and digits, a
# few characters, no spaces. A word ("Notes", "source") is not one, nor is "Source:" or "1. Data".
_CODE_LIKE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,15}")
_WORD = re.compile(r"[A-Z]?[a-z]{3,}")


def looks_like_code(text: str) -> bool:
    text = text.strip()
    return bool(_CODE_LIKE.fullmatch(text)) and not _WORD.fullmatch(text) and not is_missing(text)


def is_note_row(row: list[str], code_at: int) -> bool:
    """A row below a table that is no record of it: blank; one cell of text (a source, a footnote)
    that is not an organisation code in the code column; or two cells, a label in the code column
    that is no code ("Source:") and its text. A row with a blank code and values is a record that
    lost its code, and the reader says so."""
    filled = sum(1 for cell in row if cell.strip())
    code = row[code_at] if code_at < len(row) else ""
    if filled == 0:
        return True
    if filled == 1:
        return not looks_like_code(code)
    return filled == 2 and bool(code.strip()) and not looks_like_code(code)


def records_end(body: Sequence[Row], code_at: int | None) -> int:
    """How many of the rows below the header are the table's: those after its last record, if they
    are notes, sources or footnotes (or blank), are not."""
    end = len(body)
    if code_at is None:
        return end
    while end and is_note_row(body[end - 1][1], code_at):
        end -= 1
    return end


def layout_note(
    source: str,
    header_line: int,
    titles: int,
    below: Sequence[Row] = (),
    sheets: Sequence[str] = (),
) -> str | None:
    """One note naming what was set aside around the table, or None when nothing was: other sheets,
    title rows above the header, and note rows below the last record (quoted, so the person can
    see that they are notes)."""
    word = row_word(source)
    parts = [*sheets]
    if titles:
        parts.append(f"{titles} {word}{'s' if titles != 1 else ''} of titles above the header ({word} {header_line})")
    notes = [(line, row) for line, row in below if any(cell.strip() for cell in row)]
    if notes:
        texts = [f'"{clip(" ".join(cell.strip() for cell in row if cell.strip()), 40)}"' for _, row in notes]
        parts.append(
            f"{len(notes)} {word}{'s' if len(notes) != 1 else ''} of notes below the last record "
            f"({word}{'s' if len(notes) != 1 else ''} {notes[0][0]}{f' to {notes[-1][0]}' if len(notes) > 1 else ''}: "
            f"{listed(texts, 3)})"
        )
    return f"{source}: set aside: {'; '.join(parts)}" if parts else None


# Rows that publications add for the country or a region: ccgrate rates organisations, not sums.
_TOTAL_CODES = re.compile(r"(?i)england|eng|national|total|all|e92000001|e40\d{6}|e54\d{6}|y\d{2}|q\d{2}")


_TOTAL_NAMES = frozenset({"england", "national", "total", "england total", "all ccgs", "all", "national total"})


# Any of them, somewhere among the codes or names joined by line ends: a first look that passes over
# most files in one C-level search (a superset of the rule in `total_rows`, never fewer).
_TOTAL_ANYWHERE = re.compile(
    rf"(?im)^[^\S\n]*(?:{_TOTAL_CODES.pattern.split(')', 1)[1]}|"
    rf"{'|'.join(map(re.escape, sorted(_TOTAL_NAMES)))})[^\S\n]*$"
)


_TOTAL_NAME_ANYWHERE = re.compile(rf"(?im)^[^\S\n]*(?:{'|'.join(map(re.escape, sorted(_TOTAL_NAMES)))})[^\S\n]*$")


def total_rows(codes: Sequence[str], names: Sequence[str] | None) -> tuple[list[int], list[int]] | None:
    """Rows that are national or regional totals, and the rows kept; None when there are none
    (most files: one C-level search over all codes and names tells)."""
    if not _TOTAL_ANYWHERE.search("\n".join(codes)) and (
        names is None or not _TOTAL_NAME_ANYWHERE.search("\n".join(names))
    ):
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
    word = row_word(source)
    return (
        f"{source}: skipped {len(totals)} row{'s' if len(totals) > 1 else ''} of national or regional totals "
        f"({codes}, on {word}{'s' if len(totals) > 1 else ''} {where}): ccgrate rates organisations, not totals"
    )


def without_totals(names: list[str], body: list[Row], table: Table) -> list[Row]:
    code_at = names.index("org_code")
    name_at = names.index("org_name") if "org_name" in names else None
    found = total_rows(
        [row[code_at] for _, row in body], [row[name_at] for _, row in body] if name_at is not None else None
    )
    if found is None:
        return body
    totals, kept = found
    table.notes.append(
        totals_note(
            table.source,
            [
                (
                    body[i][0],
                    body[i][1][code_at].strip() or (body[i][1][name_at].strip() if name_at is not None else ""),
                )
                for i in totals
            ],
        )
    )
    return [body[i] for i in kept]


def row_word(source: str) -> str:
    return "row" if getattr(source, "sheet", None) is not None else "line"


def check_unique_records(
    codes: Sequence[str], periods: Sequence[str | None], lines: Sequence[int], source: str
) -> None:
    """One row per organisation and period (one set operation when they are, as they nearly always are)."""
    if len(set(zip(codes, periods))) == len(codes):
        return
    first_seen: dict[tuple[str, str | None], int] = {}
    for line, code, period in zip(lines, codes, periods):
        key = (code, period)
        if key in first_seen:
            raise DataError(
                f"a second row for {code}{' ' + period if period else ''} "
                f"(the first is on {row_word(source)} {first_seen[key]})",
                where=location(source, line),
                hint="keep one row per organisation and period",
            )
        first_seen[key] = line


def header_roles(table: Table, reading: Reading) -> list[str]:
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
                f"--column {role}={clip(text)}: the header has no such column",
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
    return DataError(
        "a header cell is empty", where=location(table.source, line, index), hint="give every column a name"
    )


def record_identities(names: list[str], body: list[Row], source: str) -> tuple[list[str], list[str], list[str | None]]:
    """Each row's organisation code, name and period, checked."""
    columns = {name: (index, [row[index] for _, row in body]) for index, name in enumerate(names) if name in IDENTITY}
    return identity_columns(columns, [line for line, _ in body], source)


def identity_columns(
    columns: dict[str, tuple[int, list[str]]], lines: Sequence[int], source: str
) -> tuple[list[str], list[str], list[str | None]]:
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
        known = {text: period_text(text) for text in set(period_texts)}
        periods = [known[text] for text in period_texts]
        if None in known.values():
            first_bad_period = periods.index(None)
    first_fault = min(first_blank, first_bad_period)
    if not "".join(codes[: first_fault + 1]).isprintable():
        for i in range(min(first_fault + 1, count)):
            if not codes[i].isprintable():
                codes[i] = read_code(raw_codes[i], location(source, lines[i], code_at + 1))
    if first_blank < count and first_blank <= first_bad_period:
        raise DataError(
            "org_code is blank",
            where=location(source, lines[first_blank], code_at + 1),
            hint="every row needs an organisation code",
        )
    if first_bad_period < count:
        assert period_texts is not None and period_at is not None
        raise DataError(
            f'period "{clip(period_texts[first_bad_period].strip())}" is not a year or a quarter',
            where=location(source, lines[first_bad_period], period_at + 1),
            hint="write periods as 2017/18 (or 2017-18, or 2017 for the year starting April 2017), quarters as "
            "2025/26 Q1 (or Q1 2025/26)",
        )
    if "org_name" in columns:
        org_names = [text.strip() for text in columns["org_name"][1]]
    else:
        org_names = [""] * count
    return codes, org_names, periods


IDENTITY = frozenset({"org_code", "org_name", "period", "peer_group"})


def period_notes(period_texts: list[str] | None, source: str) -> list[str]:
    """Nothing to say of periods at reading: a quarter stays a quarter until a framework says
    whether it rates quarters (run.py reads a quarter as its year for an annual framework, and says so)."""
    return []
