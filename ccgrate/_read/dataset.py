"""A data file's records, column by column, as raw text: what the readers make and binding reads.

Nothing here knows about frameworks: every value stays text, and every cell can say its line
and column, so that a later step can report a value it cannot use at the exact place it came
from. Columns, not one object per cell, so that a file of 100,000 organisations reads quickly."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

# A row of a table below its header: where it is (a line of a file, a row of a sheet), and its cells.
Row = tuple[int, list[str]]


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
        if self.texts is not None:
            return self.texts[index]
        assert self.text_of is not None, "a column holds its texts or a way back to them"
        return self.text_of(index)

    def all_texts(self) -> list[str]:
        if self.texts is None:
            assert self.text_of is not None and self.numbers is not None, "a column from the fast reader"
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
    warnings: list[str] = field(default_factory=list)  # what the person must know (a formula that failed)
    peer_groups: list[str] | None = None  # each record's peer group (a trust type), where the file names them
    ranks: dict[str, Column] = field(default_factory=dict)  # a long file's rank column, by indicator

    def __len__(self) -> int:
        return len(self.codes)

    def cell(self, column: Column, index: int) -> Cell:
        return column.cell(index, self.lines)


@dataclass
class Table:
    """A file's cells as text, from its header row on: what the CSV and spreadsheet readers share."""

    source: str  # the file, or a `SheetSource` naming file and sheet
    sha256: str
    header_line: int
    header: list[str]
    body: list[Row]  # every row below the header
    separators: bool  # some cell holds the ASCII unit or record separator
    plain_numbers: bool
    decimal_comma: bool = False
    notes: list[str] = field(default_factory=list)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # sheet ranges, 1-based and inclusive
