"""Each banding method, including its edges: direction, values on a cut point, small populations."""

from __future__ import annotations

import numpy as np
import pytest

from ccgrate._framework.indicators import StandardIndicator, quantile_labels
from ccgrate._scoring.banding import (
    CutBanding,
    IndicatorColumn,
    LevelBanding,
    PopulationQuantileBanding,
    StandardBanding,
    quantile,
)

LABELS = ["best", "middle", "worst"]
POINTS = [100.0, 50.0, 0.0]


def column(values):
    if values and isinstance(values[0], str):
        return IndicatorColumn(np.array(values))
    return IndicatorColumn(np.array([np.nan if v is None else v for v in values], dtype=float))


def labels_of(banding, bands):
    return [None if r < 0 else banding.labels[r] for r in bands.rank]


def bands_of(banding, values):
    bands = banding.band(column(values))
    return labels_of(banding, bands), bands.stats


@pytest.mark.parametrize(
    ("direction", "values", "expected"),
    [
        ("higher", [25, 20, 15, 10, 5], ["best", "best", "middle", "middle", "worst"]),
        ("lower", [25, 20, 15, 10, 5], ["worst", "middle", "middle", "best", "best"]),
    ],
)
def test_cut_bands_respect_direction_and_a_value_on_a_cut_counts_better(direction, values, expected):
    banding = CutBanding([10.0, 20.0], direction, LABELS, POINTS, "ref")
    assert bands_of(banding, values)[0] == expected


def test_cut_band_points_and_rank():
    bands = CutBanding([10.0, 20.0], "higher", LABELS, POINTS, "ref").band(column([12.0, None]))
    assert (bands.rank.tolist(), bands.points[0], bands.reference) == ([1, -1], 50.0, "ref")
    assert np.isnan(bands.points[1])  # a missing value gets no band, not the worst


@pytest.mark.parametrize(
    ("direction", "on_cut", "value", "label", "sign"),
    [
        ("higher", "better", 85.0, "met", ">="),
        ("higher", "better", 84.99, "not met", ">="),
        ("lower", "better", 15.0, "met", "<="),
        ("lower", "better", 15.01, "not met", "<="),
        ("higher", "worse", 85.0, "not met", ">"),
        ("higher", "worse", 85.01, "met", ">"),
        ("lower", "worse", 15.0, "not met", "<"),
        ("lower", "worse", 14.99, "met", "<"),
    ],
)
def test_standard(direction, on_cut, value, label, sign):
    standard = 85.0 if direction == "higher" else 15.0
    ind = StandardIndicator(
        id="x", name="x", domain="d", method="standard", direction=direction, standard=standard, on_cut=on_cut
    )
    banding = StandardBanding(ind, ["met", "not met"], [100.0, 0.0])
    bands = banding.band(column([value]))
    assert labels_of(banding, bands) == [label]
    assert bands.points[0] == (100.0 if label == "met" else 0.0)
    assert bands.reference == f"{sign} {standard:g}"


def test_type_7_quantiles_by_hand():
    values = [1.0, 2.0, 3.0, 4.0, 10.0]
    # position (n-1)p: 1.0 -> 2; 2.0 -> 3; 3.0 -> 4; p=0.1 -> 0.4 -> 1 + 0.4 * (2 - 1) = 1.4
    assert [quantile(values, p) for p in (0.25, 0.5, 0.75, 0.1)] == [2.0, 3.0, 4.0, 1.4]
    assert quantile([5.0], 0.5) == 5.0


def test_population_quartiles():
    banding = PopulationQuantileBanding(4, "higher", quantile_labels(4), [100.0, 66.7, 33.3, 0.0], min_population=4)
    labels, stats = bands_of(banding, [1, 2, 3, 4, 5, 6, 7, 8, 9])
    # cuts at 3, 5, 7 (type 7); a value on a cut counts in the better band
    assert stats == {"method": "quantile", "n": 9, "cuts": [3.0, 5.0, 7.0]}
    assert labels == [
        "bottom quartile",
        "bottom quartile",
        "third quartile",
        "third quartile",
        "second quartile",
        "second quartile",
        "top quartile",
        "top quartile",
        "top quartile",
    ]


def test_population_quartiles_lower_is_better():
    banding = PopulationQuantileBanding(4, "lower", quantile_labels(4), [100.0, 66.7, 33.3, 0.0], min_population=4)
    labels, _ = bands_of(banding, [1, 2, 3, 4, 5, 6, 7, 8, 9])
    assert labels[0] == "top quartile" and labels[-1] == "bottom quartile"


def test_population_too_small_is_not_banded_and_says_why():
    banding = PopulationQuantileBanding(4, "higher", quantile_labels(4), [100.0, 66.7, 33.3, 0.0], min_population=10)
    bands = banding.band(column([5.0]))
    stats = bands.stats
    assert bands.rank[0] == -1 and np.isnan(bands.points[0])
    assert bands.notes[0] == (
        "not banded: population quantiles need at least 10 organisations with a value, this population has 1; "
        "give fixed cuts in the framework"
    )
    assert stats == {"method": "quantile", "n": 1, "cuts": None}


def test_levels():
    banding = LevelBanding(["green", "amber", "red"], [100.0, 50.0, 0.0])
    bands = banding.band(IndicatorColumn(np.array([1, -1])))
    assert (labels_of(banding, bands), bands.points[0], bands.reference) == (
        ["amber", None],
        50.0,
        "green > amber > red",
    )


@pytest.mark.parametrize(
    ("count", "labels"),
    [
        (2, ["top half", "bottom half"]),
        (4, ["top quartile", "second quartile", "third quartile", "bottom quartile"]),
        (5, ["top quintile", "second quintile", "third quintile", "fourth quintile", "bottom quintile"]),
        (6, ["band 1 of 6", "band 2 of 6", "band 3 of 6", "band 4 of 6", "band 5 of 6", "band 6 of 6"]),
    ],
)
def test_quantile_labels(count, labels):
    assert quantile_labels(count) == labels
