"""The fast reader gives what the general reader gives: the same records, numbers, hashes, notes
and messages, on every example, on the bad-input corpus, and on generated files."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
from helpers import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccgrate._base.errors import DataError
from ccgrate._read import fast as columnar
from ccgrate._read.cells import parse_number
from ccgrate._read.dataset import Dataset
from ccgrate._read.reader import read_dataset

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

EXAMPLES = ROOT / "examples"
CORPUS = ROOT / "tests" / "corpus"
CASES = tomllib.loads((CORPUS / "cases.toml").read_text(encoding="utf-8"))["case"]


def both(raw: bytes, source: str = "x.csv") -> tuple[object, object]:
    """What each reader makes of the bytes: a Dataset, or the DataError's text."""
    outcomes = []
    for fast in (True, False):
        try:
            outcomes.append(read_dataset(raw, source, fast=fast))
        except DataError as error:
            outcomes.append(f"{type(error).__name__}: {error}")
    return outcomes[0], outcomes[1]


def _number(text: str, dataset: Dataset, column, index: int) -> float:
    value = parse_number(dataset.cell(column, index), dataset.source)
    return math.nan if value is None else value


def assert_same(fast: object, general: object) -> None:
    if isinstance(general, str) or isinstance(fast, str):
        assert fast == general
        return
    for name in ("source", "sha256", "content_sha256", "shape", "codes", "names", "periods", "notes"):
        assert getattr(fast, name) == getattr(general, name), name
    assert list(fast.lines) == list(general.lines)
    for store in ("values", "numerators", "denominators"):
        fast_columns, general_columns = getattr(fast, store), getattr(general, store)
        assert list(fast_columns) == list(general_columns)
        for key, column in fast_columns.items():
            other = general_columns[key]
            assert (column.header, column.column) == (other.header, other.column)
            if column.numbers is None:
                assert column.texts == other.texts
                continue
            expected = np.array([_number(t, general, other, i) for i, t in enumerate(other.texts)])
            assert np.array_equal(column.numbers.view(np.int64), expected.view(np.int64)), key
            assert column.all_texts() == other.texts


def used_fast(raw: bytes) -> bool:
    return (
        columnar.read_fast(raw, "x.csv", __import__("ccgrate._read.dataset", fromlist=["Reading"]).Reading())
        is not None
    )


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.csv")), ids=lambda p: p.name)
def test_every_example_reads_the_same_both_ways(path):
    raw = path.read_bytes()
    assert_same(*both(raw, path.name))


def test_the_national_examples_take_the_fast_path():
    for path in sorted(EXAMPLES.glob("national-20*.csv")):
        assert used_fast(path.read_bytes()), path.name


@pytest.mark.parametrize("path", sorted((CORPUS / "data").glob("*.csv")), ids=lambda p: p.name)
def test_every_corpus_file_reads_the_same_both_ways(path):
    assert_same(*both(path.read_bytes(), f"data/{path.name}"))


@pytest.mark.parametrize("case", [c for c in CASES if c["args"][0] == "score"], ids=lambda c: " ".join(c["args"][1:3]))
def test_the_corpus_answers_the_same_on_the_general_reader(ccgrate, monkeypatch, case):
    """With the fast reader switched off, every corpus case answers as its golden says (and
    test_corpus holds the fast reader to the same goldens)."""
    monkeypatch.chdir(CORPUS)
    monkeypatch.setattr(columnar, "read_fast", lambda raw, source, reading: None)
    result = ccgrate(*case["args"], expect=case["exit"])
    assert result.stderr == case["stderr"]


@pytest.mark.parametrize("name", ["national-2016-17.csv", "national-2018-19.csv", "bromley.csv"])
@pytest.mark.parametrize("kind", ["csv", "json"])
def test_outputs_are_byte_identical_on_either_reader(ccgrate, monkeypatch, name, kind):
    fast = ccgrate("score", EXAMPLES / name, "-f", kind, "--explain" if kind == "csv" else "-q").stdout
    monkeypatch.setattr(columnar, "read_fast", lambda raw, source, reading: None)
    general = ccgrate("score", EXAMPLES / name, "-f", kind, "--explain" if kind == "csv" else "-q").stdout
    assert fast == general


HEADER = "org_code,org_name,period,126a,126b,finance,extra"
numbers = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6).map(repr),
    st.decimals(min_value=-1000, max_value=1000, places=3, allow_nan=False).map(str),
    st.integers(-(10**6), 10**6).map(str),
    st.sampled_from(
        [
            "",
            "",
            "*",
            "NA",
            "12%",
            "1,234",
            "1_000",
            "nan",
            "inf",
            "1e999",
            "1e-400",
            "-0",
            ".5",
            "5.",
            "+3",
            "1e5",
            "2.5E-3",
            " 7",
            "1.2.3",
            "--1",
            "e",
            "0x1f",
            "٣",
        ]
    ),
)
cells = st.one_of(numbers, st.sampled_from(["Green", "amber", "", "Red"]))


@st.composite
def files(draw) -> bytes:
    count = draw(st.integers(1, 12))
    rows = []
    for index in range(count):
        code = draw(
            st.sampled_from(
                [
                    f"C{index:02d}",
                    f" c{index:02d} ",
                    "ENGLAND" if index == count - 1 else f"D{index}",
                    f"C{index:02d}",
                    f"C{index:02d}\u200b",
                    " ",
                ]
            )
        )
        period = draw(st.sampled_from(["2017/18", "2017-18", "2017/18", "2017/18", "2017/18 Q4", "20x7"]))
        rows.append(
            [
                code,
                draw(st.sampled_from(["Alpha", "", "Beta CCG", "Ünïcode"])),
                period,
                draw(numbers),
                draw(numbers),
                draw(cells),
                draw(numbers),
            ]
        )
    # Columns in any order: messages name the file's own column.
    order = draw(st.permutations(range(7)))
    delimiter = draw(st.sampled_from([",", ",", "\t"]))
    header = [HEADER.split(",")[i] for i in order]
    text = "\n".join([delimiter.join(header), *(delimiter.join(row[i] for i in order) for row in rows)])
    if draw(st.booleans()):
        text += "\n"
    if draw(st.integers(0, 5)) == 0:
        text = "Title of a publication\n" + text
    raw = text.encode("utf-8")
    if draw(st.booleans()):
        raw = raw.replace(b"\n", b"\r\n")
    if draw(st.integers(0, 3)) == 0:
        raw = b"\xef\xbb\xbf" + raw
    return raw


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files())
def test_generated_files_read_the_same_both_ways(raw):
    assert_same(*both(raw))


def test_a_large_file_is_read_in_blocks_and_the_same(monkeypatch):
    monkeypatch.setattr(columnar, "CHUNK_ROWS", 7)
    lines = [HEADER]
    for index in range(100):
        value = "*" if index == 53 else f"{index * 0.37:.2f}"  # one odd cell, in a late block
        lines.append(f"C{index:03d},Name {index},2017/18,{value},{index},Green,{'' if index % 9 else '1e3'}")
    raw = ("\n".join(lines) + "\n").encode()
    fast, general = both(raw)
    assert_same(fast, general)
    assert fast.values["126a"].numbers is None and fast.values["126b"].numbers is not None


def test_the_fast_reader_declines_what_only_the_general_reader_reads():
    plain = f"{HEADER}\nC1,A,2017/18,1,2,Green,3\n"
    assert used_fast(plain.encode())
    declined = {
        "quoted": plain.replace("C1,A", 'C1,"A"'),
        "semicolons": plain.replace(",", ";"),
        "ragged": plain + "C2,B,2017/18,1\n",
        "blank row": plain + ",,,,,,\n",
        "lone carriage return": plain.replace("C1", "C\r1"),
        "long shape": "org_code,period,indicator,value\nC1,2017/18,126a,1\n",
    }
    for name, text in declined.items():
        assert not used_fast(text.encode()), name
    assert not used_fast(plain.encode("utf-16"))
    assert not used_fast(plain.encode() + b"\x00")
