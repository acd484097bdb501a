"""Clinical priority areas with their own rating method: own bandings, own cut points and words,
calibration of an area, and the built-in frameworks' area distributions against the published ones."""

from __future__ import annotations

import collections
import csv
import io
import json

import pytest
from factories import framework, org, replaced
from helpers import EXAMPLES

from ccgrate._base.errors import FrameworkError
from ccgrate._scoring.engine import assess

# The cancer area banded against ambitions: c1 (headline: met/not met 85) against 80 and 90 in
# three bands, c2 (headline: fixed quartiles) against its own 75; own words and cut points.
OWN_METHOD = """[[areas]]
id = "cancer"
name = "Cancer"
method = "Against ambitions."
published_distribution = { "Top performing" = 1, "Performing well" = 1, "Needs improvement" = 1, "Greatest need" = 1 }

[areas.scale]
ratings = ["Top performing", "Performing well", "Needs improvement", "Greatest need"]
cuts = { "Top performing" = 90.0, "Performing well" = 60.0, "Needs improvement" = 30.0 }

[[areas.indicators]]
id = "c1"
method = "bands"
cuts = [80.0, 90.0]
labels = ["90% or more", "80% to 90%", "below 80%"]

[[areas.indicators]]
id = "c2"
method = "standard"
standard = 75.0
weight = 1.0
"""


def own_method_text(area: str = OWN_METHOD) -> str:
    return replaced('[[areas]]\nid = "cancer"\nname = "Cancer"\n', area)


def values(c1: float, c2: float) -> dict:
    return {"h1": 5.0, "h2": 50.0, "c1": c1, "c2": c2, "c3": "good"}


def test_an_area_bands_its_indicators_its_own_way_and_rates_on_its_own_scale():
    fw = framework(own_method_text())
    orgs = [
        org("A", values(95.0, 80.0)),
        org("B", values(85.0, 80.0)),
        org("C", values(85.0, 70.0)),
        org("D", values(70.0, 70.0)),
    ]
    results = {a.org_code: a for a in assess(fw, orgs)}
    # c1: 90+ is 100 points, 80-90 is 50, below 80 is 0; c2 meets 75 (100) or not (0), weight 1 (not its 2).
    expected = {
        "A": (100.0, "Top performing"),
        "B": (75.0, "Performing well"),
        "C": (25.0, "Greatest need"),
        "D": (0.0, "Greatest need"),
    }
    for code, (score, rating) in expected.items():
        area = results[code].areas[0]
        assert (area.score, area.rating) == (score, rating)
        assert area.method == "Against ambitions."
    bands = results["B"].areas[0].bands
    assert [(b.id, b.band, b.band_rank, b.points) for b in bands] == [
        ("c1", "80% to 90%", 1, 50.0),
        ("c2", "met", 0, 100.0),
    ]
    # The headline banding is unchanged: c1 85 misses the 85 standard only below it.
    assert [i.band for i in results["B"].indicators if i.id == "c1"] == ["met"]


def test_an_area_without_its_own_method_uses_the_headline_bands_and_scale():
    fw = framework()
    area = assess(fw, [org("A", values(90.0, 85.0))])[0].areas[0]
    assert (area.score, area.rating, area.bands, area.method) == (100.0, "Outstanding", (), None)


def test_an_area_scale_alone_keeps_the_headline_bands_with_its_own_cuts():
    text = own_method_text(
        '[[areas]]\nid = "cancer"\nname = "Cancer"\nscale = { cuts = { Outstanding = 95.0, '
        'Good = 90.0, "Requires improvement" = 0 } }\n'
    )
    area = assess(framework(text), [org("A", values(90.0, 85.0)), org("B", values(70.0, 50.0))])
    assert [(a.areas[0].score, a.areas[0].rating) for a in area] == [
        (100.0, "Outstanding"),
        (0.0, "Requires improvement"),
    ]


def cancer_rule(rating: str) -> str:
    return f"""
[[rules]]
id = "cancer-weak"
when = {{ area_rating = {{ cancer = "{rating}" }} }}
cap = "Good"
reason = "Made up."
"""


def test_rules_read_an_area_rating_in_its_own_words():
    text = own_method_text() + cancer_rule("Greatest need")
    results = assess(framework(text), [org("A", values(95.0, 80.0)), org("D", values(70.0, 70.0))])
    assert [[r.rule for r in a.rules_fired] for a in results] == [[], ["cancer-weak"]]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            (
                'ratings = ["Top performing", "Performing well", "Needs improvement", "Greatest need"]',
                'ratings = ["Top performing", "Performing well", "Greatest need"]',
            ),
            'areas[0].scale.ratings (id "cancer"): 4 ratings are needed, one for each of the framework\'s (Outstanding, Good, '
            "Requires improvement, Inadequate), got 3",
        ),
        (
            ('"Needs improvement" = 30.0 }', '"Needs improvement" = 30.0, Good = 10.0 }'),
            'areas[0].scale.cuts.Good (id "cancer"): "Good" is not one of the area\'s ratings (Top performing, Performing well, '
            "Needs improvement, Greatest need)",
        ),
        (
            ('"Needs improvement" = 30.0 }', '"Needs improvement" = 70.0 }'),
            'areas[0].scale.cuts.Needs improvement (id "cancer"): cuts out of order: "Needs improvement" (70) must be below '
            '"Performing well" (60)',
        ),
        (
            ('"Needs improvement" = 30.0 }', '"Greatest need" = 30.0 }'),
            'areas[0].scale.cuts.Greatest need (id "cancer"): the lowest rating takes every score below the others and has no cut',
        ),
        (
            ('id = "c2"\nmethod = "standard"', 'id = "h1"\nmethod = "standard"'),
            'areas[0].indicators[1].id (id "cancer"): "h1" is not an indicator of area cancer (its indicators: c1, c2)',
        ),
        (
            ('id = "c2"\nmethod = "standard"', 'id = "c1"\nmethod = "standard"'),
            'areas[0].indicators[1].id (id "cancer"): "c1" is banded twice for this area',
        ),
        (
            ("cuts = [80.0, 90.0]", "cuts = [90.0, 80.0]"),
            'areas[0].indicators[0].cuts[1] (id "cancer"): cut points must increase: 80 follows 90',
        ),
        (
            ('labels = ["90% or more", "80% to 90%", "below 80%"]', 'labels = ["90% or more", "below 90%"]'),
            'areas[0].indicators[0].labels (id "cancer"): 3 bands need 3 labels, got 2',
        ),
        (
            ('id = "c1"\nmethod = "bands"', 'id = "c1"\ndomain = "health"\nmethod = "bands"'),
            'areas[0].indicators[0].domain (id "cancer"): domain is the indicator\'s own; remove it here',
        ),
        (
            ('"Greatest need" = 1 }', '"Greatest" = 1 }'),
            'areas[0].published_distribution.Greatest (id "cancer"): "Greatest" is not one of the area\'s ratings '
            "(Top performing, Performing well, Needs improvement, Greatest need)",
        ),
    ],
)
def test_an_area_method_that_cannot_be_used_is_refused_with_its_key_path(change, message):
    with pytest.raises(FrameworkError) as caught:
        framework(own_method_text().replace(*change))
    assert message in str(caught.value)


def test_a_judgement_indicator_cannot_be_banded_by_an_area():
    text = replaced(
        'id = "c3"\nname = "Engagement"\ndomain = "care"\n',
        'id = "c3"\nname = "Engagement"\ndomain = "care"\narea = "cancer"\n',
        own_method_text(),
    )
    text = text.replace(
        'id = "c2"\nmethod = "standard"\nstandard = 75.0', 'id = "c3"\nmethod = "standard"\nstandard = 1.0'
    )
    with pytest.raises(FrameworkError) as caught:
        framework(text)
    assert (
        'areas[0].indicators[1].id (id "cancer"): c3 is a judgement indicator: an area bands it as its levels'
        in str(caught.value)
    )


def test_a_rule_on_an_area_rating_must_use_the_area_words():
    text = own_method_text() + cancer_rule("Inadequate")
    with pytest.raises(FrameworkError) as caught:
        framework(text)
    assert (
        'rules[2].when.area_rating.cancer (id "cancer-weak"): unknown rating "Inadequate" of area cancer (its '
        "ratings: Top performing, Performing well, Needs improvement, Greatest need)"
    ) in str(caught.value)


# --- the built-in frameworks ---------------------------------------------------------------------


def area_counts(ccgrate, year: str) -> tuple[dict[str, collections.Counter], collections.Counter]:
    rows = list(
        csv.DictReader(io.StringIO(ccgrate("score", EXAMPLES / f"national-{year}.csv", "-f", "csv", "-q").stdout))
    )
    areas = [key for key in rows[0] if key.startswith("area:")]
    return (
        {key[5:]: collections.Counter(row[key] for row in rows) for key in areas},
        collections.Counter(row["rating"] for row in rows),
    )


def test_2016_17_area_ratings_reproduce_the_published_dementia_and_diabetes_distributions(ccgrate):
    areas, headline = area_counts(ccgrate, "2016-17")
    dementia = areas["dementia"]
    for rating, published in {"Outstanding": 64, "Good": 53, "Requires improvement": 68, "Inadequate": 24}.items():
        assert abs(dementia[rating] - published) <= 5, (rating, dementia)
    diabetes = areas["diabetes"]
    assert diabetes["Inadequate"] == 0
    assert abs(diabetes["Outstanding"] + diabetes["Good"] - 86) <= 5, diabetes
    assert headline == {"Outstanding": 21, "Good": 99, "Requires improvement": 66, "Inadequate": 23}


@pytest.mark.parametrize("year", ["2016-17", "2017-18", "2018-19"])
def test_every_iaf_framework_rates_dementia_and_diabetes_against_fixed_levels(ccgrate, year):
    from ccgrate._framework.loader import resolve_framework

    fw = resolve_framework(f"iaf-{year}")
    by_id = {a.id: a for a in fw.areas}
    assert {o.id for o in by_id["dementia"].indicators} == {"126a", "126b"}
    assert {o.id for o in by_id["diabetes"].indicators} == {"103a", "103b"}
    ambition = fw.area_indicator(by_id["dementia"], fw.indicator("126a"))
    assert 66.7 in ambition.cuts and ambition.direction == "higher"
    assert all(o.method == "bands" for a in by_id.values() for o in a.indicators)  # fixed: never relative


def test_explain_shows_how_an_area_banded_its_indicators(ccgrate, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    out = ccgrate("score", EXAMPLES / "national-2016-17.csv", "--org", "SYN001", "--explain").stdout
    assert "Dementia banded for the area: 126a below ambition; 126b 75% to 80%" in out
    assert "rated against ambitions or fixed levels" in out
    monkeypatch.setenv("COLUMNS", "120")
    wide = ccgrate("score", EXAMPLES / "national-2016-17.csv", "--org", "SYN001", "--explain").stdout
    assert "126a below ambition; 126b 75% to 80%" in wide and "Banded for the area" in wide


def test_json_carries_the_area_bands(ccgrate):
    record = json.loads(ccgrate("score", EXAMPLES / "national-2016-17.csv", "--org", "SYN001", "-f", "json").stdout)
    bands = record["assessments"][0]["area_bands"]
    assert set(bands) == {"dementia", "diabetes"}
    assert bands["dementia"][0] == {
        "id": "126a",
        "band": "below ambition",
        "band_rank": 2,
        "points": 100 / 3,
        "reference": "61.7 | 66.7 | 71.7 (higher better)",
    }


# --- calibrating an area ------------------------------------------------------------------------------


def test_calibrate_sets_an_area_cut_points_to_its_published_distribution(ccgrate, tmp_path):
    out = tmp_path / "fw.toml"
    data = tmp_path / "data.csv"
    data.write_text(
        "org_code,period,h1,h2,c1,c2,c3,leadership,finance\n"
        + "".join(
            f"O{i},2017/18,5,50,{c1},{c2},good,green,green\n"
            for i, (c1, c2) in enumerate([(95, 80), (85, 80), (85, 70), (70, 70)])
        )
    )
    source = tmp_path / "own.toml"
    source.write_text(
        own_method_text().replace(
            'cuts = { "Top performing" = 90.0, "Performing well" = 60.0, "Needs improvement" = 30.0 }',
            'cuts = { "Top performing" = 99.0, "Performing well" = 98.0, "Needs improvement" = 97.0 }',
        )
    )
    result = ccgrate("calibrate", data, "--framework", source, "--area", "cancer", "-o", out, "-f", "json")
    report = json.loads(result.stdout)
    assert report["area"] == "cancer" and report["exact"]
    assert [r["achieved"] for r in report["ratings"]] == [1, 1, 1, 1]  # 100, 75, 25, 0
    text = out.read_text()
    assert "the cut points of area cancer were set so that scoring that file gives Top performing 1" in " ".join(
        text.split()
    )
    rows = list(csv.DictReader(io.StringIO(ccgrate("score", data, "--framework", out, "-f", "csv").stdout)))
    assert [r["area:cancer"] for r in rows] == [
        "Top performing",
        "Performing well",
        "Needs improvement",
        "Greatest need",
    ]
    # The headline scale is untouched.
    assert 'cuts = { Outstanding = 75.0, Good = 50.0, "Requires improvement" = 25.0 }' in text


def test_calibrate_an_unknown_area_is_refused(ccgrate, tmp_path):
    result = ccgrate(
        "calibrate", EXAMPLES / "national-2016-17.csv", "--area", "oncology", "-o", tmp_path / "x.toml", expect=1
    )
    assert (
        '--area: "oncology" is not an area of iaf-2016-17 (its areas: cancer, dementia, diabetes, mental-health, '
        "learning-disabilities, maternity); give one of its area ids; ccgrate framework show lists them\n"
    ) in result.stderr
    assert not (tmp_path / "x.toml").exists()


def test_calibrate_an_area_without_a_published_distribution_needs_a_target(ccgrate, tmp_path):
    result = ccgrate(
        "calibrate", EXAMPLES / "national-2016-17.csv", "--area", "cancer", "-o", tmp_path / "x.toml", expect=1
    )
    assert (
        "iaf-2016-17 area cancer has no published distribution to calibrate to; give one with --target "
        '"Outstanding=...,Good=...,Requires improvement=...,Inadequate=..."\n'
    ) in result.stderr


def test_the_built_in_dementia_cuts_are_the_calibrated_ones(ccgrate, tmp_path):
    """Calibrating the built-in 2016/17 dementia area to its published distribution moves no cut."""
    result = ccgrate(
        "calibrate", EXAMPLES / "national-2016-17.csv", "--area", "dementia", "-o", tmp_path / "x.toml", "-f", "json"
    )
    report = json.loads(result.stdout)
    assert all(r["cut_before"] == r["cut_after"] for r in report["ratings"][:-1])


# --- whatif and compare show area ratings made by the area's own method ----------------------------


def test_whatif_says_which_area_ratings_a_change_moves(ccgrate):
    args = ("whatif", EXAMPLES / "national-2016-17.csv", "--org", "SYN002", "--set", "126a=60")
    document = json.loads(ccgrate(*args, "-f", "json").stdout)
    # 60 is below the 61.7 band of the dementia ambition (the headline banding only says "not met").
    assert document["area_changes"] == [
        {"area": "dementia", "name": "Dementia", "from": "Outstanding", "to": "Requires improvement"}
    ]
    rows = list(csv.DictReader(io.StringIO(ccgrate(*args, "-f", "csv").stdout)))
    assert [(r["kind"], r["id"], r["from"], r["to"]) for r in rows] == [
        ("indicator", "126a", "67.3", "60"),
        ("area", "dementia", "Outstanding", "Requires improvement"),
    ]
    table = " ".join(ccgrate(*args).stdout.split())
    assert "Area ratings that change with it: Dementia Outstanding -> Requires improvement." in table
    quiet = json.loads(
        ccgrate("whatif", EXAMPLES / "national-2016-17.csv", "--org", "SYN002", "--set", "126a=70", "-f", "json").stdout
    )
    assert quiet["area_changes"] == []


def test_compare_reports_area_ratings_in_the_area_words(ccgrate, tmp_path):
    text = own_method_text()
    (tmp_path / "fw.toml").write_text(text)
    for year, c1 in (("2016", 95), ("2017", 70)):
        (tmp_path / f"{year}.csv").write_text(
            f"org_code,period,h1,h2,c1,c2,c3,leadership,finance\nO1,2017/18,5,50,{c1},80,good,green,green\n"
        )
    document = json.loads(
        ccgrate(
            "compare",
            tmp_path / "2016.csv",
            tmp_path / "2017.csv",
            "--framework-a",
            tmp_path / "fw.toml",
            "--framework-b",
            tmp_path / "fw.toml",
            "--org",
            "O1",
            "-f",
            "json",
        ).stdout
    )
    areas = document["organisations"][0]["areas"] if "organisations" in document else document["areas"]
    assert areas["cancer"] == {"a": "Top performing", "b": "Needs improvement"}  # 100, then (0 + 100) / 2


# --- issue 27: each decision about area methods, with its own case ------------------------------------


@pytest.mark.parametrize(
    ("key", "line"),
    [
        ("unit", 'unit = "%"'),
        ("name", 'name = "Another name"'),
        ("domain", 'domain = "health"'),
        ("counted", "counted = false"),
        ("published", 'published = "C1X"'),
        ("evidence", 'evidence = "seen"'),
    ],
)
def test_a_key_that_is_the_indicators_own_is_refused_in_an_area_banding(key, line):
    text = own_method_text().replace('id = "c1"\nmethod = "bands"', f'id = "c1"\nmethod = "bands"\n{line}')
    with pytest.raises(FrameworkError) as caught:
        framework(text)
    assert f'areas[0].indicators[0].{key} (id "cancer"): {key} is the indicator\'s own; remove it here' in str(
        caught.value
    )


def test_an_areas_own_cuts_without_on_cut_take_the_scales():
    text = own_method_text().replace(
        'cuts = { Outstanding = 75.0, Good = 50.0, "Requires improvement" = 25.0 }\n',
        'cuts = { Outstanding = 75.0, Good = 50.0, "Requires improvement" = 25.0 }\non_cut = "worse"\n',
    )
    import numpy as np

    from ccgrate._scoring.engine import area_positions

    fw = framework(text)
    assert fw.area_cuts(fw.areas[0]) == ([90.0, 60.0, 30.0], "worse")
    positions = area_positions(fw, fw.areas[0], np.array([60.0, 60.01]), np.array([2, 2]))
    assert positions.tolist() == [2, 1]  # on the cut is the worse rating, as the scale says
    explicit = framework(text.replace('cuts = { "Top performing"', 'on_cut = "better"\ncuts = { "Top performing"'))
    assert explicit.area_cuts(explicit.areas[0])[1] == "better"


ZSCORE_AREA = """[[areas]]
id = "cancer"
name = "Cancer"

[[areas.indicators]]
id = "c1"
method = "zscore"
overdispersion = "none"
target = 85.0
"""


def _counts_file(blank_value: bool, counts: bool = True) -> bytes:
    rows = ["org_code,period,h1,h2,c1,c1_numerator,c1_denominator,c2,c3,finance,leadership"]
    for k in range(12):
        x = 800 + 10 * k
        value = "" if (k == 0 and blank_value) else f"{x / 10:g}"
        numerator, denominator = (f"{x}", "1000") if counts or k else ("", "")
        rows.append(f"O{k:02d},2017/18,10,50,{value},{numerator},{denominator},70,good,green,green")
    return ("\n".join(rows) + "\n").encode()


def _area_run(raw: bytes):
    from ccgrate._scoring.run import score_sources

    fw = framework(replaced('[[areas]]\nid = "cancer"\nname = "Cancer"\n', ZSCORE_AREA))
    return score_sources([("area.csv", raw)], framework=fw)


def test_a_blank_value_with_counts_is_banded_by_an_area_banding_that_reads_the_counts():
    with_value, without = _area_run(_counts_file(False)), _area_run(_counts_file(True))
    # The headline (a standard on the value) leaves O00 out; the area's z-score bands it from its counts,
    # exactly as when the value is written, and counts it in the area's population statistics.
    first = without.assessments[0]
    assert [i.band for i in first.indicators if i.id == "c1"] == [None]
    assert first.areas[0].bands == with_value.assessments[0].areas[0].bands
    assert without.area_stats == with_value.area_stats and without.area_stats[0]["k"] == 12


def test_an_area_band_that_cannot_be_made_says_why_in_every_output():
    from ccgrate._render.output import OutputFormat
    from ccgrate._render.score import ScoreOutput

    run = _area_run(_counts_file(False, counts=False))
    (band,) = run.assessments[0].areas[0].bands
    assert band.band is None and band.note == "not banded: no numerator and denominator"
    document = json.loads("".join(ScoreOutput(run).text(OutputFormat.JSON)))
    assert document["assessments"][0]["area_bands"]["cancer"][0]["note"] == band.note
    markdown = "".join(ScoreOutput(run, explain=True).text(OutputFormat.MARKDOWN))
    assert f"c1 - ({band.note})" in markdown
    (missing,) = _area_run(_counts_file(True, counts=False)).assessments[0].areas[0].bands
    assert missing.note == "no value"


def test_the_areas_statistics_are_in_the_machine_formats_beside_the_headlines():
    from helpers import check_score_output

    from ccgrate._render.output import OutputFormat
    from ccgrate._render.score import ScoreOutput

    run = _area_run(_counts_file(False))
    text = "".join(ScoreOutput(run).text(OutputFormat.JSON))
    check_score_output(text)
    document = json.loads(text)
    (stats,) = document["area_stats"]
    assert (stats["area"], stats["indicator"], stats["method"]) == ("cancer", "c1", "zscore")
    assert {"target", "phi", "tau2", "n", "k"} <= set(stats)
    band = document["assessments"][3]["area_bands"]["cancer"][0]
    assert {"y", "s", "z", "z_adj"} <= set(band)
