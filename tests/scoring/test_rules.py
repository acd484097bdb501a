"""Rating rules: each effect, each condition, and their order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pytest
from factories import BASE_TOML, framework

from ccgrate._framework.model import Condition, Framework, Judgement
from ccgrate._scoring.bind import level_lookup
from ccgrate._scoring.rules import (
    PopulationContext,
    RuleFired,
    apply_rules_to_population,
    area_words,
    conditions_hold,
    describe_condition,
)

NO_RULES = BASE_TOML[: BASE_TOML.index("[[rules]]")]


# --- one organisation at a time: the tests' way of stating a rule's cases (the engine runs whole
# populations through apply_rules_to_population) ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What rules may look at, for one organisation."""

    score: float | None
    judgements: Mapping[str, str]
    domain_scores: Mapping[str, float | None]
    area_ratings: Mapping[str, str | None]
    best_band_share: float | None
    worst_band_share: float | None


def one_organisation(framework: Framework, context: RuleContext) -> PopulationContext:
    """A population of one organisation."""

    def level(jid: str, judgement: Judgement) -> int:
        if jid not in context.judgements:
            return -1
        return judgement.levels.index(
            level_lookup(judgement.levels, judgement.aliases)[context.judgements[jid].lower()]
        )

    def number(value: float | None) -> np.ndarray:
        return np.array([np.nan if value is None else value])

    return PopulationContext(
        score=number(context.score),
        judgements={jid: np.array([level(jid, j)]) for jid, j in framework.judgements.items()},
        domain_scores={d: number(s) for d, s in context.domain_scores.items()},
        area_ratings={
            a: np.array([-1 if r is None else area_words(framework, a).index(r)])
            for a, r in context.area_ratings.items()
        },
        best_band_share=number(context.best_band_share),
        worst_band_share=number(context.worst_band_share),
    )


def apply_rules(framework: Framework, rating: str, context: RuleContext) -> tuple[str, list[RuleFired], list[str]]:
    """For one organisation: the final rating, every rule that fired, and rules not evaluated (and why)."""
    ratings = framework.scale.ratings
    final, outcomes = apply_rules_to_population(
        framework, np.array([ratings.index(rating)]), one_organisation(framework, context)
    )
    fired = [
        RuleFired(
            o.rule.id, o.rule.effect[0], o.rule.effect[1], ratings[o.before[0]], ratings[o.after[0]], o.rule.reason
        )
        for o in outcomes
        if o.fired[0]
    ]
    return ratings[final[0]], fired, [o.skip_message() for o in outcomes if o.skipped[0]]


def holds(framework: Framework, when: Condition, rating: str, context: RuleContext) -> bool:
    """Whether a rule's conditions hold for one organisation."""
    position = np.array([framework.scale.ratings.index(rating)])
    return bool(conditions_hold(framework, when, position, one_organisation(framework, context))[0])


def with_rules(rules: str):
    return framework(NO_RULES + rules)


def context(**overrides) -> RuleContext:
    values = {
        "score": 60.0,
        "judgements": {"leadership": "green", "finance": "green"},
        "domain_scores": {"health": 70.0, "care": 55.0},
        "area_ratings": {"cancer": "Good"},
        "best_band_share": 0.4,
        "worst_band_share": 0.1,
    }
    values.update(overrides)
    return RuleContext(**values)


def rule(when: str, effect: str, rule_id: str = "r") -> str:
    return f'[[rules]]\nid = "{rule_id}"\nwhen = {when}\n{effect}\nreason = "Because."\n\n'


@pytest.mark.parametrize(
    ("effect", "before", "after"),
    [
        ('cap = "Requires improvement"', "Outstanding", "Requires improvement"),
        ('cap = "Requires improvement"', "Inadequate", "Inadequate"),
        ('floor = "Good"', "Inadequate", "Good"),
        ('floor = "Good"', "Outstanding", "Outstanding"),
        ('set = "Inadequate"', "Outstanding", "Inadequate"),
        ('set = "Good"', "Inadequate", "Good"),
    ],
)
def test_effects(effect, before, after):
    fw = with_rules(rule('{ finance = "green" }', effect))
    rating, fired, skipped = apply_rules(fw, before, context())
    assert rating == after
    assert [(f.rule, f.before, f.after, f.reason) for f in fired] == [("r", before, after, "Because.")]
    assert fired[0].changed == (before != after)
    assert skipped == []


def test_rules_apply_in_order_each_seeing_the_rating_so_far():
    fw = with_rules(
        rule('{ finance = "red" }', 'cap = "Requires improvement"', "cap")
        + rule('{ rating = "Requires improvement", leadership = "green star" }', 'floor = "Good"', "floor")
    )
    rating, fired, _ = apply_rules(
        fw, "Outstanding", context(judgements={"finance": "red", "leadership": "green star"})
    )
    assert rating == "Good"
    assert [(f.rule, f.before, f.after) for f in fired] == [
        ("cap", "Outstanding", "Requires improvement"),
        ("floor", "Requires improvement", "Good"),
    ]


def test_a_rule_on_a_missing_judgement_is_skipped_and_reported():
    fw = with_rules(rule('{ finance = "red" }', 'cap = "Requires improvement"', "deficit"))
    rating, fired, skipped = apply_rules(fw, "Outstanding", context(judgements={"leadership": "green"}))
    assert (rating, fired) == ("Outstanding", [])
    assert skipped == ["rule deficit was not evaluated: no finance judgement in the data"]


def test_judgement_conditions_accept_lists_and_aliases():
    fw = with_rules(rule('{ leadership = ["Outstanding", "green"] }', 'floor = "Good"'))
    when = fw.rules[0].when
    assert holds(fw, when, "Inadequate", context(judgements={"leadership": "green star", "finance": "red"}))
    assert holds(fw, when, "Inadequate", context(judgements={"leadership": "green", "finance": "red"}))
    assert not holds(fw, when, "Inadequate", context(judgements={"leadership": "amber", "finance": "red"}))


@pytest.mark.parametrize(
    ("when", "ctx", "expected"),
    [
        ("{ score_below = 60.0 }", {"score": 59.99}, True),
        ("{ score_below = 60.0 }", {"score": 60.0}, False),
        ("{ score_at_least = 60.0 }", {"score": 60.0}, True),
        ("{ score_at_least = 60.0 }", {"score": 59.99}, False),
        ("{ domain_score_below = { care = 56.0 } }", {}, True),
        ("{ domain_score_below = { care = 55.0 } }", {}, False),
        ("{ domain_score_below = { care = 56.0 } }", {"domain_scores": {"care": None}}, False),
        ('{ area_rating = { cancer = ["Good", "Outstanding"] } }', {}, True),
        ('{ area_rating = { cancer = "Inadequate" } }', {}, False),
        ('{ areas_rated_at_most = { rating = "Good", count = 1 } }', {}, True),
        ('{ areas_rated_at_most = { rating = "Requires improvement", count = 1 } }', {}, False),
        ("{ worst_band_share_at_least = 0.1 }", {}, True),
        ("{ worst_band_share_at_least = 0.2 }", {}, False),
        ("{ best_band_share_at_least = 0.4 }", {}, True),
        ("{ best_band_share_at_least = 0.5 }", {}, False),
        ("{ best_band_share_at_least = 0.0 }", {"best_band_share": None}, False),
        ('{ rating = "Good" }', {}, True),
        ('{ rating = ["Outstanding", "Inadequate"] }', {}, False),
        ('{ finance = "green", score_below = 50.0 }', {}, False),
    ],
)
def test_conditions(when, ctx, expected):
    fw = with_rules(rule(when, 'cap = "Good"'))
    assert holds(fw, fw.rules[0].when, "Good", context(**ctx)) is expected


def test_describe_condition():
    fw = with_rules(
        rule(
            '{ finance = "red", rating = ["Good", "Outstanding"], score_below = 50.0, domain_score_below = { care = 40.0 }, '
            'areas_rated_at_most = { rating = "Inadequate", count = 2 }, worst_band_share_at_least = 0.25 }',
            'cap = "Good"',
        )
    )
    assert describe_condition(fw.rules[0].when) == (
        "finance is red and rating so far is Good or Outstanding and score < 50 and care score < 40 and "
        "2+ areas rated Inadequate or worse and 25%+ of indicators in their worst band"
    )
