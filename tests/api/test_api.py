"""The Python API: the same results as the command line, field for field; data frames both ways;
errors as exceptions, warnings as warnings; a public surface that changes only with the version."""

from __future__ import annotations

import inspect
import json
import logging
import os
import subprocess
import sys
import warnings

import pytest
from helpers import EXAMPLES, GOLDEN, ROOT

import ccgrate

DATA_FILES = sorted(
    [path for path in EXAMPLES.glob("*.csv") if path.name != "national-mergers.csv"] + [EXAMPLES / "bromley.xlsx"]
)
NOF = EXAMPLES / "nof-2025-26-mhc-q1-q2.csv"
BROMLEY = EXAMPLES / "bromley.csv"


def cli_json(run, *args) -> dict:
    return json.loads(run(*args, "-f", "json").stdout)


@pytest.fixture
def cli(ccgrate):  # the command line, under a name that leaves the module `ccgrate` visible
    return ccgrate


@pytest.fixture(autouse=True)
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ccgrate.CcgrateWarning)
        yield


# --- the same answers as the command line ------------------------------------------------------------


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: p.name)
def test_score_equals_the_command_lines_json(cli, path):
    assert ccgrate_api_score(path) == cli_json(cli, "score", path)


def ccgrate_api_score(path):
    return ccgrate.score(str(path)).to_dict()


def test_compare_whatif_sensitivity_league_and_calibrate_equal_the_command_line(cli, tmp_path):
    assert ccgrate.compare("2016", "2017", data=BROMLEY).to_dict() == cli_json(
        cli, "compare", "2016", "2017", "--data", BROMLEY
    )
    assert ccgrate.compare("2025/26 Q1", "2025/26 Q2", data=NOF).to_dict() == cli_json(
        cli, "compare", "2025/26 Q1", "2025/26 Q2", "--data", NOF
    )
    assert ccgrate.whatif(BROMLEY, org="07Q", period="2017/18", target="Outstanding").to_dict() == cli_json(
        cli, "whatif", BROMLEY, "--org", "07Q", "--period", "2017/18", "--target", "Outstanding"
    )
    assert ccgrate.whatif(NOF, period="2025/26 Q2").to_dict() == cli_json(cli, "whatif", NOF, "--period", "2025/26 Q2")
    national = EXAMPLES / "national-2018-19.csv"
    assert ccgrate.sensitivity(national, draws=200, seed=3, org="SYN005").to_dict() == cli_json(
        cli, "sensitivity", national, "--draws", "200", "--seed", "3", "--org", "SYN005"
    )
    assert ccgrate.sensitivity(NOF, period="2025/26 Q1", draws=300, seed=2).to_dict() == cli_json(
        cli, "sensitivity", NOF, "--period", "2025/26 Q1", "--draws", "300", "--seed", "2"
    )
    assert ccgrate.league(NOF).to_dict() == cli_json(cli, "league", NOF)
    written = tmp_path / "cuts.toml"
    report = cli_json(cli, "calibrate", NOF, "--published", "-o", written)
    found = ccgrate.calibrate(NOF, published=True)
    assert found.to_dict(written=str(written)) == report
    assert found.framework_text == written.read_text(encoding="utf-8")


def test_the_report_is_the_command_lines_page(cli, tmp_path):
    out = tmp_path / "r.html"
    cli("report", BROMLEY, "-o", out)
    page = ccgrate.report(BROMLEY)
    assert str(page) == out.read_text(encoding="utf-8")
    assert page._repr_html_().startswith("<iframe") and page.sections == 2


# --- data frames ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [BROMLEY, EXAMPLES / "bromley-long.csv", EXAMPLES / "national-2018-19.csv", NOF])
@pytest.mark.parametrize("library", ["pandas", "polars", "pyarrow"])
def test_a_frame_read_from_a_file_scores_as_the_file(path, library):
    frame = _read(path, library)
    from_file, from_frame = ccgrate.score(path).to_dict(), ccgrate.score(frame).to_dict()
    # The records read are the same (so is their content hash); only the name of the source differs.
    assert [i["content_sha256"] for i in from_frame["inputs"]] == [i["content_sha256"] for i in from_file["inputs"]]
    named = f"<{_read.__name__}>"
    for document, name in ((from_file, str(path)), (from_frame, from_frame["inputs"][0]["source"])):
        del document["inputs"]
        text = json.dumps(document).replace(json.dumps(name)[1:-1], named)
        document.clear()
        document.update(json.loads(text))
    assert from_frame == from_file


def _read(path, library):
    if library == "pandas":
        import pandas

        return pandas.read_csv(path, dtype=str, keep_default_na=False)
    if library == "polars":
        import polars

        return polars.read_csv(path, infer_schema_length=0)
    import csv

    import pyarrow
    import pyarrow.csv

    with open(path, encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle))
    as_text = pyarrow.csv.ConvertOptions(
        strings_can_be_null=False, column_types=dict.fromkeys(header, pyarrow.string())
    )
    return pyarrow.csv.read_csv(path, convert_options=as_text)


@pytest.mark.parametrize("path", [BROMLEY, EXAMPLES / "national-2018-19.csv", NOF])
def test_a_frame_with_typed_columns_gives_the_same_ratings(path):
    import pandas

    typed = pandas.read_csv(path)  # numbers as floats, blanks as NaN
    assert [(a.org_code, a.period, a.score, a.rating) for a in ccgrate.score(typed).assessments] == [
        (a.org_code, a.period, a.score, a.rating) for a in ccgrate.score(path).assessments
    ]


def test_records_score_as_their_csv():
    import csv

    with open(BROMLEY, encoding="utf-8-sig", newline="") as handle:
        records = list(csv.DictReader(handle))
    assert [a.score for a in ccgrate.score(records).assessments] == [
        a.score for a in ccgrate.score(BROMLEY).assessments
    ]


def test_results_as_frames_wide_and_long():
    scores = ccgrate.score(BROMLEY)
    wide = scores.to_pandas()
    assert list(wide["org_code"]) == ["07Q", "07Q"] and list(wide["score"]) == [67.43, 66.45]
    assert list(wide.columns) == ccgrate_csv_header()
    long = scores.to_polars("long")
    assert long.height == sum(len(a.indicators) for a in scores.assessments)
    assert scores.to_arrow().num_rows == 2
    with pytest.raises(ccgrate.UsageError):
        scores.to_pandas("tall")  # type: ignore[arg-type]


def ccgrate_csv_header():
    text = subprocess.run(
        [sys.executable, "-m", "ccgrate", "score", str(BROMLEY), "-f", "csv"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return text.splitlines()[0].split(",")


def test_the_nof_results_carry_league_and_agreement():
    scores = ccgrate.score(NOF)
    wide = scores.to_pandas()
    assert set(wide["peer_group"]) == {"Mental health and community trust"}
    assert wide["rank"].min() == 1 and (wide["agreement"] == "agrees").sum() == 115  # all but TAH (Q1) and six in Q2
    assert scores.agreement[0].startswith("2025/26 Q1 against the published results: segments agree for 61 of 61")
    league = ccgrate.league(NOF, period="2025/26 Q2").to_pandas()
    assert league.iloc[0]["org_code"] == "RLY" and len(league) == 61


# --- notebooks, errors, warnings ---------------------------------------------------------------------


def test_a_result_shows_itself_in_a_notebook():
    html = ccgrate.score(BROMLEY)._repr_html_()
    assert "<table>" in html and "NHS Bromley CCG" in html and "Not official" in html
    assert "<script" not in ccgrate.score(EXAMPLES / "national-2017-18.csv")._repr_html_()
    assert "Rank" in ccgrate.score(NOF)._repr_html_()
    assert ccgrate.score(BROMLEY).explain("Bromley").startswith("07Q NHS Bromley CCG · 2016/17 · iaf-2016-17")


def test_errors_are_exceptions_with_their_place(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("org_code,period,126a\n07Q,Q3 2017,1\n", encoding="utf-8")
    with pytest.raises(ccgrate.DataError) as caught:
        ccgrate.score(bad)
    error = caught.value
    assert isinstance(error, ccgrate.Error)
    assert error.where == f"{bad}:2:2" and error.message == 'period "Q3 2017" is not a year or a quarter'
    assert str(error).startswith(f'{bad}:2:2: period "Q3 2017" is not a year or a quarter; write periods')
    with pytest.raises(ccgrate.FrameworkError):
        ccgrate.load_framework(EXAMPLES / "faulty-framework.toml")
    with pytest.raises(ccgrate.UsageError):
        ccgrate.score(object())


def test_warnings_are_python_warnings_and_notes_are_logged(caplog):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scores = ccgrate.score(EXAMPLES / "national-2017-18.csv", framework="iaf-2018-19")
    said = [w for w in caught if issubclass(w.category, ccgrate.CcgrateWarning)]
    assert said and [str(w.message) for w in said] == scores.warnings
    with caplog.at_level(logging.INFO, logger="ccgrate"):
        ccgrate.score(NOF)
    assert any("columns not used" in record.getMessage() for record in caplog.records)


def test_the_library_never_prints(capsys):
    ccgrate.score(NOF)
    ccgrate.whatif(NOF, period="2025/26 Q1")
    assert capsys.readouterr() == ("", "")


# --- the public surface --------------------------------------------------------------------------------


def surface() -> str:
    """Every public name and its signature, and the public methods of each public class."""
    lines = [f"ccgrate {ccgrate.__version__}"]
    for name in sorted(ccgrate.__all__):
        if name == "__version__":
            continue
        value = getattr(ccgrate, name)
        if inspect.isclass(value):
            lines.append(f"class {name}({', '.join(b.__name__ for b in value.__bases__)})")
            for attribute, member in sorted(vars(value).items()):
                # Results are made by the functions, never by the caller: their constructors are private.
                if attribute.startswith("_") and attribute != "_repr_html_":
                    continue
                if callable(member) and not inspect.isclass(member):
                    lines.append(f"    {attribute}{inspect.signature(member)}")
                elif isinstance(member, property):
                    lines.append(f"    {attribute} (property)")
        elif callable(value):
            lines.append(f"def {name}{inspect.signature(value)}")
        else:
            lines.append(f"{name} = {value!r}")
    return "\n".join(lines) + "\n"


def test_the_public_surface_changes_only_with_the_version():
    path = GOLDEN / "api.txt"
    current = surface()
    if os.environ.get("CCGRATE_UPDATE_GOLDEN"):
        path.write_text(current, encoding="utf-8")
    kept = path.read_text(encoding="utf-8")
    if kept != current:
        assert kept.splitlines()[0] != current.splitlines()[0], (
            "the public API changed without a new version: change __version__ and say so in CHANGELOG.md, then "
            "CCGRATE_UPDATE_GOLDEN=1 pytest tests/api"
        )


def test_every_public_name_is_documented():
    page = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    for name in ccgrate.__all__:
        assert f"`{name}" in page or f"ccgrate.{name}" in page, name
        assert name == "__version__" or getattr(ccgrate, name).__doc__, name


def test_importing_ccgrate_imports_nothing_heavy():
    code = (
        "import sys, ccgrate; heavy = ['numpy', 'pandas', 'polars', 'pyarrow', 'pydantic', 'rich', 'click', 'jinja2']; "
        "print([m for m in heavy if m in sys.modules])"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'scores'"):
        ccgrate.scores  # noqa: B018
