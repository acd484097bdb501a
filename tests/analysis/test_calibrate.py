"""ccgrate calibrate, and the distribution check of national score runs."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from helpers import EXAMPLES, FRAMEWORKS, national
from hypothesis import given, settings
from hypothesis import strategies as st

from ccgrate._analysis import calibrate as core
from ccgrate._analysis import distribution
from ccgrate._base.errors import DataError
from ccgrate._framework.loader import framework_text, load_framework, parse_framework
from ccgrate._scoring.banding import cut_ranks
from ccgrate._scoring.engine import assess_population
from ccgrate._scoring.run import prepare

RATINGS = ["Outstanding", "Good", "Requires improvement", "Inadequate"]


def distribution_of(population) -> dict[str, int]:
    result = assess_population(population.framework, population)
    return {r: int(np.count_nonzero(result.rating == k)) for k, r in enumerate(RATINGS)}


# --- calibration reproduces published distributions --------------------------------------------------


@pytest.mark.parametrize("year", ["2016-17", "2017-18", "2018-19"])
def test_calibrate_then_score_reproduces_each_published_distribution(year, tmp_path):
    population = national(year)
    published = population.framework.framework.published_distribution
    # Start far from the answer: cut points that rate nearly everyone Inadequate.
    text = _with_cuts(framework_text(population.framework), population.framework, (99.0, 98.0, 97.0))
    wrong = parse_framework(text.encode(), name="wrong")
    start = national(year, None).__class__(**{**national(year).__dict__, "framework": wrong})
    assert distribution_of(start)["Inadequate"] > 150
    result = core.calibrate(start, text, None)
    assert result.exact and result.achieved == published
    path = tmp_path / "calibrated.toml"
    path.write_text(result.text, encoding="utf-8")
    again = prepare(
        [(str(EXAMPLES / f"national-{year}.csv"), (EXAMPLES / f"national-{year}.csv").read_bytes())],
        framework=str(path),
    ).populations[0]
    assert distribution_of(again) == published


def _with_cuts(text: str, fw, cuts: tuple[float, float, float]) -> str:
    old = fw.scale.cuts
    line = f'cuts = {{ Outstanding = {old["Outstanding"]}, Good = {old["Good"]}, "Requires improvement" = {old["Requires improvement"]} }}'
    assert line in text
    return text.replace(
        line, f'cuts = {{ Outstanding = {cuts[0]}, Good = {cuts[1]}, "Requires improvement" = {cuts[2]} }}'
    )


def test_cuts_that_already_work_are_kept():
    population = national("2017-18")
    result = core.calibrate(population, framework_text(population.framework), None)
    assert result.exact and result.cuts_after == result.cuts_before


def test_percentages_are_turned_into_counts_by_largest_remainder():
    assert core.parse_target("Outstanding=9.7,Good=48.3,Requires improvement=33.3,Inadequate=8.7", RATINGS, 207) == {
        "Outstanding": 20,
        "Good": 100,
        "Requires improvement": 69,
        "Inadequate": 18,
    }
    assert core.parse_target("outstanding=1, good=2, requires improvement=3, inadequate=4", RATINGS, 10) == {
        "Outstanding": 1,
        "Good": 2,
        "Requires improvement": 3,
        "Inadequate": 4,
    }


@settings(max_examples=200, deadline=None)
@given(
    shares=st.lists(st.floats(0, 100), min_size=4, max_size=4).filter(lambda s: sum(s) > 0), total=st.integers(1, 500)
)
def test_largest_remainder_adds_up_and_stays_within_one(shares, total):
    scaled = {r: s / sum(shares) * total for r, s in zip(RATINGS, shares)}
    counts = core.largest_remainder(scaled, total)
    assert sum(counts.values()) == total
    assert all(abs(counts[r] - scaled[r]) < 1 + 1e-9 for r in RATINGS)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Outstanding=10,Good=50", "--target: no figure for Requires improvement, Inadequate"),
        ("Great=10", '--target: "Great=10" is not RATING=NUMBER'),
        ("Outstanding=x,Good=1,Requires improvement=1,Inadequate=1", '--target: "x" for Outstanding is not a number'),
        (
            "Outstanding=-1,Good=1,Requires improvement=1,Inadequate=1",
            "--target: Outstanding must be a number of at least 0",
        ),
        (
            "Outstanding=1,Good=1,Requires improvement=1,Inadequate=1",
            "--target adds up to 4: give counts that add up to the 207",
        ),
    ],
)
def test_bad_targets_are_explained(text, message):
    with pytest.raises(DataError) as caught:
        core.parse_target(text, RATINGS, 207)
    assert message in str(caught.value)


def test_unreachable_targets_come_as_close_as_ties_allow():
    population = national("2018-19")
    result = core.calibrate(
        population, framework_text(population.framework), "Outstanding=100,Good=0,Requires improvement=0,Inadequate=0"
    )
    # a deficit caps some organisations below Outstanding whatever the cut points
    assert not result.exact and result.differences > 0
    assert result.achieved["Outstanding"] < result.rated


def test_indicator_cuts_are_population_quantiles_that_band_as_the_exact_ones_do():
    population = national("2017-18")
    fw = population.framework
    result = core.calibrate(population, framework_text(fw), None, indicator_cuts=True)
    quantile_ids = [i.id for i in fw.indicators if i.method == "quantile"]
    assert sorted(result.indicator_cuts) == sorted(quantile_ids)
    for ind_id, (_before, after) in result.indicator_cuts.items():
        values = population.numbers[ind_id]
        present = np.sort(values[~np.isnan(values)])
        exact = np.quantile(present, [0.25, 0.5, 0.75])
        assert after == pytest.approx(exact, rel=5e-3)  # shortened only where no organisation changes band
        direction = fw.indicator(ind_id).direction
        assert np.array_equal(cut_ranks(after, direction, present), cut_ranks(exact, direction, present))
        assert result.framework.indicator(ind_id).cuts == after
    # a quarter of the organisations in each band, up to ties
    bands = assess_population(
        result.framework, population.__class__(**{**population.__dict__, "framework": result.framework})
    )
    shares = np.bincount(bands.bands[quantile_ids[0]].rank[bands.bands[quantile_ids[0]].rank >= 0], minlength=4)
    assert shares.max() - shares.min() <= 3


def test_the_new_file_keeps_everything_else_and_records_the_calibration():
    population = national("2016-17")
    text = framework_text(population.framework)
    result = core.calibrate(
        population,
        text,
        "Outstanding=30,Good=90,Requires improvement=66,Inadequate=23",
        new_id="local-2016-17",
        note=" 9.9 against test.csv",
    )
    assert result.framework_id == "local-2016-17"
    old_lines = set(text.splitlines())
    new_lines = result.text.splitlines()
    changed = [line for line in new_lines if line not in old_lines]
    assert changed[0] == 'id = "local-2016-17"'
    assert changed[1].startswith('name = "CCG Improvement and Assessment Framework 2016/17 (calibrated)"')
    assert any(line.startswith("cuts = { Outstanding =") for line in changed)
    assert "# " in result.text and result.text.count("\n# ") == text.count("\n# ")  # comments survive
    provenance = result.framework.framework.provenance
    assert provenance.startswith(population.framework.framework.provenance.rstrip("\n"))
    assert "Calibrated from iaf-2016-17 by ccgrate 9.9 against test.csv" in " ".join(provenance.split())
    assert 'provenance = """\nPublished' in result.text  # laid out as before


def test_a_partly_published_distribution_needs_a_target():
    nhsof = national("2019-20")
    with pytest.raises(DataError, match="nhsof-2019-20 publishes the number of organisations only for Outstanding"):
        core.calibrate(nhsof, framework_text(nhsof.framework), None)


def test_a_framework_without_a_published_distribution_needs_a_target():
    population = national("2017-18")
    text = "\n".join(
        line
        for line in framework_text(population.framework).splitlines()
        if not line.startswith("published_distribution")
    )
    fw = parse_framework(text.encode(), name="bare")
    bare = population.__class__(**{**population.__dict__, "framework": fw})
    with pytest.raises(DataError, match="iaf-2017-18 has no published distribution to calibrate to"):
        core.calibrate(bare, text, None)


# --- the command ----------------------------------------------------------------------------------


def test_command_writes_a_framework_that_passes_check_and_reports(ccgrate, tmp_path):
    out = tmp_path / "new.toml"
    result = ccgrate(
        "calibrate",
        EXAMPLES / "national-2018-19.csv",
        "-o",
        out,
        "--indicator-cuts",
        "-f",
        "json",
        "--target",
        "Outstanding=9.7,Good=48.3,Requires improvement=33.3,Inadequate=8.7",
    )
    report = json.loads(result.stdout)
    assert report["calibrated"] == "iaf-2018-19-calibrated" and report["exact"] is True
    assert [r["achieved"] for r in report["ratings"]] == [19, 94, 65, 17]
    assert len(report["indicator_cuts"]) > 10
    check = ccgrate("framework", "check", out)
    assert check.stdout.startswith(f"{out}: ok (iaf-2018-19-calibrated, 2018/19")
    scored = ccgrate("score", EXAMPLES / "national-2018-19.csv", "--framework", out, "--summary", "-f", "csv")
    assert "Outstanding 19, Good 94, Requires improvement 65, Inadequate 17" in scored.stderr


def test_command_table_csv_and_markdown(ccgrate, tmp_path):
    out = tmp_path / "x.toml"
    table = ccgrate("calibrate", EXAMPLES / "national-2017-18.csv", "-o", out).stdout
    assert "iaf-2017-18 calibrated as iaf-2017-18-calibrated" in table
    assert "gives the target exactly" in " ".join(table.split())
    rows = list(
        csv.DictReader(
            io.StringIO(ccgrate("calibrate", EXAMPLES / "national-2017-18.csv", "-o", out, "-f", "csv").stdout)
        )
    )
    assert [(r["rating"], r["target"], r["achieved"]) for r in rows] == [
        ("Outstanding", "20", "20"),
        ("Good", "100", "100"),
        ("Requires improvement", "69", "69"),
        ("Inadequate", "18", "18"),
    ]
    markdown = ccgrate("calibrate", EXAMPLES / "national-2017-18.csv", "-o", out, "-f", "markdown").stdout
    assert "| rating | target | achieved |" in markdown


def test_command_says_when_the_target_is_not_reached(ccgrate, tmp_path):
    result = ccgrate(
        "calibrate",
        EXAMPLES / "national-2018-19.csv",
        "-o",
        tmp_path / "x.toml",
        "--target",
        "Outstanding=195,Good=0,Requires improvement=0,Inadequate=0",
    )
    assert "Closest reachable:" in result.stdout
    assert result.stderr.startswith("ccgrate: the target was not reached exactly:")


@pytest.mark.parametrize(
    ("args", "expect", "message"),
    [
        ((), 2, "Missing option '-o'"),
        (("-o", "{tmp}/x.toml", "--target", "Good=1"), 1, "--target: no figure for Outstanding"),
        (("-o", "{tmp}/missing/x.toml"), 1, "cannot write"),
    ],
)
def test_errors(ccgrate, tmp_path, args, expect, message):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = ccgrate("calibrate", EXAMPLES / "national-2017-18.csv", *args, expect=expect)
    assert message in result.stderr and result.stdout == ""


def test_nothing_is_written_when_the_target_is_bad(ccgrate, tmp_path):
    out = tmp_path / "x.toml"
    ccgrate("calibrate", EXAMPLES / "national-2017-18.csv", "-o", out, "--target", "Good=1", expect=1)
    assert not out.exists()


# --- the distribution check --------------------------------------------------------------------------


def test_a_national_run_states_its_distribution_against_the_published_one(ccgrate):
    result = ccgrate("score", EXAMPLES / "national-2017-18.csv", "-f", "csv")
    assert result.stderr == (
        "ccgrate: 2017/18 distribution under iaf-2017-18, 207 rated: Outstanding 20 (9.7%), Good 100 (48.3%), "
        "Requires improvement 69 (33.3%), Inadequate 18 (8.7%); published: Outstanding 20 (9.7%), Good 100 (48.3%), "
        "Requires improvement 69 (33.3%), Inadequate 18 (8.7%)\n"
    )
    assert ccgrate("score", EXAMPLES / "national-2017-18.csv", "-f", "csv", "-q").stderr == ""


def test_one_organisation_is_not_a_national_run(ccgrate):
    assert ccgrate("score", EXAMPLES / "bromley.csv", "-f", "csv").stderr == ""
    assert ccgrate("score", EXAMPLES / "national-2017-18.csv", "--org", "SYN001", "-f", "csv").stderr == ""


def test_an_extreme_distribution_is_warned_about(ccgrate, tmp_path):
    fw = load_framework(FRAMEWORKS / "iaf-2017-18.toml")
    harsh = tmp_path / "harsh.toml"
    harsh.write_text(_with_cuts(framework_text(fw), fw, (99.0, 98.0, 97.0)), encoding="utf-8")
    result = ccgrate("score", EXAMPLES / "national-2017-18.csv", "--framework", harsh, "-f", "csv")
    lines = result.stderr.splitlines()
    assert lines[-1].startswith(
        "warning: the 2017/18 distribution of ratings is extreme: Good is 0.0% here against "
        "48.3% published; Requires improvement is 0.0% here against 33.3% published; "
        "Inadequate is 100.0% here against 8.7% published."
    )
    assert "ccgrate calibrate" in lines[-1]


def test_without_a_published_distribution_a_third_inadequate_is_extreme():
    population = national("2017-18")
    fw = population.framework
    text = _with_cuts(framework_text(fw), fw, (99.0, 98.0, 97.0))
    text = "\n".join(line for line in text.splitlines() if not line.startswith("published_distribution"))
    harsh = parse_framework(text.encode(), name="harsh")
    result = assess_population(harsh, population.__class__(**{**population.__dict__, "framework": harsh}))
    found = distribution.check(result)
    assert found.problems == ["100% are rated Inadequate"]
    assert found.line().startswith("2017/18 distribution under iaf-2017-18, 207 rated: Outstanding 0 (0.0%)")
    assert "published" not in found.line()


def test_golden_json_report(ccgrate, tmp_path, monkeypatch):
    from helpers import golden

    monkeypatch.chdir(tmp_path)
    (tmp_path / "examples").symlink_to(EXAMPLES)
    document = json.loads(
        ccgrate(
            "calibrate",
            "examples/national-2016-17.csv",
            "-o",
            "new.toml",
            "-f",
            "json",
            "--target",
            "Outstanding=30,Good=90,Requires improvement=66,Inadequate=23",
        ).stdout
    )
    document["ccgrate_version"] = "<version>"
    golden("calibrate-2016-17.json", json.dumps(document, indent=2, ensure_ascii=False) + "\n")
