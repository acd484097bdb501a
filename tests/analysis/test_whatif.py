"""ccgrate whatif: the smallest change that reaches a target is exact, minimal in indicators, and explained."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from helpers import EXAMPLES, national, national_result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccgrate._analysis import edges, whatif
from ccgrate._base.errors import DataError
from ccgrate._framework.loader import resolve_framework
from ccgrate._render.cells import SCHEMA_VERSION
from ccgrate._scoring.run import prepare

NATIONAL = EXAMPLES / "national-2017-18.csv"
BROMLEY = EXAMPLES / "bromley.csv"


def national_pair(year: str = "2017-18"):
    """A national example and its assessment, each made once per test run."""
    return national(year), national_result(year)


def index_of(population, code: str) -> int:
    return list(population.codes).index(code)


def apply(population, index, answer):
    values = {c.id: c.after for c in answer.changes if c.kind == "indicator"}
    judgements = {c.id: c.after for c in answer.changes if c.kind == "judgement"}
    return whatif.rescore(population, index, values, judgements)


# --- exactness, as a property over organisations and targets --------------------------------------


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(year=st.sampled_from(["2017-18", "2018-19"]), pick=st.integers(0, 10_000), target=st.integers(0, 2))
def test_applying_the_changes_reaches_the_target(year, pick, target):
    population, base = national_pair(year)
    ratings = population.framework.scale.ratings
    worse = [i for i in range(len(population)) if base.rating[i] > target]
    index = worse[pick % len(worse)]
    answer = whatif.what_if(population, index, ratings[target])
    if not answer.changes:
        assert answer.note and "not reachable" in answer.note
        return
    after = apply(population, index, answer)
    assert ratings.index(after.rating) <= target
    assert after.rating == answer.rating_after and after.score == answer.score_after
    # Fewest indicators: leaving out any one indicator change misses the target.
    moves = [c for c in answer.changes if c.kind == "indicator"]
    for left_out in moves:
        values = {c.id: c.after for c in moves if c is not left_out}
        judgements = {c.id: c.after for c in answer.changes if c.kind == "judgement"}
        short = whatif.rescore(population, index, values, judgements)
        assert short.rating is None or ratings.index(short.rating) > target


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(year=st.sampled_from(["2017-18", "2018-19"]), pick=st.integers(0, 10_000), target=st.integers(0, 2))
def test_each_value_is_at_the_exact_edge(year, pick, target):
    """One unit back (one count, or one unit of the last decimal place) every proposed value misses its band."""

    population, base = national_pair(year)
    fw = population.framework
    ratings = fw.scale.ratings
    worse = [i for i in range(len(population)) if base.rating[i] > target]
    index = worse[pick % len(worse)]
    answer = whatif.what_if(population, index, ratings[target])
    for change in answer.changes:
        if change.kind != "indicator" or isinstance(change.after, str):
            continue
        ind = fw.indicator(change.id)
        reached = edges.band_rank(population, index, ind, change.after)
        assert fw.band_labels(ind)[reached] == change.band_after
        numerators = population.numerators.get(ind.id)
        denominators = population.denominators.get(ind.id)
        counted = (
            numerators is not None
            and denominators is not None
            and not np.isnan(numerators[index])
            and not np.isnan(denominators[index])
            and ind.uses_counts
        )
        if counted:
            count = round(change.after * denominators[index] / ind.rate_scale)
            assert change.after == count * ind.rate_scale / denominators[index]  # a whole count
            back = (count - 1 if ind.direction == "higher" else count + 1) * ind.rate_scale / denominators[index]
        else:
            places = edges.data_places(population, ind)
            unit = 10.0**-places
            assert round(change.after, places) == change.after  # at the data's precision
            back = round(change.after - unit if ind.direction == "higher" else change.after + unit, places)
        assert edges.band_rank(population, index, ind, back) > reached


def test_the_issues_edges_are_proposed_exactly(ccgrate):
    document = json.loads(
        ccgrate(
            "whatif", BROMLEY, "--period", "2017/18", "--org", "07Q", "--target", "Outstanding", "-f", "json"
        ).stdout
    )
    to = {c["indicator"]: c["to"] for c in document["changes"]}
    assert 3.93 in to.values() and 9.6 in to.values()


def test_each_suggested_value_sits_in_its_new_band_and_moves_in_the_good_direction():
    population, base = national_pair()
    fw = population.framework
    index = next(
        i
        for i in range(len(population))
        if base.rating[i] == 2
        and population.judgements["finance"][i] == 0
        and population.judgements["leadership"][i] <= 1
    )
    answer = whatif.what_if(population, index, "Good")
    assert answer.reachable and answer.changes
    for change in answer.changes:
        ind = fw.indicator(change.id)
        if ind.method == "judgement":
            continue
        assert change.band_after in fw.band_labels(ind)
        assert (change.after > change.before) == (ind.direction == "higher")
        rank = fw.band_labels(ind).index(change.band_after)
        assert edges.band_rank(population, index, ind, change.after) <= rank


def test_a_finance_cap_is_unreachable_by_indicators_and_names_the_rule():
    population, _ = national_pair()
    answer = whatif.what_if(population, index_of(population, "SYN083"), "Good")
    assert answer.reachable is False
    assert [rule for rule, _ in answer.blocking] == ["deficit-cap"]
    assert [(c.kind, c.id, c.before, c.after) for c in answer.changes] == [("judgement", "finance", "red", "amber")]
    assert answer.rating_after == "Good"


def test_an_organisation_already_there_needs_nothing():
    population, _ = national_pair()
    answer = whatif.what_if(population, index_of(population, "SYN001"), "Inadequate")
    assert answer.changes == [] and answer.note.startswith("already rated")


def test_a_red_leadership_judgement_must_change_to_reach_outstanding():
    population, base = national_pair()
    ratings = population.framework.scale.ratings
    # With leadership held fixed at red by the framework's own rule, nothing reaches Outstanding.
    capped = [i for i in range(len(population)) if population.judgements["leadership"][i] == 3]
    assert capped, "the national example has an organisation with red leadership"
    answer = whatif.what_if(population, capped[0], ratings[0])
    after = apply(population, capped[0], answer)
    assert after.rating == "Outstanding"
    assert any(c.kind == "judgement" and c.id == "leadership" for c in answer.changes)
    assert answer.reachable is False and "leadership-red" in [rule for rule, _ in answer.blocking]


# --- --set ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("122a", '--set "122a" is not ID=VALUE'),
        ("finance=purple", '--set finance: "purple" is not a level (green, amber, red)'),
        ("nope=1", '--set: "nope" is not an indicator or judgement of iaf-2017-18'),
        ("122a=", "--set 122a: give a value"),
        ("122a=abc", "abc"),
    ],
)
def test_bad_settings_are_explained(text, message):
    with pytest.raises(DataError) as caught:
        whatif.parse_setting(resolve_framework("iaf-2017-18"), text)
    assert message in str(caught.value)


def test_a_judgement_fed_indicator_is_set_through_its_judgement():
    fw = resolve_framework("iaf-2017-18")
    fed = next((i for i in fw.indicators if i.method == "judgement" and i.judgement), None)
    if fed is None:
        pytest.skip("no indicator takes its value from a judgement in this framework")
    with pytest.raises(DataError, match=f"set {fed.judgement} instead"):
        whatif.parse_setting(fw, f"{fed.id}=green")


def test_settings_are_case_insensitive_and_accept_aliases():
    fw = resolve_framework("iaf-2017-18")
    assert whatif.parse_setting(fw, "LEADERSHIP=Outstanding") == ("judgement", "leadership", "green star")
    assert whatif.parse_setting(fw, "122A = 55.5") == ("indicator", "122a", 55.5)


# --- the command ----------------------------------------------------------------------------------


def test_table_names_the_blocking_rule(ccgrate):
    result = ccgrate("whatif", NATIONAL, "--org", "syn083", "--target", "good")
    first = " ".join(result.stdout.split("\n\n")[0].split())
    assert first.startswith("SYN083 Synthetic CCG 083, 2017/18: Requires improvement -> Good")
    assert "Indicator changes alone cannot reach Good, because of deficit-cap: A deficit outweighs" in first
    assert ".." not in first
    assert "finance" in result.stdout and "red -> amber" in result.stdout
    assert result.stderr == ""


def test_json_has_reachable_changes_and_rating_after(ccgrate):
    text = ccgrate(
        "whatif", BROMLEY, "--period", "2017/18", "--org", "07Q", "--target", "Outstanding", "-f", "json"
    ).stdout
    document = json.loads(text)
    assert document["reachable"] is True and document["rating_after"] == "Outstanding"
    assert document["rating_before"] == "Good"
    assert {"indicator", "from", "to"} <= set(document["changes"][0])
    population = prepare([(str(BROMLEY), BROMLEY.read_bytes())], periods=["2017/18"]).populations[0]
    values = {c["indicator"]: c["to"] for c in document["changes"]}
    assert whatif.rescore(population, 0, values, {}).rating == "Outstanding"


def test_csv_ndjson_and_markdown_list_the_same_changes(ccgrate):
    args = ("whatif", NATIONAL, "--org", "SYN083", "--target", "Good")
    rows = list(csv.DictReader(io.StringIO(ccgrate(*args, "-f", "csv").stdout)))
    assert [(r["kind"], r["id"], r["from"], r["to"]) for r in rows] == [("judgement", "finance", "red", "amber")]
    lines = [json.loads(line) for line in ccgrate(*args, "-f", "ndjson").stdout.splitlines()]
    assert [(line["org_code"], line["indicator"], line["to"]) for line in lines] == [("SYN083", "finance", "amber")]
    markdown = ccgrate(*args, "-f", "markdown").stdout
    assert "| judgement | finance |" in markdown


def test_set_rescores_with_the_given_values(ccgrate):
    result = ccgrate(
        "whatif",
        BROMLEY,
        "--period",
        "2017/18",
        "--org",
        "07Q",
        "--set",
        "122a=55",
        "--set",
        "finance=red",
        "-f",
        "json",
    )
    document = json.loads(result.stdout)
    assert document["rating_before"] == "Good"
    assert document["rating_after"] == "Requires improvement"
    assert [(c["indicator"], c["band_to"]) for c in document["changes"]] == [
        ("122a", "top quartile"),
        ("finance", "red"),
    ]


@pytest.mark.parametrize(
    ("args", "expect", "message"),
    [
        (("--org", "07Q"), 2, "give either --target RATING or one or more --set ID=VALUE"),
        (("--org", "07Q", "--target", "Good", "--set", "122a=1"), 2, "give either --target RATING"),
        (("--org", "07Q", "--period", "2017/18", "--target", "Great"), 2, "'Great' is not a rating of the framework"),
        (
            ("--org", "07Q", "--period", "2017/18", "--set", "126a=140"),
            1,
            "--set 126a: 140% is outside 0-100; give a percentage between 0 and 100",
        ),
        (
            ("--org", "07Q", "--period", "2017/18", "--set", "126a=-3"),
            1,
            "--set 126a: -3% is outside 0-100; give a percentage between 0 and 100",
        ),
        (("--org", "XXX", "--period", "2017/18", "--target", "Good"), 1, 'no organisation "XXX" in'),
        (("--org", "07Q", "--target", "Good"), 1, "holds several periods (2016/17, 2017/18); choose one with --period"),
        (("--org", "07Q", "--period", "2017/18", "--set", "finance=purple"), 1, '"purple" is not a level'),
    ],
)
def test_errors(ccgrate, args, expect, message):
    result = ccgrate("whatif", BROMLEY, *args, expect=expect)
    assert message in result.stderr
    assert result.stdout == ""


def test_golden_table_and_json(ccgrate):
    from helpers import golden

    golden("whatif-syn083.txt", ccgrate("whatif", NATIONAL, "--org", "SYN083", "--target", "Good").stdout)
    text = ccgrate(
        "whatif", BROMLEY, "--period", "2017/18", "--org", "07Q", "--target", "Outstanding", "-f", "json"
    ).stdout
    document = json.loads(text)
    document["ccgrate_version"] = "<version>"
    golden("whatif-bromley.json", json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def test_machine_rows_say_whose_change_it_is(ccgrate):
    """A loop over organisations concatenates: every row and line names the organisation, period and target."""
    text = ccgrate(
        "whatif", BROMLEY, "--period", "2017/18", "--org", "07Q", "--target", "Outstanding", "-f", "csv"
    ).stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0])[:4] == ["org_code", "period", "target", "kind"]
    assert {(r["org_code"], r["period"], r["target"]) for r in rows} == {("07Q", "2017/18", "Outstanding")}
    for line in ccgrate(
        "whatif", BROMLEY, "--period", "2017/18", "--org", "07Q", "--target", "Outstanding", "-f", "ndjson"
    ).stdout.splitlines():
        record = json.loads(line)
        assert (record["org_code"], record["period"], record["target"], record["schema_version"]) == (
            "07Q",
            "2017/18",
            "Outstanding",
            SCHEMA_VERSION,
        )


@pytest.mark.parametrize(
    "command",
    [
        ["score", str(BROMLEY)],
        ["compare", "2016", "2017", "--data", str(BROMLEY)],
        ["sensitivity", str(EXAMPLES / "national-2018-19.csv"), "--draws", "20"],
        ["funnel", str(EXAMPLES / "national-2018-19.csv"), "--indicator", "126b"],
        ["frameworks"],
    ],
)
def test_every_ndjson_line_carries_the_schema_version(ccgrate, command):
    lines = ccgrate(*command, "-f", "ndjson", "-q").stdout.splitlines()
    assert lines and all(json.loads(line)["schema_version"] == SCHEMA_VERSION for line in lines)
