"""Reproducible bytes, atomic output files, spreadsheet-safe cells, and frameworks that are data only."""

from __future__ import annotations

import builtins
import json
import os
import random
import subprocess

import pytest
from factories import HOSTILE
from helpers import EXAMPLES

from ccgrate._cli import main as cli_module

NATIONAL = EXAMPLES / "national-2018-19.csv"
FORMATS = ["table", "json", "ndjson", "csv", "markdown"]


def shuffled_export(path, seed: int = 3) -> bytes:
    """The same data as a messy export: rows shuffled, CRLF line ends, a byte-order mark."""
    header, *rows = path.read_text().splitlines()
    random.Random(seed).shuffle(rows)
    return ("\ufeff" + "\r\n".join([header, *rows]) + "\r\n").encode("utf-8")


def options(output_format: str) -> list[str]:
    # Explaining every organisation in a table is slow to draw; a few show the same thing.
    few = ["--org", "SYN001", "--org", "SYN101", "--org", "SYN216"] if output_format == "table" else []
    return ["-f", output_format, "--explain", *few]


@pytest.mark.parametrize("output_format", FORMATS)
def test_the_same_input_gives_the_same_bytes(ccgrate, output_format):
    first = ccgrate("score", NATIONAL, *options(output_format)).stdout
    assert ccgrate("score", NATIONAL, *options(output_format)).stdout == first


@pytest.mark.parametrize("output_format", FORMATS)
def test_row_order_and_line_ends_never_change_the_output(ccgrate, tmp_path, output_format):
    messy = tmp_path / NATIONAL.name
    messy.write_bytes(shuffled_export(NATIONAL))
    original = ccgrate("score", NATIONAL, *options(output_format)).stdout
    reordered = ccgrate("score", messy, *options(output_format)).stdout.replace(str(messy), str(NATIONAL))
    if output_format == "json":
        # Only the hash of the file's bytes may differ: it identifies that exact file.
        first, second = json.loads(original), json.loads(reordered)
        assert first["inputs"][0].pop("sha256") != second["inputs"][0].pop("sha256")
        assert first == second
    else:
        assert reordered == original


def test_comparisons_ignore_row_order(ccgrate, tmp_path):
    for name in ("national-2017-18.csv", "national-2018-19.csv"):
        (tmp_path / name).write_bytes(shuffled_export(EXAMPLES / name, seed=len(name)))
    args = ("compare", "2017", "2018", "--map", EXAMPLES / "national-mergers.csv", "-f", "csv")
    tidy = ccgrate(*args, "--data-dir", EXAMPLES).stdout
    messy = ccgrate(*args, "--data-dir", tmp_path).stdout
    assert messy == tidy


def test_machine_outputs_record_framework_input_and_version(ccgrate):
    document = json.loads(ccgrate("score", NATIONAL, "-f", "json").stdout)
    assert document["ccgrate_version"] and len(document["framework"]["sha256"]) == 64
    assert len(document["inputs"][0]["sha256"]) == 64 and len(document["inputs"][0]["content_sha256"]) == 64
    line = json.loads(ccgrate("score", NATIONAL, "-f", "ndjson").stdout.splitlines()[0])
    assert {"framework_sha256", "input_sha256", "ccgrate_version"} <= set(line)
    header = ccgrate("score", NATIONAL, "-f", "csv").stdout.splitlines()[0]
    assert header.endswith(",framework_reconstructed,framework_sha256,input_sha256,ccgrate_version")
    markdown = ccgrate("score", NATIONAL, "-f", "markdown").stdout.splitlines()
    assert "sha256" in markdown[-3] and markdown[-1].startswith("**Not official:** iaf-2018-19 is a reconstruction")
    funnel = json.loads(ccgrate("funnel", NATIONAL, "--indicator", "126b", "-f", "json").stdout)
    assert {"framework_sha256", "input_sha256", "ccgrate_version"} <= set(funnel)
    compared = json.loads(ccgrate("compare", "2017", "2018", "--data-dir", EXAMPLES, "-f", "json").stdout)
    assert compared["a"]["input_sha256"] and compared["b"]["framework"]["sha256"]


# --- atomic output --------------------------------------------------------------------------------


def test_a_failure_while_writing_leaves_the_old_file_and_no_temporary(ccgrate, tmp_path, monkeypatch):
    target = tmp_path / "ratings.csv"
    target.write_text("the previous ratings\n")
    real_replace = os.replace

    def fail_midway(source, destination):
        assert os.path.getsize(source) > 1000  # the new output was being written in full...
        raise OSError(28, "No space left on device")  # ...when the disk filled up

    monkeypatch.setattr(os, "replace", fail_midway)
    result = ccgrate("score", NATIONAL, "-f", "csv", "-o", target, expect=1)
    monkeypatch.setattr(os, "replace", real_replace)
    assert (
        result.stderr == f"Error: {target}: cannot write: No space left on device; free some space or write elsewhere\n"
    )
    assert target.read_text() == "the previous ratings\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ratings.csv"]


def test_an_interrupt_while_writing_leaves_the_old_file(tmp_path, monkeypatch, capsys):
    target = tmp_path / "ratings.json"
    target.write_text("{}\n")
    import ccgrate._render.score_machine as machine

    real = machine.json_chunks

    def interrupted(run):
        # Half the document is already in the temporary file when the interrupt comes.
        for count, piece in enumerate(real(run)):
            if count == 100:
                raise KeyboardInterrupt
            yield piece

    monkeypatch.setattr(machine, "json_chunks", interrupted)
    with pytest.raises(SystemExit) as caught:
        cli_module.main(["score", str(NATIONAL), "-f", "json", "-o", str(target)])
    assert caught.value.code == 130
    assert target.read_text() == "{}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ratings.json"]


def test_a_half_written_stream_never_reaches_the_file(tmp_path):
    from ccgrate._base.errors import OutputError
    from ccgrate._base.streams import open_output

    target = tmp_path / "out.txt"
    target.write_text("old\n")
    with pytest.raises(OutputError) as caught:
        with open_output(target) as handle:
            handle.write("new contents that are ")
            raise OSError(28, "No space left on device")
    assert str(caught.value) == f"{target}: cannot write: No space left on device; free some space or write elsewhere"
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


# --- spreadsheet safety ---------------------------------------------------------------------------


@pytest.mark.parametrize("dangerous", ["=1+1", "+44 20", "-HYPERLINK()", "@SUM(A1)", "\tTAB", "\rCR"])
def test_formula_cells_are_neutralised_and_numbers_are_not(dangerous):
    from ccgrate._render.cells import safe_cell

    assert safe_cell(dangerous) == "'" + dangerous
    assert safe_cell(-5.5) == "-5.5" and safe_cell(-3.0) == "-3" and safe_cell(0.25) == "0.25"


@pytest.mark.parametrize("name", ["=1+1", "+44 20", "-HYPERLINK()", "@SUM(A1)"])
def test_formula_names_are_neutralised_in_csv_and_markdown(ccgrate, tmp_path, name):
    data = tmp_path / "d.csv"
    data.write_text(f'org_code,org_name,period,126a\nX,"{name}",2017/18,70\n')
    csv_text = ccgrate("score", data, "-f", "csv").stdout
    assert f",'{name}," in csv_text
    markdown = ccgrate("score", data, "-f", "markdown").stdout
    assert f"| '{name} |" in markdown


# --- no code from data ----------------------------------------------------------------------------


def test_a_framework_cannot_make_ccgrate_run_anything(ccgrate, tmp_path, monkeypatch):
    framework = tmp_path / "hostile.toml"
    framework.write_text(HOSTILE)
    data = tmp_path / "d.csv"
    data.write_text("org_code,period,x1,finance\nA,2017/18,60,red\n")
    monkeypatch.chdir(tmp_path)

    def forbidden(*args, **kwargs):
        raise AssertionError("ccgrate tried to run code or a program")

    for name in ("eval", "exec", "compile", "__import__"):
        if name != "__import__":
            monkeypatch.setattr(builtins, name, forbidden)
    monkeypatch.setattr(os, "system", forbidden)
    monkeypatch.setattr(subprocess, "Popen", forbidden)
    for args in (
        ["score", data, "--framework", framework, "-f", "json", "--explain"],
        ["framework", "show", framework],
        ["framework", "check", framework],
    ):
        ccgrate(*args)
    assert not (tmp_path / "PWNED").exists()
    shown = ccgrate("framework", "show", framework).stdout
    assert "__import__('os').system('touch PWNED')" in shown  # shown as text, never run


def test_framework_option_takes_only_an_id_or_a_path(ccgrate, tmp_path):
    assert ccgrate("score", EXAMPLES / "bromley.csv", "--framework", "import os", expect=3).stderr.startswith(
        'Error: "import os" is neither a built-in framework nor a file; use one of '
    )


# --- the content hash -----------------------------------------------------------------------------


def _content(text: str) -> str:
    from ccgrate._read.reader import read_dataset

    return read_dataset(text.encode("utf-8"), "x.csv").content_sha256


def test_the_content_hash_tells_line_breaks_inside_cells_apart():
    # Sorted text lines were once the same for these two files; their records are not.
    first = 'org_code,org_name,period,126a\nA,"x\ny",2017/18,1\nB,z,2017/18,2\n'
    second = 'org_code,org_name,period,126a\nA,"x\nB,z,2017/18,2\ny",2017/18,1\n'
    assert sorted(first.splitlines()) == sorted(second.splitlines())
    assert _content(first) != _content(second)


def test_the_content_hash_is_the_record_not_the_spelling_of_the_file():
    plain = "org_code,org_name,period,126a\nA,Alpha,2017/18,1\nB,Beta,2017/18,2\n"
    same = [
        "org_code,org_name,period,126a\r\nB,Beta,2017/18,2\r\nA,Alpha,2017/18,1\r\n",  # row order, CRLF
        '\ufefforg_code,org_name,period,126a\n"A","Alpha",2017/18,1\n\nB,Beta,2017/18,2\n',  # BOM, quotes, blank line
        "org_code;org_name;period;126a\nA;Alpha;2017/18;1\nB;Beta;2017/18;2\n",  # another delimiter
    ]
    assert {_content(text) for text in same} == {_content(plain)}
    assert _content(plain.replace("Beta", "Beta ")) != _content(plain)
    assert _content(plain.replace("126a", "126b")) != _content(plain)


def test_the_content_hash_is_documented_with_its_schema_version():
    from ccgrate._render.cells import SCHEMA_VERSION

    outputs = (EXAMPLES.parent / "docs" / "outputs.md").read_text(encoding="utf-8")
    assert f"the version of this format ({SCHEMA_VERSION})" in outputs


def test_the_content_hash_holds_when_cells_contain_the_separators():
    # Split differently across the same two cells: the ASCII separators the hash joins with are
    # in the data itself, so the hash must not rely on them.
    first = "org_code,org_name,period,126a\nA,x\x1fy,2017/18,1\n"
    second = "org_code,org_name,period,126a\nA,x,2017/18,1\x1fy\n"
    assert _content(first) != _content(second)
    from ccgrate._read.hashing import content_hash

    header, rows = ["a", "b"], [["x\x1fy", "z"]]
    assert content_hash(header, rows) == content_hash(header, rows, separators=True)
    assert content_hash(header, [["x", "y\x1fz"]]) != content_hash(header, rows)


@pytest.mark.parametrize("name", ["bromley.csv", "national-2018-19.csv"])
def test_the_content_hash_is_recomputed_by_hand_from_the_readme(ccgrate, name):
    """The documented definition (docs/outputs.md), followed by hand, gives the hash ccgrate writes."""
    import csv
    import hashlib
    import io

    text = (EXAMPLES / name).read_text(encoding="utf-8-sig")
    rows = [row for row in csv.reader(io.StringIO(text, newline="")) if any(cell.strip() for cell in row)]

    def digest(row: list[str]) -> bytes:
        return hashlib.sha256("\x1f".join(row).encode("utf-8")).digest()

    header, records = rows[0], rows[1:]
    stream = b"ccgrate-records-2" + digest(header) + b"".join(sorted(digest(row) for row in records))
    document = json.loads(ccgrate("score", EXAMPLES / name, "-f", "json", "-q").stdout)
    assert document["inputs"][0]["content_sha256"] == hashlib.sha256(stream).hexdigest()
