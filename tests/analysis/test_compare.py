"""`ccgrate compare`: invariants, attribution, mergers, year resolution and every output."""

from __future__ import annotations

import csv
import io
import json
import math

import pytest
from helpers import EXAMPLES

from ccgrate._analysis.compare import SideInput, compare_sides
from ccgrate._analysis.mergers import MergerMap, final_code, read_mapping, restate
from ccgrate._base.errors import DataError

BROMLEY = EXAMPLES / "bromley.csv"
MERGERS = EXAMPLES / "national-mergers.csv"


def national(period: str) -> SideInput:
    path = EXAMPLES / f"national-{period.replace('/', '-')}.csv"
    return SideInput(str(path), path.read_bytes(), None)


def bromley(period: str) -> SideInput:
    return SideInput(str(BROMLEY), BROMLEY.read_bytes(), period)


def mapping():
    return read_mapping(MERGERS.read_bytes(), str(MERGERS))


@pytest.fixture(scope="module")
def c1718():
    return compare_sides(national("2017/18"), national("2018/19"))


@pytest.fixture(scope="module")
def c1817():
    return compare_sides(national("2018/19"), national("2017/18"))


def test_a_year_compared_with_itself_shows_no_change():
    comparison = compare_sides(national("2017/18"), national("2017/18"))
    assert comparison.movements() == {"up": 0, "down": 0, "same": 207, "not rated": 0}
    assert not comparison.only_a and not comparison.only_b and not comparison.attribution
    for change in comparison.orgs:
        assert change.score_change == 0 and change.rating_a == change.rating_b
        assert {i.movement for i in change.indicators} <= {"unchanged", "missing"}
        assert all(not i.significant for i in change.indicators)
        assert all(delta in (0, None) for *_, delta in change.domains)
    matrix = comparison.matrix()
    assert all(matrix[a][b] == 0 for a in matrix for b in matrix if a != b)


def test_compare_b_a_mirrors_compare_a_b(c1718, c1817):
    flip = {
        "up": "down",
        "down": "up",
        "same": "same",
        "not rated": "not rated",
        "improved": "worsened",
        "worsened": "improved",
        "unchanged": "unchanged",
        "missing": "missing",
        "redefined": "redefined",
        "only in A": "only in B",
        "only in B": "only in A",
    }
    assert c1718.only_a == c1817.only_b and c1718.only_b == c1817.only_a
    forward = {c.org_code: c for c in c1718.orgs}
    for back in c1817.orgs:
        fwd = forward[back.org_code]
        assert (back.rating_a, back.rating_b) == (fwd.rating_b, fwd.rating_a)
        assert back.movement == flip[fwd.movement]
        assert back.score_change == pytest.approx(-fwd.score_change)
        assert back.data_part == pytest.approx(-fwd.data_part, abs=0.011)
        assert back.framework_part == pytest.approx(-fwd.framework_part, abs=0.011)
        indicators = {i.id: i for i in fwd.indicators}
        for i in back.indicators:
            assert i.movement == flip[indicators[i.id].movement]
            if i.z is not None:
                assert i.z == pytest.approx(-indicators[i.id].z)
                assert i.band_change in (None, -(indicators[i.id].band_change or 0))
    matrix, transposed = c1718.matrix(), c1817.matrix()
    assert all(matrix[a][b] == transposed[b][a] for a in matrix for b in matrix)


def test_the_transition_matrix_sums_to_the_matched_organisations(c1718):
    matrix = c1718.matrix()
    rated = [c for c in c1718.orgs if c.movement != "not rated"]
    assert sum(sum(row.values()) for row in matrix.values()) == len(rated) == 189
    moves = c1718.movements()
    assert moves["up"] + moves["down"] + moves["same"] == len(rated)
    assert sum(matrix[r][r] for r in matrix) == moves["same"]


def test_attribution_parts_add_up_to_the_total(c1718):
    assert c1718.attribution
    for change in c1718.orgs:
        assert change.data_part is not None
        assert round(change.data_part + change.framework_part, 2) == change.score_change


def test_attribution_by_hand_for_bromley():
    comparison = compare_sides(bromley("2016/17"), bromley("2017/18"))
    (change,) = comparison.orgs
    assert (change.score_a, change.score_b, change.score_change) == (67.43, 66.45, -0.98)
    assert (change.data_part, change.framework_part) == (1.29, -2.27)


def test_distributions_are_the_whole_years(c1718):
    assert c1718.distribution_a == {
        "Outstanding": 20,
        "Good": 100,
        "Requires improvement": 69,
        "Inadequate": 18,
        "not rated": 0,
    }
    assert c1718.distribution_b == {
        "Outstanding": 24,
        "Good": 102,
        "Requires improvement": 58,
        "Inadequate": 11,
        "not rated": 0,
    }


def test_bromley_shows_its_dementia_and_rtt_improvements():
    comparison = compare_sides(bromley("2016/17"), bromley("2017/18"))
    (change,) = comparison.orgs
    by_id = {i.id: i for i in change.indicators}
    for code in ("126a", "129a"):
        assert (by_id[code].movement, by_id[code].band_a, by_id[code].band_b, by_id[code].band_change) == (
            "improved",
            "not met",
            "met",
            1,
        )
    assert by_id["122a"].movement == "worsened"  # early diagnosis of cancer, its weakness
    assert (by_id["105c"].movement, by_id["131a"].movement) == ("redefined", "redefined")
    assert by_id["166a"].movement == "only in B" and by_id["161a"].movement == "only in A"


def test_two_proportion_test_by_hand(c1718):
    change = next(c for c in c1718.orgs if c.org_code == "SYN001")
    dementia = next(i for i in change.indicators if i.id == "126a")

    def counts(period):
        rows = csv.DictReader(io.StringIO((EXAMPLES / f"national-{period}.csv").read_text()))
        row = next(r for r in rows if r["org_code"] == "SYN001")
        return float(row["126a_numerator"]), float(row["126a_denominator"])

    o1, d1 = counts("2017-18")
    o2, d2 = counts("2018-19")
    pooled = (o1 + o2) / (d1 + d2)
    z = (o2 / d2 - o1 / d1) / math.sqrt(pooled * (1 - pooled) * (1 / d1 + 1 / d2))
    assert dementia.z == pytest.approx(z)
    assert dementia.significant == (abs(z) > 1.959964)


# --- mergers ------------------------------------------------------------------------------------


def test_mergers_are_matched_through_the_map():
    comparison = compare_sides(national("2017/18"), national("2018/19"), mapping=mapping())
    assert comparison.only_a == [] and comparison.only_b == []
    assert len(comparison.merged) == 6 and all(len(olds) == 3 for olds in comparison.merged.values())
    assert len(comparison.orgs) == 195
    merged = next(c for c in comparison.orgs if c.predecessors)
    assert merged.rating_a is not None and merged.score_change is not None


def test_the_map_works_in_either_direction():
    forward = compare_sides(national("2017/18"), national("2018/19"), mapping=mapping())
    backward = compare_sides(national("2018/19"), national("2017/18"), mapping=mapping())
    assert forward.merged == backward.merged
    changes = {c.org_code: c for c in forward.orgs}
    for change in backward.orgs:
        assert change.score_change == pytest.approx(-changes[change.org_code].score_change)


def test_predecessors_counts_are_summed_and_values_weighted():
    from ccgrate._framework.loader import resolve_framework
    from ccgrate._scoring.bind import Observation, OrgInput

    fw = resolve_framework("iaf-2018-19")
    a = OrgInput(
        "A",
        "A",
        "2018/19",
        {"126b": Observation(80.0, 80.0, 100.0), "104a": Observation(2000.0), "141a": Observation("green")},
        {"finance": "green", "leadership": "green"},
    )
    b = OrgInput(
        "B",
        "B",
        "2018/19",
        {"126b": Observation(70.0, 210.0, 300.0), "104a": Observation(2400.0), "141a": Observation("red")},
        {"finance": "red", "leadership": "green star"},
    )
    merger = MergerMap({"A": "N", "B": "N"}, {"A": 1.0, "B": 3.0}, "map.csv")
    (weighted,), merged = restate(fw, [a, b], merger, {"N"}, {"N": "New CCG"}, "weighted")
    assert merged == {"N": ["A", "B"]} and weighted.org_name == "New CCG"
    assert weighted.values["126b"] == Observation(72.5, 290.0, 400.0)  # pooled: 290 / 400
    assert weighted.values["104a"].value == 2300.0  # (2000 * 1 + 2400 * 3) / 4
    assert weighted.values["141a"].value == "red"  # position (0 * 1 + 2 * 3) / 4 = 1.5, a tie: the worse
    assert weighted.judgements == {"finance": "red", "leadership": "green star"}  # 1.5 -> red; 0.25 -> green star
    (plain,), _ = restate(fw, [a, b], merger, {"N"}, {}, "mean")
    assert plain.values["104a"].value == 2200.0 and plain.org_name == "A + B"


def test_chains_of_mergers_are_followed():
    successor = {"A": "B", "B": "C", "X": "Y"}
    assert final_code("A", successor, {"C"}) == "C"
    assert final_code("A", successor, {"B"}) == "B"
    assert final_code("X", successor, {"C"}) == "X"  # Y is not on the other side: no match
    assert final_code("Q", successor, {"C"}) == "Q"


def test_weights_are_required_for_a_weighted_combination():
    from ccgrate._framework.loader import resolve_framework
    from ccgrate._scoring.bind import Observation, OrgInput

    fw = resolve_framework("iaf-2018-19")
    orgs = [OrgInput(c, c, "2018/19", {"104a": Observation(1.0)}, {}) for c in ("A", "B")]
    with pytest.raises(DataError) as caught:
        restate(fw, orgs, MergerMap({"A": "N", "B": "N"}, {"A": 1.0}, "map.csv"), {"N"}, {}, "weighted")
    assert (
        str(caught.value) == "map.csv: no weight for B; give every predecessor a weight, or combine with --combine mean"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "m.csv: the merger map is empty; give a CSV with old_code,new_code[,weight]"),
        (
            "old,new\nA,B\n",
            "m.csv:1: no old_code column in the merger map; give a CSV with the columns old_code,new_code "
            "and optionally weight",
        ),
        (
            "old_code,new_code\nA,B\nA,C\n",
            "m.csv:3: A is mapped to both B and C; an organisation can merge into one successor only",
        ),
        (
            "old_code,new_code,weight\nA,B,-3\n",
            "m.csv:2:3: the weight of A must be a number above 0; give a weight "
            "(such as the registered population) for every row, or leave the column out",
        ),
        ("old_code,new_code\nA,\n", "m.csv:2: a code is blank; give both old_code and new_code"),
    ],
)
def test_bad_merger_maps(text, message):
    with pytest.raises(DataError) as caught:
        read_mapping(text.encode(), "m.csv")
    assert str(caught.value) == message


# --- the command ----------------------------------------------------------------------------------


def test_years_resolve_in_the_current_directory(ccgrate, monkeypatch):
    monkeypatch.chdir(EXAMPLES)
    text = ccgrate("compare", "2017", "2018").stdout
    assert text.startswith("ccgrate compare 2017/18 (iaf-2017-18, national-2017-18.csv) -> 2018/19")
    assert "189 matched: 50 up, 29 down, 110 the same" in text


def test_data_dir_from_the_environment(ccgrate, monkeypatch):
    monkeypatch.setenv("CCGRATE_DATA_DIR", str(EXAMPLES))
    rows = list(csv.DictReader(io.StringIO(ccgrate("compare", "2017/18", "2018-19", "-f", "csv").stdout)))
    assert len(rows) == 189


def test_a_year_with_no_file_says_where_it_looked(ccgrate, tmp_path):
    assert ccgrate("compare", "2015", "2017", "--data-dir", tmp_path, expect=1).stderr == (
        f"Error: no data file for 2015/16 in {tmp_path}, nor among the bundled examples; looked for *2015-16*, "
        "*2015_16*, *201516*, *2015-2016* or 2015 (.csv, .xlsx, .xls, .ods); name a file so, pass --data-dir, or give "
        "the path instead of the year\n"
    )


def test_a_year_resolves_in_data_dir_then_here_then_the_bundled_examples(ccgrate, tmp_path, monkeypatch):
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    monkeypatch.chdir(here)
    result = ccgrate("compare", "2017", "2018", "-f", "csv")
    bundled = [line for line in result.stderr.splitlines() if "bundled" in line]
    assert [line.split(" the bundled example ")[0] for line in bundled] == [
        "ccgrate: 2017/18: no data file in the current directory, so",
        "ccgrate: 2018/19: no data file in the current directory, so",
    ]
    assert all(line.endswith(": SYNTHETIC data (made-up organisations, not published figures)") for line in bundled)
    assert result.stdout.count("\nSYN") > 150
    for directory, year in ((here, "2017-18"), (there, "2018-19"), (here, "2018-19")):
        (directory / f"n-{year}.csv").write_bytes((EXAMPLES / f"national-{year}.csv").read_bytes())
    stderr = ccgrate("compare", "2017", "2018", "--data-dir", there, "-f", "csv").stderr
    assert stderr.splitlines()[:2] == [
        "ccgrate: 2017/18: data from n-2017-18.csv",
        f"ccgrate: 2018/19: data from {there / 'n-2018-19.csv'}",
    ]


def test_a_data_dir_that_is_not_there(ccgrate, tmp_path):
    assert ccgrate("compare", "2017", "2018", "--data-dir", tmp_path / "no", expect=1).stderr == (
        f"Error: --data-dir {tmp_path / 'no'}: no such directory; give the directory that holds the data files\n"
    )


def test_any_command_takes_a_year_for_a_file(ccgrate, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = ccgrate("score", "2019", "--org", "SYN001", "-f", "csv")
    assert result.stdout.splitlines()[1].startswith("SYN001,Synthetic CCG 001,2019/20,nhsof-2019-20,")
    assert "SYNTHETIC data" in result.stderr


def test_two_files_for_a_year_are_ambiguous(ccgrate, tmp_path):
    for name in ("a-2017-18.csv", "b_2017_18.csv"):
        (tmp_path / name).write_text("org_code\nX\n")
    assert ccgrate("compare", "2017", "2017", "--data-dir", tmp_path, expect=1).stderr == (
        f"Error: several data files for 2017/18 in {tmp_path}: a-2017-18.csv, b_2017_18.csv; give the path of the one "
        "to use instead of the year\n"
    )


def test_neither_a_file_nor_a_year(ccgrate):
    assert ccgrate("compare", "last-year", "2017", expect=1).stderr == (
        'Error: "last-year" is neither a file nor a year; give a data file\'s path, a year such as 2017 or 2017/18, '
        'or a quarter such as "2025/26 Q1"\n'
    )


def test_a_multi_period_file_needs_a_year(ccgrate):
    assert ccgrate("compare", BROMLEY, BROMLEY, expect=1).stderr == (
        f"Error: {BROMLEY}: holds several periods (2016/17, 2017/18); give a year instead, with --data FILE\n"
    )


def test_bromley_detail(ccgrate):
    text = ccgrate("compare", "2016", "2017", "--data", BROMLEY).stdout
    assert "07Q NHS Bromley CCG: Good -> Good (same)" in text
    assert "Score 67.43 -> 66.45 (-0.98: data +1.29, framework -2.27)" in text
    dementia = next(line for line in text.splitlines() if line.startswith("│ 126a "))
    assert "improved" in dementia and "not met -> met" in dementia


def test_compare_json(ccgrate):
    document = json.loads(ccgrate("compare", "2016", "2017", "--data", BROMLEY, "-f", "json").stdout)
    assert list(document) == [
        "ccgrate_version",
        "schema_version",
        "a",
        "b",
        "summary",
        "transition",
        "distribution",
        "organisations",
        "warnings",
        "caveat",
    ]
    assert document["caveat"].startswith("Not official: iaf-2016-17 and iaf-2017-18 are reconstructions")
    assert document["summary"]["matched"] == 1 and document["summary"]["same"] == 1
    (org,) = document["organisations"]
    assert (org["rating_a"], org["rating_b"], org["data_part"], org["framework_part"]) == ("Good", "Good", 1.29, -2.27)
    dementia = next(i for i in org["indicators"] if i["id"] == "126a")
    assert dementia == {
        "id": "126a",
        "value_a": 64.8,
        "value_b": 68.9,
        "band_a": "not met",
        "band_b": "met",
        "movement": "improved",
        "band_change": 1,
        "z": None,
        "significant": None,
    }


def test_compare_ndjson_csv_markdown(ccgrate):
    args = ("compare", "2017", "2018", "--data-dir", EXAMPLES, "--map", MERGERS)
    lines = ccgrate(*args, "-f", "ndjson").stdout.splitlines()
    assert len(lines) == 195 and json.loads(lines[0])["period_b"] == "2018/19"
    rows = list(csv.DictReader(io.StringIO(ccgrate(*args, "-f", "csv").stdout)))
    assert len(rows) == 195 and sum(1 for r in rows if r["predecessors"]) == 6
    assert ccgrate(*args, "-f", "markdown").stdout.startswith("# 2017/18 to 2018/19\n\n195 organisations matched: ")


def test_fail_if_worse(ccgrate):
    ccgrate("compare", "2016", "2017", "--data", BROMLEY, "--fail-if-worse", expect=0)
    result = ccgrate("compare", "2017", "2018", "--data-dir", EXAMPLES, "--fail-if-worse", "-f", "csv", expect=4)
    assert result.stderr.splitlines()[2].startswith("ccgrate: 29 rated lower in 2018/19: ")


def test_org_detail_and_unknown_org(ccgrate):
    text = ccgrate("compare", "2017", "2018", "--data-dir", EXAMPLES, "--org", "syn002").stdout
    assert "SYN002 Synthetic CCG 002: Requires improvement -> Good (up)" in text
    assert ccgrate("compare", "2017", "2018", "--data-dir", EXAMPLES, "--org", "SYN003", "-q", expect=1).stderr == (
        "Error: SYN003 is in 2017/18 only, so it cannot be compared; organisations in one year only are listed "
        "without --org (--map pairs merged organisations with their successors)\n"
    )
    assert ccgrate(
        "compare", "2017", "2018", "--data-dir", EXAMPLES, "--org", "Synthetic CCG 02", "-q", expect=1
    ).stderr == (
        'Error: "Synthetic CCG 02" is part of the names of 10 organisations in both years: SYN020 (Synthetic CCG '
        "020), SYN021 (Synthetic CCG 021), SYN022 (Synthetic CCG 022), SYN023 (Synthetic CCG 023) and 6 more; give "
        "the code, or more of the name\n"
    )
    assert ccgrate("compare", "2017", "2018", "--data-dir", EXAMPLES, "--org", "SYN2O1", "-q", expect=1).stderr == (
        'Error: no organisation "SYN2O1" in both years; did you mean SYN211 (Synthetic CCG 211) or SYN210 (Synthetic '
        "CCG 210) or SYN201 (Synthetic CCG 201)?\n"
    )


def test_indicator_filter(ccgrate):
    document = json.loads(
        ccgrate(
            "compare", "2016", "2017", "--data", BROMLEY, "--indicator", "126A", "--indicator", "129a", "-f", "json"
        ).stdout
    )
    assert [i["id"] for i in document["organisations"][0]["indicators"]] == ["126a", "129a"]
    assert ccgrate("compare", "2016", "2017", "--data", BROMLEY, "--indicator", "999z", expect=1).stderr == (
        "Error: no indicator 999z in either year's framework; check the indicator ids\n"
    )


def test_the_national_map_combines_predecessors_by_population():
    comparison = compare_sides(national("2017/18"), national("2018/19"), mapping=mapping())
    merger = read_mapping(MERGERS.read_bytes(), str(MERGERS))
    rows = {r["org_code"]: r for r in csv.DictReader(io.StringIO((EXAMPLES / "national-2017-18.csv").read_text()))}
    code, olds = sorted(comparison.merged.items())[0]
    change = next(c for c in comparison.orgs if c.org_code == code)
    falls = next(i for i in change.indicators if i.id == "104a")  # a rate without counts
    present = [o for o in olds if rows[o]["104a"]]
    expected = sum(float(rows[o]["104a"]) * merger.weights[o] for o in present) / sum(
        merger.weights[o] for o in present
    )
    assert falls.value_a == pytest.approx(expected)
