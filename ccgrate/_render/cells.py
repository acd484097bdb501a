"""Cells and records of the machine formats, for every command: numbers at full precision, text a
spreadsheet will not run as a formula, CSV and Markdown tables, and the program and format versions.

These formats are a contract (docs/outputs.md): field names, order and number precision change
only with `SCHEMA_VERSION`."""

from __future__ import annotations

import csv
import io
import math
from itertools import repeat
from typing import TYPE_CHECKING, Any

from ccgrate._base.errors import printable

if TYPE_CHECKING:
    from ccgrate._framework.model import Framework

SCHEMA_VERSION = 5


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def ccgrate_version() -> str:
    from ccgrate import __version__

    return __version__


def framework_record(fw: Framework) -> dict[str, Any]:
    return {
        "id": fw.id,
        "name": fw.framework.name,
        "period": fw.framework.period,
        "sha256": fw.sha256,
        "origin": fw.origin,
        "reconstructed": fw.reconstructed,
    }


def machine_number(value: Any) -> Any:
    """Statistics at full double precision, in the shortest form that reads back as the same double
    (Python's repr), so that any other tool can check them to the last bit; a value that is not
    finite is null, since JSON has no NaN."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list):
        return [machine_number(v) for v in value]
    return value


def safe_cell(value: Any) -> str:
    """Text for a spreadsheet cell: numbers as they are, formula-like text neutralised with a quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number_cell(value)
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def safe_texts(texts: list[str]) -> list[str]:
    """`safe_cell` over a column of text: one C-level look when no cell starts like a formula."""
    if not any(map(str.startswith, texts, repeat(_FORMULA_START))):
        return texts
    return [safe_cell(text) for text in texts]


def flag_cell(value: bool) -> str:
    return "true" if value else "false"


def number_cell(value: float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def csv_lines(columns: list[list[str]]) -> str:
    """CSV text of rows given column by column, quoted exactly as the csv module quotes (a cell with
    a comma, a double quote or a line feed), and only the columns that need it looked at cell by cell."""
    quoted = []
    for column in columns:
        if len(column) and (column[0] is column[-1] and column.count(column[0]) == len(column)):
            quoted.append([_csv_field(column[0])] * len(column))  # one value repeated
        elif any(mark in "\x00".join(column) for mark in _CSV_SPECIAL):
            quoted.append(list(map(_csv_field, column)))
        else:
            quoted.append(column)
    return "".join(line + "\n" for line in map(",".join, zip(*quoted)))


_CSV_SPECIAL = (",", '"', "\n")


def _csv_field(text: str) -> str:
    if any(mark in text for mark in _CSV_SPECIAL):
        return '"' + text.replace('"', '""') + '"'
    return text


def render_rows_csv(header: list[str], rows: list[list[Any]], *, safe: bool = False) -> str:
    """CSV text; `safe` when every cell is already neutralised text (as `summary_rows` makes them)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows(rows if safe else ([safe_cell(cell) for cell in row] for row in rows))
    return buffer.getvalue()


def md_cell(value: Any) -> str:
    """A Markdown table cell or inline text: formula-safe, one line, and nothing a terminal acts on
    (Markdown is read by people, often with cat)."""
    return printable(safe_cell(value).replace("|", "\\|").replace("\r\n", " ").replace("\n", " ").replace("\r", " "))


def markdown_table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(md_cell(cell) for cell in header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(md_cell(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def share_cell(probability: float | None) -> str:
    """A share of draws as a table shows it: "." for none, "<1%" for under half a per cent."""
    if probability is None:
        return "-"
    if probability == 0:
        return "."
    return f"{probability:.0%}" if probability >= 0.005 else "<1%"
