"""Write `bromley.csv` again in the layouts NHS England and NHS Digital publish data in.

    python tools/make_published.py            # rewrite bromley-long.csv and bromley.xlsx
    python tools/make_published.py --check    # exit 1 if the committed files differ

ILLUSTRATIVE DATA, as in bromley.csv: the same values, not published figures. What is copied from
real publications is the layout:

- `bromley-long.csv`: one row per organisation, period and indicator, with the descriptive
  columns NHS publications carry (indicator name, region, STP, unit, confidence limits), NHS
  header names (`CCG Code`, `Indicator ID`, `Reporting Period`, `Value`) and a row of England
  totals per indicator. The England values are made up, and ccgrate must skip them.
- `bromley.xlsx`: the same long table as a workbook laid out as NHS England publishes one: a
  cover sheet first, a hidden lookup sheet, a title block above the header and notes below the
  table, a notes sheet last; numbers are numbers (2,210 is the number 2210), percentages are
  fractions formatted as percentages (46.2% is 0.462 shown as 46.2%, as Excel stores it), and a
  suppressed value is written [c].

ccgrate must give the same ratings and scores for all three files; the tests check it. Needs
openpyxl (`pip install openpyxl`), which writes the workbook; ccgrate reads it with python-calamine.
Runs are byte-identical: the workbook's timestamps are fixed.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from ccgrate._framework.loader import framework_for_period

# The examples this writes, beside the README that describes them.
HERE = Path(__file__).resolve().parent.parent / "examples"
HEADER = [
    "Indicator ID",
    "Indicator Name",
    "Region",
    "STP",
    "CCG Code",
    "CCG Name",
    "Reporting Period",
    "Value",
    "Unit",
    "Lower CI",
    "Upper CI",
]
REGION, STP = "London", "Our Healthier South East London"
# England rows for a few indicators: made-up national figures a publication would put beside the CCGs.
ENGLAND = {"126a": Decimal("67.5"), "129a": Decimal("89.1"), "123a": Decimal("50.8")}
SUPPRESSED = ("2017/18", "165a")  # published as [c] in the workbook, blank in the CSV
FIXED_TIME = datetime(2018, 7, 24)
STAMP = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()


def long_rows() -> list[list[object]]:
    """The wide example as (indicator, name, region, STP, code, name, period, value, unit, CIs) rows."""
    with open(HERE / "bromley.csv", encoding="utf-8", newline="") as handle:
        records = list(csv.DictReader(handle))
    rows: list[list[object]] = []
    for record in records:
        period = record["period"]
        framework = framework_for_period(period)
        names = {ind.id: (ind.name, ind.unit) for ind in framework.indicators}
        names.update({jid: (j.name, "") for jid, j in framework.judgements.items()})
        for key, text in record.items():
            if key in ("org_code", "org_name", "period") or (not text and (period, key) != SUPPRESSED):
                continue
            name, unit = names.get(key, (key, ""))
            value = _number(text)
            low = high = ""
            if isinstance(value, Decimal) and unit == "%":
                low, high = value - Decimal("1.5"), value + Decimal("1.5")
            rows.append(
                [
                    key,
                    name,
                    REGION,
                    STP,
                    record["org_code"],
                    record["org_name"],
                    period.replace("/", "-"),
                    value,
                    "%" if text.endswith("%") else unit,
                    low,
                    high,
                ]
            )
            if key in ENGLAND:
                rows.append(
                    [
                        key,
                        name,
                        "",
                        "",
                        "E92000001",
                        "England",
                        period.replace("/", "-"),
                        ENGLAND[key] + (1 if period == "2017/18" else 0),
                        unit,
                        "",
                        "",
                    ]
                )
    return rows


def _number(text: str) -> Decimal | str:
    cleaned = text.replace(",", "").rstrip("%")
    try:
        return Decimal(cleaned)
    except ArithmeticError:
        return text  # a judgement level (green) or a band word (met)


def long_csv(rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # as Excel and most publications write CSV
    writer.writerow(HEADER)
    writer.writerows(["" if cell == "" else str(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def workbook(rows: list[list[object]]) -> bytes:
    """The long table as NHS England lays out a published workbook: a cover sheet, a hidden lookup
    sheet, the data under a title block with notes below it, a notes sheet, percentages stored as
    fractions and formatted as percentages, and a suppressed value written [c]."""
    from openpyxl import Workbook

    book = Workbook()
    cover = book.active
    cover.title = "Cover"
    for line in COVER:
        cover.append([line])
    lookup = book.create_sheet("Lookup")  # an old list of codes kept for formulas, as publications do
    lookup.append(["CCG Code", "CCG Name", "STP"])
    lookup.append(["07Q", "NHS Bromley CCG", STP])
    lookup.sheet_state = "hidden"
    sheet = book.create_sheet("Data")
    sheet.append(["CCG IAF indicator values, 2016/17 and 2017/18 (illustrative)"])
    sheet.append(["Illustrative values as in bromley.csv, not published figures"])
    sheet.append([])
    sheet.append(HEADER)
    value_at, unit_at = HEADER.index("Value"), HEADER.index("Unit")
    for row in rows:
        cells = [float(cell) if isinstance(cell, Decimal) else cell for cell in row]
        if (row[6].replace("-", "/"), row[0]) == SUPPRESSED and row[4] != "E92000001":
            cells[value_at] = "[c]"
        sheet.append(cells)
        value = row[value_at]
        if row[unit_at] == "%" and isinstance(value, Decimal):
            # Stored as Excel stores a percentage: 68.9% is the fraction 0.689, shown with its decimals.
            cell = sheet.cell(row=sheet.max_row, column=value_at + 1)
            cell.value = float(value / 100)
            places = max(0, -value.as_tuple().exponent)  # type: ignore[operator]
            cell.number_format = "0." + "0" * places + "%" if places else "0%"
    sheet.append([])
    for line in FOOTNOTES:
        sheet.append([line])
    notes = book.create_sheet("Notes")
    for line in NOTES:
        notes.append([line])
    book.properties.created = book.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    book.save(buffer)
    return _fixed_zip(buffer.getvalue())


COVER = [
    "CCG Improvement and Assessment Framework: illustrative data for NHS Bromley CCG",
    "Not published figures: see examples/README.md in the ccgrate repository.",
    "Contents: Data (indicator values by CCG and year); Notes (symbols and definitions)",
]
FOOTNOTES = [
    "Source: ccgrate examples (illustrative values, as in bromley.csv)",
    "[c] Suppressed to protect confidentiality",
    "Percentages are stored as fractions and formatted as percentages, as Excel stores them",
]
NOTES = [
    "Symbols",
    "[c] confidential: the value is suppressed",
    "England rows (E92000001) are national values, not organisations",
]


def _fixed_zip(data: bytes) -> bytes:
    """The archive again with every member dated FIXED_TIME, so that two runs give the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the time of saving here
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + STAMP, content)
            target.writestr(fixed, content)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed files are out of date")
    arguments = parser.parse_args()
    rows = long_rows()
    outputs = {HERE / "bromley-long.csv": long_csv(rows), HERE / "bromley.xlsx": workbook(rows)}
    stale = [path.name for path, data in outputs.items() if not path.exists() or path.read_bytes() != data]
    if arguments.check:
        if stale:
            print(f"out of date: {', '.join(stale)}; run python tools/make_published.py", file=sys.stderr)
            return 1
        return 0
    for path, data in outputs.items():
        path.write_bytes(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
