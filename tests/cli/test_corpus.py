"""The bad-input corpus: every file gets its exact message and exit code, in one line, no traceback."""

from __future__ import annotations

import csv
import io
import sys

import pytest
from helpers import CORPUS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CASES = tomllib.loads((CORPUS / "cases.toml").read_text(encoding="utf-8"))["case"]


def test_the_corpus_is_large_and_every_file_is_used():
    files = {path.relative_to(CORPUS).as_posix() for path in CORPUS.glob("*/*")}
    used = {arg for case in CASES for arg in case["args"] if arg.startswith(("data/", "frameworks/"))}
    assert files == used
    assert len(files) >= 50
    assert sum(1 for case in CASES if case["exit"] != 0) >= 50


@pytest.mark.parametrize("case", CASES, ids=[" ".join(c["args"][:4]) for c in CASES])
def test_corpus_case(ccgrate, monkeypatch, case):
    monkeypatch.chdir(CORPUS)
    result = ccgrate(*case["args"], expect=case["exit"])
    assert result.stderr == case["stderr"]
    assert "Traceback" not in result.stderr
    if case["exit"] and case["args"][0] == "score":
        if case["exit"] == 2:  # click's usage lines, then the one error line
            assert result.stderr.splitlines()[-1].startswith("Error: ")
        else:
            assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")
        assert result.stdout == ""


def test_a_messy_export_is_read_as_meant(ccgrate, monkeypatch):
    """BOM, CRLF, spaced names, % signs, thousands separators, NA and mixed-case levels."""
    monkeypatch.chdir(CORPUS)
    rows = list(csv.DictReader(io.StringIO(ccgrate("score", "data/messy-export.csv", "--explain", "-f", "csv").stdout)))
    value = {(r["org_code"], r["indicator"]): r["value"] for r in rows}
    assert value[("07Q", "126a")] == "68.9" and value[("07Q", "104a")] == "2160" and value[("07Q", "129a")] == "92.4"
    assert value[("07R", "126a")] == "" and value[("07R", "129a")] == "" and value[("07R", "104a")] == "1980"
    summary = list(csv.DictReader(io.StringIO(ccgrate("score", "data/messy-export.csv", "-f", "csv").stdout)))
    assert [(r["leadership"], r["finance"]) for r in summary] == [("green", "green"), ("amber", "red")]


def test_a_latin1_export_reads_with_its_encoding(ccgrate, monkeypatch):
    monkeypatch.chdir(CORPUS)
    rows = list(
        csv.DictReader(
            io.StringIO(ccgrate("score", "data/messy-export-latin1.csv", "--encoding", "latin-1", "-f", "csv").stdout)
        )
    )
    assert rows[0]["org_name"] == "Bromley Caf\u00e9"


def test_a_semicolon_export_with_decimal_commas(ccgrate, monkeypatch):
    monkeypatch.chdir(CORPUS)
    rows = list(csv.DictReader(io.StringIO(ccgrate("score", "data/european.csv", "--explain", "-f", "csv").stdout)))
    value = {r["indicator"]: r["value"] for r in rows}
    assert (value["126a"], value["104a"], value["129a"]) == ("68.9", "2160", "92.4")


def test_a_very_long_line(ccgrate, tmp_path):
    data = tmp_path / "long.csv"
    data.write_text('org_code,org_name,period,126a\n07Q,"' + "x" * 200_000 + '",2017/18,68.9\n')
    assert ccgrate("score", data, expect=1).stderr == (
        f"Error: {data}:2: unreadable CSV: field larger than field limit (131072); check the quoting on this line\n"
    )


def test_a_very_wide_header(ccgrate, tmp_path):
    data = tmp_path / "wide.csv"
    names = [f"x{n:05d}" for n in range(5000)]
    data.write_text(
        "org_code,period,126a," + ",".join(names) + "\n07Q,2017/18,68.9," + ",".join("1" for _ in names) + "\n"
    )
    stderr = ccgrate("score", data, "-f", "csv").stderr
    assert stderr.startswith(
        f"warning: {data}: values for columns or indicators that iaf-2017-18 does not define were ignored: "
        f"{', '.join(names[:20])} and 4980 more\n"
    )


def test_hostile_strings_reach_no_terminal_raw(ccgrate, monkeypatch):
    """ESC sequences, bidi overrides, rich markup and emoji codes from data and framework are shown
    as text in every format people read; formula cells are neutralised in CSV and Markdown."""
    monkeypatch.chdir(CORPUS)
    monkeypatch.setenv("COLUMNS", "300")  # no cell wraps: each string is seen whole
    args = ["data/hostile-names.csv", "--framework", "frameworks/hostile-strings.toml"]
    for extra in ([], ["--explain"], ["-f", "markdown", "--explain"]):
        shown = ccgrate("score", *args, *extra).stdout
        assert "\x1b" not in shown and "\u202e" not in shown and "\x07" not in shown
        assert "\\x1b]0;owned\\x07" in shown
    table = ccgrate("score", *args).stdout
    assert "│ O1   │ \\x1b]0;owned\\x07[bold red]Bromley[/] :smile: =cmd │" in table
    assert "│ O2   │ \\u202eevil " in table
    framework_table = ccgrate("framework", "show", "frameworks/hostile-strings.toml").stdout
    assert "\x1b" not in framework_table and "\\x1b[31mframework\\u202e [bold]x[/bold] :smile:" in framework_table
    csv_text = ccgrate("score", *args, "-f", "csv").stdout
    assert ",\"'\x1b]0;owned" not in csv_text  # not a formula: starts with ESC, kept as data
    markdown = ccgrate("framework", "show", "frameworks/hostile-strings.toml", "-f", "markdown").stdout
    assert markdown.startswith("# Test \\x1b[31mframework\\u202e [bold]x[/bold] :smile:\n")


def test_framework_strings_are_neutralised_in_the_summary_csv(ccgrate, tmp_path):
    text = (CORPUS / "frameworks" / "base.toml").read_text()
    text = text.replace('"Requires improvement", "Inadequate"]', '"Requires improvement", "=HYPERLINK()"]')
    text = text.replace('levels = ["green", "amber", "red"]', 'levels = ["green", "amber", "+red"]')
    text = text.replace('finance = "red"', 'finance = "+red"')
    framework = tmp_path / "formula.toml"
    framework.write_text(text)
    data = tmp_path / "d.csv"
    data.write_text("org_code,period,h1,finance\nA,2017/18,25,+red\n")
    csv_text = ccgrate("score", data, "--framework", framework, "-f", "csv", "-q").stdout
    assert "'+red" in csv_text and ",+red" not in csv_text
    assert "=HYPERLINK" not in csv_text.replace("'=HYPERLINK", "")
