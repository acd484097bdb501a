"""Z-score banding and standards with significance, checked against arithmetic done independently.

The reference below is written from banding.md with numpy and scipy (percentiles, average ranks,
normal quantiles), sharing no code with ccgrate; hand-worked examples pin a few exact numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from factories import BASE_TOML, framework, org, replaced
from scipy import stats as sps

from ccgrate._scoring.banding import IndicatorColumn, make_banding
from ccgrate._scoring.bind import Observation
from ccgrate._scoring.engine import assess_population

Q95 = sps.norm.ppf(0.975)
Q998 = sps.norm.ppf(0.999)


def zscore_framework(**keys) -> object:
    """The test framework with c2 turned into a z-score indicator with these keys: a percentage for
    proportions, a plain ratio (observed over expected) for ratios."""
    lines = "\n".join(f"{key} = {value!r}".replace("'", '"') for key, value in keys.items())
    unit = 'unit = "ratio"\n' if keys.get("data") == "ratio" else 'unit = "%"\n'
    text = replaced(
        'method = "quantile"\ncuts = [60.0, 70.0, 80.0]\nweight = 2.0',
        f'method = "zscore"\nweight = 2.0\n{unit}{lines}',
    )
    return framework(text)


def reference(O, D, *, data, transform, target, overdispersion, trim, trim_method):
    O, D = np.asarray(O, float), np.asarray(D, float)
    T = O.sum() / D.sum() if target == "pooled" else target
    f = {"arcsine": lambda x: np.arcsin(np.sqrt(x)), "log": np.log, "sqrt": np.sqrt}[transform]
    se = (lambda d: 1 / np.sqrt(d)) if transform == "log" else (lambda d: 1 / (2 * np.sqrt(d)))
    Y, t0, s = f(O / D), f(T), se(D)
    z = (Y - t0) / s
    k = len(z)
    if trim_method == "winsorise":
        low, high = np.percentile(z, [100 * trim, 100 * (1 - trim)])
        keep, zt = np.ones(k, bool), np.clip(z, low, high)
    else:
        groups = 1 / trim
        band = np.floor(sps.rankdata(z) * groups / (k + 1))
        keep = (band > 0) & (band < groups - 1)
        zt = z[keep]
    n = int(keep.sum())
    phi = float(np.mean(zt**2))
    w = 1 / s[keep] ** 2
    tau2 = max(0.0, (n * phi - (n - 1)) / (w.sum() - (w**2).sum() / w.sum())) if phi > 1 else 0.0
    if overdispersion == "additive":
        z_adj = (Y - t0) / np.sqrt(s**2 + tau2)
    elif overdispersion == "multiplicative" and phi > 1:
        z_adj = z / np.sqrt(phi)
    else:
        z_adj = z
    return {"T": T, "z": z, "z_adj": z_adj, "phi": phi, "tau2": tau2, "n": n}


def population(data: str, size: int = 60, seed: int = 7):
    rng = np.random.default_rng(seed)
    if data == "proportion":
        D = rng.integers(80, 4000, size)
        p = np.clip(rng.normal(0.7, 0.06, size), 0.05, 0.98)  # real differences: over-dispersed
        O = rng.binomial(D, p)
    else:
        D = rng.uniform(10, 400, size)  # expected counts
        O = rng.poisson(D * np.exp(rng.normal(0, 0.15, size)))
    return O.astype(float), D.astype(float)


@dataclass
class Band:
    """One organisation's band, read out of the column-wise result."""

    label: str | None
    points: float | None
    reference: str
    note: str | None
    detail: dict | None


def band_each(fw, ind_id: str, observations: dict) -> tuple[dict, dict | None]:
    """Band a population given as {key: Observation}; results by the same keys."""
    keys = list(observations)
    ind = fw.indicator(ind_id)

    def column(attribute):
        values = [getattr(observations[k], attribute) for k in keys]
        return np.array([np.nan if v is None else v for v in values], dtype=float)

    banding = make_banding(fw, ind)
    bands = banding.band(IndicatorColumn(column("value"), column("numerator"), column("denominator")))
    results = {}
    for position, key in enumerate(keys):
        rank = int(bands.rank[position])
        detail = None
        if bands.detail is not None and rank >= 0:
            detail = {name: float(values[position]) for name, values in bands.detail.items()}
        results[key] = Band(
            banding.labels[rank] if rank >= 0 else None,
            float(bands.points[position]) if rank >= 0 else None,
            bands.reference_for(position),
            bands.notes.get(position),
            detail,
        )
    return results, bands.stats


def banded(fw, O, D, direction_key="c2"):
    ind = fw.indicator(direction_key)
    observations = {
        i: Observation(100 * o / d if ind.unit == "%" else o / d, float(o), float(d))
        for i, (o, d) in enumerate(zip(O, D))
    }
    return band_each(fw, direction_key, observations)


CASES = [
    (data, transform, overdispersion, trim_method)
    for data, transform in (("proportion", "arcsine"), ("ratio", "log"), ("ratio", "sqrt"))
    for overdispersion in ("additive", "multiplicative", "none")
    for trim_method in ("winsorise", "truncate")
]


@pytest.mark.parametrize(("data", "transform", "overdispersion", "trim_method"), CASES)
def test_zscores_agree_with_the_reference(data, transform, overdispersion, trim_method):
    O, D = population(data)
    target = "pooled" if data == "proportion" else 1.0
    fw = zscore_framework(
        data=data, transform=transform, target=target, overdispersion=overdispersion, trim=0.1, trim_method=trim_method
    )
    result, stats = banded(fw, O, D)
    expected = reference(
        O,
        D,
        data=data,
        transform=transform,
        target=target,
        overdispersion=overdispersion,
        trim=0.1,
        trim_method=trim_method,
    )
    assert stats["phi"] == pytest.approx(expected["phi"], rel=1e-9)
    assert stats["tau2"] == pytest.approx(expected["tau2"], rel=1e-9, abs=1e-12)
    assert stats["n"] == expected["n"]
    assert stats["n"] == (60 if trim_method == "winsorise" else 48)
    for i in range(len(O)):
        assert result[i].detail["z"] == pytest.approx(expected["z"][i], rel=1e-9)
        assert result[i].detail["z_adj"] == pytest.approx(expected["z_adj"][i], rel=1e-9)
        good = expected["z_adj"][i]  # c2 is "higher is better"
        label = (
            "significantly better"
            if good > Q998
            else "better"
            if good > Q95
            else "significantly worse"
            if good < -Q998
            else "worse"
            if good < -Q95
            else "as expected"
        )
        assert result[i].label == label
    assert expected["phi"] > 1  # this population is over-dispersed, so the adjustment mattered


def test_over_dispersion_shrinks_the_flags():
    O, D = population("proportion", size=200)
    counts = {}
    for setting in ("none", "multiplicative", "additive"):
        result, _ = banded(zscore_framework(overdispersion=setting), O, D)
        counts[setting] = sum(1 for band in result.values() if band.label != "as expected")
    assert counts["none"] > counts["multiplicative"] and counts["none"] > counts["additive"]


def test_a_population_with_phi_at_most_1_is_not_adjusted():
    D = np.array([100, 400, 900, 1600, 2500, 3600, 4900, 6400, 8100, 10000] * 3, float)
    O = np.round(D * 0.5)  # every organisation exactly on target: no dispersion at all
    O[::7] += 3
    for setting in ("additive", "multiplicative"):
        result, stats = banded(zscore_framework(overdispersion=setting, target=50.0), O, D)
        assert stats["phi"] <= 1 and stats["tau2"] == 0
        for band in result.values():
            assert band.detail["z_adj"] == pytest.approx(band.detail["z"])


def test_a_zero_count_has_no_log_zscore_and_is_left_out():
    O, D = population("ratio", size=30)
    O[3] = 0
    fw = zscore_framework(data="ratio", transform="log", target=1.0)
    result, stats = banded(fw, O, D)
    assert (result[3].label, result[3].points) == (None, None)
    assert result[3].note == "not banded: a zero count has no log z-score"
    expected = reference(
        np.delete(O, 3),
        np.delete(D, 3),
        data="ratio",
        transform="log",
        target=1.0,
        overdispersion="additive",
        trim=0.1,
        trim_method="winsorise",
    )
    assert (stats["k"], stats["excluded"], stats["n"]) == (29, 1, 29)
    assert stats["phi"] == pytest.approx(expected["phi"])
    # under the square root a zero count is an ordinary value
    result, stats = banded(zscore_framework(data="ratio", transform="sqrt", target=1.0), O, D)
    assert result[3].label is not None and stats["k"] == 30


def test_the_pooled_log_target_counts_zero_counts_too():
    """banding.md leaves zero counts out of the over-dispersion estimate only: the pooled target is
    every organisation's events over every organisation's expected, zeros included."""
    O, D = population("ratio", size=30)
    O[3] = 0
    fw = zscore_framework(data="ratio", transform="log", target="pooled")
    result, stats = banded(fw, O, D)
    assert stats["target"] == pytest.approx(O.sum() / D.sum(), rel=1e-15)
    assert stats["target"] != pytest.approx(np.delete(O, 3).sum() / np.delete(D, 3).sum(), rel=1e-12)
    expected = reference(
        np.delete(O, 3),
        np.delete(D, 3),
        data="ratio",
        transform="log",
        target=O.sum() / D.sum(),
        overdispersion="additive",
        trim=0.1,
        trim_method="winsorise",
    )
    assert stats["phi"] == pytest.approx(expected["phi"], rel=1e-12)
    assert result[3].note == "not banded: a zero count has no log z-score"


def test_hand_worked_arcsine_zscore():
    # 40 of 100 against a target of 50%: Y = asin(sqrt(0.4)) = 0.684719, t0 = pi/4 = 0.785398,
    # s = 1 / (2 * 10) = 0.05, z = -2.01358: worse, not significantly.
    fw = zscore_framework(target=50.0, overdispersion="none", min_population=2)
    result, _ = band_each(fw, "c2", {0: Observation(40.0, 40.0, 100.0), 1: Observation(50.0, 50.0, 100.0)})
    assert result[0].detail["y"] == pytest.approx(0.684719, abs=1e-6)
    assert result[0].detail["z"] == pytest.approx(-2.01358, abs=1e-5)
    assert result[0].label == "worse"
    assert result[0].reference == "target 50, z -2.01, adjusted -2.01"
    assert result[1].label == "as expected"


def test_lower_is_better_flips_the_sign():
    text = replaced(
        'direction = "higher"\nmethod = "quantile"\ncuts = [60.0, 70.0, 80.0]',
        'unit = "%"\ndirection = "lower"\nmethod = "zscore"\ntarget = 50.0\noverdispersion = "none"\nmin_population = 2',
    )
    fw = framework(text)
    result, _ = band_each(fw, "c2", {0: Observation(40.0, 40.0, 100.0), 1: Observation(50.0, 50.0, 100.0)})
    assert result[0].label == "better"


def test_organisations_without_counts_are_reported_and_left_out():
    O, D = population("proportion", size=25)
    fw = zscore_framework()
    observations = {i: Observation(100 * o / d, o, d) for i, (o, d) in enumerate(zip(O, D))}
    observations[25] = Observation(71.0)  # a value but no counts
    result, stats = band_each(fw, "c2", observations)
    assert result[25].note == "not banded: no numerator and denominator"
    assert (stats["k"], stats["excluded"]) == (25, 1)
    expected = reference(
        O,
        D,
        data="proportion",
        transform="arcsine",
        target="pooled",
        overdispersion="additive",
        trim=0.1,
        trim_method="winsorise",
    )
    assert stats["phi"] == pytest.approx(expected["phi"])
    assert stats["target"] == pytest.approx(100 * O.sum() / D.sum())


def test_a_small_population_needs_a_fixed_target_and_dispersion():
    observation = {0: Observation(72.0, 720.0, 1000.0)}
    fw = zscore_framework()
    result, _ = band_each(fw, "c2", observation)
    assert result[0].note == (
        "not banded: z-scores need at least 20 organisations with counts to estimate the target and over-dispersion, "
        "this population has 1; give a numeric target and a fixed tau2 in the framework, or score the whole population"
    )
    fw = zscore_framework(target=70.0, tau2=0.001)
    result, stats = band_each(fw, "c2", observation)
    y, t0, s = math.asin(math.sqrt(0.72)), math.asin(math.sqrt(0.7)), 1 / (2 * math.sqrt(1000))
    assert result[0].detail["z_adj"] == pytest.approx((y - t0) / math.sqrt(s * s + 0.001))
    assert stats["fixed"] is True and stats["tau2"] == 0.001


# --- standards with significance (Wilson score interval) ----------------------------------


def test_wilson_interval_by_hand():
    from ccgrate._scoring.dispersion import wilson

    # 81 of 100 at 95%: centre 0.798532, half-width 0.076321
    low, high = wilson(81, 100, 0.95)
    assert (low, high) == (pytest.approx(0.722211, abs=1e-6), pytest.approx(0.874853, abs=1e-6))
    low, high = wilson(0, 20, 0.95)
    assert low == pytest.approx(0, abs=1e-12) and high == pytest.approx(0.161125, abs=1e-6)


@pytest.mark.parametrize(
    ("numerator", "denominator", "label"),
    [
        (9500, 10000, "significantly met"),  # 95.0%, interval 94.6-95.4, all above 92
        (930, 1000, "met"),  # 93.0%, interval 91.3-94.4 straddles 92, point above
        (910, 1000, "not met"),  # 91.0%, interval 89.1-92.6 straddles 92, point below
        (8900, 10000, "significantly missed"),  # 89.0%, interval 88.4-89.6, all below 92
    ],
)
def test_standard_with_significance(numerator, denominator, label):
    text = replaced("standard = 85.0", "standard = 92.0\nsignificance = 0.95")
    fw = framework(text)
    result, _ = band_each(fw, "c1", {0: Observation(100 * numerator / denominator, numerator, denominator)})
    assert result[0].label == label
    assert (
        result[0].points
        == {"significantly met": 100.0, "met": 200 / 3, "not met": 100 / 3, "significantly missed": 0.0}[label]
    )


def test_standard_with_significance_but_no_counts_uses_the_value():
    fw = framework(replaced("standard = 85.0", "standard = 92.0\nsignificance = 0.95"))
    result, _ = band_each(fw, "c1", {0: Observation(93.0)})
    assert (result[0].label, result[0].note) == ("met", "no numerator and denominator: judged on the value alone")


# --- framework validation of the new keys ---------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (
            {"data": "proportion", "transform": "log"},
            'indicators[3].transform (id "c2"): "log" does not suit proportion data (use arcsine)',
        ),
        (
            {"data": "ratio", "transform": "arcsine"},
            'indicators[3].transform (id "c2"): "arcsine" does not suit ratio data (use log or sqrt)',
        ),
        (
            {"target": 0.0},
            'indicators[3].target (id "c2"): a percentage target must lie strictly between 0 and 100, got 0',
        ),
        (
            {"data": "ratio", "target": -1.0},
            'indicators[3].target (id "c2"): a ratio target must be greater than 0, got -1',
        ),
        (
            {"trim_method": "truncate", "trim": 0.0},
            'indicators[3].trim (id "c2"): truncating needs a trim above 0 and at most 1/3, got 0',
        ),
        (
            {"overdispersion": "both"},
            "indicators[3].overdispersion (id \"c2\"): must be 'additive', 'multiplicative' or 'none' (got 'both')",
        ),
    ],
)
def test_zscore_keys_are_validated(keys, message):
    from ccgrate._base.errors import FrameworkError

    with pytest.raises(FrameworkError) as caught:
        zscore_framework(**keys)
    assert caught.value.problems[0] == f"test.toml: {message}"


def test_percentage_target_is_read_in_the_indicators_unit():
    fw = framework(
        replaced(
            'direction = "higher"\nmethod = "quantile"\ncuts = [60.0, 70.0, 80.0]',
            'unit = "%"\ndirection = "higher"\nmethod = "zscore"\ntarget = 70.0',
        )
    )
    assert fw.indicator("c2").target_value == 0.7


def test_population_statistics_reach_the_run():
    O, D = population("proportion", size=30)
    fw = zscore_framework()
    orgs = [org(f"O{i:02d}", {"c2": Observation(100 * o / d, o, d)}) for i, (o, d) in enumerate(zip(O, D))]
    result = assess_population(fw, orgs)
    stats = result.stats
    assessments = [result.assessment(0)]
    assert set(stats) == {"c2", "h2"}
    assert stats["c2"]["method"] == "zscore" and stats["c2"]["k"] == 30
    c2 = next(i for i in assessments[0].indicators if i.id == "c2")
    assert set(c2.detail) == {"y", "target", "s", "z", "z_adj"}
    assert BASE_TOML  # the base stays untouched


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 500), st.integers(1, 500)), min_size=20, max_size=40),
    st.sampled_from(["winsorise", "truncate"]),
    st.sampled_from(["additive", "multiplicative", "none"]),
    st.randoms(use_true_random=False),
)
def test_order_of_organisations_never_changes_a_band(pairs, trim_method, setting, rng):
    counts = [(min(o, d), d) for o, d in pairs]
    fw = zscore_framework(trim_method=trim_method, overdispersion=setting)
    observations = {i: Observation(100 * o / d, float(o), float(d)) for i, (o, d) in enumerate(counts)}
    keys = list(observations)
    rng.shuffle(keys)
    first, first_stats = band_each(fw, "c2", observations)
    second, second_stats = band_each(fw, "c2", {k: observations[k] for k in keys})
    assert {k: first[k].label for k in keys} == {k: second[k].label for k in keys}
    assert first_stats["phi"] == pytest.approx(second_stats["phi"], nan_ok=True)
