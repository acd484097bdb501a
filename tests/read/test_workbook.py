"""Spreadsheets and published CSV layouts: read as the same data as the plain wide CSV.

The .xlsx workbooks are written here with openpyxl; the workbooks in tests/sheets, in every
format, are committed (tools/make_sheet_fixtures.py made them with LibreOffice and SheetJS), as is
examples/bromley.xlsx (tools/make_published.py).
"""

from __future__ import annotations

import datetime
import io
import json

import pytest
from helpers import ROOT, SHEETS
from openpyxl import Workbook

from ccgrate._base.errors import DataError, SheetSource, column_letters, location
from ccgrate._read.dataset import Reading
from ccgrate._read.reader import read_dataset

EXAMPLES = ROOT / "examples"


def ratings(ccgrate, *args: str) -> list[dict]:
    """Every assessment of a run without what names its input (source, hashes)."""
    found = json.loads(ccgrate("score", *args, "-f", "json").stdout)["assessments"]
    return [{k: v for k, v in a.items() if k not in ("source", "input_sha256")} for a in found]


@pytest.mark.parametrize(
    "other",
    [
        EXAMPLES / "bromley-long.csv",
        EXAMPLES / "bromley.xlsx",
        *(SHEETS / f"bromley.{suffix}" for suffix in ("xlsm", "xls", "ods", "xlsb")),
    ],
    ids=lambda p: p.name,
)
def test_every_layout_gives_the_ratings_of_the_wide_csv(ccgrate, other):
    wide = ratings(ccgrate, str(EXAMPLES / "bromley.csv"), "--explain")
    assert ratings(ccgrate, str(other), "--explain") == wide
    assert [a["rating"] for a in wide] == ["Good", "Good"]


def test_the_published_layout_says_what_it_set_aside(ccgrate):
    stderr = ccgrate("score", str(EXAMPLES / "bromley-long.csv"), "-f", "csv").stderr
    source = f"{EXAMPLES / 'bromley-long.csv'}"
    assert stderr.splitlines() == [
        f"ccgrate: {source}: skipped 6 rows of national or regional totals (E92000001, on lines 24, 35, 47, 83, 93 "
        "and 1 more): ccgrate rates organisations, not totals",
        f"ccgrate: {source}: columns not used: Indicator Name, Region, STP, Unit, Lower CI, Upper CI",
    ]
    assert ccgrate("score", str(EXAMPLES / "bromley-long.csv"), "-q", "-f", "csv").stderr == ""


def test_the_example_workbook_says_what_it_set_aside(ccgrate):
    result = ccgrate("score", str(EXAMPLES / "bromley.xlsx"), "-f", "csv")
    source = f"{EXAMPLES / 'bromley.xlsx'}:Data"
    assert result.stderr.splitlines() == [
        f'ccgrate: {source}: set aside: sheet "Cover" (no organisation code column); sheet "Notes" after it '
        '(--sheet reads another sheet); hidden sheet "Lookup"; 2 rows of titles above the header (row 4); 3 rows '
        'of notes below the last record (rows 123 to 125: "Source: ccgrate examples (illustrative …", "[c] '
        'Suppressed to protect confidentiali…", "Percentages are stored as fractions and…")',
        f"ccgrate: {source}: skipped 6 rows of national or regional totals (E92000001, on rows 27, 38, 50, 86, 96 "
        "and 1 more): ccgrate rates organisations, not totals",
        f"ccgrate: {source}: columns not used: Indicator Name, Region, STP, Unit, Lower CI, Upper CI",
        f"ccgrate: {source}: 1 cell holds a statistical symbol in place of a value, read as missing ([c] 1)",
    ]
    assert f",{source}," in result.stdout  # the source says which sheet


def test_published_files_are_current():
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "make_published.py"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


# --- workbooks made here -------------------------------------------------------------------------


def book(*sheets: tuple[str, list[list[object]]], merge: str | None = None) -> bytes:
    made = Workbook()
    made.remove(made.active)
    for title, rows in sheets:
        sheet = made.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if merge:
            sheet.merge_cells(merge)
    buffer = io.BytesIO()
    made.save(buffer)
    return buffer.getvalue()


HEADER = ["Org Code", "Org Name", "Period", "126a", "129a"]


def read(raw: bytes, name: str = "d.xlsx", **reading) -> object:
    return read_dataset(raw, name, Reading(**reading))


def error_of(raw: bytes, name: str = "d.xlsx", **reading) -> str:
    with pytest.raises(DataError) as caught:
        read(raw, name, **reading)
    return str(caught.value)


def test_numbers_come_through_as_numbers_and_error_cells_as_their_errors():
    raw = book(("Data", [HEADER, ["07Q", "Bromley", "2017/18", 68.9, "#N/A"], ["07R", "X", "2017-18", 2160, 0.1]]))
    dataset = read(raw)
    assert dataset.values["126a"].all_texts() == ["68.9", "2160"]
    assert dataset.values["129a"].all_texts() == ["#N/A", "0.1"]
    assert dataset.warnings == [
        "d.xlsx:Data: 1 cell holds a spreadsheet error where a value belongs (#N/A at E2): a formula failed before "
        "the file was saved, so these are read as missing"
    ]
    assert dataset.periods == ["2017/18", "2017/18"]
    assert dataset.source == "d.xlsx:Data" and isinstance(dataset.source, SheetSource)


def test_the_first_sheet_with_an_organisation_code_column_is_read():
    raw = book(
        ("Contents", [["About this file"], ["code of practice"]]), ("Values", [HEADER, ["07Q", "B", "2017/18", 1, 2]])
    )
    assert read(raw).source == "d.xlsx:Values"


@pytest.mark.parametrize("sheet", ["Second", "second", "2"])
def test_sheet_by_name_or_number(sheet):
    raw = book(("First", [HEADER, ["07Q", "B", "2017/18", 1, 2]]), ("Second", [HEADER, ["08A", "C", "2017/18", 3, 4]]))
    assert read(raw, sheet=sheet).codes == ["08A"]


def test_an_unknown_sheet_lists_the_sheets():
    raw = book(("First", [HEADER, ["07Q", "B", "2017/18", 1, 2]]), ("Second", [HEADER]))
    assert error_of(raw, sheet="Third") == (
        'd.xlsx: no sheet "Third"; the workbook\'s sheets are First, Second '
        "(--sheet takes a name or a number from 1 to 2)"
    )


def test_sheet_is_refused_for_csv():
    assert error_of(b"org_code,period\n07Q,2017/18\n", "d.csv", sheet="1") == (
        "d.csv: --sheet applies to spreadsheets, and this is a CSV file; leave out --sheet"
    )


def test_a_date_where_a_number_belongs_names_the_cell(ccgrate, tmp_path):
    path = tmp_path / "d.xlsx"
    path.write_bytes(book(("Data", [["title"], HEADER, ["07Q", "B", "2017/18", datetime.date(1900, 3, 8), 92.4]])))
    assert ccgrate("score", str(path), expect=1).stderr == (
        f'Error: {path}:Data!D3: column "126a": "1900-03-08" is a date, not a number; the spreadsheet formatted the '
        "cell as a date: format the column as Number and save it again\n"
    )


def test_text_where_a_number_belongs_names_the_cell(ccgrate, tmp_path):
    path = tmp_path / "d.xlsx"
    path.write_bytes(book(("My data", [HEADER, ["07Q", "B", "2017/18", True, 92.4]])))
    assert ccgrate("score", str(path), expect=1).stderr == (
        f'Error: {path}:My data!D2: column "126a": "TRUE" is not a number; write a number such as 66.7 (a % sign and '
        "thousands separators are allowed) or leave the cell blank\n"
    )


def test_merged_header_cells_are_named():
    raw = book(("Data", [["Org Code", "Values", None], ["07Q", 1, 2]]), merge="B1:C1")
    assert error_of(raw) == (
        "d.xlsx:Data!C1: header cells B1:C1 are merged, so only the first names a column; "
        "unmerge them in the spreadsheet and give every column a header of its own"
    )


def test_a_duplicate_row_names_sheet_rows():
    raw = book(("Data", [HEADER, ["07Q", "B", "2017/18", 1, 2], ["07Q", "B", "2017/18", 1, 2]]))
    assert error_of(raw) == (
        "d.xlsx:Data!3:3: a second row for 07Q 2017/18 (the first is on row 2); "
        "keep one row per organisation and period"
    )


def test_empty_trailing_columns_are_not_columns():
    raw = book(("Data", [HEADER + [None, None], ["07Q", "B", "2017/18", 1, 2, None, None]]))
    assert sorted(read(raw).values) == ["126a", "129a"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"PK\x03\x04 not really a zip", "d.xlsx: cannot read it as a spreadsheet"),
        (b"just text", "d.xlsx: cannot read it as a spreadsheet"),
    ],
)
def test_a_damaged_workbook_is_one_line(raw, message):
    found = error_of(raw)
    assert found.startswith(message + " (")
    assert found.endswith("; open and save it again in Excel or LibreOffice, or export the sheet as CSV")


def test_a_workbook_on_standard_input_is_read_by_its_bytes(ccgrate):
    stdout = ccgrate("score", "-", "-f", "csv", input=(EXAMPLES / "bromley.xlsx").read_bytes()).stdout
    assert stdout.splitlines()[1].startswith("07Q,NHS Bromley CCG,2016/17,iaf-2016-17,67.43,Good,Good,")


@pytest.mark.parametrize(("column", "letters"), [(1, "A"), (26, "Z"), (27, "AA"), (52, "AZ"), (703, "AAA")])
def test_column_letters(column, letters):
    assert column_letters(column) == letters
    assert location(SheetSource("b.xlsx", "S"), 4, column) == f"b.xlsx:S!{letters}4"


# --- published CSV layouts -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "Org Code",
        "Organisation Code",
        "ODS Code",
        "CCG Code",
        "Commissioner Code",
        "Sub ICB Location Code",
        "SICBL Code",
        "org-code",
        "ORG_CODE",
    ],
)
@pytest.mark.parametrize("indicator", ["Indicator ID", "Indicator Code", "Metric ID", "indicator"])
@pytest.mark.parametrize("period", ["Reporting Period", "Financial Year", "Year"])
@pytest.mark.parametrize("value", ["Value", "Indicator Value", "Metric Value"])
def test_nhs_header_names_make_a_long_file(code, indicator, period, value):
    text = f"{indicator},{code},{period},{value},Indicator Name\n126a,07Q,2017-18,68.9,Dementia\n"
    dataset = read(text.encode(), "d.csv")
    assert dataset.shape == "long" and dataset.codes == ["07Q"] and dataset.periods == ["2017/18"]
    assert dataset.values["126a"].all_texts() == ["68.9"]
    assert dataset.notes == ["d.csv: column not used: Indicator Name"]


@pytest.mark.parametrize(
    ("numerator", "denominator"),
    [
        ("Numerator", "Denominator"),
        ("Indicator Numerator", "Indicator Denominator"),
        ("Metric Numerator", "Metric Denominator"),
    ],
)
def test_numerator_and_denominator_spellings(numerator, denominator):
    text = f"Org Code,Period,Indicator ID,Value,{numerator},{denominator}\n07Q,2017/18,126a,50,1,2\n"
    dataset = read(text.encode(), "d.csv")
    assert dataset.numerators["126a"].all_texts() == ["1"] and dataset.denominators["126a"].all_texts() == ["2"]


def test_column_maps_any_header_to_a_role_or_an_indicator():
    text = "Organisation ODS,When,Dementia diagnosis rate\n07Q,2017/18,68.9\n"
    columns = (("org_code", "Organisation ODS"), ("period", "when"), ("126a", "Dementia diagnosis rate"))
    dataset = read(text.encode(), "d.csv", columns=columns)
    assert (
        dataset.codes == ["07Q"] and dataset.periods == ["2017/18"] and dataset.values["126a"].all_texts() == ["68.9"]
    )


def test_column_naming_a_header_that_is_not_there():
    assert error_of(b"org_code,period\n07Q,2017/18\n", "d.csv", columns=(("value", "Amount"),)) == (
        "d.csv:1: --column value=amount: the header has no such column; the header holds org_code, period"
    )


def test_column_chooses_between_two_code_columns():
    text = "Org Code,ODS Code,period,126a\nX1,07Q,2017/18,1\n"
    assert read(text.encode(), "d.csv", columns=(("org_code", "ODS Code"),)).codes == ["07Q"]


def test_column_option_on_the_command_line(ccgrate, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("Ref,Year,Indicator,Amount\n07Q,2017/18,126a,68.9\n", encoding="utf-8")
    stdout = ccgrate(
        "score", str(path), "--column", "org_code=Ref", "--column", "value=Amount", "-q", "-f", "csv"
    ).stdout
    assert stdout.splitlines()[1].startswith("07Q,,2017/18,iaf-2017-18,")
    assert ccgrate("score", str(path), "--column", "Ref", expect=2).stderr.endswith(
        "Error: Invalid value for '--column': \"Ref\" is not ROLE=HEADER; write e.g. --column "
        'org_code="Organisation ODS Code" (roles: org_code, org_name, period, indicator, value, numerator, '
        "denominator, or an indicator id)\n"
    )


def test_title_lines_above_a_csv_header_are_skipped():
    text = "CCG IAF data,,\nPublished 2018,,\n\norg_code;period;126a\n07Q;2017/18;68,9\n"
    dataset = read(text.encode(), "d.csv")
    assert dataset.values["126a"].all_texts() == ["68,9"] and dataset.values["126a"].decimal_comma
    assert dataset.lines == [5]
    assert dataset.notes == ["d.csv: set aside: 2 lines of titles above the header (line 4)"]


@pytest.mark.parametrize("text", ["2017/18 Q4", "Q4 2017-18", "Q4 2017/18", "2017-18 Quarter 4", "FY2017/18 Q4"])
def test_quarters_are_read_as_quarters(text):
    dataset = read(f"org_code,period,126a\n07Q,{text},1\n".encode(), "d.csv")
    assert dataset.periods == ["2017/18 Q4"]
    assert dataset.notes == []


def test_an_annual_framework_reads_a_quarter_as_its_year(ccgrate, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("org_code,period,126a\n07Q,Q4 2017-18,70\n", encoding="utf-8")
    result = ccgrate("score", str(path), "-f", "csv")
    assert f"ccgrate: {path}: quarterly periods read as their financial year (2017/18 Q4 as 2017/18)\n" in result.stderr
    assert ",2017/18,iaf-2017-18," in result.stdout


def test_two_quarters_of_one_year_are_two_rows_for_an_annual_framework(ccgrate, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("org_code,period,126a\n07Q,2017/18 Q3,70\n07Q,2017/18 Q4,71\n", encoding="utf-8")
    assert ccgrate("score", str(path), expect=1).stderr == (
        f"Error: {path}:3: a second row for 07Q 2017/18 (the first is on line 2); keep one row per organisation "
        "and period\n"
    )


@pytest.mark.parametrize(
    "code,name",
    [
        ("E92000001", "England"),
        ("ENG", ""),
        ("Y56", "London"),
        ("XXX", "England"),
        ("E40000003", "London"),
        ("Q71", "London area"),
    ],
)
def test_totals_rows_are_skipped_with_a_note(code, name):
    dataset = read(f"org_code,org_name,period,126a\n07Q,B,2017/18,1\n{code},{name},2017/18,2\n".encode(), "d.csv")
    assert dataset.codes == ["07Q"]
    assert dataset.notes == [
        f"d.csv: skipped 1 row of national or regional totals ({code}, on line 3): ccgrate "
        "rates organisations, not totals"
    ]


def test_a_file_of_totals_only_is_kept():
    dataset = read(b"org_code,org_name,period,126a\nY56,London,2017/18,1\nY58,South West,2017/18,2\n", "d.csv")
    assert dataset.codes == ["Y56", "Y58"] and dataset.notes == []


def test_descriptive_columns_of_a_wide_file_are_a_note_not_a_warning(ccgrate, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("Region,STP,Org Code,Period,126a,Mystery\nLondon,SEL,07Q,2017/18,68.9,3\n", encoding="utf-8")
    stderr = ccgrate("score", str(path), "-f", "csv").stderr
    assert f"ccgrate: {path}: columns not used: Region, STP\n" in stderr
    assert (
        f"warning: {path}: values for columns or indicators that iaf-2017-18 does not define were ignored: "
        "Mystery\n" in stderr
    )


def test_period_chooses_the_framework_for_a_file_without_periods(ccgrate, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("org_code,126a\n07Q,68.9\n", encoding="utf-8")
    stdout = ccgrate("score", str(path), "--period", "2018", "-q", "-f", "csv").stdout
    assert stdout.splitlines()[1].startswith("07Q,,2018/19,iaf-2018-19,")
