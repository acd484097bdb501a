"""No silent misreading: what a published workbook or CSV shows is what ccgrate reads, in every
format, or one clear refusal.

tests/sheets/classes.* hold one of each thing a reader could misread (percentages as cell formats,
suppressed and annotated values, formulas that failed, a hidden sheet with a code column, title
rows and notes below the table) in .xlsx, .xlsm, .xls, .ods and .xlsb, saved by LibreOffice and
SheetJS (tools/make_sheet_fixtures.py); the CSV below holds the same as a CSV export shows it.
"""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from helpers import SHEETS
from openpyxl import Workbook

from ccgrate._base.errors import DataError
from ccgrate._read.dataset import Reading
from ccgrate._read.fast import read_fast
from ccgrate._read.layout import is_note_row, looks_like_code, records_end
from ccgrate._read.reader import read_dataset
from ccgrate._read.shown import Shown, is_percent_format, read_shown
from ccgrate._read.workbook import _percent

FORMATS = ("xlsx", "xlsm", "xls", "ods", "xlsb")
VALUES = {
    "126a": ["75.6%", "50%", "61.25%", "12.5"],
    "129a": ["[c]", "88.1", "#N/A", "90"],
    "127c": ["#DIV/0!", "4", "5", "[z]"],
    "123a": ["56.2 [p]", "*", "[x]", "57"],
}
CSV = (
    "Indicator values by organisation, 2017/18 (SYNTHETIC),,,,,,\n"
    "Published for the ccgrate tests,,,,,,\n"
    ",,,,,,\n"
    "Org Code,Org Name,Period,126a,129a,127c,123a\n"
    "A01,Alpha,2017/18,75.6%,[c],#DIV/0!,56.2 [p]\n"
    "B02,Beta,2017/18,50%,88.1,4,*\n"
    "C03,Gamma,2017/18,61.25%,#N/A,5,[x]\n"
    "D04,Delta,2017/18,12.5,90,[z],57\n"
    ",,,,,,\n"
    "Source: ccgrate tests (SYNTHETIC),,,,,,\n"
    "Notes:,,,,,,\n"
    '"1. [c] suppressed; [p] provisional",,,,,,\n'
)


def read(raw: bytes, name: str, **reading):
    return read_dataset(raw, name, Reading(**reading))


def error_of(raw: bytes, name: str = "d.xlsx", **reading) -> str:
    with pytest.raises(DataError) as caught:
        read(raw, name, **reading)
    return str(caught.value)


@pytest.mark.parametrize("suffix", FORMATS)
def test_every_format_reads_what_the_cells_show(suffix):
    dataset = read((SHEETS / f"classes.{suffix}").read_bytes(), f"c.{suffix}")
    source = f"c.{suffix}:Data"
    assert dataset.codes == ["A01", "B02", "C03", "D04"]
    assert {key: column.all_texts() for key, column in dataset.values.items()} == VALUES
    assert dataset.notes == [
        f'{source}: set aside: sheet "Cover" (no organisation code column); sheet "Notes" after it (--sheet reads '
        'another sheet); hidden sheet "Lookup"; 2 rows of titles above the header (row 4); 3 rows of notes below '
        'the last record (rows 10 to 12: "Source: ccgrate tests (SYNTHETIC)", "Notes:", "1. [c] suppressed; [p] '
        'provisional")',
        f"{source}: 4 cells hold a statistical symbol in place of a value, read as missing (* 1, [c] 1, [x] 1, [z] 1);"
        " 1 number carries a note's shorthand, read as the number ([p] 1)",
    ]
    assert dataset.warnings == [
        f"{source}: 2 cells hold a spreadsheet error where a value belongs (#DIV/0! at F5; #N/A at E7): a formula "
        "failed before the file was saved, so these are read as missing"
    ]


@pytest.mark.parametrize("fast", [True, False])
def test_the_csv_export_reads_the_same(fast):
    dataset = read_dataset(CSV.encode(), "c.csv", fast=fast)
    assert {key: column.all_texts() for key, column in dataset.values.items()} == VALUES
    assert dataset.notes[0] == (
        "c.csv: set aside: 2 lines of titles above the header (line 4); 3 lines of notes below the last record (lines "
        '10 to 12: "Source: ccgrate tests (SYNTHETIC)", "Notes:", "1. [c] suppressed; [p] provisional")'
    )
    assert dataset.notes[1:] == [
        "c.csv: 4 cells hold a statistical symbol in place of a value, read as missing (* 1, [c] 1, [x] 1, [z] 1); "
        "1 number carries a note's shorthand, read as the number ([p] 1)"
    ]
    assert dataset.warnings == [
        "c.csv: 2 cells hold a spreadsheet error where a value belongs (#DIV/0! at 5:6; #N/A at 7:5): a formula "
        "failed before the file was saved, so these are read as missing"
    ]


def test_every_carrier_scores_the_same(ccgrate, tmp_path):
    csv_path = tmp_path / "c.csv"
    csv_path.write_text(CSV, encoding="utf-8")

    def scored(path) -> list[dict]:
        found = json.loads(ccgrate("score", str(path), "--explain", "-f", "json").stdout)["assessments"]
        return [{k: v for k, v in a.items() if k not in ("source", "input_sha256", "content_sha256")} for a in found]

    expected = scored(csv_path)
    for suffix in FORMATS:
        assert scored(SHEETS / f"classes.{suffix}") == expected, suffix


def test_the_short_form_of_xlsb_is_refused():
    assert error_of((SHEETS / "classes-short.xlsb").read_bytes(), "c.xlsb") == (
        "c.xlsb:Data: 30 cells (the first B4) are stored in the short form of .xlsb that some programs write and the "
        "spreadsheet reader skips; open and save the workbook in Excel, or save it as .xlsx or CSV"
    )


# --- percentages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "percent"),
    [
        ("0%", True),
        ("0.0%", True),
        ("0.00%;[Red]-0.00%", True),
        ("[$-809]0.0%", True),
        ("#,##0.0%", True),
        ("0.0", False),
        ("General", False),
        ("#,##0", False),
        ('0.0"%"', False),
        ("0.0\\%", False),
        ("0.0_%", False),
        ("0.0*%", False),
        ("[>=100]0;0.0%", False),
        ("0.0;0.0%", False),
    ],
)
def test_percent_formats(code, percent):
    assert is_percent_format(code) is percent


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.756, "75.6%"),
        (0.5, "50%"),
        (1, "100%"),
        (0.6125, "61.25%"),
        (0.1 + 0.2, "30.000000000000004%"),
        (0, "0%"),
        (0.0, "0%"),
        (-0.25, "-25%"),
        (0.001, "0.1%"),
        (1e-07, "0.00001%"),
        (12.5, "1250%"),
    ],
)
def test_a_fraction_is_read_as_the_percentage_it_shows(value, text):
    assert _percent(value) == text


def formatted_book(*cells: tuple[object, str | None]) -> bytes:
    made = Workbook()
    sheet = made.active
    sheet.title = "Data"
    sheet.append(["org_code", "period", "126a"])
    for code, (value, number_format) in enumerate(cells):
        sheet.append([f"O{code}", "2017/18", value])
        if number_format:
            sheet.cell(row=sheet.max_row, column=3).number_format = number_format
    buffer = io.BytesIO()
    made.save(buffer)
    return buffer.getvalue()


def test_percentages_are_read_cell_by_cell():
    raw = formatted_book((0.689, "0.0%"), (68.9, None), (0.5, "0.00%;-0.00%"), (0.7, '0.0"%"'))
    assert read(raw, "d.xlsx").values["126a"].all_texts() == ["68.9%", "68.9", "50%", "0.7"]


def test_cells_without_references_are_placed_by_their_order():
    """Some writers leave out a cell's r="B2": its place is the one after the previous cell."""
    raw = formatted_book((0.689, "0.0%"), (0.25, "0%"))
    source = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                content = re.sub(rb' r="[A-Z]+\d+"', b"", content)
            target.writestr(info, content)
    shown = read_shown(out.getvalue(), "Data")
    assert shown == Shown(percent={(1, 2), (2, 2)})
    assert read(out.getvalue(), "d.xlsx").values["126a"].all_texts() == ["68.9%", "25%"]


@pytest.mark.parametrize("suffix", ["xlsx", "xlsm"])
def test_both_ways_of_finding_cells_agree(suffix):
    """Cells that name their place are found by searching for them; any sheet can be walked cell by
    cell: the two must find the same cells."""
    from ccgrate._read.shown import _xlsx_in_order, _xlsx_referenced

    with zipfile.ZipFile(SHEETS / f"classes.{suffix}") as book:
        data = book.read("xl/worksheets/sheet3.xml")
    styles = set(range(40))
    found = _xlsx_referenced(data, sorted(styles), True, True)
    assert found == _xlsx_in_order(data, styles)
    assert found.errors == {(4, 5): "#DIV/0!", (6, 4): "#N/A"}
    uncalculated = formula_book(3)
    with zipfile.ZipFile(io.BytesIO(uncalculated)) as book:
        data = book.read("xl/worksheets/sheet1.xml")
    assert (
        _xlsx_referenced(data, [], False, True)
        == _xlsx_in_order(data, set())
        == Shown(uncalculated={(2, 3): "C3*2", (3, 3): "C4*2"})
    )


def test_a_mark_across_two_chunks_is_found(monkeypatch):
    import ccgrate._read.shown as shown

    raw = formatted_book((0.689, "0.0%"))
    with zipfile.ZipFile(io.BytesIO(raw)) as book:
        data = book.read("xl/worksheets/sheet1.xml")
        mark = data.index(b' s="1"')
        for size in range(mark - 4, mark + 6):
            monkeypatch.setattr(shown, "_CHUNK", size)
            assert shown._holds_any(book, "xl/worksheets/sheet1.xml", [b' s="1"'])
        assert not shown._holds_any(book, "xl/worksheets/sheet1.xml", [b"nowhere"])


def test_a_workbook_whose_formats_cannot_be_read_says_so(monkeypatch):
    import ccgrate._read.workbook as workbook

    monkeypatch.setattr(workbook, "read_shown", lambda raw, sheet: None)
    dataset = read(formatted_book((0.689, "0.0%")), "d.xlsx")
    assert dataset.values["126a"].all_texts() == ["0.689"]
    assert dataset.notes == [
        "d.xlsx:Data: the cells' number formats could not be read, so a cell formatted as a percentage is read as the "
        "fraction it holds (75.6% as 0.756)"
    ]


def test_damaged_parts_leave_the_values_standing():
    assert read_shown(b"PK\x03\x04 not a zip", "Data") is None
    assert read_shown(b"\xd0\xcf\x11\xe0 not an OLE file", "Data") is None


def test_fractions_of_a_percentage_indicator_are_warned_about_even_for_one_organisation(ccgrate, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("org_code,period,126a\n07Q,2017/18,0.689\n", encoding="utf-8")
    stderr = ccgrate("score", str(path), "-f", "csv").stderr
    assert (
        f"{path}: every value of indicator 126a lies between 0 and 1; it is a percentage, so 0.67 means 0.67%, "
        "not 67% (multiply proportions by 100)"
    ) in stderr


# --- formulas ------------------------------------------------------------------------------------


def formula_book(formula_row: int) -> bytes:
    made = Workbook()
    sheet = made.active
    sheet.title = "Data"
    sheet.append(["Title", "=1+1" if formula_row == 1 else None])
    sheet.append(["org_code", "period", "126a", "129a"])
    sheet.append(["07Q", "2017/18", 50, "=C3*2" if formula_row == 3 else 1])
    sheet.append(["07R", "2017/18", 60, "=C4*2" if formula_row == 3 else 2])
    buffer = io.BytesIO()
    made.save(buffer)
    return buffer.getvalue()


def test_formulas_saved_without_results_are_refused_in_the_table():
    assert error_of(formula_book(3)) == (
        "d.xlsx:Data: 2 cells hold formulas saved without their results (the first D3, =C3*2), so the values Excel "
        "would show are not in the file; open and save the workbook in Excel or LibreOffice (which calculates them), "
        "or export it as CSV"
    )


def test_a_formula_without_its_result_above_the_table_is_no_matter():
    assert read(formula_book(1), "d.xlsx").codes == ["07Q", "07R"]


# --- sheets --------------------------------------------------------------------------------------


def hidden_book(data_hidden: bool) -> bytes:
    made = Workbook()
    cover = made.active
    cover.title = "Cover"
    cover.append(["About"])
    old = made.create_sheet("Old")
    old.append(["org_code", "period", "126a"])
    old.append(["OLD", "2016/17", 1])
    old.sheet_state = "hidden"
    data = made.create_sheet("Data")
    data.append(["org_code", "period", "126a"] if not data_hidden else ["About"])
    data.append(["07Q", "2017/18", 2])
    buffer = io.BytesIO()
    made.save(buffer)
    return buffer.getvalue()


def test_hidden_sheets_are_passed_over_and_named():
    dataset = read(hidden_book(False), "d.xlsx")
    assert dataset.codes == ["07Q"]
    assert dataset.notes == ['d.xlsx:Data: set aside: sheet "Cover" (no organisation code column); hidden sheet "Old"']


def test_sheet_reads_a_hidden_sheet():
    assert read(hidden_book(False), "d.xlsx", sheet="Old").codes == ["OLD"]


def test_data_only_in_a_hidden_sheet_is_refused():
    assert error_of(hidden_book(True)) == (
        'd.xlsx: no visible sheet has an organisation code column; the hidden sheet "Old" has one; hidden sheets are '
        'often old versions or lookups: if it is the data, pass --sheet "Old"'
    )


# --- the table inside the sheet, and headers ------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "note"),
    [
        ([], True),
        (["", "", ""], True),
        (["Source: NHS England", "", ""], True),
        (["Notes", "", ""], True),
        (["", "Data are provisional", ""], True),
        (["Source:", "NHS England", ""], True),
        (["07Q", "", ""], False),
        (["RXT", "", ""], False),
        (["E38000001", "Bromley", ""], False),
        (["", "Bromley", "5"], False),  # a record that lost its code: the reader says so
        (["Source:", "NHS England", "5"], False),
        (["07 Q", "Bromley", "5"], False),
    ],
)
def test_note_rows(row, note):
    assert is_note_row(row, 0) is note


@pytest.mark.parametrize("text", ["07Q", "RXT", "E38000001", "Y56", "00C", "RA2.01", "a1"])
def test_codes(text):
    assert looks_like_code(text)


@pytest.mark.parametrize("text", ["", "Notes", "Source:", "source", "1. Data", "[c]", "*", "x" * 17])
def test_not_codes(text):
    assert not looks_like_code(text)


def test_only_rows_after_the_last_record_are_notes():
    body = [(2, ["07Q", "1"]), (3, ["Notes", ""]), (4, ["07R", "2"]), (5, ["", ""]), (6, ["Source: x", ""])]
    assert records_end(body, 0) == 3
    assert records_end(body, None) == 5


@pytest.mark.parametrize("fast", [True, False])
def test_a_footnote_with_commas_is_no_ragged_row(fast):
    text = 'org_code,period,126a\n07Q,2017/18,1\n\n"Source: NHS England, 2018"\nSee notes, page 2\n'
    dataset = read_dataset(text.encode(), "d.csv", fast=fast)
    assert dataset.codes == ["07Q"]
    assert dataset.notes == [
        'd.csv: set aside: 2 lines of notes below the last record (lines 4 to 5: "Source: NHS England, 2018", "See '
        'notes page 2")'
    ]


def test_the_fast_reader_leaves_notes_below_to_the_general_reader():
    raw = b"org_code,period,126a\n07Q,2017/18,1\nSource: NHS England,,\n"
    assert read_fast(raw, "d.csv", Reading()) is None
    assert read_fast(b"org_code,period,126a\n07Q,2017/18,1\n", "d.csv", Reading()) is not None


def test_a_last_record_without_its_code_is_still_an_error():
    assert error_of(b"org_code,period,126a\n07Q,2017/18,1\n,2017/18,2\n", "d.csv") == (
        "d.csv:3:1: org_code is blank; every row needs an organisation code"
    )


@pytest.mark.parametrize("header", ["", "   "])
def test_a_nameless_header_above_values_is_an_error_in_csv(header):
    assert error_of(f"org_code,period,{header}\n07Q,2017/18,5\n".encode(), "d.csv") == (
        "d.csv:1:3: a header cell is empty; give every column a name"
    )


@pytest.mark.parametrize("header", [None, "   "])
def test_a_nameless_header_above_values_is_an_error_in_a_workbook(header):
    made = Workbook()
    made.active.title = "Data"
    made.active.append(["org_code", "period", header, "126a"])
    made.active.append(["07Q", "2017/18", 5, 6])
    buffer = io.BytesIO()
    made.save(buffer)
    assert error_of(buffer.getvalue()) == "d.xlsx:Data!C1: a header cell is empty; give every column a name"


@pytest.mark.parametrize("fast", [True, False])
def test_tables_stacked_in_one_file_are_refused(fast):
    text = "org_code,period,126a\n07Q,2016/17,1\n\norg_code,period,126a\n07Q,2017/18,2\n"
    with pytest.raises(DataError) as caught:
        read_dataset(text.encode(), "d.csv", fast=fast)
    assert str(caught.value) == (
        "d.csv:4: the header appears again here (first on line 1), so the file holds more than one table; make it "
        "one table (one header, a period column for the years), or give each table its own file or sheet"
    )


def test_tables_stacked_in_one_sheet_are_refused():
    made = Workbook()
    made.active.title = "Data"
    for row in (["CCG Code", "Period", "126a"], ["07Q", "2016/17", 1], [], ["CCG Code", "Period", "126a"]):
        made.active.append(row)
    made.active.append(["07Q", "2017/18", 2])
    buffer = io.BytesIO()
    made.save(buffer)
    assert error_of(buffer.getvalue()) == (
        "d.xlsx:Data!4:4: the header appears again here (first on row 1), so the file holds more than one table; "
        "make it one table (one header, a period column for the years), or give each table its own file or sheet"
    )
