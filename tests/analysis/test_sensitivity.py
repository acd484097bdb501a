"""ccgrate sensitivity: probabilities that add up, reproducible draws, and draws that are the engine's arithmetic."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from helpers import EXAMPLES, golden, national
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from ccgrate._analysis import sensitivity as core
from ccgrate._base.errors import DataError
from ccgrate._scoring.banding import make_banding
from ccgrate._scoring.dispersion import count_cdf
from ccgrate._scoring.engine import assess_population

STILL = core.Perturbation(weights=0.0, cuts=0.0, values=False)


# --- the arithmetic -------------------------------------------------------------------------------


@pytest.mark.parametrize("year", ["2016-17", "2017-18", "2018-19", "2019-20"])
def test_with_nothing_perturbed_every_draw_is_the_engines_rating_and_rank(year):
    population = national(year)
    result = core.sensitivity(population, 50, 3, STILL)
    base = assess_population(population.framework, population)
    rated = base.rating >= 0
    assert np.all(result.counts[np.flatnonzero(rated), base.rating[rated]] == 50)
    assert np.all(result.counts[~rated, -1] == 50)
    scores = base.score[rated]
    expected = np.array([1 + np.count_nonzero(scores > s) for s in scores])
    assert np.array_equal(result.rank_median[rated], expected)
    assert np.array_equal(result.rank_low[rated], expected) and np.array_equal(result.rank_high[rated], expected)


@pytest.mark.parametrize("year", ["2016-17", "2018-19"])
def test_probabilities_sum_to_one_for_every_organisation(year):
    result = core.sensitivity(national(year), 2_000, 11)
    assert np.all(result.counts.sum(axis=1) == 2_000)
    assert np.allclose(result.probabilities.sum(axis=1), 1.0)
    assert np.all((result.rank_low <= result.rank_median) & (result.rank_median <= result.rank_high))


def test_the_same_seed_gives_the_same_result_and_another_seed_another():
    population = national("2018-19")
    first, again = core.sensitivity(population, 3_000, 5), core.sensitivity(population, 3_000, 5)
    assert np.array_equal(first.counts, again.counts)
    assert np.array_equal(first.rank_median, again.rank_median)
    other = core.sensitivity(population, 3_000, 6)
    assert not np.array_equal(first.counts, other.counts)


def test_a_draw_does_not_depend_on_how_many_draws_come_after_it():
    # Chunks have their own random streams: 2 x N draws begin with the same N draws.
    population = national("2018-19")
    chunk = core.CHUNK_CELLS // len(population)
    assert chunk > 10
    small = core.sensitivity(population, chunk, 4)
    large = core.sensitivity(population, 2 * chunk, 4)
    assert np.all(large.counts >= small.counts)


def test_only_values_moves_only_organisations_with_counts_near_a_boundary():
    population = national("2018-19")
    result = core.sensitivity(population, 2_000, 2, core.Perturbation(weights=0.0, cuts=0.0, values=True))
    assert result.resampled  # the national example gives numerators and denominators
    moved = result.same_rating() < 1
    assert 0 < np.count_nonzero(moved) < len(population)


def test_wider_weights_make_ratings_less_certain():
    population = national("2017-18")
    narrow = core.sensitivity(population, 2_000, 1, core.Perturbation(weights=0.05, cuts=0.0, values=False))
    wide = core.sensitivity(population, 2_000, 1, core.Perturbation(weights=0.5, cuts=0.0, values=False))
    assert np.nanmean(wide.same_rating()) < np.nanmean(narrow.same_rating())


@pytest.mark.parametrize("year", ["2016-17", "2018-19", "2019-20"])
def test_frozen_banding_gives_each_organisation_its_own_band_at_its_observed_counts(year):
    population = national(year)
    fw = population.framework
    base = assess_population(fw, population)
    checked = 0
    for ind in fw.indicators:
        numerators, denominators = population.numerators.get(ind.id), population.denominators.get(ind.id)
        ranks_for = make_banding(fw, ind).frozen(base.bands[ind.id])
        if ranks_for is None or numerators is None:
            continue
        counted = (base.bands[ind.id].rank >= 0) & ~np.isnan(numerators) & (denominators > 0)
        values = population.numbers[ind.id]
        again = ranks_for(values[counted], numerators[counted], denominators[counted])
        assert np.array_equal(again, base.bands[ind.id].rank[counted]), ind.id
        checked += 1
    assert checked >= 10


def test_band_probabilities_match_the_count_distribution_summed_by_brute_force():
    population = national("2018-19")
    fw = population.framework
    base = assess_population(fw, population)
    resampled = core._resamplers(base)
    item = next(r for r in resampled if fw.indicators[r.column].method == "zscore")
    ind = fw.indicators[item.column]
    ranks_for = make_banding(fw, ind).frozen(base.bands[ind.id])
    for position in range(min(5, len(item.rows))):
        row = item.rows[position]
        k, d = population.numerators[ind.id][row], population.denominators[ind.id][row]
        counts = np.arange(0, int(d) + 1, dtype=np.float64)
        value = population.numbers[ind.id][row]
        ranks = ranks_for(value * counts / k, counts, np.full(len(counts), d))
        pmf = stats.binom.pmf(counts, int(d), k / d) if ind.data == "proportion" else stats.poisson.pmf(counts, k)
        headline = item.bandings[0]
        for b, cutoff in enumerate(headline.cutoffs[:, position]):
            below = pmf[ranks > b].sum() if headline.higher else pmf[ranks <= b].sum()
            assert cutoff == pytest.approx(below, abs=3e-3), (ind.id, row, b)


@settings(max_examples=60, deadline=None)
@given(denominator=st.integers(1, 3_000), share=st.floats(0.001, 0.999), x=st.floats(0, 1))
def test_binomial_cdf_agrees_with_scipy(denominator, share, x):
    count = max(1.0, round(denominator * share))
    point = np.floor(x * denominator)
    assert count_cdf(point, count, denominator, True) == pytest.approx(
        stats.binom.cdf(point, denominator, count / denominator), abs=5e-3
    )


@settings(max_examples=60, deadline=None)
@given(count=st.floats(0.5, 5_000), x=st.floats(0, 2))
def test_poisson_cdf_agrees_with_scipy(count, x):
    point = np.floor(x * count)
    assert count_cdf(point, count, 1.0, False) == pytest.approx(stats.poisson.cdf(point, count), abs=5e-3)


def test_small_counts_are_summed_exactly():
    assert count_cdf(3, 4.0, 20, True) == pytest.approx(stats.binom.cdf(3, 20, 0.2), abs=1e-12)
    assert count_cdf(7, 5.5, 1, False) == pytest.approx(stats.poisson.cdf(7, 5.5), abs=1e-12)
    assert count_cdf(-1, 5, 10, True) == 0.0 and count_cdf(10, 5, 10, True) == 1.0


def test_too_many_organisations_is_refused(monkeypatch):
    monkeypatch.setattr(core, "MAX_ORGANISATIONS", 100)
    with pytest.raises(DataError, match="organisations: sensitivity ranks organisations against each other"):
        core.sensitivity(national("2018-19"), 10, 1)


# --- the command ----------------------------------------------------------------------------------

NATIONAL = EXAMPLES / "national-2018-19.csv"
STILL_ARGS = ("--vary", "weights", "--vary", "cuts", "--weight-sd", "0", "--cut-sd", "0", "--draws", "20")


def test_table_golden_with_nothing_perturbed(ccgrate):
    result = ccgrate("sensitivity", NATIONAL, *STILL_ARGS, "--org", "SYN001", "--org", "SYN005", "--org", "SYN007")
    golden("sensitivity-still.txt", result.stdout)
    assert result.stderr == ""


def test_csv_golden_with_nothing_perturbed(ccgrate):
    result = ccgrate("sensitivity", NATIONAL, *STILL_ARGS, "--org", "SYN001", "--org", "SYN005", "-f", "csv")
    golden("sensitivity-still.csv", result.stdout)


def test_json_ndjson_csv_and_markdown_agree(ccgrate):
    args = ("sensitivity", NATIONAL, "--draws", "500", "--seed", "9")
    document = json.loads(ccgrate(*args, "-f", "json").stdout)
    assert document["draws"] == 500 and document["seed"] == 9 and document["weights_sd"] == 0.25
    assert document["resampled_indicators"]
    first = document["organisations"][0]
    assert set(first) == {"org_code", "org_name", "period", "score", "rating", "probabilities", "p_same_rating", "rank"}
    assert sum(first["probabilities"].values()) == pytest.approx(1.0, abs=1e-3)
    rows = list(csv.DictReader(io.StringIO(ccgrate(*args, "-f", "csv").stdout)))
    assert len(rows) == len(document["organisations"])
    assert float(rows[0]["p_good"]) == first["probabilities"]["Good"]
    lines = [json.loads(line) for line in ccgrate(*args, "-f", "ndjson").stdout.splitlines()]
    assert lines[0]["rank_median"] == first["rank"]["median"] and lines[0]["seed"] == 9
    assert ccgrate(*args, "-f", "markdown").stdout.startswith("500 draws, seed 9: weights x exp(N(0, 0.25^2))")


def test_same_seed_same_output(ccgrate):
    args = ("sensitivity", NATIONAL, "--draws", "300", "--seed", "42", "-f", "csv")
    assert ccgrate(*args).stdout == ccgrate(*args).stdout


@pytest.mark.parametrize(
    ("args", "expect", "message"),
    [
        (("--draws", "0"), 2, "Invalid value for '--draws'"),
        (("--vary", "luck"), 2, "Invalid value for '--vary'"),
        (("--weight-sd", "-1"), 2, "Invalid value for '--weight-sd'"),
        (("--org", "NOPE"), 1, 'no organisation "NOPE" in'),
    ],
)
def test_errors(ccgrate, args, expect, message):
    result = ccgrate("sensitivity", NATIONAL, *args, expect=expect)
    assert message in result.stderr and result.stdout == ""


# --- areas ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("year", ["2016-17", "2018-19"])
def test_with_nothing_perturbed_every_draw_keeps_every_area_rating(year):
    population = national(year)
    result = core.sensitivity(population, 20, 3, STILL, areas=True)
    base = assess_population(population.framework, population)
    for k, (area, shares) in enumerate(result.same_area_rating().items()):
        rated = base.area_ratings[:, k] >= 0
        assert np.all(shares[rated] == 1) and np.all(np.isnan(shares[~rated])), area
        assert np.all(result.area_counts[area][~rated, -1] == 20)


def test_an_area_banding_equal_to_the_headline_one_draws_the_same_counts():
    """An area's own banding reads the same drawn count as the headline banding: written the same,
    it gives the same area ratings in every draw, and the headline draws do not change."""
    from dataclasses import replace

    from ccgrate._framework.loader import framework_text, parse_framework

    population = national("2016-17")
    fw = population.framework
    ind = next(
        i
        for i in fw.indicators
        if i.area == "cancer" and i.id in population.numerators and i.method == "quantile" and i.cuts is not None
    )
    own = (
        f'[[areas.indicators]]\nid = "{ind.id}"\nmethod = "bands"\ncuts = {list(ind.cuts)}\n'
        f"labels = {json.dumps(fw.band_labels(ind))}\n\n"
    )
    text = framework_text(fw).replace('[[areas]]\nid = "dementia"', own + '[[areas]]\nid = "dementia"', 1)
    same = parse_framework(text.encode(), name="same.toml")
    assert [o.id for o in same.areas[0].indicators] == [ind.id]
    plain = core.sensitivity(population, 300, 11, areas=True)
    twin = core.sensitivity(replace(population, framework=same), 300, 11, areas=True)
    assert np.array_equal(plain.counts, twin.counts)
    for area in plain.area_counts:
        assert np.array_equal(plain.area_counts[area], twin.area_counts[area]), area
    assert ind.id in twin.resampled


def test_areas_are_reported_only_when_asked_for(ccgrate):
    plain = ccgrate("sensitivity", EXAMPLES / "national-2016-17.csv", "--draws", "50", "-f", "csv").stdout
    assert "p_same_area" not in plain
    rows = list(
        csv.DictReader(
            io.StringIO(
                ccgrate(
                    "sensitivity", EXAMPLES / "national-2016-17.csv", "--draws", "50", "--areas", "-f", "csv"
                ).stdout
            )
        )
    )
    assert [key for key in rows[0] if key.startswith("p_same_area:")] == [
        "p_same_area:cancer",
        "p_same_area:dementia",
        "p_same_area:diabetes",
        "p_same_area:mental-health",
        "p_same_area:learning-disabilities",
        "p_same_area:maternity",
    ]
    assert all(0 <= float(row["p_same_area:dementia"]) <= 1 for row in rows)
    document = json.loads(
        ccgrate(
            "sensitivity",
            EXAMPLES / "national-2016-17.csv",
            "--draws",
            "50",
            "--areas",
            "--org",
            "SYN001",
            "-f",
            "json",
        ).stdout
    )
    assert set(document["organisations"][0]["p_same_area"]) == {
        "cancer",
        "dementia",
        "diabetes",
        "mental-health",
        "learning-disabilities",
        "maternity",
    }
    table = ccgrate("sensitivity", EXAMPLES / "national-2016-17.csv", "--draws", "50", "--areas").stdout
    assert "Area ratings kept in at least 90% of draws: cancer" in " ".join(table.split())
