"""Read a dataset's raw cells against a framework: numbers, judgement levels, and what is left over.

The result is a list of `OrgInput`, the typed input of the scoring engine, plus warnings about
values the framework has no use for (reported, never silently dropped).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .data import Cell, Record, clip, is_missing, parse_number
from .errors import DataError, location


@dataclass(frozen=True, slots=True)
class Observation:
    """One organisation's value for one indicator: a number, or a level of an ordered scale."""

    value: float | str
    numerator: float | None = None
    denominator: float | None = None


@dataclass(frozen=True)
class OrgInput:
    org_code: str
    org_name: str
    period: str
    values: Mapping[str, Observation]
    judgements: Mapping[str, str]
    source: str = ""


@dataclass
class Bound:
    orgs: list[OrgInput]
    warnings: list[str] = field(default_factory=list)


def level_lookup(levels: Iterable[str], aliases: Mapping[str, str]) -> dict[str, str]:
    """Lower-case spelling -> canonical level."""
    table = {level.lower(): level for level in levels}
    canonical = {level.lower(): level for level in levels}
    for alias, target in aliases.items():
        table[alias.lower()] = canonical[target.lower()]
    return table


def bind(framework: Any, records: list[Record], source: str, period: str) -> Bound:
    """Turn records of one period into typed inputs for `framework`."""
    indicators = {ind.id.lower(): ind for ind in framework.indicators}
    judgements = {jid.lower(): (jid, level_lookup(j.levels, j.aliases), j) for jid, j in framework.judgements.items()}
    scales = {
        ind.id.lower(): level_lookup(framework.levels_of(ind), ind.aliases)
        for ind in framework.indicators
        if ind.method == "judgement" and ind.judgement is None
    }
    fed_by_judgement = {
        ind.id.lower(): ind.judgement for ind in framework.indicators if ind.method == "judgement" and ind.judgement
    }
    unknown: dict[str, int] = {}
    ignored: dict[str, str] = {}
    percent_values: dict[str, list[float]] = {}
    disagree: dict[str, list[str]] = {}
    orgs = []
    for record in records:
        values: dict[str, Observation] = {}
        levels: dict[str, str] = {}
        for key, cell in record.values.items():
            if key in judgements:
                jid, lookup, judgement = judgements[key]
                level = _level(cell, lookup, judgement.levels, source, f"{jid} judgement")
                if level is not None:
                    levels[jid] = level
                continue
            ind = indicators.get(key)
            if ind is None:
                if not is_missing(cell.text):
                    unknown[cell.header] = unknown.get(cell.header, 0) + 1
                continue
            if key in fed_by_judgement:
                if not is_missing(cell.text):
                    ignored[ind.id] = fed_by_judgement[key]
                continue
            if key in scales:
                level = _level(cell, scales[key], framework.levels_of(ind), source, f"indicator {ind.id}")
                if level is not None:
                    values[ind.id] = Observation(level)
                continue
            number = parse_number(cell, source)
            numerator = _count(record.numerators.get(key), source)
            denominator = _count(record.denominators.get(key), source, positive=True)
            if numerator is not None and denominator is not None and uses_counts(ind):
                if is_proportion(ind) and numerator > denominator:
                    counted = record.numerators[key]
                    raise DataError(
                        f"indicator {ind.id}: numerator {numerator:g} is above its denominator {denominator:g}",
                        where=location(source, counted.line, counted.column),
                        hint="a proportion counts events out of cases; check the two columns",
                    )
                from_counts = numerator / denominator * (100 if ind.unit == "%" else 1)
                if number is None:
                    number = from_counts
                elif abs(number - from_counts) > 0.05 * max(abs(from_counts), 1.0):
                    disagree.setdefault(ind.id, []).append(record.org_code)
            if number is None:
                continue
            if ind.unit == "%":
                _check_percentage(number, cell, source, ind.id)
                percent_values.setdefault(ind.id, []).append(number)
            values[ind.id] = Observation(number, numerator, denominator)
        for key, cell in {**record.numerators, **record.denominators}.items():
            if key not in indicators and key not in record.values and not is_missing(cell.text):
                unknown[cell.header] = unknown.get(cell.header, 0) + 1
        for ind_key, jid in fed_by_judgement.items():
            if jid in levels:
                values[indicators[ind_key].id] = Observation(levels[jid])
        orgs.append(
            OrgInput(record.org_code, record.org_name, period, values, levels, source)
        )
    warnings = []
    if unknown:
        ordered = sorted(unknown, key=str.lower)
        names = ", ".join(ordered[:20]) + (f" and {len(ordered) - 20} more" if len(ordered) > 20 else "")
        warnings.append(
            f"{source}: values for columns or indicators that {framework.id} does not define were ignored: {names}"
        )
    for ind_id, jid in sorted(ignored.items()):
        warnings.append(f"{source}: column {ind_id} was ignored: indicator {ind_id} takes its value from the {jid} judgement")
    for ind_id, codes in sorted(disagree.items()):
        shown = ", ".join(codes[:3]) + (f" and {len(codes) - 3} more" if len(codes) > 3 else "")
        warnings.append(
            f"{source}: indicator {ind_id}: the value differs by more than 5% from numerator / denominator for "
            f"{shown}; banding uses the counts"
        )
    for ind_id, numbers in sorted(percent_values.items()):
        scale = reference_scale(indicators[ind_id.lower()])
        if scale is not None and scale > 1 and len(numbers) >= 3 and all(0 <= n <= 1 for n in numbers) and any(numbers):
            warnings.append(
                f"{source}: every value of indicator {ind_id} lies between 0 and 1; it is a percentage, "
                "so 0.67 means 0.67%, not 67% (multiply proportions by 100)"
            )
    return Bound(orgs, warnings)


def reference_scale(ind: Any) -> float | None:
    """The largest number the framework compares this indicator with, if it names one."""
    numbers = [getattr(ind, "standard", None), *(getattr(ind, "cuts", None) or [])]
    target = getattr(ind, "target", None)
    if isinstance(target, float):
        numbers.append(target)
    numbers = [n for n in numbers if n is not None]
    return max(numbers) if numbers else None


def uses_counts(ind: Any) -> bool:
    """Whether an indicator is banded from its numerator and denominator rather than its value."""
    return ind.method == "zscore" or (ind.method == "standard" and ind.significance is not None)


def is_proportion(ind: Any) -> bool:
    return ind.method == "standard" or getattr(ind, "data", None) == "proportion"


def _level(cell: Cell, lookup: Mapping[str, str], levels: list[str], source: str, what: str) -> str | None:
    text = cell.text.strip()
    if is_missing(text):
        return None
    level = lookup.get(text.lower())
    if level is None:
        raise DataError(
            f'{what}: "{clip(text)}" is not a level of the scale ({", ".join(levels)})',
            where=location(source, cell.line, cell.column),
            hint="use one of those levels or leave the cell blank",
        )
    return level


def _count(cell: Cell | None, source: str, positive: bool = False) -> float | None:
    if cell is None:
        return None
    number = parse_number(cell, source)
    if number is None:
        return None
    if number < 0 or (positive and number == 0):
        need = "greater than 0" if positive else "0 or more"
        raise DataError(
            f'column "{cell.header}": {number:g} is not a count; it must be {need}',
            where=location(source, cell.line, cell.column),
            hint="correct the count or leave the cell blank",
        )
    return number


def _check_percentage(number: float, cell: Cell, source: str, ind_id: str) -> None:
    if not 0 <= number <= 100:
        raise DataError(
            f"indicator {ind_id}: {number:g}% is outside 0-100",
            where=location(source, cell.line, cell.column),
            hint="give the value as a percentage between 0 and 100",
        )
