"""The questions people ask of the NHS Oversight Framework 2025/26, on NHS England's shipped data:
how far ccgrate agrees with the published results, cut points for a run and from the published
segments, league tables, the distance to the next segment, how sure an average and a rank are,
the report, and a comparison between quarters."""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest
from helpers import EXAMPLES

from ccgrate._analysis.agreement import agreement, run_agreement
from ccgrate._analysis.calibrate import calibrate_published
from ccgrate._analysis.distance import distances
from ccgrate._analysis.league import league_tables
from ccgrate._analysis.spread import metric_spread
from ccgrate._base.errors import DataError
from ccgrate._framework.loader import framework_text, resolve_framework
from ccgrate._scoring.engine import assess_population, with_cuts
from ccgrate._scoring.run import prepare, score_sources

DATA = EXAMPLES / "nof-2025-26-mhc-q1-q2.csv"
Q1, Q2 = "2025/26 Q1", "2025/26 Q2"


@pytest.fixture(scope="module")
def run():
    return score_sources([(str(DATA), DATA.read_bytes())])


@pytest.fixture(scope="module")
def q3_bytes() -> bytes:
    """NHS England's Q2 published as if it were a quarter the framework has no cut points for."""
    text = DATA.read_text(encoding="utf-8-sig")
    return (
        "\n".join(line for line in text.splitlines() if line.startswith(("Quarter", "Q2 ")))
        .replace("Q2 2025/26", "Q3 2025/26")
        .encode()
    )


def result_of(run, period):
    return next(r for r in run.results if r.population.period == period)


# --- agreement ---------------------------------------------------------------------------------


def test_the_summary_line_says_how_far_each_quarter_agrees(run):
    lines = {a.period: a.line() for a in run_agreement(run)}
    assert lines[Q1] == (
        "2025/26 Q1 against the published results: segments agree for 61 of 61 organisations (unadjusted 61, "
        "adjusted 61); average score for 60 of 61, all within 0.01; rank for 61 of 61; domain scores (within 0.01) "
        "for 61 of 61; domain segments for 61 of 61. Differ: score TAH"
    )
    assert lines[Q2] == (
        "2025/26 Q2 against the published results: segments agree for 61 of 61 organisations (unadjusted 61, "
        "adjusted 61); average score for 56 of 61, all within 0.01; rank for 57 of 61; domain scores (within 0.01) "
        "for 61 of 61; domain segments for 61 of 61. Differ: rank RRE, RV3, RY2, RYV; score RV3, RX2, RY2, RY8, RYV"
    )


def test_each_assessment_says_what_agrees(run):
    result = result_of(run, Q1)
    tah = result.assessment(result.population.codes.index("TAH"))
    found = agreement(tah)
    assert found["rating"] is True and found["score"] is False
    assert found["score_difference"] == pytest.approx(tah.score - 2.70)
    assert abs(found["score_difference"]) <= 0.01 + 1e-9


def test_without_published_results_there_is_nothing_to_agree_with():
    raw = (EXAMPLES / "bromley.csv").read_bytes()
    bromley = score_sources([("bromley.csv", raw)])
    assert run_agreement(bromley) == []
    assert all(agreement(a) == {} for a in bromley.assessments)


# --- cut points ----------------------------------------------------------------------------------


def test_a_cut_for_the_run_replaces_one_of_the_quarters():
    fw = resolve_framework("nof-2025-26-mhc-published")
    assert with_cuts(fw, [2.05, 2.325, 2.625], {"segment 1": 2.1}) == [2.1, 2.325, 2.625]


@pytest.mark.parametrize(
    ("cuts", "message"),
    [
        ({"Segment 1": 2.5}, "cut points out of order: Segment 1 at 2.5 and Segment 2 at 2.325"),
        (
            {"Segment 4": 3.0},
            'a cut point for "Segment 4": nof-2025-26-mhc-published has no such rating with a cut point below it',
        ),
        ({"Segment 5": 3.0}, 'a cut point for "Segment 5"'),
    ],
)
def test_a_cut_that_cannot_work_is_refused(cuts, message):
    fw = resolve_framework("nof-2025-26-mhc-published")
    with pytest.raises(DataError) as caught:
        with_cuts(fw, [2.05, 2.325, 2.625], cuts)
    assert caught.value.message.startswith(message)


RESULTS = ("OF4", "OF5000", "OF5002", "OF5003", "OF5005")


def test_a_quarter_without_cut_points_takes_them_from_the_published_segments(ccgrate, tmp_path, q3_bytes):
    path = tmp_path / "q3.csv"
    path.write_bytes(q3_bytes)
    result = ccgrate("score", path, "-f", "csv")
    assert (
        f"ccgrate: {path}: 2025/26 Q3: nof-2025-26-mhc-published has no cut points for 2025/26 Q3; taken from the "
        "ratings by score published in the data, each in the middle of its gap (Segment 1 2.065, Segment 2 2.345, "
        "Segment 3 2.665), so the ratings by score agree with the published ones by construction"
    ) in result.stderr
    assert (
        "segments agree for 61 of 61 organisations (unadjusted 61, adjusted 61); average score for 56 of 61, all "
        "within 0.01; rank for 57 of 61; domain scores (within 0.01) for 61 of 61; domain segments for 61 of 61"
    ) in result.stderr


def test_a_quarter_without_cut_points_or_results_is_rated_on_quartiles_and_says_why(ccgrate, tmp_path, q3_bytes):
    import csv
    import io

    rows = list(csv.reader(io.StringIO(q3_bytes.decode())))
    kept = [rows[0]] + [row for row in rows[1:] if not row[8].startswith(RESULTS)]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(kept)
    path = tmp_path / "q3.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    result = ccgrate("score", path, "-f", "csv")
    assert (
        f"ccgrate: {path}: 2025/26 Q3: nof-2025-26-mhc-published has no cut points for 2025/26 Q3; rated on the "
        "quartiles of the 61 scores in this run"
    ) in result.stderr
    assert "NHS England sets each quarter's cut points over every trust type nationally" in result.stderr
    assert "ccgrate calibrate" in result.stderr


def test_cut_options_rate_a_quarter_the_framework_has_no_cuts_for(ccgrate, tmp_path, q3_bytes):
    path = tmp_path / "q3.csv"
    path.write_bytes(q3_bytes)
    cuts = ["--cut", "Segment 1=2.065", "--cut", "Segment 2=2.345", "--cut", "Segment 3=2.665"]
    result = ccgrate("score", path, *cuts, "-f", "csv")
    assert "cut points set for this run: Segment 1 2.065, Segment 2 2.345, Segment 3 2.665" in result.stderr
    assert "segments agree for 61 of 61 organisations (unadjusted 61, adjusted 61)" in result.stderr


def test_a_cut_that_is_not_rating_equals_score_is_a_usage_error(ccgrate):
    result = ccgrate("score", DATA, "--cut", "Segment 1", expect=2)
    assert result.stderr.endswith(
        'Error: Invalid value for \'--cut\': "Segment 1" is not RATING=SCORE; write e.g. --cut "Segment 1=2.05" '
        "(the score that reaches the rating, on the framework's scale)\n"
    )


def test_cuts_out_of_order_end_the_run_with_exit_1(ccgrate):
    result = ccgrate("score", DATA, "--cut", "Segment 1=2.5", expect=1)
    assert result.stderr.endswith(
        "Error: cut points out of order: Segment 1 at 2.5 and Segment 2 at 2.325; a better rating needs a lower "
        "score than a worse one\n"
    )


def test_calibrate_finds_the_cuts_of_the_published_segments():
    prepared = prepare([(str(DATA), DATA.read_bytes())])
    fw = prepared.populations[0].framework
    found = calibrate_published(prepared.populations, framework_text(fw))
    assert {p.period: [c.cut for c in p.cuts] for p in found.periods} == {
        Q1: [2.05, 2.325, 2.625],
        Q2: [2.065, 2.345, 2.665],
    }
    assert all(p.agree == p.organisations == 61 and not p.differ for p in found.periods)
    assert found.framework.cuts_for(Q2) == fw.cuts_for(Q2)


def test_calibrate_published_writes_a_framework_that_rates_an_unseen_quarter(ccgrate, tmp_path, q3_bytes):
    path = tmp_path / "q3.csv"
    path.write_bytes(q3_bytes)
    written = tmp_path / "cuts.toml"
    report = ccgrate("calibrate", path, "--published", "-o", written, "-f", "json")
    document = json.loads(report.stdout)
    assert [c["cut"] for c in document["periods"][0]["cuts"]] == [2.065, 2.345, 2.665]
    rescored = ccgrate("score", path, "--framework", written, "-f", "csv")
    assert "segments agree for 61 of 61 organisations (unadjusted 61, adjusted 61)" in rescored.stderr


# --- league tables -------------------------------------------------------------------------------


def test_the_league_table_ranks_within_peer_group_and_quarter(run):
    tables = league_tables(run)
    assert [(t.period, t.peer_group, len(t.rows)) for t in tables] == [
        (Q1, "Mental health and community trust", 61),
        (Q2, "Mental health and community trust", 61),
    ]
    ranks = [row.rank for row in tables[1].rows]
    assert ranks == sorted(ranks) and ranks[0] == 1
    rre = next(row for row in tables[1].rows if row.assessment.org_code == "RRE")
    assert (rre.rank, rre.published_rank) == (2, 3)  # its average is 1.81 here, 1.80 as published


def test_league_csv_and_its_errors(ccgrate):
    rows = ccgrate("league", DATA, "--period", Q2, "-f", "csv").stdout.splitlines()
    assert rows[0] == (
        "period,peer_group,rank,org_code,org_name,score,provisional_rating,adjusted_rating,rating,rules_fired,"
        "published_rank,agreement,framework,source"
    )
    assert len(rows) == 62 and rows[1].startswith("2025/26 Q2,Mental health and community trust,1,RLY,")
    assert ccgrate("league", EXAMPLES / "bromley.csv", expect=2).stderr == (
        "Error: iaf-2016-17, iaf-2017-18 ranks no organisations: league tables need a framework with a [league] "
        "table; use a framework that ranks, such as nof-2025-26-mhc-published\n"
    )
    assert ccgrate("league", DATA, "--peer-group", "Acute trust", expect=2).stderr.endswith(
        "Error: no organisation is in peer group Acute trust; the data's peer groups are Mental health and "
        "community trust\n"
    )


def test_the_league_table_fits_80_columns(ccgrate, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    text = ccgrate("league", DATA, "--period", Q1).stdout
    assert max(map(len, text.splitlines())) <= 80
    assert "│    1 │ RLY   │" in text


# --- distance to the next segment ----------------------------------------------------------------


@pytest.mark.parametrize("period", [Q1, Q2])
def test_every_plan_reaches_its_target_with_the_fewest_metrics(run, period):
    result = result_of(run, period)
    fw = result.framework
    counted = [ind for ind in fw.indicators if ind.counted]
    found = distances(result, None, list(range(len(result.population))))
    planned = 0
    for i, d in enumerate(found):
        scores = np.array(
            [result.bands[ind.id].points[i] if result.bands[ind.id].rank[i] >= 0 else np.nan for ind in counted]
        )
        present = scores[~np.isnan(scores)]
        if d.target is None or d.already:
            continue
        assert d.reachable
        planned += 1
        new = dict(zip([ind.id for ind in counted], scores.tolist()))
        for step in d.metrics:
            new[step.id] = step.after
        average = Decimal(repr(float(np.nanmean(list(new.values())))))
        assert float(average.quantize(Decimal("0.01"), ROUND_HALF_UP)) <= d.cut + 1e-9, d.org_code
        # One metric fewer cannot do it: even the largest rooms but one leave the mean past the bound.
        rooms = np.sort(present - fw.best_score)[::-1]
        assert (present.sum() - rooms[: len(d.metrics) - 1].sum()) / len(present) >= d.cut + 0.005 - 1e-9, d.org_code
    assert planned > 40


def test_a_financial_override_keeps_a_trust_from_its_target(run):
    result = result_of(run, Q1)
    index = result.population.codes.index("R1L")
    (d,) = distances(result, "Segment 2", [index])
    assert d.blocked_by and d.blocked_by[0][0] == "financial-override"
    assert d.rating_after == "Segment 3"


def test_whatif_for_every_trust_in_one_run(ccgrate):
    document = json.loads(ccgrate("whatif", DATA, "--period", Q1, "-f", "json").stdout)
    assert len(document["distances"]) == 61
    rp7 = next(d for d in document["distances"] if d["org_code"] == "RP7")
    assert (rp7["target"], rp7["needed_score"], rp7["blocked_by"][0]["rule"]) == (
        "Segment 1",
        2.05,  # the cut is 2.05: an average shown as 2.05 reaches segment 1
        "financial-override",
    )


def test_a_rules_only_target_is_refused(ccgrate):
    result = ccgrate("whatif", DATA, "--period", Q1, "--target", "Segment 5", expect=1)
    assert result.stderr.splitlines()[-1].startswith(
        'Error: "Segment 5" is set only by rules in nof-2025-26-mhc-published'
    )


# --- how sure --------------------------------------------------------------------------------------


def test_the_metric_bootstrap_gives_ranges_and_shares(run):
    result = result_of(run, Q2)
    spread = metric_spread(result, 500, 7, list(range(len(result.population))))
    again = metric_spread(result, 500, 7, [0])
    assert again.orgs[0] == spread.orgs[0]  # the seed repeats a run
    for org in spread.orgs:
        low, middle, high = org.score_interval
        assert low <= middle <= high
        assert 1 <= org.rank_interval[0] <= org.rank_interval[2] <= 61
        assert sum(org.shares.values()) == pytest.approx(1.0)
    rha = next(org for org in spread.orgs if org.org_code == "RHA")
    assert rha.shares["Segment 5"] == 1.0  # the Recovery Support Programme sets it whatever the score


# --- report and comparison -----------------------------------------------------------------------


def test_the_report_shows_the_league_the_published_distribution_and_each_trust(ccgrate, tmp_path):
    out = tmp_path / "nof.html"
    ccgrate("report", DATA, "-o", out)
    html = out.read_text(encoding="utf-8")
    assert "Against the published results." in html
    assert "beside the 61 ratings NHS England published" in html
    assert '<button type="button">Rank</button>' in html
    assert "What would reach Segment 2" in html and "The fewest metrics whose scores can make that up" in html
    assert "Rank in peer group" in html


def test_compare_between_quarters(ccgrate):
    result = ccgrate("compare", "Q1 2025/26", "2025/26 Q2", "--data", DATA, "-f", "json")
    document = json.loads(result.stdout)
    assert (document["a"]["period"], document["b"]["period"]) == (Q1, Q2)
    assert ccgrate("compare", "2025/26 Q1", "2025/26 Q2", expect=1).stderr.startswith(
        'Error: "2025/26 Q1" is a quarter: quarters are found in a data file'
    )


def test_sensitivity_on_metric_scores(ccgrate):
    rows = ccgrate("sensitivity", DATA, "--period", Q1, "--draws", "200", "-f", "csv").stdout.splitlines()
    assert rows[0].startswith("org_code,org_name,period,score,rating,rank,score_p5,score_median,score_p95,rank_p5")
    assert len(rows) == 62


def test_the_unrounded_assessment_keeps_its_own_cuts(run):
    result = result_of(run, Q1)
    assert result.cuts == [2.05, 2.325, 2.625] and result.cuts_from == "framework"
    again = assess_population(result.framework, result.population, {"Segment 1": 2.0})
    assert again.cuts == [2.0, 2.325, 2.625] and again.cuts_from == "option"


# --- bad input in NHS England's layout --------------------------------------------------------------


def q1_rows() -> tuple[str, list[list[str]]]:
    import csv
    import io

    text = DATA.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    return ",".join(rows[0]), [row for row in rows[1:] if row[0] == "Q1 2025/26"]


def written(tmp_path, rows: list[list[str]]):
    import csv
    import io

    header, _ = q1_rows()
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path = tmp_path / "nof.csv"
    path.write_text(header + "\n" + buffer.getvalue(), encoding="utf-8")
    return path


def with_value(rows, metric, trust, value):
    return [[*row[:12], value, *row[13:]] if row[8] == metric and row[4] == trust else row for row in rows]


@pytest.mark.parametrize("marker", ["*", "", "[c]", "[x]"])
def test_a_suppressed_metric_is_left_out_of_the_average_never_scored_4(ccgrate, tmp_path, marker):
    _, rows = q1_rows()
    path = written(tmp_path, with_value(rows, "OF1016", "RP1", marker))
    line = [r for r in ccgrate("score", path, "--org", "RP1", "-f", "csv").stdout.splitlines() if r.startswith("RP1")]
    # RP1's Q1 scores without OF1016 (1.16): the mean of the other ten is 1.91, not (1.91 x 10 + 4) / 11.
    assert line[0].split(",")[4] == "1.91"


def test_nof_bad_input_is_one_line_with_its_place(ccgrate, tmp_path):
    _, rows = q1_rows()
    line_of = next(k for k, row in enumerate(rows, 2) if row[8] == "OF1016" and row[4] == "RP1")
    cases = [
        (
            with_value(rows, "OF1016", "RP1", "5.2"),
            f"Error: {tmp_path / 'nof.csv'}:{line_of}:13: indicator OF1016: the score 5.2 is outside the scale's range, "
            "1 to 4; give a score between 1 and 4, or leave it blank\n",
        ),
        (
            rows + [rows[line_of - 2]],
            f"Error: {tmp_path / 'nof.csv'}:{len(rows) + 2}: a second value of OF1016 for RP1 2025/26 Q1 (the first is "
            f"on line {line_of}); keep one row per organisation, period and indicator\n",
        ),
        (
            [["Q5 2025/26", *row[1:]] if k == 0 else row for k, row in enumerate(rows)],
            f'Error: {tmp_path / "nof.csv"}:2:1: period "Q5 2025/26" is not a year or a quarter; write periods as '
            "2017/18 (or 2017-18, or 2017 for the year starting April 2017), quarters as 2025/26 Q1 (or Q1 2025/26)\n",
        ),
    ]
    for changed, message in cases:
        path = written(tmp_path, changed)
        assert ccgrate("score", path, "-f", "csv", expect=1).stderr == message
    # No trust of a type the framework rates: refused, naming the first organisation and its line.
    acute = ccgrate("score", written(tmp_path, [[*row[:2], "Acute trust", *row[3:]] for row in rows]), expect=1)
    assert re.fullmatch(
        rf'Error: {re.escape(str(tmp_path / "nof.csv"))}:\d+: peer group "Acute trust" of [A-Z0-9]+ is not one '
        r"nof-2025-26-mhc-published rates \(Mental health and community trust\); score its organisations with the "
        r"framework for their type, or correct the trust type\n",
        acute.stderr,
    )
    # A file of several trust types, scored with the framework of one: the others are set aside, said.
    other = [[*row[:2], "Acute trust", *row[3:]] if row[4] == rows[0][4] else row for row in rows]
    said = ccgrate("score", written(tmp_path, other), "-f", "csv").stderr
    assert (
        f"{tmp_path / 'nof.csv'}: 2025/26 Q1: set aside 1 organisation of peer groups nof-2025-26-mhc-published "
        "does not rate (Acute trust 1); score them with the framework for their type"
    ) in said
    assert "segments agree for 60 of 60 organisations" in said
    mixed = [[*row[:2], "Acute trust", *row[3:]] if k == 0 else row for k, row in enumerate(rows)]
    assert ccgrate("score", written(tmp_path, mixed), "-f", "csv", expect=1).stderr.endswith(
        'nof.csv:44:3: a second peer group for R1A 2025/26 Q1: "Mental health and community trust", where line 2 '
        'says "Acute trust"; give each organisation one peer group (trust type) in a period\n'
    )


def test_report_draws_on_metric_scores_are_left_to_sensitivity(ccgrate, tmp_path):
    result = ccgrate("report", DATA, "--draws", "50", "-o", tmp_path / "r.html")
    assert (
        "ccgrate: 2025/26 Q1: no draws for nof-2025-26-mhc-published, rated on a mean of metric scores: ccgrate "
        "sensitivity gives its likely ranges"
    ) in result.stderr
    assert "Sure" not in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_a_comparison_of_quarters_says_which_way_the_score_is_better(ccgrate):
    text = ccgrate("compare", "2025/26 Q1", "2025/26 Q2", "--data", DATA).stdout
    assert "Change: in the score, where lower is better" in text
    assert "Change: in the score" not in ccgrate("compare", "2016", "2017", "--data", EXAMPLES / "bromley.csv").stdout


@pytest.mark.parametrize("framework", ["nof-2025-26-mhc-published", "nof-2025-26-mhc"])
def test_the_nof_machine_formats_keep_to_their_schema(ccgrate, framework):
    from helpers import check_score_output

    check_score_output(ccgrate("score", DATA, "--framework", framework, "-f", "json").stdout)
    check_score_output(ccgrate("score", DATA, "--framework", framework, "-f", "ndjson").stdout, "score-line")


def test_a_rank_indicator_says_what_its_score_was_ranked_among(run):
    raw = score_sources([(str(DATA), DATA.read_bytes())], framework="nof-2025-26-mhc")
    a = raw.results[0].assessment(raw.results[0].population.codes.index("RP1"))
    (crisis,) = [i for i in a.indicators if i.id == "OF0016"]
    assert (crisis.detail or {}).get("score_rank") == 9 and (crisis.detail or {}).get("ranked") == 45
    assert crisis.rank == 9  # within the peer group: here every trust of the file
