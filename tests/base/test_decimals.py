"""Exact decimal semantics: values on cut points and standards, ties, weight scale, display.

What the README promises a framework author, checked as properties: a value written exactly on
a cut point or standard lands on the documented side (whether written 57.7, 57.70% or as 577 of
1000), one unit of the data's precision away lands on the other side, and the scale of the
weights never matters.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from factories import framework, replaced
from helpers import EXAMPLES, FRAMEWORKS
from hypothesis import given, settings
from hypothesis import strategies as st

from ccgrate._read.reader import read_dataset
from ccgrate._scoring.bind import bind
from ccgrate._scoring.engine import assess_population


def band_of(fw, indicator: str, cells: dict[str, str]) -> str | None:
    header = "org_code,period," + ",".join(cells)
    text = f"{header}\nA,2017/18,{','.join(cells.values())}\n"
    dataset = read_dataset(text.encode(), "t.csv")
    result = assess_population(fw, bind(fw, dataset, range(1), "2017/18"))
    return result.assessment(0).indicators[[i.id for i in fw.indicators].index(indicator)].band


def standard_framework(standard: str, direction: str = "higher", on_cut: str | None = None, significance: bool = False):
    text = replaced(
        "standard = 85.0",
        f"standard = {standard}"
        + (f'\non_cut = "{on_cut}"' if on_cut else "")
        + ("\nsignificance = 0.95" if significance else ""),
    )
    if direction == "lower":
        text = replaced(
            'area = "cancer"\nunit = "%"\ndirection = "higher"\nmethod = "standard"',
            'area = "cancer"\nunit = "%"\ndirection = "lower"\nmethod = "standard"',
            text,
        )
    return framework(text)


tenths = st.integers(1, 999)  # a standard of 0.1% to 99.9%, one decimal


@settings(max_examples=120, deadline=None)
@given(tenths, st.sampled_from(["higher", "lower"]), st.sampled_from(["better", "worse"]))
def test_a_value_on_a_standard_lands_on_the_documented_side(tenth, direction, on_cut):
    standard = f"{tenth // 10}.{tenth % 10}"
    fw = standard_framework(standard, direction, on_cut)
    on = "met" if on_cut == "better" else "not met"
    for written in (standard, standard + "0", standard + "%", standard + "0%"):
        assert band_of(fw, "c1", {"c1": written}) == on
    # One unit of the data's precision to the good side meets it; to the bad side does not.
    good, bad = (tenth + 1, tenth - 1) if direction == "higher" else (tenth - 1, tenth + 1)
    assert band_of(fw, "c1", {"c1": f"{good / 10:.1f}"}) == "met"
    assert band_of(fw, "c1", {"c1": f"{bad / 10:.1f}"}) == "not met"
    # As counts (a standard judged with significance uses them): tenth of 1000 is exactly the
    # standard, whatever floating point makes of the division; the Wilson interval straddles the
    # standard for all three counts, so the point estimate decides.
    counted = standard_framework(standard, direction, on_cut, significance=True)
    assert band_of(counted, "c1", {"c1": "", "c1_numerator": str(tenth), "c1_denominator": "1000"}) == on
    assert band_of(counted, "c1", {"c1": "", "c1_numerator": str(good), "c1_denominator": "1000"}) == "met"
    assert band_of(counted, "c1", {"c1": "", "c1_numerator": str(bad), "c1_denominator": "1000"}) == "not met"


def test_the_issues_577_of_1000_meets_57_7_with_significance():
    fw = standard_framework("57.7", significance=True)
    assert band_of(fw, "c1", {"c1": "", "c1_numerator": "577", "c1_denominator": "1000"}) == "met"
    assert band_of(fw, "c1", {"c1": "", "c1_numerator": "576", "c1_denominator": "1000"}) == "not met"
    assert (
        band_of(
            standard_framework("57.7", significance=True, on_cut="worse"),
            "c1",
            {"c1": "", "c1_numerator": "577", "c1_denominator": "1000"},
        )
        == "not met"
    )


@settings(max_examples=120, deadline=None)
@given(
    st.lists(st.integers(0, 9999), min_size=3, max_size=3, unique=True).map(sorted),
    st.sampled_from(["better", "worse"]),
    st.integers(0, 2),
)
def test_a_value_on_a_cut_lands_on_the_documented_side(hundredths, on_cut, which):
    cuts = [h / 100 for h in hundredths]
    text = replaced(
        "cuts = [10.0, 20.0]",
        f"cuts = [{', '.join(repr(c) for c in cuts)}]" + (f'\non_cut = "{on_cut}"' if on_cut != "better" else ""),
    )
    fw = framework(text)  # h1: lower better, four bands
    labels = fw.band_labels(fw.indicator("h1"))
    cut = hundredths[which]
    # Lower better: at or below the cut is the better side (band index `which`), above it the worse.
    better, worse = labels[which], labels[which + 1]
    assert band_of(fw, "h1", {"h1": f"{cut / 100:.2f}"}) == (better if on_cut == "better" else worse)
    # One hundredth either side lands on the other side, unless that is itself a cut point.
    if cut - 1 >= 0 and cut - 1 not in hundredths:
        assert band_of(fw, "h1", {"h1": f"{(cut - 1) / 100:.2f}"}) == better
    if cut + 1 not in hundredths:
        assert band_of(fw, "h1", {"h1": f"{(cut + 1) / 100:.2f}"}) == worse


@pytest.mark.parametrize("on_cut", ["better", "worse"])
def test_a_score_on_a_scale_cut(on_cut):
    from ccgrate._scoring.engine import rating_positions

    text = replaced("cuts = { Outstanding = 75.0,", f'on_cut = "{on_cut}"\ncuts = {{ Outstanding = 75.0,')
    fw = framework(text)
    import numpy as np

    positions = rating_positions(fw, np.array([75.0, 74.99, 75.01, 50.0, 25.0]))
    if on_cut == "better":
        assert positions.tolist() == [0, 1, 0, 1, 2]
    else:
        assert positions.tolist() == [1, 1, 0, 2, 3]


# --- the scale of the weights -----------------------------------------------------------------------


def tripled(text: str, table: str) -> str:
    """Every `weight = x` of one array of tables (domains or indicators) multiplied by 3."""
    parts = re.split(r"(?m)^(?=\[\[)", text)
    out = []
    for part in parts:
        if part.startswith(f"[[{table}]]"):
            part = re.sub(r"(?m)^weight = ([0-9.]+)", lambda m: f"weight = {float(m.group(1)) * 3!r}", part)
            if not re.search(r"(?m)^weight = ", part):
                part = part.replace("\n", "\nweight = 3.0\n", 1)
        out.append(part)
    return "".join(out)


@pytest.mark.parametrize("year", ["2016-17", "2017-18", "2018-19", "2019-20"])
@pytest.mark.parametrize("table", ["domains", "indicators"])
def test_tripling_weights_changes_no_output_but_the_hash(ccgrate, tmp_path, year, table):
    builtin = FRAMEWORKS / (
        {"2016-17": "iaf-2016-17", "2017-18": "iaf-2017-18", "2018-19": "iaf-2018-19", "2019-20": "nhsof-2019-20"}[year]
        + ".toml"
    )
    original = tmp_path / "original.toml"
    original.write_text(builtin.read_text())
    heavier = tmp_path / "tripled.toml"
    heavier.write_text(tripled(builtin.read_text(), table))
    assert heavier.read_text() != original.read_text()
    data = EXAMPLES / f"national-{year}.csv"

    def scored(path) -> list[dict]:
        document = json.loads(ccgrate("score", data, "--framework", path, "-f", "json", "-q").stdout)
        for a in document["assessments"]:
            a.pop("framework_sha256")
            for i in a["indicators"]:
                i.pop("weight")
        return document["assessments"]

    assert scored(heavier) == scored(original)


# --- what people see --------------------------------------------------------------------------------


def test_explain_shows_each_value_as_written(ccgrate):
    rows = list(
        csv.DictReader(
            io.StringIO(
                ccgrate("score", EXAMPLES / "national-2018-19.csv", "--org", "SYN010", "--explain", "-f", "csv").stdout
            )
        )
    )
    value = {r["indicator"]: r["value"] for r in rows}
    table = ccgrate("score", EXAMPLES / "national-2018-19.csv", "--org", "SYN010", "--explain").stdout
    assert value["107a"] == "1.0555" and "1.0555" in table


def test_a_computed_value_gets_the_digits_that_place_it():
    from ccgrate._base.digits import computed_cut, shown_value

    assert shown_value(0.96, [0.962]) == "0.96"  # as written
    assert shown_value(2 / 3 * 100, [66.67]) == "66.667"  # computed: 66.67 would sit on the cut
    assert shown_value(2 / 3 * 100, [70.0]) == "66.67"
    # A value of 0.9615 lies below this computed cut: "0.9615" would hide that, so more digits are shown.
    assert computed_cut(0.9615000000000001, [0.9, 0.9615, 1.0]) == "0.9615000000000001"
    assert computed_cut(0.9615000000000001, [0.9, 1.0]) == "0.9615"
    assert computed_cut(2100.4, [1900.0, 2300.0]) == "2100"
    assert computed_cut(2100.4, [2100.0, 2300.0]) == "2100.4"


def test_machine_formats_carry_statistics_at_full_precision(ccgrate):
    document = json.loads(ccgrate("score", EXAMPLES / "national-2018-19.csv", "--org", "SYN010", "-f", "json").stdout)
    z = [i["z"] for i in document["assessments"][0]["indicators"] if "z" in i]
    assert z and all(len(repr(v).split(".")[1]) > 6 for v in z if not float(v).is_integer())
    stats = document["indicator_stats"]
    assert any(len(repr(s["phi"]).split(".")[1]) > 6 for s in stats if s.get("phi"))
