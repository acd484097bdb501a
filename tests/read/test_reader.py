"""Reading CSV data: both shapes, what real exports carry, and an exact message for what is unreadable."""

from __future__ import annotations

import pytest

from ccgrate._base.errors import DataError
from ccgrate._read.cells import normalise_period, parse_number
from ccgrate._read.dataset import Cell
from ccgrate._read.reader import read_dataset


def read(text: str | bytes, encoding: str = "utf-8-sig"):
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return read_dataset(raw, "d.csv", encoding)


def error_of(text: str | bytes, encoding: str = "utf-8-sig") -> str:
    with pytest.raises(DataError) as caught:
        read(text, encoding)
    return str(caught.value)


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("2017/18", "2017/18"),
        ("2017-18", "2017/18"),
        ("2017/2018", "2017/18"),
        ("201718", "2017/18"),
        ("2017", "2017/18"),
        (" 2019-20 ", "2019/20"),
        ("1999/00", "1999/00"),
        ("2017/19", None),
        ("17/18", None),
        ("FY2017", None),
        ("", None),
    ],
)
def test_periods(text, period):
    assert normalise_period(text) == period


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("66.7", 66.7),
        ("66.7%", 66.7),
        (" 66.7 % ", 66.7),
        ("1,234", 1234.0),
        ("1,234,567.5", 1234567.5),
        ("-3.5", -3.5),
        ("+2", 2.0),
        ("1e3", 1000.0),
        ("", None),
        ("  ", None),
        ("NA", None),
        ("n/a", None),
        ("*", None),
        ("-", None),
        ("..", None),
        ("x", None),
    ],
)
def test_numbers_as_exports_write_them(text, number):
    assert parse_number(Cell(text, 2, 3, "126a"), "d.csv") == number


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "abc",
            'd.csv:2:3: column "126a": "abc" is not a number; write a number such as 66.7 '
            "(a % sign and thousands separators are allowed) or leave the cell blank",
        ),
        (
            "1,23",
            'd.csv:2:3: column "126a": "1,23" is not a number; write a number such as 66.7 '
            "(a % sign and thousands separators are allowed) or leave the cell blank",
        ),
        ("nan", 'd.csv:2:3: column "126a": "nan" is not a finite number; leave the cell blank for a missing value'),
        ("inf", 'd.csv:2:3: column "126a": "inf" is not a finite number; leave the cell blank for a missing value'),
    ],
)
def test_unreadable_numbers(text, message):
    with pytest.raises(DataError) as caught:
        parse_number(Cell(text, 2, 3, "126a"), "d.csv")
    assert str(caught.value) == message


def test_wide_shape():
    data = read(
        "org_code,org_name,period,126a,126a_numerator,126a_denominator,finance\n07Q,Bromley,2017/18,68.9,689,1000,green\n"
    )
    assert data.shape == "wide"
    assert (data.codes, data.names, data.periods, list(data.lines)) == (["07Q"], ["Bromley"], ["2017/18"], [2])
    assert data.values["126a"].all_texts() == ["68.9"]
    assert data.values["finance"].all_texts() == ["green"]
    assert data.numerators["126a"].all_texts() == ["689"]
    assert data.denominators["126a"].all_texts() == ["1000"]
    cell = data.cell(data.values["126a"], 0)
    assert (cell.text, cell.line, cell.column, cell.header) == ("68.9", 2, 4, "126a")


def test_long_shape_groups_rows_by_organisation_and_period():
    data = read(
        "org_code,org_name,period,indicator,value,numerator,denominator\n"
        "07Q,Bromley,2017/18,126a,68.9,689,1000\n"
        "07Q,Bromley,2017/18,finance,green,,\n"
        "07Q,Bromley,2016/17,126a,64.8,,\n"
    )
    assert data.shape == "long"
    assert (data.codes, data.periods) == (["07Q", "07Q"], ["2017/18", "2016/17"])
    assert data.values["126a"].all_texts() == ["68.9", "64.8"]
    assert data.values["finance"].all_texts() == ["green", ""]  # no row: a missing value
    assert data.numerators["126a"].all_texts() == ["689", ""]
    finance = data.cell(data.values["finance"], 0)
    assert (finance.line, finance.column) == (3, 5)
    assert data.cell(data.values["126a"], 1).line == 4


def test_bom_crlf_and_header_aliases():
    data = read("\ufeffOrg Code,Name,Year,126A\r\n07Q,Bromley,2017-18,68.9\r\n")
    assert (data.codes, data.names, data.periods) == (["07Q"], ["Bromley"], ["2017/18"])
    assert data.values["126a"].all_texts() == ["68.9"]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_separated_files(delimiter):
    text = delimiter.join(["org_code", "period", "126a"]) + "\n" + delimiter.join(["07Q", "2017/18", "68,9"]) + "\n"
    data = read(text)
    assert data.values["126a"].all_texts() == ["68,9"]
    assert data.values["126a"].decimal_comma is (delimiter == ";")


def test_quoted_fields_with_separators_and_blank_lines():
    data = read('org_code,org_name,period,104a\n07Q,"Bromley, London",2017/18,"2,160"\n\n,,,\n')
    assert data.names == ["Bromley, London"]
    assert data.values["104a"].all_texts() == ["2,160"]


def test_encoding_option():
    data = read("org_code,org_name,period\n07Q,Caf\u00e9,2017/18\n".encode("cp1252"), encoding="cp1252")
    assert data.names == ["Caf\u00e9"]


def test_sha256_of_the_bytes():
    import hashlib

    raw = b"org_code,period\n07Q,2017/18\n"
    assert read(raw).sha256 == hashlib.sha256(raw).hexdigest()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "d.csv: the file is empty; give a CSV file with a header row and data rows"),
        ("  \n\n", "d.csv: the file is empty; give a CSV file with a header row and data rows"),
        ("org_code,period,126a\n", "d.csv: the file has a header but no data rows; add one row per organisation"),
        (
            "org_code,period,126a\n07Q,2017/18\n",
            "d.csv:2: this row has 2 fields but the header has 3; every row needs one field per header column "
            "(check for a stray or missing comma)",
        ),
        (
            "org_code,period,126a\n07Q,2017/18,1,2\n",
            "d.csv:2: this row has 4 fields but the header has 3; every row needs one field per header column "
            "(check for a stray or missing comma)",
        ),
        (
            "org_code,period,126a\n07Q,2017/18,1\n07Q,2017-18,2\n",
            "d.csv:3: a second row for 07Q 2017/18 (the first is on line 2); keep one row per organisation and period",
        ),
        (
            "org_code,period,indicator,value\n07Q,2017/18,126a,1\n07Q,2017/18,126A,2\n",
            "d.csv:3: a second value of 126A for 07Q 2017/18 (the first is on line 2); "
            "keep one row per organisation, period and indicator",
        ),
        (
            "org_code,period,126a,126A\n07Q,2017/18,1,2\n",
            'd.csv:1:4: column "126A" appears twice (also column 3); remove or rename one of them',
        ),
        ("org_code,,126a\n07Q,2017/18,1\n", "d.csv:1:2: a header cell is empty; give every column a name"),
        (
            "code2,period,126a\n07Q,2017/18,1\n",
            "d.csv:1: no org_code column; name the column of organisation codes org_code (or Org Code, ODS Code, "
            "CCG Code), or pass --column org_code=HEADER (wide: org_code,org_name,period,<indicator ids>; long: org_code,org_name,period,indicator,value)",
        ),
        ("org_code,period,126a\n ,2017/18,1\n", "d.csv:2:1: org_code is blank; every row needs an organisation code"),
        (
            "org_code,period,126a\n07Q,Q3 2017,1\n",
            'd.csv:2:2: period "Q3 2017" is not a year or a quarter; write periods as 2017/18 (or 2017-18, or 2017 '
            "for the year starting April 2017), quarters as 2025/26 Q1 (or Q1 2025/26)",
        ),
        ("org_code,period,indicator,value\n07Q,2017/18,,1\n", "d.csv:2:3: indicator is blank; name the indicator id"),
        (
            "org_code,period,indicator,population\n07Q,2017/18,126a,300000\n",
            "d.csv:1: the file has an indicator column, so it is long-shaped, but no value column; name the column "
            "of values Value (or pass --column value=HEADER)",
        ),
        (
            "Org Code,ODS Code,period,126a\n07Q,07Q,2017/18,1\n",
            'd.csv:1:2: columns "Org Code" (column 1) and "ODS Code" both name the org_code column; remove or rename '
            "one of them, or pass --column org_code=HEADER to say which to use",
        ),
        (
            'org_code,period,126a\n07Q,2017/18,"1\n',
            "d.csv:2: unreadable CSV: unexpected end of data; check the quoting on this line",
        ),
    ],
)
def test_unreadable_files(text, message):
    assert error_of(text) == message


def test_binary_junk():
    assert error_of(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR") == (
        "d.csv:3: contains NUL bytes, so it is not a CSV text file; export the data as CSV (comma-separated values)"
    )


def test_wrong_encoding_suggests_the_option():
    raw = "org_code,org_name,period\n07Q,Caf\u00e9,2017/18\n".encode("cp1252")
    assert error_of(raw) == (
        "d.csv:2:8: byte 0xe9 is not valid UTF-8 text; if the file came from Excel on Windows, try --encoding cp1252 (or latin-1)"
    )


def test_unknown_encoding():
    assert error_of("org_code\nA\n", encoding="klingon") == (
        'unknown encoding "klingon"; use an encoding name such as utf-8, cp1252 or latin-1'
    )


@pytest.mark.parametrize(
    ("text", "number"),
    [("92,4", 92.4), ("1.234,5", 1234.5), ("68.9", 68.9), ("70", 70.0), ("92,4 %", 92.4), ("", None)],
)
def test_decimal_commas_in_semicolon_files(text, number):
    assert parse_number(Cell(text, 2, 3, "126a", decimal_comma=True), "d.csv") == number


def test_a_dotted_group_in_a_semicolon_file_is_ambiguous():
    with pytest.raises(DataError) as caught:
        parse_number(Cell("2.160", 2, 3, "104a", decimal_comma=True), "d.csv")
    assert str(caught.value) == (
        'd.csv:2:3: column "104a": "2.160" is ambiguous in a semicolon-separated file: a decimal point or a '
        "thousands separator; write it without the dot (2160) or with a decimal comma (2,16)"
    )
