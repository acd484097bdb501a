"""The engine's arithmetic, worked by hand on the small test framework.

Points: h1 (bands, lower better, cuts 10 | 20): 100 / 50 / 0. h2 (population quartiles, at least 4
organisations): 100 / 66 2/3 / 33 1/3 / 0. c1 (standard >= 85): 100 / 0. c2 (fixed quartiles
60 | 70 | 80, weight 2): 100 / 66 2/3 / 33 1/3 / 0. c3 (good > fair > poor): 100 / 50 / 0. Points are
exact: 66 2/3, never 66.6667.
Domains: health (h1, h2; weight 1), care (c1, c2, c3; weight 2). Area cancer: c1 and c2.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from factories import framework, org, replaced
from hypothesis import given, settings
from hypothesis import strategies as st

from ccgrate._framework.model import Framework
from ccgrate._scoring.engine import assess, rating_positions


# The engine's arithmetic one organisation at a time, in exact decimals: what the tests hold it to.
def weighted_mean(pairs: Sequence[tuple[float, float]]) -> float | None:
    """Mean of (value, weight) pairs as decimals, rounded half up to two decimals; None when none."""
    from ccgrate._base.decimals import decimal, half_up

    total = sum(decimal(weight) for _, weight in pairs)
    if not pairs or total <= 0:
        return None
    return float(half_up(sum(decimal(value) * decimal(weight) for value, weight in pairs) / total))


def rating_for(framework: Framework, score: float) -> str:
    return framework.scale.ratings[int(rating_positions(framework, np.array([score]))[0])]


def four_orgs(a_values: dict, a_judgements: dict | None = None):
    """Organisation A plus three others that only give h2 a population of four (1, 2, 3, A's)."""
    others = [org(code, {"h2": float(n)}) for code, n in (("B", 1), ("C", 2), ("D", 3))]
    return [org("A", a_values, a_judgements or {"leadership": "green", "finance": "green"}), *others]


A_VALUES = {"h1": 15.0, "h2": 4.0, "c1": 80.0, "c2": 75.0, "c3": "fair"}


def assessment_of_a(fw=None, values=A_VALUES, judgements=None):
    results = assess(fw or framework(), four_orgs(values, judgements))
    return next(a for a in results if a.org_code == "A")


def test_scores_by_hand():
    a = assessment_of_a()
    points = {i.id: i.points for i in a.indicators}
    assert points == {"h1": 50.0, "h2": 100.0, "c1": 0.0, "c2": 200 / 3, "c3": 50.0}
    assert {d.id: d.score for d in a.domains} == {
        "health": 75.0,
        "care": 45.83,
    }  # (0 + 2 * 66 2/3 + 50) / 4 = 45.833...
    assert a.score == 55.55  # (75 + 2 * 45.83) / 3
    assert (a.provisional_rating, a.rating) == ("Good", "Good")
    assert [(ar.id, ar.score, ar.rating) for ar in a.areas] == [("cancer", 44.44, "Requires improvement")]
    assert a.coverage == 1.0 and a.missing == [] and a.rules_fired == [] and a.warnings == []


def test_bands_and_references_are_recorded():
    a = assessment_of_a()
    c2 = next(i for i in a.indicators if i.id == "c2")
    assert (c2.value, c2.band, c2.band_rank, c2.band_count, c2.reference) == (
        75.0,
        "second quartile",
        1,
        4,
        "60 | 70 | 80 (higher better)",
    )
    h2 = next(i for i in a.indicators if i.id == "h2")
    assert h2.reference == "population n=4: 1.75 | 2.5 | 3.25 (higher better)"


def test_a_missing_value_is_excluded_not_scored_as_zero():
    values = dict(A_VALUES)
    del values["c3"]
    a = assessment_of_a(values=values)
    assert a.missing == ["c3"]
    assert {d.id: d.score for d in a.domains}["care"] == 44.44  # (0 + 2 * 66 2/3) / 3 = 44.444..., c3 left out
    assert a.score == 54.63  # (75 + 2 * 44.44) / 3
    assert a.coverage == 5 / 6
    c3 = next(i for i in a.indicators if i.id == "c3")
    assert (c3.value, c3.band, c3.points) == (None, None, None)


def test_min_coverage_leaves_an_organisation_unrated():
    fw = framework(replaced("[judgements.leadership]", "[scoring]\nmin_coverage = 0.9\n\n[judgements.leadership]"))
    values = dict(A_VALUES)
    del values["c2"]  # weight 2 of 6
    a = assessment_of_a(fw, values)
    assert (a.score is not None, a.provisional_rating, a.rating) == (True, None, None)
    assert a.warnings == ["not rated: 67% of the indicator weight has a value, the framework needs 90%"]


def test_nothing_scored_is_not_rated():
    (a,) = assess(framework(), [org("A", {})])
    assert (a.score, a.rating) == (None, None)
    assert a.warnings == ["not rated: no indicator could be scored"]
    assert a.missing == ["h1", "h2", "c1", "c2", "c3"]


def test_population_too_small_is_reported_per_organisation():
    (a,) = assess(framework(), [org("A", A_VALUES, {"leadership": "green", "finance": "green"})])
    assert (
        "indicator h2 not banded: population quantiles need at least 4 organisations with a value, this "
        "population has 1; give fixed cuts in the framework" in a.warnings
    )
    assert a.missing == []


def test_area_needs_its_minimum_of_indicators():
    fw = framework(replaced("[judgements.leadership]", "[scoring]\narea_min_indicators = 3\n\n[judgements.leadership]"))
    a = assessment_of_a(fw)
    assert [(ar.score, ar.rating, ar.scored, ar.total) for ar in a.areas] == [(44.44, None, 2, 2)]


def test_rules_fire_and_are_recorded():
    a = assessment_of_a(judgements={"leadership": "green", "finance": "red"})
    assert (a.provisional_rating, a.rating) == ("Good", "Requires improvement")
    (fired,) = a.rules_fired
    assert (fired.rule, fired.effect, fired.target, fired.before, fired.after, fired.reason) == (
        "finance-red",
        "cap",
        "Requires improvement",
        "Good",
        "Requires improvement",
        "Deficit.",
    )


def test_missing_judgement_is_warned_about():
    a = assessment_of_a(judgements={"leadership": "green"})
    assert a.warnings == ["rule finance-red was not evaluated: no finance judgement in the data"]


@pytest.mark.parametrize(
    ("score", "rating"),
    [
        (100.0, "Outstanding"),
        (75.0, "Outstanding"),
        (74.99, "Good"),
        (50.0, "Good"),
        (49.99, "Requires improvement"),
        (25.0, "Requires improvement"),
        (24.99, "Inadequate"),
        (0.0, "Inadequate"),
    ],
)
def test_rating_for_cut_points(score, rating):
    assert rating_for(framework(), score) == rating


def test_weighted_mean():
    assert weighted_mean([]) is None
    assert weighted_mean([(100.0, 1.0), (0.0, 3.0)]) == 25.0
    assert weighted_mean([(1.0, 1.0), (2.0, 1.0), (2.0, 1.0)]) == 1.67


# --- exact arithmetic -------------------------------------------------------------------------------

decimals = st.integers(0, 10_000).map(lambda n: n / 100)  # points written with two decimals, 0-100
weights = st.integers(1, 10_000).map(lambda n: n / 100)


def reference_mean(pairs) -> float:
    """The README's rule, by hand: the exact weighted mean of the decimals, rounded half up."""
    from fractions import Fraction

    total = sum(Fraction(repr(w)) for _, w in pairs)
    mean = sum(Fraction(repr(v)) * Fraction(repr(w)) for v, w in pairs) / total
    return float(Fraction(int(mean * 100 + Fraction(1, 2)), 100))


def engine_mean(pairs) -> float:
    import math

    from ccgrate._base.decimals import decimal, rounded_weighted_means

    values = np.array([[v for v, _ in pairs]])
    exact = [decimal(v) for v, _ in pairs]
    common = math.lcm(*(x.denominator for x in exact))

    def exact_rows(rows):
        numerators = np.array([[int(x * common) for x in exact]] * len(rows), dtype=np.int64)
        return numerators, np.ones(numerators.shape, dtype=bool), common

    means, _ = rounded_weighted_means(values, [w for _, w in pairs], exact_rows)
    return float(means[0])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(decimals, weights), min_size=1, max_size=12))
def test_means_are_exact_decimal_means_rounded_half_up(pairs):
    assert engine_mean(pairs) == reference_mean(pairs) == weighted_mean(pairs)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 6), st.integers(1, 5), st.data())
def test_means_of_columns_made_one_at_a_time_equal_means_of_the_matrix(rows, columns, data):
    """The engine hands a domain's points over a column at a time (a million organisations' columns
    are never held side by side); the means must be those of the same matrix."""
    from ccgrate._base.decimals import rounded_weighted_means

    cells = st.one_of(st.just(float("nan")), st.sampled_from([0.0, 100 / 3, 50.0, 200 / 3, 100.0]))
    matrix = np.array(
        data.draw(st.lists(st.lists(cells, min_size=columns, max_size=columns), min_size=rows, max_size=rows))
    )
    weights = data.draw(st.lists(st.sampled_from([1.0, 0.5, 2.0, 0.1, 3.0]), min_size=columns, max_size=columns))
    made = []

    def column(k):
        made.append(k)
        return matrix[:, k].copy()

    def exact_rows(chosen):
        thirds = np.where(np.isnan(matrix[chosen]), 0, np.rint(matrix[chosen] * 3)).astype(np.int64)
        return thirds, ~np.isnan(matrix[chosen]), 3

    whole, whole_used = rounded_weighted_means(matrix, weights, exact_rows)
    lazy, lazy_used = rounded_weighted_means(column, weights, exact_rows, rows=rows)
    np.testing.assert_array_equal(whole, lazy)
    np.testing.assert_array_equal(whole_used, lazy_used)
    assert made == list(range(columns))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(decimals, weights), min_size=1, max_size=12), st.sampled_from([3, 7, 0.1, 0.3, 1e-3, 12.5, 1e6])
)
def test_scaling_every_weight_changes_no_mean(pairs, factor):
    scaled = [(v, float(f"{w * factor:.12g}")) for v, w in pairs]
    from fractions import Fraction

    # Only where the scaled weights are still exactly proportional (as decimals) must the mean agree.
    ratios = {Fraction(repr(b)) / Fraction(repr(a)) for (_, a), (_, b) in zip(pairs, scaled)}
    if len(ratios) == 1:
        assert engine_mean(scaled) == engine_mean(pairs)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 9999), st.sampled_from([1.0, 3.0, 0.1, 7.7]))
def test_exact_halves_always_round_up(hundredths, weight):
    # Two values whose mean is exactly hundredths + 0.5 hundredths: x.xx5.
    low, high = hundredths / 100, (hundredths + 1) / 100
    assert engine_mean([(low, weight), (high, weight)]) == (hundredths + 1) / 100


def test_the_issues_halves():
    assert engine_mean([(66.66, 1.0), (66.67, 1.0)]) == 66.67
    assert engine_mean([(73.09, 1.0), (73.10, 1.0)]) == 73.10
    assert engine_mean([(54.49, 1.0), (54.50, 1.0)]) == 54.50
