"""What would it take? The smallest change to one organisation's data that reaches a target rating.

Pure: it works on a population's typed inputs and the engine. Every answer is checked by scoring
the whole population again with the change applied, so it is exact for the framework, including
population-based banding (whose cut points move a little when one organisation's value does).

The search, in order of preference:
1. judgements: the fewest level steps that let the target be reached at all (a red finance
   judgement, say, caps the rating whatever the indicators say);
2. indicators: the fewest indicators changed, then the fewest band steps, each moved exactly to
   the edge of its new band. A band move's gain in the overall score does not depend on the other
   moves (domain denominators stay put), so the fewest indicators are the ones with the largest
   gains, and a small knapsack finds the fewest steps among them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ccgrate._analysis.edges import band_rank, range_problem, value_for, with_changes
from ccgrate._base.errors import DataError
from ccgrate._framework.indicators import (
    JudgementIndicator,
    LookupIndicator,
    NumericIndicator,
    RankIndicator,
    ScoreIndicator,
)
from ccgrate._scoring.bind import Population
from ccgrate._scoring.engine import Assessment, assess_population

if TYPE_CHECKING:
    from ccgrate._framework.indicators import AnyIndicator
    from ccgrate._framework.model import Framework


@dataclass(frozen=True)
class Change:
    kind: str  # indicator | judgement
    id: str
    name: str
    before: float | str | None
    after: float | str
    band_before: str | None
    band_after: str | None
    steps: int  # bands (or levels) moved towards the best


@dataclass
class WhatIf:
    org_code: str
    org_name: str
    period: str
    framework: str
    target: str
    rating_before: str | None
    rating_after: str | None
    score_before: float | None
    score_after: float | None
    reachable: bool  # by indicator changes alone
    changes: list[Change] = field(default_factory=list)
    blocking: list[tuple[str, str]] = field(default_factory=list)  # rules that indicators alone cannot get past
    note: str | None = None
    framework_reconstructed: bool = False
    # What the changes do to the clinical priority areas: (id, name, rating before, rating after),
    # for each area whose rating (made by its own method where it has one) changes.
    area_changes: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)


def area_changes(before: Assessment, after: Assessment) -> list[tuple[str, str, str | None, str | None]]:
    old = {a.id: a.rating for a in before.areas}
    return [(a.id, a.name, old[a.id], a.rating) for a in after.areas if old.get(a.id) != a.rating]


def parse_setting(framework: Framework, text: str) -> tuple[str, str, float | str]:
    """`ID=VALUE` -> (kind, id, value), checked against the framework."""
    from ccgrate._read.cells import parse_number
    from ccgrate._read.dataset import Cell
    from ccgrate._scoring.bind import level_lookup

    if "=" not in text:
        raise DataError(
            f'--set "{text}" is not ID=VALUE', hint="write for example --set 126a=70 or --set finance=green"
        )
    key, _, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    for jid, judgement in framework.judgements.items():
        if jid.lower() == key.lower():
            level = level_lookup(judgement.levels, judgement.aliases).get(raw.lower())
            if level is None:
                raise DataError(
                    f'--set {key}: "{raw}" is not a level ({", ".join(judgement.levels)})',
                    hint="use one of those levels",
                )
            return "judgement", jid, level
    for ind in framework.indicators:
        if ind.id.lower() == key.lower():
            if ind.method == "judgement":
                if ind.judgement is not None:
                    raise DataError(
                        f"--set {ind.id}: it takes its value from the {ind.judgement} judgement",
                        hint=f"set {ind.judgement} instead",
                    )
                level = level_lookup(framework.levels_of(ind), ind.aliases).get(raw.lower())
                if level is None:
                    raise DataError(
                        f'--set {ind.id}: "{raw}" is not a level ({", ".join(framework.levels_of(ind))})',
                        hint="use one of those levels",
                    )
                return "indicator", ind.id, level
            number = parse_number(Cell(raw, 0, 0, ind.id), "--set")
            if number is None:
                raise DataError(f"--set {ind.id}: give a value", hint="write for example --set 126a=70")
            check_range(ind, number)
            return "indicator", ind.id, number
    raise DataError(f'--set: "{key}" is not an indicator or judgement of {framework.id}', hint="check the id")


def check_range(ind: AnyIndicator, number: float) -> None:
    problem = range_problem(ind, number)
    if problem is not None:
        message, _, hint = problem.partition("; ")
        raise DataError(f"--set {ind.id}: {message}", hint=hint)


def with_settings(population: Population, index: int, settings: Sequence[str]) -> WhatIf:
    """The rating with given `ID=VALUE` changes, instead of a search."""
    fw = population.framework
    values: dict[str, float | str] = {}
    judgements: dict[str, str] = {}
    for text in settings:
        kind, key, value = parse_setting(fw, text)
        if kind == "judgement":
            judgements[key] = str(value)
        else:
            values[key] = value
    before = assess_population(fw, population).assessment(index)
    after = rescore(population, index, values, judgements)
    answer = WhatIf(
        before.org_code,
        before.org_name,
        before.period,
        fw.id,
        after.rating or "",
        before.rating,
        after.rating,
        before.score,
        after.score,
        reachable=True,
    )
    answer.framework_reconstructed = fw.reconstructed
    old, new = {i.id: i for i in before.indicators}, {i.id: i for i in after.indicators}
    for ind_id, value in values.items():
        rank_before, rank_after = old[ind_id].band_rank, new[ind_id].band_rank
        steps = rank_before - rank_after if rank_before is not None and rank_after is not None else 0
        answer.changes.append(
            Change(
                "indicator",
                ind_id,
                old[ind_id].name,
                old[ind_id].value,
                value,
                old[ind_id].band,
                new[ind_id].band,
                steps,
            )
        )
    answer.changes.extend(_judgement_change(fw, before, jid, level) for jid, level in judgements.items())
    answer.area_changes = area_changes(before, after)
    return answer


def _judgement_change(fw: Framework, before: Assessment, jid: str, level: str) -> Change:
    levels = fw.judgements[jid].levels
    old = before.judgements.get(jid)
    steps = levels.index(old) - levels.index(level) if old is not None else 0
    return Change("judgement", jid, fw.judgements[jid].name, old, level, old, level, steps)


def rescore(
    population: Population, index: int, values: Mapping[str, float | str], judgements: Mapping[str, str]
) -> Assessment:
    result = assess_population(population.framework, with_changes(population, index, values, judgements))
    return result.assessment(index)


@dataclass(frozen=True)
class _Move:
    indicator: AnyIndicator
    steps: int
    rank: int
    value: float | str
    gain: float


def what_if(population: Population, index: int, target: str) -> WhatIf:
    """The smallest change that takes organisation `index` to `target` or better."""
    fw = population.framework
    ratings = fw.scale.ratings
    goal = ratings.index(target)
    before = assess_population(fw, population).assessment(index)
    answer = WhatIf(
        before.org_code,
        before.org_name,
        before.period,
        fw.id,
        target,
        before.rating,
        before.rating,
        before.score,
        before.score,
        reachable=True,
    )
    answer.framework_reconstructed = fw.reconstructed
    if before.rating is not None and ratings.index(before.rating) <= goal:
        answer.note = f"already rated {before.rating}"
        return answer
    if before.rating is None:
        answer.reachable = False
        answer.note = "not rated: " + "; ".join(w for w in before.warnings if w.startswith("not rated")).removeprefix(
            "not rated: "
        )
        return answer
    best = _best_values(population, index)
    for judgements in _judgement_options(fw, before):
        upper = rescore(population, index, best, judgements)
        if upper.rating is None or ratings.index(upper.rating) > goal:
            continue
        plan = _indicator_plan(population, index, goal, judgements)
        if plan is None:
            continue
        values, moves, after = plan
        changes = [
            Change(
                "indicator",
                m.indicator.id,
                m.indicator.name,
                _current(before, m.indicator.id),
                m.value,
                _band(before, m.indicator.id),
                fw.band_labels(m.indicator)[m.rank],
                m.steps,
            )
            for m in moves
        ]
        changes.extend(_judgement_change(fw, before, jid, level) for jid, level in judgements.items())
        answer.changes = changes
        answer.rating_after, answer.score_after = after.rating, after.score
        answer.area_changes = area_changes(before, after)
        if judgements:
            answer.reachable = False
            answer.blocking = _blocking(population, index, best, goal)
        return answer
    answer.reachable = False
    answer.blocking = _blocking(population, index, best, goal)
    answer.note = "not reachable even with every indicator in its best band and the best judgements"
    return answer


def _current(assessment: Assessment, ind_id: str) -> float | str | None:
    return next(i.value for i in assessment.indicators if i.id == ind_id)


def _band(assessment: Assessment, ind_id: str) -> str | None:
    return next(i.band for i in assessment.indicators if i.id == ind_id)


def _movable(population: Population, index: int) -> list[NumericIndicator | JudgementIndicator]:
    """Indicators the organisation has a value for, that its own data decides (not a judgement) and
    that are banded (a score by rank or a given score moves by other means: distance.py)."""
    fw = population.framework
    org = population.org(index)
    return [
        ind
        for ind in fw.indicators
        if ind.id in org.values
        and not isinstance(ind, (ScoreIndicator, LookupIndicator, RankIndicator))
        and not (isinstance(ind, JudgementIndicator) and ind.judgement)
    ]


def _best_values(population: Population, index: int) -> dict[str, float | str]:
    """Every movable indicator at the edge of its best band (unchanged if already there)."""
    fw = population.framework
    org = population.org(index)
    best: dict[str, float | str] = {}
    for ind in _movable(population, index):
        current = org.values[ind.id].value
        if isinstance(ind, JudgementIndicator):
            best[ind.id] = fw.levels_of(ind)[0]
            continue
        if band_rank(population, index, ind, current) == 0:
            continue
        value = value_for(population, index, ind, 0, float(current))
        if value is not None:
            best[ind.id] = value
    return best


def _judgement_options(fw: Framework, before: Assessment) -> list[dict[str, str]]:
    """Judgement changes towards better levels, fewest steps first (no change at all first)."""
    choices: list[list[tuple[str, str | None, int]]] = []
    for jid, judgement in fw.judgements.items():
        if jid not in before.judgements:
            choices.append([(jid, None, 0)])
            continue
        current = judgement.levels.index(before.judgements[jid])
        choices.append(
            [(jid, judgement.levels[p] if p != current else None, current - p) for p in range(current, -1, -1)]
        )
    options: list[tuple[int, dict[str, str]]] = []
    for combo in itertools.product(*choices):
        steps = sum(step for _, _, step in combo)
        options.append((steps, {jid: level for jid, level, _ in combo if level is not None}))
    options.sort(key=lambda option: (option[0], sorted(option[1].items())))
    return [changes for _, changes in options]


def _indicator_plan(
    population: Population, index: int, goal: int, judgements: dict[str, str]
) -> tuple[dict[str, float | str], list[_Move], Assessment] | None:
    """(values, moves, assessment after) with the fewest indicators, then fewest band steps."""
    fw = population.framework
    ratings = fw.scale.ratings
    start = rescore(population, index, {}, judgements)
    if start.rating is not None and ratings.index(start.rating) <= goal:
        return {}, [], start
    moves = _moves(population, index, start)
    score = start.score or 0.0
    for threshold in _thresholds(fw, goal, score):
        needed = threshold - score
        for margin in [needed + extra for extra in (0.0, 0.01, 0.05, 0.25, 1.0, 2.5, 5.0)]:
            for chosen in _plans(moves, max(margin, 0.0)):
                values = {m.indicator.id: m.value for m in chosen}
                after = rescore(population, index, values, judgements)
                if after.rating is not None and ratings.index(after.rating) <= goal:
                    return values, chosen, after
    chosen = _strongest(moves)
    after = rescore(population, index, {m.indicator.id: m.value for m in chosen}, judgements)
    if after.rating is None or ratings.index(after.rating) > goal:
        return None
    # Every indicator at its best reached the target where no planned set did (rules looking at
    # band shares can do this); drop whatever is not needed, smallest gain first.
    for move in sorted(chosen, key=lambda m: m.gain):
        trial = [m for m in chosen if m is not move]
        result = rescore(population, index, {m.indicator.id: m.value for m in trial}, judgements)
        if result.rating is not None and ratings.index(result.rating) <= goal:
            chosen, after = trial, result
    return {m.indicator.id: m.value for m in chosen}, chosen, after


def _thresholds(fw: Framework, goal: int, score: float) -> list[float]:
    """Scores worth aiming for, lowest first: the goal's cut, better ratings' cuts (a rule may take
    a rating back down a step, as a deficit does), and scores that rules test."""
    ratings = fw.scale.ratings
    cuts = fw.scale.cuts or {}
    found = {cuts[ratings[p]] for p in range(goal + 1) if ratings[p] in cuts}
    for rule in fw.rules:
        for limit in (rule.when.score_below, rule.when.score_at_least):
            if limit is not None:
                found.add(limit)
    return sorted(t for t in found if t > score) or [score]


def _moves(population: Population, index: int, start: Assessment) -> dict[str, list[_Move]]:
    """Per indicator, each better band it could move to: the value needed and the score gained."""
    fw = population.framework
    scored_domains = [d for d in start.domains if d.score is not None]
    total_weight = sum(d.weight for d in scored_domains)
    present_weight = {d.id: 0.0 for d in fw.domains}
    for result in start.indicators:
        if result.points is not None:
            present_weight[result.domain] += result.weight
    domain_weight = {d.id: d.weight for d in scored_domains}
    found: dict[str, list[_Move]] = {}
    for ind in _movable(population, index):
        result = next(r for r in start.indicators if r.id == ind.id)
        if result.band_rank is None or result.band_rank == 0 or ind.domain not in domain_weight:
            continue
        points = fw.band_points(ind)
        options = []
        now = result.points
        assert now is not None, "a banded indicator has points"
        for rank in range(result.band_rank - 1, -1, -1):
            if isinstance(ind, JudgementIndicator):
                value: float | str | None = fw.levels_of(ind)[rank]
            else:
                assert isinstance(result.value, float), "a numeric indicator's value is a number"
                value = value_for(population, index, ind, rank, result.value)
            if value is None:
                continue
            gain = (
                (domain_weight[ind.domain] / total_weight)
                * (ind.weight / present_weight[ind.domain])
                * (points[rank] - now)
            )
            options.append(_Move(ind, result.band_rank - rank, rank, value, gain))
        if options:
            found[ind.id] = options
    return found


def _strongest(moves: dict[str, list[_Move]]) -> list[_Move]:
    return [max(options, key=lambda m: m.gain) for options in moves.values()]


def _plans(moves: dict[str, list[_Move]], needed: float, limit: int = 8) -> Iterator[list[_Move]]:
    """Sets of moves reaching `needed` score: fewest indicators, then fewest steps (a few of each)."""
    items = list(moves.values())
    best_gains = sorted((max(m.gain for m in options) for options in items), reverse=True)
    reach = 0.0
    count = None
    for k, gain in enumerate(best_gains, start=1):
        reach += gain
        if reach >= needed - 1e-9:
            count = k
            break
    if count is None:
        return
    for k in range(count, min(count + 3, len(items)) + 1):
        yield from _fewest_steps(items, k, needed)[:limit]


def _fewest_steps(items: Sequence[list[_Move]], k: int, needed: float) -> list[list[_Move]]:
    """Plans of exactly k indicators reaching `needed`, fewest steps first (dynamic programming)."""
    # state: (indicators used, steps) -> (gain, moves); keep the largest gain for each state
    states: dict[tuple[int, int], tuple[float, tuple[_Move, ...]]] = {(0, 0): (0.0, ())}
    for options in items:
        grown = dict(states)
        for (used, steps), (gain, chosen) in states.items():
            if used == k:
                continue
            for move in options:
                key = (used + 1, steps + move.steps)
                total = gain + move.gain
                if key not in grown or total > grown[key][0]:
                    grown[key] = (total, chosen + (move,))
        states = grown
    plans = [
        (steps, -gain, list(chosen))
        for (used, steps), (gain, chosen) in states.items()
        if used == k and gain >= needed - 1e-9
    ]
    plans.sort(key=lambda plan: (plan[0], plan[1]))
    return [chosen for _, _, chosen in plans]


def _blocking(population: Population, index: int, best: dict[str, float | str], goal: int) -> list[tuple[str, str]]:
    """The rules that hold the rating below the target even with every indicator at its best."""
    fw = population.framework
    ratings = fw.scale.ratings
    upper = rescore(population, index, best, {})
    blocking = []
    for fired in upper.rules_fired:
        if ratings.index(fired.after) > goal and fired.changed:
            rule = next(r for r in fw.rules if r.id == fired.rule)
            blocking.append((rule.id, rule.reason))
    return blocking
