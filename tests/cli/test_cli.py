"""The command line: exact output in every format, stdin, files, and one test per exit code."""

from __future__ import annotations

import csv
import io
import json

import pytest
from factories import BASE_TOML
from helpers import EXAMPLES, ROOT, golden

import ccgrate
from ccgrate._cli import main as cli_module
from ccgrate._render.cells import SCHEMA_VERSION

BROMLEY = EXAMPLES / "bromley.csv"
NATIONAL = EXAMPLES / "national-2017-18.csv"


# --- formats --------------------------------------------------------------------------------


def test_table(ccgrate):
    result = ccgrate("score", BROMLEY)
    golden("score-bromley.txt", result.stdout)
    assert result.stderr == ""


def test_table_explain(ccgrate):
    golden("score-bromley-explain.txt", ccgrate("score", BROMLEY, "--explain").stdout)


WIDTH_CASES = {
    "national": ("score", NATIONAL),
    "batch": ("score", BROMLEY, EXAMPLES / "bromley-long.csv"),
    "explain": ("score", BROMLEY, "--period", "2017/18", "--explain"),
    "framework-show": ("framework", "show", "iaf-2017-18"),
    "compare-one": ("compare", "2017", "2018", "--data-dir", "examples", "--org", "SYN011"),
    "whatif": ("whatif", EXAMPLES / "national-2018-19.csv", "--org", "SYN083", "--target", "Outstanding"),
    "sensitivity": ("sensitivity", EXAMPLES / "national-2018-19.csv", "--draws", "200", "--org", "SYN005"),
}


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("case", list(WIDTH_CASES))
def test_tables_at_80_and_120_columns(ccgrate, monkeypatch, case, width):
    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.chdir(ROOT)  # a batch shows its sources as given
    args = [a.relative_to(ROOT) if hasattr(a, "relative_to") else a for a in WIDTH_CASES[case]]
    text = ccgrate(*args).stdout
    golden(f"width-{width}-{case}.txt", text)
    assert max(map(len, text.splitlines())) <= width


def test_the_national_table_at_80_columns_is_one_line_per_organisation(ccgrate, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    lines = ccgrate("score", NATIONAL).stdout.splitlines()
    codes = [line for line in lines if line.startswith("│ SYN")]
    assert len(codes) == 207 and all("Synthetic CCG" in line for line in codes)
    assert "Ratings: O Outstanding, G Good, RI Requires improvement, I Inadequate" in " ".join(lines)


def test_a_batch_at_80_columns_keeps_its_source(ccgrate, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    text = ccgrate("score", BROMLEY, EXAMPLES / "bromley.xlsx").stdout
    assert "│ bromley.csv " in text and "│ bromley.xlsx:Data " in text


def test_framework_show_at_80_columns_keeps_every_cut_point(ccgrate, monkeypatch):
    from ccgrate._framework.loader import resolve_framework

    monkeypatch.setenv("COLUMNS", "80")
    text = ccgrate("framework", "show", "iaf-2018-19").stdout
    fw = resolve_framework("iaf-2018-19")
    for indicator in fw.indicators:
        row = next(line for line in text.splitlines() if line.startswith(f"│ {indicator.id} "))
        cuts = getattr(indicator, "cuts", None)
        if cuts:
            assert all(f"{c:g}" in row for c in cuts), row


def test_json(ccgrate, monkeypatch):
    monkeypatch.chdir(ROOT)  # the golden file records the path as given
    text = ccgrate("score", "examples/bromley.csv", "-f", "json").stdout
    golden(
        "score-bromley.json",
        text.replace(f'"ccgrate_version": "{ccgrate_version()}"', '"ccgrate_version": "<version>"'),
    )
    document = json.loads(text)
    assert list(document) == [
        "ccgrate_version",
        "schema_version",
        "framework",
        "frameworks",
        "inputs",
        "indicator_stats",
        "area_stats",
        "assessments",
        "warnings",
        "caveat",
    ]
    first = document["assessments"][0]
    for key in (
        "org_code",
        "org_name",
        "period",
        "score",
        "provisional_rating",
        "rating",
        "domains",
        "areas",
        "indicators",
        "rules_fired",
        "missing",
    ):
        assert key in first
    assert set(first["indicators"][0]) >= {"id", "value", "band", "points"}


def ccgrate_version() -> str:
    return ccgrate.__version__


def test_json_names_the_single_framework_when_there_is_one(ccgrate):
    document = json.loads(ccgrate("score", BROMLEY, "--period", "2017/18", "-f", "json").stdout)
    assert document["framework"]["id"] == "iaf-2017-18"
    assert document["framework"] == document["frameworks"][0]
    assert len(document["framework"]["sha256"]) == 64


def test_ndjson_is_one_assessment_per_line_with_the_json_fields(ccgrate):
    lines = ccgrate("score", BROMLEY, "-f", "ndjson").stdout.splitlines()
    document = json.loads(ccgrate("score", BROMLEY, "-f", "json").stdout)
    assert len(lines) == 2
    for line, assessment in zip(lines, document["assessments"]):
        record = json.loads(line)
        assert record.pop("ccgrate_version") == ccgrate_version()
        assert record.pop("schema_version") == document["schema_version"] == SCHEMA_VERSION
        assert record == assessment


def provenance(framework_id: str) -> str:
    from ccgrate._framework.loader import resolve_framework
    from ccgrate._read.reader import read_dataset

    content = read_dataset(BROMLEY.read_bytes(), "x").content_sha256
    return f"true,{resolve_framework(framework_id).sha256},{content},{ccgrate_version()}"


def test_csv(ccgrate):
    assert ccgrate("score", BROMLEY, "-f", "csv").stdout == (
        "org_code,org_name,period,framework,score,provisional_rating,rating,coverage,leadership,finance,directions,"
        "domain:better-health,domain:better-care,domain:sustainability,domain:well-led,domain:leadership,"
        "area:cancer,area:dementia,area:diabetes,area:mental-health,area:learning-disabilities,area:maternity,"
        "rules_fired,missing,source,framework_reconstructed,framework_sha256,input_sha256,ccgrate_version\n"
        f"07Q,NHS Bromley CCG,2016/17,iaf-2016-17,67.43,Good,Good,1,green,green,no,66.67,58.60,75.00,69.44,,"
        f"Requires improvement,Requires improvement,Good,Good,Good,Outstanding,,,{BROMLEY},{provenance('iaf-2016-17')}\n"
        f"07Q,NHS Bromley CCG,2017/18,iaf-2017-18,66.45,Good,Good,1,green,green,no,63.89,61.90,66.67,,73.33,"
        f"Good,Outstanding,Requires improvement,Good,Requires improvement,Good,,,{BROMLEY},{provenance('iaf-2017-18')}\n"
    )


def test_csv_explain_has_a_row_per_indicator(ccgrate):
    rows = list(csv.DictReader(io.StringIO(ccgrate("score", BROMLEY, "--explain", "-f", "csv").stdout)))
    assert len(rows) == 59 + 51
    dementia = next(r for r in rows if r["period"] == "2017/18" and r["indicator"] == "126a")
    assert (dementia["value"], dementia["band"], dementia["points"], dementia["reference"]) == (
        "68.9",
        "met",
        "100",
        ">= 66.7",
    )


def test_markdown(ccgrate):
    from ccgrate._framework.loader import resolve_framework

    content = provenance("iaf-2016-17").split(",")[2]
    assert ccgrate("score", BROMLEY, "-f", "markdown").stdout == (
        "| Code | Name | Period | Score | Provisional | Rating | Rules fired |\n"
        "| --- | --- | --- | --- | --- | --- | --- |\n"
        "| 07Q | NHS Bromley CCG | 2016/17 | 67.43 | Good | Good |  |\n"
        "| 07Q | NHS Bromley CCG | 2017/18 | 66.45 | Good | Good |  |\n"
        "\n"
        f"_ccgrate {ccgrate_version()}; framework iaf-2016-17 sha256 {resolve_framework('iaf-2016-17').sha256}; "
        f"iaf-2017-18 sha256 {resolve_framework('iaf-2017-18').sha256}; input {BROMLEY} sha256 {content} (content)._\n"
        "\n**Not official:** iaf-2016-17 and iaf-2017-18 are reconstructions of NHS England's method from public "
        "sources, so these are not NHS England's ratings; what is published and what is reconstructed: ccgrate "
        "framework show iaf-2016-17\n"
    )


def test_a_framework_not_marked_reconstructed_gets_no_caveat(ccgrate, tmp_path):
    text = (ROOT / "frameworks" / "iaf-2017-18.toml").read_text(encoding="utf-8")
    for reconstructed, expected in (("false", None), ("true", "Not official: mine is a reconstruction")):
        path = tmp_path / f"{reconstructed}.toml"
        path.write_text(
            text.replace('id = "iaf-2017-18"', 'id = "mine"', 1).replace(
                "reconstructed = true", f"reconstructed = {reconstructed}", 1
            ),
            encoding="utf-8",
        )
        document = json.loads(
            ccgrate("score", BROMLEY, "--period", "2017/18", "--framework", path, "-f", "json").stdout
        )
        assert document["frameworks"][0]["reconstructed"] is (reconstructed == "true")
        assert (document["caveat"] or "").startswith(expected or "")
        assert (document["caveat"] is None) is (expected is None)
        table = ccgrate("score", BROMLEY, "--period", "2017/18", "--framework", path).stdout
        assert ("Not official" in table) is (expected is not None)
        if expected:
            assert f"ccgrate framework show {path}" in table.replace("\n", "")


def test_markdown_explain_has_a_section_per_assessment(ccgrate):
    text = ccgrate("score", BROMLEY, "-f", "markdown", "--explain").stdout
    assert "\n## 07Q NHS Bromley CCG, 2017/18\n" in text
    assert "| 166a | Compliance with statutory guidance" in text


def test_rules_fired_are_shown(ccgrate, tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("org_code,org_name,period,h1,c1,c2,c3,leadership,finance\nA,Alpha,2017/18,5,90,85,good,green,red\n")
    framework = tmp_path / "f.toml"
    framework.write_text(BASE_TOML)
    result = ccgrate("score", data, "--framework", framework, "-f", "json")
    (assessment,) = json.loads(result.stdout)["assessments"]
    assert assessment["rules_fired"] == [
        {
            "rule": "finance-red",
            "effect": "cap",
            "rating": "Requires improvement",
            "before": "Outstanding",
            "after": "Requires improvement",
            "reason": "Deficit.",
        }
    ]
    assert "finance-red" in ccgrate("score", data, "--framework", framework).stdout
    explained = ccgrate("score", data, "--framework", framework, "--explain").stdout
    rule_row = next(line for line in explained.splitlines() if line.startswith("│ finance-red "))
    assert [cell.strip() for cell in rule_row.split("│")[1:-1]] == [
        "finance-red",
        "cap Requires improvement:",
        "Deficit.",
    ]


# --- input and output -----------------------------------------------------------------------


def test_stdin(ccgrate):
    from_file = ccgrate("score", BROMLEY, "-f", "csv").stdout
    from_stdin = ccgrate("score", "-", "-f", "csv", input=BROMLEY.read_bytes()).stdout
    assert from_stdin == from_file.replace(str(BROMLEY), "<stdin>")


def test_output_file(ccgrate, tmp_path):
    target = tmp_path / "out.json"
    result = ccgrate("score", BROMLEY, "-f", "json", "-o", target)
    assert result.stdout == ""
    assert target.read_text() == ccgrate("score", BROMLEY, "-f", "json").stdout
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_table_to_a_file_has_no_colour(ccgrate, tmp_path, monkeypatch):
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    target = tmp_path / "out.txt"
    ccgrate("score", BROMLEY, "-o", target)
    assert "\x1b[" not in target.read_text()
    assert "NHS Bromley CCG" in target.read_text()


def test_a_failed_run_leaves_an_existing_output_untouched(ccgrate, tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("previous\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("org_code,period,126a\n07Q,2017/18,abc\n")
    ccgrate("score", bad, "-f", "csv", "-o", target, expect=1)
    assert target.read_text() == "previous\n"
    assert [p.name for p in sorted(tmp_path.iterdir())] == ["bad.csv", "out.csv"]


def test_filters(ccgrate):
    rows = list(
        csv.DictReader(
            io.StringIO(ccgrate("score", NATIONAL, "--org", "syn002", "--org", "SYN003", "-f", "csv").stdout)
        )
    )
    assert [r["org_code"] for r in rows] == ["SYN002", "SYN003"]
    rows = list(csv.DictReader(io.StringIO(ccgrate("score", BROMLEY, "--period", "2016-17", "-f", "csv").stdout)))
    assert [r["period"] for r in rows] == ["2016/17"]


def test_org_filter_does_not_change_population_banding(tmp_path, ccgrate):
    data = tmp_path / "d.csv"
    data.write_text("org_code,period,h2\n" + "".join(f"O{n},2017/18,{n}\n" for n in range(1, 9)))
    framework = tmp_path / "f.toml"
    framework.write_text(BASE_TOML)
    everyone = json.loads(ccgrate("score", data, "--framework", framework, "-f", "json").stdout)["assessments"]
    alone = json.loads(ccgrate("score", data, "--framework", framework, "--org", "O8", "-f", "json").stdout)[
        "assessments"
    ]
    assert alone == [a for a in everyone if a["org_code"] == "O8"]


def test_framework_override_warns_about_a_period_mismatch(ccgrate):
    result = ccgrate("score", BROMLEY, "--period", "2017/18", "--framework", "iaf-2018-19", "-f", "csv")
    assert result.stderr == (
        f"warning: {BROMLEY}: 2017/18 data scored with iaf-2018-19, a framework for 2018/19\n"
        f"warning: {BROMLEY}: values for columns or indicators that iaf-2018-19 does not define were ignored: 144a\n"
        "warning: indicators 101a, 102a, 103a, 103b, 105a, 105c, 105d, 107b, 122a, 122c, 124b, 126b, 128b, 131a "
        "not banded: no numerator and denominator (07Q 2017/18)\n"
    )
    assert ",iaf-2018-19," in result.stdout


def test_warnings_go_to_stderr_and_data_to_stdout(ccgrate, tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("org_code,period,126a,mystery\nX,2017/18,70,5\n")
    result = ccgrate("score", data, "-f", "csv")
    assert result.stderr == (
        f"warning: {data}: values for columns or indicators that iaf-2017-18 does not define were ignored: mystery\n"
        "warning: not rated: 2% of the indicator weight has a value, the framework needs 60% (X 2017/18)\n"
    )
    (row,) = csv.DictReader(io.StringIO(result.stdout))
    assert (row["org_code"], row["score"], row["rating"]) == ("X", "100.00", "")


def test_spreadsheet_formulas_are_neutralised_in_csv(ccgrate, tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("org_code,org_name,period,126a\nX,=HYPERLINK(1),2017/18,-5\n")
    ccgrate("score", data, "-f", "csv", expect=1)  # -5% is not a percentage
    data.write_text("org_code,org_name,period,126a\nX,=HYPERLINK(1),2017/18,70\n")
    (row,) = csv.DictReader(io.StringIO(ccgrate("score", data, "-f", "csv").stdout))
    assert row["org_name"] == "'=HYPERLINK(1)"


# --- exit codes -----------------------------------------------------------------------------


def test_exit_0_success(ccgrate):
    ccgrate("score", BROMLEY, expect=0)


def test_exit_1_bad_data(ccgrate, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("org_code,period,126a\n07Q,2017/18,abc\n")
    result = ccgrate("score", bad, expect=1)
    assert result.stdout == ""
    assert result.stderr == (
        f'Error: {bad}:2:3: column "126a": "abc" is not a number; write a number such as 66.7 '
        "(a % sign and thousands separators are allowed) or leave the cell blank\n"
    )


def test_exit_1_missing_file(ccgrate):
    assert ccgrate("score", "no-such.csv", expect=1).stderr == (
        "Error: no-such.csv: cannot read: No such file or directory; check the path (use - to read standard input)\n"
    )


def test_exit_1_unwritable_output(ccgrate, tmp_path):
    target = tmp_path / "missing-dir" / "out.csv"
    assert ccgrate("score", BROMLEY, "-o", target, expect=1).stderr == (
        f"Error: {target}: cannot write: No such file or directory; check that the directory exists\n"
    )


def test_exit_1_unknown_organisation(ccgrate):
    assert ccgrate("score", BROMLEY, "--org", "XYZ", expect=1).stderr == (
        f'Error: no organisation "XYZ" in {BROMLEY}; check the code against the org_code column, or give part of '
        "the name\n"
    )


@pytest.mark.parametrize("spec", ["07Q", "07q", "NHS Bromley CCG", "nhs bromley ccg", "Bromley", " bromley "])
def test_org_by_code_or_name(ccgrate, spec):
    rows = ccgrate("score", BROMLEY, "--org", spec, "-f", "csv").stdout.splitlines()
    assert [row.split(",")[0] for row in rows[1:]] == ["07Q", "07Q"]


def test_a_misspelt_name_is_suggested(ccgrate):
    assert ccgrate("score", BROMLEY, "--org", "Bromly", expect=1).stderr == (
        f'Error: no organisation "Bromly" in {BROMLEY}; did you mean 07Q (NHS Bromley CCG)?\n'
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["score", "x.csv", "--colour"],
            "No such option '--colour'. (Did you mean one of: '--column', '--cut', '--org'?)",
        ),
        (
            ["score", "x.csv", "-f", "xml"],
            "Invalid value for '-f' / '--format': 'xml' is not one of 'table', 'json', 'ndjson', 'csv', 'markdown'.",
        ),
        (["score"], "Missing argument 'FILE...'."),
        (
            ["score", str(BROMLEY), "--fail-below", "Great"],
            "Invalid value for --fail-below: 'Great' is not a rating of "
            "the framework (Outstanding, Good, Requires improvement, "
            "Inadequate)",
        ),
        (["rates"], "No such command 'rates'."),
    ],
)
def test_exit_2_usage(ccgrate, args, message):
    stderr = ccgrate(*args, expect=2).stderr
    assert stderr.startswith("Usage: ccgrate ")
    assert stderr.endswith(f"\nError: {message}\n")


def test_exit_3_bad_framework(ccgrate, tmp_path):
    framework = tmp_path / "f.toml"
    framework.write_text(BASE_TOML.replace("weight = 2.0", "weight = 0.0"))
    assert ccgrate("score", BROMLEY, "--framework", framework, expect=3).stderr == (
        f'Error: {framework}: domains[1].weight (id "care"): must be greater than 0 (got 0.0) '
        "(and 1 more problem: run `ccgrate framework check` to list them)\n"
    )


def test_exit_3_no_framework_for_the_period(ccgrate, tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("org_code,period,126a\n07Q,2021/22,70\n")
    assert ccgrate("score", data, expect=3).stderr == (
        f"Error: {data}: no built-in framework for period 2021/22; built-in periods are 2016/17 (iaf-2016-17), "
        "2017/18 (iaf-2017-18), 2018/19 (iaf-2018-19), 2019/20 (nhsof-2019-20), 2025/26 (nof-2025-26-mhc-published); pass --framework ID|PATH to choose one\n"
    )


def test_exit_4_fail_below(ccgrate):
    result = ccgrate("score", BROMLEY, "--fail-below", "outstanding", "-f", "csv", expect=4)
    assert result.stderr == "ccgrate: 2 rated below Outstanding: 07Q 2016/17 (Good), 07Q 2017/18 (Good)\n"
    assert result.stdout.count("\n") == 3  # the data is still written
    ccgrate("score", BROMLEY, "--fail-below", "Good", expect=0)


def run_main(args, capsys):
    with pytest.raises(SystemExit) as caught:
        cli_module.main(args)
    return caught.value.code, capsys.readouterr()


def test_exit_70_internal_error_is_one_line(monkeypatch, capsys):
    import ccgrate._scoring.run

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(ccgrate._scoring.run, "score_sources", broken)
    code, captured = run_main(["score", str(BROMLEY)], capsys)
    assert code == 70
    assert captured.err == (
        "Error: internal error (RuntimeError: boom); this is a bug in ccgrate, please report it with the command "
        "you ran (set CCGRATE_DEBUG=1 to see the traceback)\n"
    )


def test_exit_130_interrupted(monkeypatch, capsys):
    import ccgrate._scoring.run

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(ccgrate._scoring.run, "score_sources", interrupted)
    code, captured = run_main(["score", str(BROMLEY)], capsys)
    assert code == 130
    assert captured.err.endswith("ccgrate: interrupted\n")


def test_main_maps_user_errors_to_their_codes(capsys):
    code, captured = run_main(["score", "no-such.csv"], capsys)
    assert code == 1
    assert captured.err.startswith("Error: no-such.csv: cannot read")
    code, _ = run_main(["--version"], capsys)
    assert code == 0


# --- other commands -------------------------------------------------------------------------


def test_version(ccgrate):
    assert ccgrate("--version").stdout == f"ccgrate {ccgrate_version()}\n"


def test_frameworks(ccgrate):
    golden("frameworks.txt", ccgrate("frameworks").stdout)
    listed = json.loads(ccgrate("frameworks", "-f", "json").stdout)
    assert [(f["id"], f["period"], f["indicators"]) for f in listed] == [
        ("iaf-2016-17", "2016/17", 59),
        ("iaf-2017-18", "2017/18", 51),
        ("iaf-2018-19", "2018/19", 50),
        ("nhsof-2019-20", "2019/20", 43),
        ("nof-2025-26-mhc", "2025/26", 14),
        ("nof-2025-26-mhc-published", "2025/26", 14),
    ]
    assert [f["id"] for f in listed if f["quarterly"]] == ["nof-2025-26-mhc", "nof-2025-26-mhc-published"]
    assert [f["id"] for f in listed if not f["chosen_by_period"]] == ["nof-2025-26-mhc"]
    assert ccgrate("frameworks", "-f", "csv").stdout.splitlines()[0] == (
        "id,name,period,indicators,sha256,quarterly,chosen_by_period"
    )


def test_framework_show(ccgrate):
    text = ccgrate("framework", "show", "iaf-2017-18").stdout
    for part in (
        "CCG Improvement and Assessment Framework 2017/18",
        "Provenance:",
        "Rating scale",
        "Judgements",
        "Domains",
        "Clinical priority areas",
        "Indicators (51)",
        "Rules (applied in order)",
        "deficit-cap",
    ):
        assert part in text
    document = json.loads(ccgrate("framework", "show", "iaf-2017-18", "-f", "json").stdout)
    assert document["origin"] == "builtin:iaf-2017-18"
    assert len(document["indicators"]) == 51


@pytest.mark.parametrize("framework_id", ["iaf-2016-17", "iaf-2017-18", "iaf-2018-19", "nhsof-2019-20"])
def test_framework_show_every_builtin(ccgrate, framework_id):
    text = ccgrate("framework", "show", framework_id).stdout
    assert f"({framework_id}," in text and "Rules (applied in order)" in text


def test_framework_check(ccgrate, tmp_path):
    good = tmp_path / "good.toml"
    good.write_text(BASE_TOML)
    result = ccgrate("framework", "check", good)
    assert result.stdout.startswith(f"{good}: ok (test-fw, 2017/18, 5 indicators, 2 domains, 1 areas, 2 rules; sha256 ")
    bad = tmp_path / "bad.toml"
    bad.write_text(BASE_TOML.replace("weight = 2.0", "weight = 0.0"))
    result = ccgrate("framework", "check", good, bad, expect=3)
    assert result.stderr == (
        f'Error: {bad}: domains[1].weight (id "care"): must be greater than 0 (got 0.0)\n'
        f'Error: {bad}: indicators[3].weight (id "c2"): must be greater than 0 (got 0.0)\n'
    )


def test_framework_schema(ccgrate, tmp_path):
    schema = json.loads(ccgrate("framework", "schema").stdout)
    assert schema["title"] == "ccgrate framework"
    target = tmp_path / "schema.json"
    ccgrate("framework", "schema", "-o", target)
    assert json.loads(target.read_text()) == schema


def all_commands():
    from ccgrate._cli.main import cli

    commands = []
    for name, command in cli.commands.items():
        if hasattr(command, "commands"):
            commands += [(f"{name} {sub}", c) for sub, c in command.commands.items()]
        commands.append((name, command))
    return commands


@pytest.mark.parametrize(("name", "command"), all_commands(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_command_has_help_with_an_example(ccgrate, name, command):
    assert command.help and "Examples:" in command.help
    assert "Examples:" in ccgrate(*name.split(), "--help").stdout


def test_stderr_wraps_at_word_boundaries_on_a_terminal():
    from ccgrate._cli.messages import wrapped

    text = (
        'Error: examples/a-very-long-file-name-indeed.csv:2:3: period "Q4 2017" is not a year; write periods as 2017/18'
    )
    assert wrapped(text, 40) == (
        'Error:\n  examples/a-very-long-file-name-indeed.csv:2:3:\n  period "Q4 2017" is not a year; write\n'
        "  periods as 2017/18"
    )
    assert wrapped("short", 40) == "short"
    assert all(len(line) <= 40 or " " not in line.strip() for line in wrapped(text, 40).splitlines())


def _file_parameters(command):
    """Every parameter that names a file (by its metavar or its type)."""
    for param in command.params:
        metavar = param.metavar or ""
        if (
            any(word in metavar for word in ("FILE", "PATH"))
            or param.name in ("side_a", "side_b")
            or getattr(param.type, "name", "") in ("file", "path", "directory")
        ):
            yield param


@pytest.mark.parametrize(("name", "command"), all_commands(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_file_argument_completes_file_names(name, command):
    from click.shell_completion import ShellComplete

    from ccgrate._cli.main import cli

    for param in _file_parameters(command):
        words = name.split()
        if isinstance(param, click_option_class()):
            words.append(param.opts[-1])
        items = ShellComplete(cli, {}, "ccgrate", "_CCGRATE_COMPLETE").get_completions(words, "exa")
        kinds = {item.type for item in items}
        assert kinds & {"file", "dir"}, (name, param.name, kinds)


def click_option_class():
    import click

    return click.Option


def test_a_framework_completes_its_built_in_ids_and_files():
    from click.shell_completion import ShellComplete

    from ccgrate._cli.main import cli

    items = ShellComplete(cli, {}, "ccgrate", "_CCGRATE_COMPLETE").get_completions(["score", "--framework"], "iaf-2017")
    assert [(i.type, i.value) for i in items] == [("plain", "iaf-2017-18"), ("file", "iaf-2017")]


def test_bash_completion_of_a_file_argument_through_the_command_line(monkeypatch, capsys):
    from ccgrate._cli.main import cli

    monkeypatch.setenv("_CCGRATE_COMPLETE", "bash_complete")
    monkeypatch.setenv("COMP_WORDS", "ccgrate score exa")
    monkeypatch.setenv("COMP_CWORD", "2")
    with pytest.raises(SystemExit):
        cli.main(prog_name="ccgrate")
    assert capsys.readouterr().out == "file,exa\n"
