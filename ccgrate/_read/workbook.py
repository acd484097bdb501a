"""Read one sheet of a workbook (.xlsx, .xlsm, .xlsb, .xls, .ods) into the same `Table` of text as
a CSV file, so that every shape, alias and check of the CSV reader applies unchanged.

python-calamine reads all five formats in compiled code, from bytes (so standard input works too),
and is imported only when a workbook is read.
"""

from __future__ import annotations

import datetime
import hashlib
import io
from typing import TYPE_CHECKING

from ccgrate._base.errors import DataError, SheetSource, clip, listed
from ccgrate._read.dataset import Reading, Table
from ccgrate._read.layout import HEADER_SEARCH_ROWS, is_header

if TYPE_CHECKING:
    from python_calamine import CalamineWorkbook

SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
_ZIP = b"PK\x03\x04"  # .xlsx, .xlsm, .xlsb and .ods are zip archives
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (and password-protected .xlsx)


def is_spreadsheet(raw: bytes, source: str) -> bool:
    return raw.startswith((_ZIP, _OLE)) or source.lower().endswith(SUFFIXES)


def read_sheet(raw: bytes, source: str, reading: Reading) -> Table:
    try:
        import python_calamine
    except ImportError:  # pragma: no cover - a dependency; only a broken installation lacks it
        raise DataError(
            "reading spreadsheets needs python-calamine",
            where=source,
            hint="pip install python-calamine, or export the sheet as CSV",
        ) from None
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(raw))
    except python_calamine.PasswordError:
        raise DataError(
            "the workbook is protected by a password",
            where=source,
            hint="save a copy without the password, or export the sheet as CSV",
        ) from None
    except Exception as error:  # calamine's errors for a damaged or unknown file share no base class
        raise DataError(
            f"cannot read it as a spreadsheet ({clip(str(error), 80)})",
            where=source,
            hint="open and save it again in Excel or LibreOffice, or export the sheet as CSV",
        ) from None
    worksheets = [sheet.name for sheet in book.sheets_metadata if sheet.typ == python_calamine.SheetTypeEnum.WorkSheet]
    if not worksheets:
        raise DataError("the workbook has no worksheets", where=source, hint="give a workbook with a sheet of data")
    name = _chosen_sheet(book, worksheets, source, reading)
    sheet = book.get_sheet_by_name(name)
    where = SheetSource(source, name)
    try:
        rows = [[_text(cell) for cell in row] for row in sheet.to_python(skip_empty_area=False)]
    except Exception as error:
        raise DataError(
            f"cannot read the sheet ({clip(str(error), 80)})",
            where=where,
            hint="open and save it again in Excel or LibreOffice, or export the sheet as CSV",
        ) from None
    header_index = next((i for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]) if is_header(row, reading)), None)
    if header_index is None:
        first = next((i for i, row in enumerate(rows) if any(c.strip() for c in row)), 0)
        header_index = first
    if not rows:
        raise DataError("the sheet is empty", where=where, hint="choose the sheet of data with --sheet NAME")
    texts = [cell for row in rows[header_index + 1 :] for cell in row]
    body_text = "".join(texts)
    table = Table(
        where,
        hashlib.sha256(raw).hexdigest(),
        header_index + 1,
        rows[header_index],
        [(line, row) for line, row in enumerate(rows[header_index + 1 :], start=header_index + 2)],
        "\x1e" in body_text or "\x1f" in body_text or any("\x1e" in c or "\x1f" in c for c in rows[header_index]),
        body_text.isascii() and "_" not in body_text,
        merged=[
            (top + 1, left + 1, bottom + 1, right + 1)
            for (top, left), (bottom, right) in (getattr(sheet, "merged_cell_ranges", None) or [])
        ],
    )
    titles = sum(1 for row in rows[:header_index] if any(c.strip() for c in row))
    if titles:
        table.notes.append(
            f"{where}: the header is on row {header_index + 1}; "
            f"{'the row' if titles == 1 else f'{titles} rows'} of titles above it skipped"
        )
    return table


def _chosen_sheet(book: CalamineWorkbook, worksheets: list[str], source: str, reading: Reading) -> str:
    """--sheet by name (or 1-based number); otherwise the first sheet with a header naming an
    organisation code column, or the first sheet (whose missing column the reader then reports)."""
    wanted = reading.sheet
    if wanted is not None:
        folded = wanted.strip().casefold()
        for found in ([n for n in worksheets if n == wanted], [n for n in worksheets if n.casefold() == folded]):
            if found:
                return found[0]
        if wanted.strip().isdigit() and 1 <= int(wanted) <= len(worksheets):
            return worksheets[int(wanted) - 1]
        raise DataError(
            f'no sheet "{clip(wanted)}"',
            where=source,
            hint=f"the workbook's sheets are {listed([clip(n) for n in worksheets], 8)} "
            f"(--sheet takes a name or a number from 1 to {len(worksheets)})",
        )
    for name in worksheets:
        try:
            top = book.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=HEADER_SEARCH_ROWS)
        except Exception:
            continue  # an unreadable sheet is reported if it is the one chosen
        if any(is_header([_text(cell) for cell in row], reading) for row in top):
            return name
    return worksheets[0]


def _text(cell: object) -> str:
    """A cell as the CSV reader would see it: numbers in their shortest exact decimal form (so the
    exact arithmetic reads the value the workbook holds), dates in ISO form (refused where a
    number belongs, with a message saying it is a date), and error values (#N/A) blank."""
    if isinstance(cell, str):
        return cell
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() and abs(cell) < 2**53 else repr(cell)
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, datetime.datetime):
        return cell.date().isoformat() if cell.time() == datetime.time() else cell.isoformat(sep=" ")
    if isinstance(cell, (datetime.date, datetime.time)):
        return cell.isoformat()
    if isinstance(cell, datetime.timedelta):
        return str(cell)
    return "" if cell is None else str(cell)
