"""Invariants of the scoring engine, checked with hypothesis over many populations."""

from __future__ import annotations

from factories import BASE_TOML, framework, org
from hypothesis import given, settings
from hypothesis import strategies as st

from ccgrate._framework.loader import resolve_framework
from ccgrate._scoring.engine import assess

FW = framework()
FINITE = {"allow_nan": False, "allow_infinity": False}
LEVELS = ["good", "fair", "poor"]

value_strategies = {
    "h1": st.floats(0, 100, **FINITE),
    "h2": st.floats(-1000, 1000, **FINITE),
    "c1": st.floats(0, 100, **FINITE),
    "c2": st.floats(0, 100, **FINITE),
    "c3": st.sampled_from(LEVELS),
}
org_values = st.fixed_dictionaries({}, optional=value_strategies)
judgements = st.fixed_dictionaries(
    {},
    optional={
        "leadership": st.sampled_from(["green star", "green", "amber", "red"]),
        "finance": st.sampled_from(["green", "amber", "red"]),
    },
)
populations = st.lists(st.tuples(org_values, judgements), min_size=1, max_size=12)


def build(population):
    return [org(f"O{i:02d}", values, judged) for i, (values, judged) in enumerate(population)]


def by_code(assessments):
    return {a.org_code: a for a in assessments}


@settings(max_examples=150, deadline=None)
@given(populations, st.randoms(use_true_random=False))
def test_row_order_never_changes_a_result(population, rng):
    orgs = build(population)
    shuffled = list(orgs)
    rng.shuffle(shuffled)
    assert by_code(assess(FW, orgs)) == by_code(assess(FW, shuffled))


@settings(max_examples=150, deadline=None)
@given(populations)
def test_scores_stay_within_0_and_100(population):
    for a in assess(FW, build(population)):
        assert a.score is None or 0 <= a.score <= 100
        assert all(d.score is None or 0 <= d.score <= 100 for d in a.domains)


def improved(indicator: str, value, step: float):
    if indicator == "c3":
        return LEVELS[max(LEVELS.index(value) - 1, 0)]
    direction = FW.indicator(indicator).direction
    return value - step if direction == "lower" else value + step


@settings(max_examples=300, deadline=None)
@given(populations, st.sampled_from(sorted(value_strategies)), st.floats(0.001, 200, **FINITE), st.data())
def test_improving_one_indicator_never_lowers_the_score(population, indicator, step, data):
    orgs = build(population)
    target = data.draw(st.sampled_from([o for o in orgs if indicator in o.values] or orgs))
    if indicator not in target.values:
        return
    before = by_code(assess(FW, orgs))[target.org_code].score
    better_values = dict(target.values)
    better_values[indicator] = type(target.values[indicator])(improved(indicator, target.values[indicator].value, step))
    better = org(target.org_code, {k: v.value for k, v in better_values.items()}, dict(target.judgements))
    after = by_code(assess(FW, [better if o is target else o for o in orgs]))[target.org_code].score
    assert (before is None) == (after is None)  # nothing scored: a value alone never makes a score
    if before is not None:
        assert after >= before


def without_indicator(indicator: str) -> str:
    head, *blocks = BASE_TOML.split("[[indicators]]")
    last = blocks[-1]
    rules = last[last.index("[[rules]]") :]
    blocks[-1] = last[: last.index("[[rules]]")]
    kept = [b for b in blocks if f'id = "{indicator}"' not in b]
    return head + "".join("[[indicators]]" + b for b in kept) + rules


@settings(max_examples=150, deadline=None)
@given(populations, st.sampled_from(["h1", "c1", "c2", "c3"]))
def test_a_missing_value_counts_as_if_the_indicator_were_not_in_the_framework(population, indicator):
    """Never as zero: leaving a value out gives the score of a framework without that indicator."""
    orgs = build(population)
    first = orgs[0]
    dropped = org(
        first.org_code, {k: v.value for k, v in first.values.items() if k != indicator}, dict(first.judgements)
    )
    with_gap = by_code(assess(FW, [dropped, *orgs[1:]]))[first.org_code]
    reduced = by_code(assess(framework(without_indicator(indicator)), orgs))[first.org_code]
    assert with_gap.score == reduced.score
    assert indicator in with_gap.missing


BUILTIN = resolve_framework("iaf-2017-18")


def builtin_values():
    entries = {}
    for ind in BUILTIN.indicators:
        if ind.method == "judgement":
            if ind.judgement is None:
                entries[ind.id] = st.sampled_from(BUILTIN.levels_of(ind))
        elif ind.method == "standard":
            entries[ind.id] = st.floats(max(ind.standard - 20, 0), min(ind.standard + 10, 100), **FINITE)
        else:
            low, high = ind.cuts[0], ind.cuts[-1]
            spread = high - low
            entries[ind.id] = st.floats(low - spread, high + spread, **FINITE)
    return st.fixed_dictionaries(entries)


@settings(max_examples=200, deadline=None)
@given(
    builtin_values(),
    st.sampled_from(["green star", "green", "amber", "red"]),
    st.sampled_from(["green", "amber", "red"]),
)
def test_a_capped_rating_is_never_above_its_cap(values, leadership, finance):
    (a,) = assess(BUILTIN, [org("A", values, {"leadership": leadership, "finance": finance})])
    order = BUILTIN.scale.ratings
    if finance == "red" or leadership == "red":
        assert order.index(a.rating) >= order.index("Requires improvement")
    if finance == "amber" or leadership == "amber":
        assert a.rating != "Outstanding"
    for fired in a.rules_fired:
        if fired.effect == "cap":
            assert order.index(fired.after) >= order.index(fired.target)
