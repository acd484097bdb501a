"""What real tables write in place of a value: statistical shorthand read as missing and counted,
numbers with a note's shorthand read as the number, spreadsheet errors read as missing and named."""

from __future__ import annotations

import pytest

from ccgrate._base.errors import DataError
from ccgrate._base.vocabulary import MISSING_MARKERS, PLAIN_MISSING, SHORTHAND, SPREADSHEET_ERRORS, is_missing
from ccgrate._read.cells import parse_number
from ccgrate._read.dataset import Cell
from ccgrate._read.reader import read_dataset


def read(text: str, *, fast: bool = True):
    return read_dataset(text.encode("utf-8"), "d.csv", fast=fast)


def values(dataset, key: str) -> list[float | None]:
    column = dataset.values[key]
    return [parse_number(dataset.cell(column, index), dataset.source) for index in range(len(dataset))]


@pytest.mark.parametrize("mark", sorted(SHORTHAND | {"[C]", "[LOW]", " [x] "}))
def test_shorthand_is_missing(mark):
    assert is_missing(mark)
    assert parse_number(Cell(mark, 2, 3, "126a"), "d.csv") is None


@pytest.mark.parametrize("word", ["low", "c", "u", "[q]", "[c", "c]", "[note]", "xx"])
def test_words_that_are_not_shorthand_are_not_missing(word):
    assert not is_missing(word)


def test_the_three_kinds_do_not_overlap():
    assert not (PLAIN_MISSING & SHORTHAND or PLAIN_MISSING & SPREADSHEET_ERRORS or SHORTHAND & SPREADSHEET_ERRORS)
    assert MISSING_MARKERS == PLAIN_MISSING | SHORTHAND | SPREADSHEET_ERRORS


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("56.2 [p]", 56.2),
        ("56.2[r]", 56.2),
        ("1,204 [e]", 1204.0),
        ("45.3% [P]", 45.3),
        ("7 [note 3]", 7.0),
        ("7 [p] [note 12]", 7.0),
        ("0.5 [b]", 0.5),
    ],
)
def test_a_number_with_a_notes_shorthand_is_the_number(text, number):
    assert parse_number(Cell(text, 2, 3, "126a"), "d.csv") == number


@pytest.mark.parametrize("text", ["56.2 [q]", "56.2 [c]", "[p]", "56.2 [note x]"])
def test_other_brackets_after_a_number_are_refused(text):
    with pytest.raises(DataError) as caught:
        parse_number(Cell(text, 2, 3, "126a"), "d.csv")
    assert str(caught.value).startswith(f'd.csv:2:3: column "126a": "{text}"')


@pytest.mark.parametrize("fast", [True, False])
def test_shorthand_is_counted_in_one_note_per_file(fast):
    dataset = read(
        "org_code,period,126a,127c\n"
        "A,2017/18,[c],1\n"
        "B,2017/18,*,[c]\n"
        "C,2017/18,5,[z]\n"
        "D,2017/18,..,\n"
        "E,2017/18,n/a,2\n",
        fast=fast,
    )
    assert values(dataset, "126a") == [None, None, 5.0, None, None]
    assert dataset.notes == [
        "d.csv: 5 cells hold a statistical symbol in place of a value, read as missing ([c] 2, * 1, .. 1, [z] 1)"
    ]
    assert dataset.warnings == []


@pytest.mark.parametrize("fast", [True, False])
def test_annotated_numbers_are_counted(fast):
    dataset = read(
        "org_code,period,126a\nA,2017/18,56.2 [p]\nB,2017/18,57 [p]\nC,2017/18,58 [r]\nD,2017/18,x\n", fast=fast
    )
    assert values(dataset, "126a") == [56.2, 57.0, 58.0, None]
    assert dataset.notes == [
        "d.csv: 1 cell holds a statistical symbol in place of a value, read as missing (x 1); "
        "3 numbers carry a note's shorthand, read as the number ([p] 2, [r] 1)"
    ]


@pytest.mark.parametrize("fast", [True, False])
def test_spreadsheet_errors_are_warned_about_by_cell(fast):
    dataset = read("org_code,period,126a,127c\nA,2017/18,#DIV/0!,1\nB,2017/18,4,#N/A\nC,2017/18,#div/0!,2\n", fast=fast)
    assert values(dataset, "126a") == [None, 4.0, None]
    assert dataset.notes == []
    assert dataset.warnings == [
        "d.csv: 3 cells hold a spreadsheet error where a value belongs (#DIV/0! at 2:3, 4:3; #N/A at 3:4): a formula "
        "failed before the file was saved, so these are read as missing"
    ]


def test_many_error_cells_are_listed_briefly():
    rows = "".join(f"O{n},2017/18,#VALUE!\n" for n in range(9))
    (warning,) = read("org_code,period,126a\n" + rows).warnings
    assert warning.startswith("d.csv: 9 cells hold a spreadsheet error where a value belongs (#VALUE! at 2:3, 3:3, ")
    assert "and 4 more" in warning


def test_descriptive_columns_are_not_read_for_markers():
    dataset = read("org_code,org_name,period,126a\nA,*,2017/18,1\n")
    assert dataset.notes == [] and dataset.warnings == []


@pytest.mark.parametrize("fast", [True, False])
def test_a_nul_byte_anywhere_is_refused(fast):
    body = "".join(f"O{n},2017/18,{n}\n" for n in range(10_000))
    raw = ("org_code,period,126a\n" + body).encode() + b"P,2017/18,\x001\n"
    assert len(raw) > 65536
    with pytest.raises(DataError) as caught:
        read_dataset(raw, "d.csv", fast=fast)
    assert str(caught.value) == (
        "d.csv:10002: contains NUL bytes, so it is not a CSV text file; export the data as CSV (comma-separated values)"
    )


def test_an_error_cell_reaches_the_score_run_as_a_warning(tmp_path):
    from click.testing import CliRunner

    from ccgrate._cli.main import cli

    data = tmp_path / "d.csv"
    data.write_text("org_code,org_name,period,126a\n07Q,NHS Bromley CCG,2017/18,#DIV/0!\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["score", str(data), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "a spreadsheet error where a value belongs (#DIV/0! at 2:4)" in result.stderr
