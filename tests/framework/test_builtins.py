"""Judgements with a default level, and legal directions in the built-in frameworks."""

from __future__ import annotations

import collections
import csv
import io
import json

import pytest
from factories import BASE_TOML
from helpers import EXAMPLES

from ccgrate._base.errors import FrameworkError
from ccgrate._framework.loader import builtins, load_framework, parse_framework, resolve_framework

DIRECTIONS = """
[judgements.directions]
name = "Legal directions"
levels = ["no", "yes"]
aliases = { n = "no", y = "yes" }
default = "no"
"""
RULE = """
[[rules]]
id = "under-directions"
when = { directions = "yes" }
set = "Inadequate"
reason = "Under legal directions."
"""


def framework_file(tmp_path, extra: str = DIRECTIONS + RULE):
    text = (
        BASE_TOML.replace("[[domains]]", extra + "\n[[domains]]", 1)
        if "[[rules]]" not in extra
        else BASE_TOML.replace("[[domains]]", DIRECTIONS + "\n[[domains]]", 1) + RULE
    )
    path = tmp_path / "fw.toml"
    path.write_text(text)
    return path


DATA = (
    "org_code,period,h1,h2,c1,c2,leadership,finance{extra}\n"
    + "\n".join(f"X{i},2017/18,5,{50 + i},90,85,green,green{{cell{i}}}" for i in range(6))
    + "\n"
)


def data_file(tmp_path, column: bool, cells: dict[int, str] | None = None):
    cells = cells or {}
    text = DATA.replace("{extra}", ",directions" if column else "")
    for i in range(6):
        text = text.replace(f"{{cell{i}}}", f",{cells.get(i, '')}" if column else "")
    path = tmp_path / "data.csv"
    path.write_text(text)
    return path


def assessments(ccgrate, tmp_path, data):
    result = ccgrate("score", data, "--framework", framework_file(tmp_path), "-f", "json")
    return json.loads(result.stdout)["assessments"], result.stderr


def test_no_column_means_the_default_without_a_warning(ccgrate, tmp_path):
    records, stderr = assessments(ccgrate, tmp_path, data_file(tmp_path, column=False))
    assert stderr == ""
    assert all(r["judgements"]["directions"] == "no" and r["rules_fired"] == [] for r in records)
    assert all(r["warnings"] == [] for r in records)


def test_a_blank_cell_means_the_default_and_yes_fires_the_rule(ccgrate, tmp_path):
    records, _ = assessments(ccgrate, tmp_path, data_file(tmp_path, column=True, cells={1: "yes", 2: "Y", 3: ""}))
    by_code = {r["org_code"]: r for r in records}
    assert by_code["X3"]["judgements"]["directions"] == "no"
    for code in ("X1", "X2"):
        assert by_code[code]["rating"] == "Inadequate"
        assert [f["rule"] for f in by_code[code]["rules_fired"]] == ["under-directions"]
    assert by_code["X0"]["rating"] != "Inadequate"


def test_without_a_default_a_missing_judgement_still_skips_its_rules(ccgrate, tmp_path):
    path = framework_file(tmp_path)
    path.write_text(path.read_text().replace('default = "no"\n', ""))
    result = ccgrate("score", data_file(tmp_path, column=False), "--framework", path, "-f", "json")
    record = json.loads(result.stdout)["assessments"][0]
    assert record["warnings"] == ["rule under-directions was not evaluated: no directions judgement in the data"]


def test_a_default_that_is_not_a_level_is_refused():
    text = BASE_TOML.replace(
        "[[domains]]", DIRECTIONS.replace('default = "no"', 'default = "maybe"') + "\n[[domains]]", 1
    )
    with pytest.raises(FrameworkError) as caught:
        parse_framework(text.encode(), name="fw.toml")
    assert str(caught.value) == 'fw.toml: judgements.directions.default: "maybe" is not one of the levels (no, yes)'


def _national_with_directions(tmp_path, year: str, codes: set[str] | None):
    """The national example with these CCGs (only) under directions, or with no directions column (None)."""
    rows = list(csv.reader(io.StringIO((EXAMPLES / f"national-{year}.csv").read_text())))
    column = rows[0].index("directions")
    if codes is None:
        rows = [row[:column] + row[column + 1 :] for row in rows]
    else:
        for row in rows[1:]:
            row[column] = "yes" if row[0] in codes else ""
    path = tmp_path / f"national-{year}.csv"
    with path.open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return path


def _best(ccgrate, year: str) -> str:
    records = json.loads(ccgrate("score", EXAMPLES / f"national-{year}.csv", "-f", "json", "-q").stdout)["assessments"]
    return next(r["org_code"] for r in records if r["rating"] == "Outstanding")


def test_2016_17_a_ccg_under_directions_is_inadequate_whatever_its_indicators(ccgrate, tmp_path):
    code = _best(ccgrate, "2016-17")
    path = _national_with_directions(tmp_path, "2016-17", {code})
    record = json.loads(ccgrate("score", path, "--org", code, "-f", "json", "-q").stdout)["assessments"][0]
    assert (record["provisional_rating"], record["rating"]) == ("Outstanding", "Inadequate")
    fired = record["rules_fired"][0]
    assert fired["rule"] == "directions" and fired["effect"] == "set" and "South Cheshire" in fired["reason"]
    text = ccgrate("score", path, "--org", code, "--explain", "-q").stdout
    assert "directions" in text and "Shropshire" in text


@pytest.mark.parametrize("year", ["2017-18", "2018-19"])
def test_later_a_ccg_under_directions_is_capped_at_requires_improvement(ccgrate, tmp_path, year):
    code = _best(ccgrate, year)
    path = _national_with_directions(tmp_path, year, {code})
    record = json.loads(ccgrate("score", path, "--org", code, "-f", "json", "-q").stdout)["assessments"][0]
    assert (record["provisional_rating"], record["rating"]) == ("Outstanding", "Requires improvement")
    assert record["rules_fired"][0]["rule"] == "directions"
    if year == "2018-19":
        assert "Isle of Wight" in record["rules_fired"][0]["reason"]


@pytest.mark.parametrize("year", ["2016-17", "2017-18", "2018-19"])
def test_without_a_directions_column_no_ccg_is_under_directions_and_nothing_is_said(ccgrate, tmp_path, year):
    result = ccgrate("score", _national_with_directions(tmp_path, year, None), "-f", "json", "-q")
    records = json.loads(result.stdout)["assessments"]
    assert all(r["judgements"]["directions"] == "no" for r in records)
    assert not any(f["rule"] == "directions" for r in records for f in r["rules_fired"])
    assert not any("directions" in w for r in records for w in r["warnings"])


@pytest.mark.parametrize(("year", "count"), [("2016-17", 4), ("2017-18", 4), ("2018-19", 3)])
def test_the_national_examples_put_a_few_ccgs_under_directions_without_moving_the_published_counts(
    ccgrate, tmp_path, year, count
):
    records = json.loads(ccgrate("score", EXAMPLES / f"national-{year}.csv", "-f", "json", "-q").stdout)["assessments"]
    directed = [r for r in records if r["judgements"]["directions"] == "yes"]
    assert len(directed) == count
    without = json.loads(ccgrate("score", _national_with_directions(tmp_path, year, None), "-f", "json", "-q").stdout)[
        "assessments"
    ]
    rating_without = {r["org_code"]: r["rating"] for r in without}
    for record in directed:
        assert "directions" in [f["rule"] for f in record["rules_fired"]]
        # Chosen where the other rules already give the rating directions would: the counts stay published.
        assert record["rating"] == rating_without[record["org_code"]]
        assert record["rating"] in (("Inadequate",) if year == "2016-17" else ("Requires improvement", "Inadequate"))
    published = resolve_framework(f"iaf-{year}").framework.published_distribution
    assert collections.Counter(r["rating"] for r in records) == published


@pytest.mark.parametrize(
    ("year", "rating", "rule"),
    [("2017-18", "Requires improvement", "deficit-cap"), ("2018-19", "Inadequate", "overspend")],
)
def test_red_finance_caps_a_good_ccg_in_2017_18_and_makes_it_inadequate_in_2018_19(
    ccgrate, tmp_path, year, rating, rule
):
    records = json.loads(ccgrate("score", EXAMPLES / f"national-{year}.csv", "-f", "json", "-q").stdout)["assessments"]
    code = next(r["org_code"] for r in records if r["rating"] == "Good" and r["judgements"]["directions"] == "no")
    rows = list(csv.reader(io.StringIO((EXAMPLES / f"national-{year}.csv").read_text())))
    column = rows[0].index("finance")
    for row in rows[1:]:
        if row[0] == code:
            row[column] = "red"
    path = tmp_path / "red.csv"
    with path.open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    record = json.loads(ccgrate("score", path, "--org", code, "-f", "json", "-q").stdout)["assessments"][0]
    assert (record["provisional_rating"], record["rating"]) == ("Good", rating)
    assert rule in [f["rule"] for f in record["rules_fired"]]
    if year == "2018-19":
        assert "North Staffordshire" in record["rules_fired"][-1]["reason"] or any(
            "North Staffordshire" in f["reason"] for f in record["rules_fired"]
        )


# --- evidence per year ------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", builtins(), ids=lambda e: e.id)
def test_every_seen_indicator_names_a_source_for_its_frameworks_own_year(entry):
    fw = load_framework(entry.path)
    for ind in fw.indicators:
        assert ind.evidence in ("seen", "name-seen", "carried-forward", "reconstructed"), ind.id
        if ind.evidence == "seen":
            assert ind.source and ind.source_period == fw.framework.period, (fw.id, ind.id)
        if ind.evidence == "carried-forward":
            assert ind.source and ind.source_period < fw.framework.period, (fw.id, ind.id)


@pytest.mark.parametrize("fid", ["iaf-2017-18", "iaf-2018-19"])
def test_the_2016_17_annex_codes_are_carried_forward_not_seen_in_later_years(fid):
    from ccgrate._framework.loader import resolve_framework

    fw = resolve_framework(fid)
    by_id = {i.id: i for i in fw.indicators}
    for code in ("101a", "102a", "103a", "103b", "104a", "105a"):
        assert (by_id[code].evidence, by_id[code].source_period) == ("carried-forward", "2016/17"), code
    assert by_id["124c"].evidence == ("seen" if fid == "iaf-2017-18" else "carried-forward")
    assert by_id["105b"].evidence == ("name-seen" if fid == "iaf-2017-18" else "carried-forward")


def test_indicators_named_in_2016_17_sources_are_no_longer_reconstructed():
    from ccgrate._framework.loader import resolve_framework

    by_id = {i.id: i for i in resolve_framework("iaf-2016-17").indicators}
    for code in ("122a", "122d", "123c", "123d", "123e", "124a", "124b", "125a", "125b", "125c", "126b", "105d"):
        assert (by_id[code].evidence, by_id[code].source_period) == ("name-seen", "2016/17"), code


@pytest.mark.parametrize(
    ("evidence", "period", "message"),
    [
        (
            "seen",
            "2016/17",
            'indicators[2].evidence (id "c1"): seen on a source for 2016/17, not 2017/18: say carried-forward',
        ),
        (
            "name-seen",
            "2016/17",
            'indicators[2].evidence (id "c1"): name-seen on a source for 2016/17, not 2017/18: say carried-forward',
        ),
        (
            "carried-forward",
            "2017/18",
            'indicators[2].evidence (id "c1"): carried-forward needs a source_period before 2017/18',
        ),
    ],
)
def test_evidence_must_match_the_year_of_its_source(evidence, period, message):
    text = BASE_TOML.replace(
        'evidence = "seen"\nsource = "https://example.org/annex-2017-18"\nsource_period = "2017/18"\n',
        f'evidence = "{evidence}"\nsource = "https://example.org/annex"\n'
        + (f'source_period = "{period}"\n' if period else ""),
    )
    with pytest.raises(FrameworkError) as caught:
        parse_framework(text.encode(), name="fw.toml")
    assert str(caught.value) == f"fw.toml: {message}"


@pytest.mark.parametrize("fid", ["iaf-2016-17", "iaf-2017-18", "iaf-2018-19"])
def test_maternal_smoking_is_in_the_maternity_area_as_published(fid):
    from ccgrate._framework.loader import resolve_framework

    fw = resolve_framework(fid)
    maternity = [i.id for i in fw.indicators if i.area == "maternity"]
    assert maternity == ["101a", "125a", "125b", "125c"]
    assert next(i for i in fw.indicators if i.id == "101a").domain == "better-health"
