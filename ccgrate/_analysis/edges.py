"""Where a better band begins: the value at the exact edge of it, for an organisation and an
indicator, and which values the data could hold at all.

A value is proposed at the edge of its new band: for an indicator banded from counts, the nearest
whole count (as a rate over the organisation's denominator); otherwise the nearest decimal with as
many places as the data (or the cut point) is written with. One unit back, it would miss the band."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import replace
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from ccgrate._framework.indicators import JudgementIndicator
from ccgrate._scoring.banding import IndicatorColumn, make_banding
from ccgrate._scoring.bind import Population

if TYPE_CHECKING:
    from ccgrate._framework.indicators import AnyIndicator, NumericIndicator


SEARCH_STEPS = 60


def with_changes(
    population: Population, index: int, values: Mapping[str, float | str], judgements: Mapping[str, str]
) -> Population:
    """A copy of the population with one organisation's values and judgements changed."""
    fw = population.framework
    changed = replace(
        population,
        numbers=dict(population.numbers),
        numerators=dict(population.numerators),
        levels=dict(population.levels),
        judgements=dict(population.judgements),
        warnings=[],
    )
    for jid, level in judgements.items():
        column = changed.judgements[jid].copy()
        column[index] = fw.judgements[jid].levels.index(level)
        changed.judgements[jid] = column
        for ind in fw.indicators:
            if ind.method == "judgement" and ind.judgement == jid:
                changed.levels[ind.id] = column
    for ind_id, value in values.items():
        ind = fw.indicator(ind_id)
        if isinstance(ind, JudgementIndicator):
            column = changed.levels.get(ind_id, np.full(len(population), -1, dtype=np.int64)).copy()
            column[index] = fw.levels_of(ind).index(str(value))
            changed.levels[ind_id] = column
            continue
        column = changed.numbers.get(ind_id, np.full(len(population), np.nan)).copy()
        column[index] = float(value)
        changed.numbers[ind_id] = column
        denominators = population.denominators.get(ind_id)
        if denominators is not None and ind_id in changed.numerators and not np.isnan(denominators[index]):
            # A count-based value changes through its numerator; its denominator stays. Multiplied
            # first, so that the numerator reads back as exactly the value (577 of 1000 is 57.7%).
            numerators = changed.numerators[ind_id].copy()
            count = float(value) * denominators[index] / ind.rate_scale
            numerators[index] = round(count) if abs(count - round(count)) < 1e-6 else count  # a whole count stays whole
            changed.numerators[ind_id] = numerators
    return changed


def range_problem(ind: AnyIndicator, number: float) -> str | None:
    """Why a value is not one the data could hold for this indicator (None when it could)."""
    if ind.is_share and not 0 <= number <= 100:
        return f"{number:g}% is outside 0-100; give a percentage between 0 and 100"
    if ind.uses_counts and number < 0:
        return f"{number:g} is below 0, and this indicator is a rate of counts; give a value of 0 or more"
    if ind.uses_counts and ind.counts_are_proportion and not ind.is_percent and number > 1:
        return f"{number:g} is above 1, and this indicator is a proportion; give a proportion between 0 and 1"
    return None


def band_rank(population: Population, index: int, ind: AnyIndicator, value: float | str) -> int:
    """The organisation's band for this indicator if its value were `value` (others unchanged)."""
    changed = with_changes(population, index, {ind.id: value}, {})
    if ind.method == "judgement":
        column = IndicatorColumn(changed.levels[ind.id])
    else:
        column = IndicatorColumn(
            changed.numbers[ind.id], changed.numerators.get(ind.id), changed.denominators.get(ind.id)
        )
    return int(make_banding(population.framework, ind).band(column).rank[index])


def value_for(population: Population, index: int, ind: NumericIndicator, rank: int, current: float) -> float | None:
    """The value nearest to `current`, in the good direction, that reaches band `rank` or better.

    Proposed at the data's own precision: a whole count for an indicator banded from counts (the
    value is then that count over the organisation's denominator), otherwise a decimal with as many
    places as the indicator's values are written with. A value exactly on a cut point is proposed
    where it counts in the better band. Every candidate is checked against the real banding, so the
    same value one unit back (one count, or one unit of the last decimal place) misses the band.
    """
    higher = ind.direction == "higher"

    def reaches(value: float) -> bool:
        return band_rank(population, index, ind, value) <= rank and _within(ind, value)

    edge = _count_edge(population, index, ind, reaches, higher)
    if edge is not None:
        return edge[0] if edge else None
    limit = _furthest(population, ind, current, higher)
    if not reaches(limit):
        return None
    near, far = current, limit  # near misses the band, far reaches it
    places = data_places(population, ind)
    for _ in range(SEARCH_STEPS * 2):
        middle = (near + far) / 2
        if middle in (near, far) or abs(far - near) < 10.0 ** -(places + 3):
            break
        if reaches(middle):
            far = middle
        else:
            near = middle
    return _snapped(near, far, places, higher, reaches)


def _snapped(near: float, far: float, places: int, higher: bool, reaches: Callable[[float], bool]) -> float:
    """The first decimal with `places` places, going from `near` towards `far`, that reaches the band."""
    unit = 10**places
    start = math.floor(near * unit) if higher else math.ceil(near * unit)
    stop = math.ceil(far * unit) if higher else math.floor(far * unit)
    step = 1 if higher else -1
    for k in range(start, stop + 2 * step, step):
        value = float(Fraction(k, unit))  # the double nearest the decimal k / 10^places
        if reaches(value):
            return value
    return far


def data_places(population: Population, ind: AnyIndicator) -> int:
    """How many decimal places the indicator's values are written with in this file, or its cut
    points and standard in the framework, whichever is more (at most 6): a cut of 9.6 is proposed
    as 9.6 even where the data is written in whole numbers."""
    values = population.numbers.get(ind.id)
    written = [*ind.references, *(values[~np.isnan(values)] if values is not None else [])]
    places = 0
    for value in np.unique(np.asarray(written, dtype=np.float64))[:5000].tolist():
        text = repr(value)
        if "e" in text or "E" in text:
            return 6
        places = max(places, len(text.partition(".")[2].rstrip("0")))
        if places >= 6:
            return 6
    return places


def _count_edge(
    population: Population, index: int, ind: NumericIndicator, reaches: Callable[[float], bool], higher: bool
) -> tuple[float] | tuple[()] | None:
    """For an indicator banded from counts: (value,) at the nearest whole count that reaches the
    band, () if none does, or None when the value is not banded from this organisation's counts."""
    numerators = population.numerators.get(ind.id)
    denominators = population.denominators.get(ind.id)
    if not ind.uses_counts or numerators is None or denominators is None:
        return None
    numerator, denominator = numerators[index], denominators[index]
    if np.isnan(numerator) or np.isnan(denominator):
        return None
    scale = ind.rate_scale

    def value_of(count: int) -> float:
        return count * scale / denominator

    top = int(denominator) if ind.counts_are_proportion else int(max(numerator, 1) * 4 + 100)
    if higher:
        low, high = int(numerator), top  # low misses; find the least count that reaches
        if not reaches(value_of(high)):
            return ()
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (low, middle) if reaches(value_of(middle)) else (middle, high)
        return (value_of(high),)
    low, high = 0, int(numerator)  # high misses; find the greatest count that reaches
    if not reaches(value_of(low)):
        return ()
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if reaches(value_of(middle)) else (low, middle)
    return (value_of(low),)


def _within(ind: AnyIndicator, value: float) -> bool:
    return range_problem(ind, value) is None


def _nonnegative(ind: AnyIndicator) -> bool:
    return ind.is_percent or ind.method == "zscore"


def _furthest(population: Population, ind: AnyIndicator, current: float, higher: bool) -> float:
    """As far as a value can sensibly go in the good direction."""
    if ind.is_share:
        return 100.0 if higher else 0.0
    values = population.numbers.get(ind.id)
    present = values[~np.isnan(values)] if values is not None else np.array([current])
    known = [current, *present.tolist(), *ind.references]
    spread = (max(known) - min(known)) or abs(current) or 1.0
    if higher:
        return max(known) + spread
    bottom = min(known) - spread
    return max(bottom, 0.0) if _nonnegative(ind) or min(known) >= 0 else bottom
