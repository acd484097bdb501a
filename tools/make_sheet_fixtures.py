"""Write the workbooks the spreadsheet tests read, in every format ccgrate reads, from two sources:

- `bromley.*`: examples/bromley.xlsx (the published layout tools/make_published.py writes) saved
  again as .xlsm, .xls, .ods and .xlsb, so that every format must give bromley.csv's ratings;
- `classes.*`: a small published-style workbook holding one of each thing a reader could misread
  (percentages as cell formats, suppressed and annotated values, formulas that failed, a hidden
  sheet with a code column, title rows, notes below the table), in every format.

    python tools/make_sheet_fixtures.py

Synthetic data. Needs openpyxl (writes the first .xlsx), LibreOffice (`soffice`, which calculates
the formulas and saves .xlsx, .xlsm, .xls and .ods as Excel users' files are saved) and Node.js
with npm (SheetJS 0.18.5 is installed into a temporary folder to write .xlsb, the one format
LibreOffice cannot save). SheetJS writes each cell after the first of a row in the "short" record
form that Excel never writes and python-calamine skips; `*-short.xlsb` keeps that form (ccgrate
must refuse it), and the other .xlsb files are written in Excel's full form. The files are
committed, since the tests must not need LibreOffice or Node.js.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "tests" / "sheets"
FORMATS = {"xlsx": "Calc MS Excel 2007 XML", "xlsm": "Calc MS Excel 2007 VBA XML", "xls": "MS Excel 97", "ods": "calc8"}

# What the classes workbook's Data sheet holds, and what the tests expect ccgrate to read from it.
CLASSES_HEADER = ["Org Code", "Org Name", "Period", "126a", "129a", "127c", "123a"]
CLASSES_ROWS = [
    # code, name, period, 126a (a percentage format), 129a, 127c, 123a
    ["A01", "Alpha", "2017/18", (0.756, "0.0%"), "[c]", "=1/0", "56.2 [p]"],
    ["B02", "Beta", "2017/18", (0.5, "0%"), 88.1, 4, "*"],
    ["C03", "Gamma", "2017/18", (0.6125, "0.00%"), "=NA()", 5, "[x]"],
    ["D04", "Delta", "2017/18", 12.5, 90, "[z]", 57],
]

SHEETJS = r"""
const fs = require('fs'), path = require('path'), Module = require('module');
const [,, root, jobs] = process.argv;
const file = path.join(root, 'node_modules', 'xlsx', 'xlsx.js');
const source = fs.readFileSync(file, 'utf8');
function library(short) {
  // Excel writes every cell record with its column; SheetJS writes the "short" form after the
  // first cell of a row unless told otherwise here.
  const text = short ? source : source.split('if(last_seen) write_record').join('if(false) write_record');
  const module = new Module(file, null);
  module.filename = file;
  module.paths = Module._nodeModulePaths(path.dirname(file));
  module._compile(text, file);
  return module.exports;
}
for (const [input, output, short] of JSON.parse(jobs)) {
  const XLSX = library(short);
  const book = XLSX.read(fs.readFileSync(input), {cellNF: true, cellStyles: true, cellFormula: true});
  fs.writeFileSync(output, XLSX.write(book, {bookType: 'xlsb', type: 'buffer'}));
}
"""


def classes_workbook() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    cover = book.active
    cover.title = "Cover"
    cover.append(["Illustrative indicator values (SYNTHETIC test data)"])
    cover.append(["Contents: Data; Notes"])
    lookup = book.create_sheet("Lookup")
    lookup.append(["Org Code", "Org Name"])
    lookup.append(["Z99", "An old lookup row"])
    lookup.sheet_state = "hidden"
    data = book.create_sheet("Data")
    data.append(["Indicator values by organisation, 2017/18 (SYNTHETIC)"])
    data.append(["Published for the ccgrate tests"])
    data.append([])
    data.append(CLASSES_HEADER)
    for row in CLASSES_ROWS:
        data.append([cell[0] if isinstance(cell, tuple) else cell for cell in row])
        for column, cell in enumerate(row, start=1):
            if isinstance(cell, tuple):
                data.cell(row=data.max_row, column=column).number_format = cell[1]
    data.append([])
    data.append(["Source: ccgrate tests (SYNTHETIC)"])
    data.append(["Notes:"])
    data.append(["1. [c] suppressed; [p] provisional"])
    notes = book.create_sheet("Notes")
    notes.append(["Symbols: [c] confidential, [x] not available, [z] not applicable"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def convert(source: Path, stem: str, work: Path) -> None:
    """Save `source` as stem.xlsx, .xlsm, .xls and .ods with LibreOffice (calculating formulas)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        sys.exit("LibreOffice is needed: apt install libreoffice-calc-nogui")
    for suffix, writer in FORMATS.items():
        out = work / suffix
        out.mkdir(exist_ok=True)
        subprocess.run(
            [soffice, "--headless", "--convert-to", f"{suffix}:{writer}", "--outdir", str(out), str(source)],
            check=True,
            capture_output=True,
        )
        shutil.copyfile(out / f"{source.stem}.{suffix}", HERE / f"{stem}.{suffix}")


def write_xlsb(jobs: list[tuple[Path, Path, bool]], work: Path) -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        sys.exit("Node.js and npm are needed to write .xlsb: apt install nodejs npm")
    subprocess.run(["npm", "install", "--prefix", str(work), "xlsx@0.18.5"], check=True, capture_output=True)
    script = work / "xlsb.js"
    script.write_text(SHEETJS, encoding="utf-8")
    subprocess.run(
        ["node", str(script), str(work), json.dumps([[str(a), str(b), short] for a, b, short in jobs])], check=True
    )


def main() -> int:
    HERE.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        classes = work / "classes-source.xlsx"
        classes.write_bytes(classes_workbook())
        convert(classes, "classes", work)
        convert(ROOT / "examples" / "bromley.xlsx", "bromley", work)
        # From LibreOffice's .xlsx, which holds the formulas' results.
        write_xlsb(
            [
                (HERE / "classes.xlsx", HERE / "classes.xlsb", False),
                (HERE / "classes.xlsx", HERE / "classes-short.xlsb", True),
                (HERE / "bromley.xlsx", HERE / "bromley.xlsb", False),
            ],
            work,
        )
    (HERE / "bromley.xlsx").unlink()  # examples/bromley.xlsx is the one the tests read
    return 0


if __name__ == "__main__":
    sys.exit(main())
