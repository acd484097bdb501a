"""Write the .xls and .ods workbooks the spreadsheet tests read (bromley.csv's values, wide shape).

    pip install xlwt odfpy && python tools/make_sheet_fixtures.py

The .xlsx workbooks the tests need are written by the tests themselves with openpyxl; no
maintained Python library writes .xls, and odfpy is needed for nothing else, so these two files
are committed rather than made on every run. Each has a title row above its header, and numbers
stored as numbers.
"""

from __future__ import annotations

import csv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The workbook fixtures of the tests (written in formats the tests' own writer, openpyxl, cannot write).
HERE = ROOT / "tests" / "sheets"
BROMLEY = ROOT / "examples" / "bromley.csv"


def table() -> list[list[object]]:
    with open(BROMLEY, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    body = []
    for row in rows[1:]:
        cells: list[object] = []
        for text in row:
            try:
                cells.append(float(text.replace(",", "").rstrip("%")))
            except ValueError:
                cells.append(text)
        body.append(cells)
    return [["Illustrative values, as examples/bromley.csv"], rows[0], *body]


def write_xls(rows: list[list[object]], path: Path) -> None:
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("IAF")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value != "":
                sheet.write(r, c, value)
    book.save(str(path))


def write_ods(rows: list[list[object]], path: Path) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    sheet = Table(name="IAF")
    for row in rows:
        line = TableRow()
        for value in row:
            if isinstance(value, float):
                cell = TableCell(valuetype="float", value=repr(value))
                cell.addElement(P(text=repr(value)))
            else:
                cell = TableCell(valuetype="string")
                if value:
                    cell.addElement(P(text=value))
            line.addElement(cell)
        sheet.addElement(line)
    document.spreadsheet.addElement(sheet)
    document.save(str(path))


if __name__ == "__main__":
    rows = table()
    write_xls(rows, HERE / "bromley.xls")
    write_ods(rows, HERE / "bromley.ods")
