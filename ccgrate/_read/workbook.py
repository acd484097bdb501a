"""Read one sheet of a workbook (.xlsx, .xlsm, .xlsb, .xls, .ods) into the same `Table` of text as
a CSV file, so that every shape, alias and check of the CSV reader applies unchanged.

python-calamine reads all five formats in compiled code, from bytes (so standard input works too),
and is imported only when a workbook is read.
"""

from __future__ import annotations

import datetime
import hashlib
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from ccgrate._base.errors import DataError, SheetSource, clip, column_letters, listed
from ccgrate._read.dataset import Reading, Table
from ccgrate._read.layout import HEADER_SEARCH_ROWS, code_column, is_header, layout_note, records_end
from ccgrate._read.shown import Shown, read_shown

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
    worksheets = [
        (sheet.name, sheet.visible == python_calamine.SheetVisibleEnum.Visible)
        for sheet in book.sheets_metadata
        if sheet.typ == python_calamine.SheetTypeEnum.WorkSheet
    ]
    if not worksheets:
        raise DataError("the workbook has no worksheets", where=source, hint="give a workbook with a sheet of data")
    name, set_aside = _chosen_sheet(book, worksheets, source, reading)
    sheet = book.get_sheet_by_name(name)
    where = SheetSource(source, name)
    try:
        values = sheet.to_python(skip_empty_area=False)
    except Exception as error:
        raise DataError(
            f"cannot read the sheet ({clip(str(error), 80)})",
            where=where,
            hint="open and save it again in Excel or LibreOffice, or export the sheet as CSV",
        ) from None
    if not values:
        raise DataError("the sheet is empty", where=where, hint="choose the sheet of data with --sheet NAME")
    rows = [[_text(cell) for cell in row] for row in values]
    shown = read_shown(raw, name)
    if shown is not None:
        _show(rows, values, shown, where)
    header_index = next((i for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]) if is_header(row, reading)), None)
    if header_index is None:
        header_index = next((i for i, row in enumerate(rows) if any(c.strip() for c in row)), 0)
    header = rows[header_index]
    body = list(enumerate(rows[header_index + 1 :], start=header_index + 2))
    end = records_end(body, code_column(header, reading))
    if shown is not None:
        _refuse_uncalculated(shown, header_index, header_index + 1 + end, where)
    texts = [cell for _, row in body[:end] for cell in row]
    body_text = "".join(texts)
    table = Table(
        where,
        hashlib.sha256(raw).hexdigest(),
        header_index + 1,
        header,
        body[:end],
        "\x1e" in body_text or "\x1f" in body_text or any("\x1e" in c or "\x1f" in c for c in header),
        body_text.isascii() and "_" not in body_text,
        merged=[
            (top + 1, left + 1, bottom + 1, right + 1)
            for (top, left), (bottom, right) in (getattr(sheet, "merged_cell_ranges", None) or [])
        ],
    )
    titles = sum(1 for row in rows[:header_index] if any(c.strip() for c in row))
    note = layout_note(where, header_index + 1, titles, body[end:], set_aside)
    if note:
        table.notes.append(note)
    if shown is None:
        table.notes.append(
            f"{where}: the cells' number formats could not be read, so a cell formatted as a percentage "
            "is read as the fraction it holds (75.6% as 0.756)"
        )
    return table


def _show(rows: list[list[str]], values: Sequence[Sequence[object]], shown: Shown, where: str) -> None:
    """Make each cell's text what the spreadsheet shows: a percentage as 75.6%, an error as #DIV/0!."""
    for row, column in shown.percent:
        if row < len(values) and column < len(values[row]):
            value = values[row][column]
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                rows[row][column] = _percent(value)
    for (row, column), error in shown.errors.items():
        if row < len(rows) and column < len(rows[row]) and not rows[row][column].strip():
            rows[row][column] = error
    lost = [
        (row, column)
        for row, column in shown.short_cells
        if row >= len(rows) or column >= len(rows[row]) or not rows[row][column].strip()
    ]
    if lost:
        row, column = min(lost)
        raise DataError(
            f"{len(lost)} cells (the first {column_letters(column + 1)}{row + 1}) are stored in the short form of "
            ".xlsb that some programs write and the spreadsheet reader skips",
            where=where,
            hint="open and save the workbook in Excel, or save it as .xlsx or CSV",
        )


def _percent(value: float) -> str:
    """A fraction as the percentage a cell shows: the decimal point of its shortest exact form
    moved two places, so 0.756 is 75.6% and not 75.60000000000001%."""
    text = repr(value) if isinstance(value, float) else str(value)
    if "e" in text or "n" in text:  # 1e-07, inf, nan: the decimal module moves the point
        return f"{Decimal(text).scaleb(2):f}%"
    sign = "-" if text.startswith("-") else ""
    whole, _, fraction = text.lstrip("-").partition(".")
    fraction = fraction.ljust(2, "0")
    shifted = (whole + fraction[:2]).lstrip("0") or "0"
    rest = fraction[2:].rstrip("0")
    return f"{sign}{shifted}{'.' + rest if rest else ''}%"


def _refuse_uncalculated(shown: Shown, header_index: int, end: int, where: str) -> None:
    """A formula saved without its result (a workbook written by a program and never opened in a
    spreadsheet) shows a value in Excel and holds none in the file: refused within the table."""
    inside = sorted((row, column) for row, column in shown.uncalculated if header_index <= row < end)
    if inside:
        row, column = inside[0]
        formula = shown.uncalculated[(row, column)]
        raise DataError(
            f"{len(inside)} {'cells hold formulas' if len(inside) != 1 else 'cell holds a formula'} saved without "
            f"{'their results' if len(inside) != 1 else 'its result'} (the first "
            f"{column_letters(column + 1)}{row + 1}{f', ={clip(formula)}' if formula else ''}), so the values "
            "Excel would show are not in the file",
            where=where,
            hint="open and save the workbook in Excel or LibreOffice (which calculates them), or export it as CSV",
        )


def _chosen_sheet(
    book: CalamineWorkbook, worksheets: list[tuple[str, bool]], source: str, reading: Reading
) -> tuple[str, list[str]]:
    """The sheet to read, and what the note says of the others. --sheet picks any sheet, hidden
    ones included, by name or 1-based number. Otherwise the first visible sheet whose header names an
    organisation code column (a cover, contents or notes sheet in front is passed over), or the
    first visible sheet, whose missing column the reader then reports."""
    names = [name for name, _ in worksheets]
    wanted = reading.sheet
    if wanted is not None:
        folded = wanted.strip().casefold()
        for found in ([n for n in names if n == wanted], [n for n in names if n.casefold() == folded]):
            if found:
                return found[0], []
        if wanted.strip().isdigit() and 1 <= int(wanted) <= len(names):
            return names[int(wanted) - 1], []
        raise DataError(
            f'no sheet "{clip(wanted)}"',
            where=source,
            hint=f"the workbook's sheets are {listed([clip(n) for n in names], 8)} "
            f"(--sheet takes a name or a number from 1 to {len(names)})",
        )
    visible = [name for name, shown in worksheets if shown] or names
    hidden = [name for name in names if name not in visible]
    passed: list[str] = []
    for name in visible:
        if _has_header(book, name, reading):
            later = visible[visible.index(name) + 1 :]
            return name, _set_aside_sheets(passed, later, hidden)
        passed.append(name)
    with_data = [name for name in hidden if _has_header(book, name, reading)]
    if with_data:
        raise DataError(
            f'no visible sheet has an organisation code column; the hidden sheet "{clip(with_data[0])}" has one',
            where=source,
            hint=f'hidden sheets are often old versions or lookups: if it is the data, pass --sheet "{clip(with_data[0])}"',
        )
    return visible[0], []


def _has_header(book: CalamineWorkbook, name: str, reading: Reading) -> bool:
    try:
        top = book.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=HEADER_SEARCH_ROWS)
    except Exception:
        return False  # an unreadable sheet is reported if it is the one chosen
    return any(is_header([_text(cell) for cell in row], reading) for row in top)


def _set_aside_sheets(passed: list[str], later: list[str], hidden: list[str]) -> list[str]:
    def quoted(names: list[str]) -> str:
        return listed([f'"{clip(name)}"' for name in names], 4)

    parts = []
    if passed:
        parts.append(f"sheet{'s' if len(passed) > 1 else ''} {quoted(passed)} (no organisation code column)")
    if later:
        parts.append(f"sheet{'s' if len(later) > 1 else ''} {quoted(later)} after it (--sheet reads another sheet)")
    if hidden:
        parts.append(f"hidden sheet{'s' if len(hidden) > 1 else ''} {quoted(hidden)}")
    return parts


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
