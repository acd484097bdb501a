"""Read indicator data (CSV, wide or long, or a workbook) into a plain, column-wise `Dataset`."""

from __future__ import annotations

import numpy as np

from ccgrate._base.errors import DataError, clip, listed, location
from ccgrate._base.vocabulary import ROLES
from ccgrate._read.dataset import Column, Dataset, Reading, Row, Table
from ccgrate._read.hashing import content_hash
from ccgrate._read.layout import (
    COUNT_SUFFIXES,
    IDENTITY,
    check_unique_records,
    header_roles,
    period_notes,
    record_identities,
    row_word,
    without_totals,
)
from ccgrate._read.missing import read_missing
from ccgrate._read.text import read_csv_table


def read_dataset(raw: bytes, source: str, reading: Reading | str = Reading(), *, fast: bool = True) -> Dataset:
    """Parse a data file's bytes (CSV text, or a workbook); raises DataError naming file and cell.

    A plain wide CSV file is read by the fast reader (`columnar.py`) unless `fast` is False; the
    result is the same either way, and the tests hold the two readers to that."""
    if isinstance(reading, str):
        reading = Reading(encoding=reading)
    from ccgrate._read.workbook import is_spreadsheet, read_sheet

    if is_spreadsheet(raw, source):
        table = read_sheet(raw, source, reading)
    else:
        if reading.sheet is not None:
            raise DataError(
                "--sheet applies to spreadsheets, and this is a CSV file", where=source, hint="leave out --sheet"
            )
        if fast:
            from ccgrate._read.fast import read_fast

            dataset = read_fast(raw, source, reading)
            if dataset is not None:
                return dataset
        table = read_csv_table(raw, source, reading)
    return dataset_from_table(table, reading)


def dataset_from_table(table: Table, reading: Reading = Reading()) -> Dataset:
    source, header = table.source, table.header
    names = header_roles(table, reading)
    # A row of empty cells is no record (spreadsheets leave them); most rows start with a code.
    body = [(line, row) for line, row in table.body if row and (row[0].strip() or "".join(row).strip())]
    if not body:
        raise DataError("the file has a header but no data rows", where=source, hint="add one row per organisation")
    _refuse_second_header(names, table, body)
    body = without_totals(names, body, table)
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
    dataset.notes = [*table.notes, *period_notes(period_texts, source), *dataset.notes]
    read_missing(dataset)
    return dataset


def _refuse_second_header(names: list[str], table: Table, body: list[Row]) -> None:
    """Publications stack one table per year in a sheet, each under its own header: read as one,
    the second header would be a record. Said as what it is."""
    code_at, source = names.index("org_code"), table.source
    heading = table.header[code_at].strip().casefold()
    for line, row in body:
        if code_at < len(row) and row[code_at].strip().casefold() == heading:
            raise DataError(
                f"the header appears again here (first on {row_word(source)} {table.header_line}), so "
                "the file holds more than one table",
                where=location(source, line),
                hint="make it one table (one header, a period column for the years), or give each table its own "
                "file or sheet",
            )


def _read_wide(
    names: list[str], header: list[str], body: list[Row], source: str, sha256: str, content: str, decimal_comma: bool
) -> Dataset:
    codes, org_names, periods = record_identities(names, body, source)
    check_unique_records(codes, periods, [line for line, _ in body], source)
    lines = [line for line, _ in body]
    dataset = Dataset(source, sha256, content, "wide", codes, org_names, periods, lines)
    if "peer_group" in names:
        at = names.index("peer_group")
        dataset.peer_groups = [row[at].strip() for _, row in body]
    # One C-level pass turns the rows into a grid whose columns are then cheap to take.
    grid = np.array([row for _, row in body], dtype=object)
    for index, name in enumerate(names):
        if name in IDENTITY or not name:
            continue
        column = Column(header[index].strip(), grid[:, index].tolist(), index + 1, None, decimal_comma)
        if name.endswith(COUNT_SUFFIXES[0]):
            dataset.numerators[name[: -len(COUNT_SUFFIXES[0])]] = column
        elif name.endswith(COUNT_SUFFIXES[1]):
            dataset.denominators[name[: -len(COUNT_SUFFIXES[1])]] = column
        else:
            dataset.values[name] = column
    return dataset


def _read_long(
    names: list[str], header: list[str], body: list[Row], source: str, sha256: str, content: str, decimal_comma: bool
) -> Dataset:
    columns = {name: index for index, name in enumerate(names)}
    # A long file's rank column ranks each row's value (NHS England's individual metric rankings):
    # read for the record, beside the value.
    if "rank" in columns:
        columns.setdefault("rank_of_value", columns["rank"])
    # Publications put names, units, confidence limits and regions beside each value.
    set_aside = [clip(header[i].strip()) for i, n in enumerate(names) if n and n not in ROLES and n != "rank"]
    codes, org_names, periods = record_identities(names, body, source)
    record_of: dict[tuple[str, str | None], int] = {}
    record_lines: list[int] = []
    dataset = Dataset(source, sha256, content, "long", [], [], [], record_lines)
    if set_aside:
        dataset.notes.append(f"{source}: column{'s' if len(set_aside) > 1 else ''} not used: {listed(set_aside, 12)}")
    cells: dict[str, dict[str, dict[int, tuple[str, int]]]] = {
        "value": {},
        "numerator": {},
        "denominator": {},
        "rank_of_value": {},
    }
    peer_at = columns.get("peer_group")
    peer_of: dict[int, tuple[str, int]] = {}
    headers: dict[str, str] = {}
    first_seen: dict[tuple[str, str | None, str], int] = {}
    indicator_at = columns["indicator"]
    for (line, row), code, name, period in zip(body, codes, org_names, periods):
        indicator = row[indicator_at].strip()
        if not indicator:
            raise DataError(
                "indicator is blank", where=location(source, line, indicator_at + 1), hint="name the indicator id"
            )
        key = indicator.lower()
        seen_key = (code, period, key)
        if seen_key in first_seen:
            raise DataError(
                f"a second value of {indicator} for {code}{' ' + period if period else ''} "
                f"(the first is on {row_word(source)} {first_seen[seen_key]})",
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
            record_lines.append(line)
        elif not dataset.names[record] and name:
            dataset.names[record] = name
        headers.setdefault(key, indicator)
        for part in ("value", "numerator", "denominator", "rank_of_value"):
            if part in columns:
                cells[part].setdefault(key, {})[record] = (row[columns[part]], line)
        if peer_at is not None and row[peer_at].strip():
            group = row[peer_at].strip()
            first = peer_of.setdefault(record, (group, line))
            if first[0] != group:
                raise DataError(
                    f'a second peer group for {code}{" " + period if period else ""}: "{clip(group)}", where '
                    f'{row_word(source)} {first[1]} says "{clip(first[0])}"',
                    where=location(source, line, peer_at + 1),
                    hint="give each organisation one peer group (trust type) in a period",
                )
    count = len(dataset.codes)
    if peer_at is not None:
        dataset.peer_groups = [peer_of.get(record, ("", 0))[0] for record in range(count)]
    for part, store in (
        ("value", dataset.values),
        ("numerator", dataset.numerators),
        ("denominator", dataset.denominators),
        ("rank_of_value", dataset.ranks),
    ):
        for key, by_record in cells[part].items():
            texts = [""] * count
            lines = list(dataset.lines)
            for record, (text, line) in by_record.items():
                texts[record], lines[record] = text, line
            label = headers[key] if part == "value" else f"{headers[key]} {part.replace('_of_value', '')}"
            store[key] = Column(label, texts, columns[part] + 1, lines, decimal_comma)
    return dataset
