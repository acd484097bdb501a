"""Every command works on every valid framework and file: custom rating words, every rule
condition, nobody rated, astronomical counts, odd organisation codes."""

from __future__ import annotations

import csv
import io
import json

import pytest
from factories import BASE_TOML
from helpers import EXAMPLES

CUSTOM = (
    BASE_TOML.replace(
        'ratings = ["Outstanding", "Good", "Requires improvement", "Inadequate"]\n'
        'cuts = { Outstanding = 75.0, Good = 50.0, "Requires improvement" = 25.0 }',
        'ratings = ["Gold", "Silver", "Bronze", "Tin"]\ncuts = { Gold = 75.0, Silver = 50.0, Bronze = 25.0 }',
    )
    .replace('cap = "Requires improvement"', 'cap = "Bronze"')
    .replace('rating = "Requires improvement" }\nfloor = "Good"', 'rating = "Bronze" }\nfloor = "Silver"')
    + """
[[rules]]
id = "area-tin"
when = { area_rating = { cancer = "Tin" } }
cap = "Bronze"
reason = "Area."

[[rules]]
id = "areas-most"
when = { areas_rated_at_most = { rating = "Bronze", count = 1 }, rating = "Gold" }
cap = "Silver"
reason = "Areas."

[[rules]]
id = "worst-share"
when = { worst_band_share_at_least = 0.5 }
cap = "Bronze"
reason = "Worst."

[[rules]]
id = "best-share"
when = { best_band_share_at_least = 0.9 }
floor = "Silver"
reason = "Best."
"""
)


def custom_rows(scale: int = 1) -> str:
    import random

    rng = random.Random(11)
    lines = ["org_code,org_name,period,h1,h2,c1,c1_numerator,c1_denominator,c2,c3,leadership,finance"]
    for i in range(40):
        denominator = rng.randint(50, 500)
        numerator = rng.randint(denominator * 6 // 10, denominator)
        lines.append(
            f"X{i:03d},Org {i},2017/18,{rng.uniform(0, 30):.1f},{rng.uniform(20, 80):.1f},,"
            f"{numerator * scale},{denominator * scale},{rng.uniform(50, 90):.1f},"
            f"{rng.choice(['good', 'fair', 'poor'])},{rng.choice(['green', 'amber', 'red'])},"
            f"{rng.choice(['green', 'amber', 'red'])}"
        )
    return "\n".join(lines) + "\n"


@pytest.fixture
def custom(tmp_path):
    framework = tmp_path / "custom.toml"
    framework.write_text(CUSTOM)
    data = tmp_path / "custom.csv"
    data.write_text(custom_rows())
    return data, framework


def test_summary_counts_the_frameworks_own_words(ccgrate, custom):
    data, framework = custom
    stderr = ccgrate("score", data, "--framework", framework, "--summary", "-f", "csv", "-q").stderr
    rows = list(csv.DictReader(io.StringIO(ccgrate("score", data, "--framework", framework, "-f", "csv").stdout)))
    counts = {word: sum(r["rating"] == word for r in rows) for word in ("Gold", "Silver", "Bronze", "Tin")}
    assert sum(counts.values()) == 40
    assert stderr == f"ccgrate: {data}: 40 assessments: " + ", ".join(f"{w} {n}" for w, n in counts.items()) + "\n"


def test_fail_below_takes_the_frameworks_words_in_any_case(ccgrate, custom):
    data, framework = custom
    rows = list(csv.DictReader(io.StringIO(ccgrate("score", data, "--framework", framework, "-f", "csv").stdout)))
    below = [r["org_code"] for r in rows if r["rating"] in ("Bronze", "Tin")]
    result = ccgrate("score", data, "--framework", framework, "--fail-below", " silver ", "-f", "csv", expect=4)
    assert result.stderr.splitlines()[-1].startswith(f"ccgrate: {len(below)} rated below Silver: {below[0]} 2017/18")
    refused = ccgrate("score", data, "--framework", framework, "--fail-below", "Good", "-f", "csv", expect=2)
    assert refused.stderr.endswith(
        "Error: Invalid value for --fail-below: 'Good' is not a rating of the framework (Gold, Silver, Bronze, Tin)\n"
    )


def test_whatif_targets_the_frameworks_words(ccgrate, custom):
    data, framework = custom
    answer = json.loads(
        ccgrate("whatif", data, "--framework", framework, "--org", "x001", "--target", "gold", "-f", "json").stdout
    )
    assert answer["target"] == "Gold"
    assert ccgrate(
        "whatif", data, "--framework", framework, "--org", "X001", "--target", "Outstanding", expect=2
    ).stderr.endswith("'Outstanding' is not a rating of the framework (Gold, Silver, Bronze, Tin)\n")


def test_sensitivity_with_every_rule_condition(ccgrate, custom):
    data, framework = custom
    rows = list(
        csv.DictReader(
            io.StringIO(ccgrate("sensitivity", data, "--framework", framework, "--draws", "500", "-f", "csv").stdout)
        )
    )
    assert len(rows) == 40
    assert list(rows[0])[5:10] == ["p_gold", "p_silver", "p_bronze", "p_tin", "p_not_rated"]
    for row in rows:
        assert sum(float(row[k]) for k in ("p_gold", "p_silver", "p_bronze", "p_tin", "p_not_rated")) == pytest.approx(
            1
        )


def test_sensitivity_with_nothing_perturbed_matches_the_rules_engine(ccgrate, custom):
    data, framework = custom
    scored = {
        r["org_code"]: r["rating"]
        for r in csv.DictReader(io.StringIO(ccgrate("score", data, "--framework", framework, "-f", "csv").stdout))
    }
    drawn = list(
        csv.DictReader(
            io.StringIO(
                ccgrate(
                    "sensitivity",
                    data,
                    "--framework",
                    framework,
                    "--draws",
                    "50",
                    "--weight-sd",
                    "0",
                    "--cut-sd",
                    "0",
                    "--vary",
                    "weights",
                    "--vary",
                    "cuts",
                    "-f",
                    "csv",
                ).stdout
            )
        )
    )
    assert {r["org_code"]: r["rating"] for r in drawn} == scored
    assert all(r["p_same_rating"] == "1" for r in drawn)


def test_sensitivity_with_counts_past_two_to_the_53(ccgrate, tmp_path):
    framework = tmp_path / "custom.toml"
    framework.write_text(
        CUSTOM.replace(
            'method = "standard"\nstandard = 85.0', 'method = "standard"\nstandard = 85.0\nsignificance = 0.95'
        )
    )
    data = tmp_path / "huge.csv"
    data.write_text(custom_rows(scale=2**53))
    rows = list(
        csv.DictReader(
            io.StringIO(ccgrate("sensitivity", data, "--framework", framework, "--draws", "100", "-f", "csv").stdout)
        )
    )
    assert len(rows) == 40


def test_sensitivity_when_nobody_is_rated(ccgrate, tmp_path):
    data = tmp_path / "sparse.csv"
    data.write_text("org_code,period,126a\nA,2017/18,70\nB,2017/18,60\n")
    rows = list(csv.DictReader(io.StringIO(ccgrate("sensitivity", data, "-f", "csv", "-q").stdout)))
    assert [(r["org_code"], r["rating"], r["p_not_rated"], r["rank_median"]) for r in rows] == [
        ("A", "", "1", ""),
        ("B", "", "1", ""),
    ]


@pytest.mark.parametrize(("option", "value"), [("--weight-sd", "nan"), ("--cut-sd", "nan"), ("--cut-sd", "inf")])
def test_non_finite_options_are_refused(ccgrate, option, value):
    result = ccgrate("sensitivity", EXAMPLES / "national-2018-19.csv", option, value, expect=2)
    assert f"Error: Invalid value for '{option}':" in result.stderr


def test_compare_refuses_two_rating_scales(ccgrate, custom):
    data, framework = custom
    result = ccgrate("compare", data, EXAMPLES / "national-2017-18.csv", "--framework-a", framework, expect=3)
    assert result.stderr == (
        "Error: test-fw rates on Gold, Silver, Bronze, Tin and iaf-2017-18 on Outstanding, Good, Requires "
        "improvement, Inadequate: ratings on different scales cannot be compared; compare years scored under "
        "frameworks with the same rating scale\n"
    )


def test_compare_with_custom_words(ccgrate, custom):
    data, framework = custom
    document = json.loads(
        ccgrate("compare", data, data, "--framework-a", framework, "--framework-b", framework, "-f", "json").stdout
    )
    assert {o["movement"] for o in document["organisations"]} == {"same"}


def test_calibrate_with_custom_words(ccgrate, custom, tmp_path):
    data, framework = custom
    result = ccgrate(
        "calibrate",
        data,
        "--framework",
        framework,
        "--target",
        "Gold=10,Silver=10,Bronze=10,Tin=10",
        "-o",
        tmp_path / "calibrated.toml",
        "-f",
        "csv",
        "-q",
    )
    assert result.stdout.splitlines()[0] == "rating,target,achieved,before,cut_before,cut_after"
    ccgrate("framework", "check", tmp_path / "calibrated.toml")


def test_funnel_draws_any_organisation_code(ccgrate, tmp_path):
    pytest.importorskip("matplotlib")
    lines = (EXAMPLES / "national-2018-19.csv").read_text().splitlines()
    lines[1] = lines[1].replace("SYN001", "A$B$_^X", 1)
    lines[2] = lines[2].replace("SYN002", "\\MATHRM{X}", 1)
    data = tmp_path / "odd.csv"
    data.write_text("\n".join(lines) + "\n")
    for suffix in ("svg", "png"):
        ccgrate(
            "funnel",
            data,
            "--indicator",
            "126b",
            "--org",
            "a$b$_^x",
            "--org",
            "\\mathrm{x}",
            "-o",
            tmp_path / f"odd.{suffix}",
            "-q",
        )
    assert "A$B$_^X" in (tmp_path / "odd.svg").read_text()


@pytest.mark.parametrize("text", ["1_000", "1_0.5", "\u0661\u0662"])
def test_numbers_python_reads_but_no_export_writes_are_refused(ccgrate, tmp_path, text):
    data = tmp_path / "d.csv"
    data.write_text(f"org_code,period,126a\nA,2017/18,{text}\n")
    assert ccgrate("score", data, expect=1).stderr == (
        f'Error: {data}:2:3: column "126a": "{text}" is not a number; write a number such as 66.7 (a % sign and '
        "thousands separators are allowed) or leave the cell blank\n"
    )
